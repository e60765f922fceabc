package main

import (
	"slices"
	"testing"

	"github.com/flowq/flowq/engine/timespec"
)

// v2 is the default (version 2) format's header line, written out by hand.
const v2 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

func TestSyncFlags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, o *syncOptions)
		err   string
	}{
		{"s3 with filters", []string{"s3://central/vpc", "--accounts", "111111111111,222222222222", "--regions", "eu-west-1",
			"--endpoint-url", "http://127.0.0.1:9000", "--path-style", "--concurrency", "8", "--no-load", "--dry-run", "--wait", "--profile", "p"},
			func(t *testing.T, o *syncOptions) {
				if o.bucket != "central" || o.prefix != "vpc/" || o.group != "" || !slices.Equal(o.accounts, []string{"111111111111", "222222222222"}) ||
					!slices.Equal(o.regions, []string{"eu-west-1"}) || o.endpoint != "http://127.0.0.1:9000" || !o.pathStyle ||
					o.concurrency != 8 || !o.noLoad || !o.dryRun || !o.wait || o.profile != "p" || !o.rng.IsZero() {
					t.Errorf("%+v", *o)
				}
			}, ""},
		// Issue 15: `--since 2024-05-01` was refused by sync and accepted by why.
		{"since a date", []string{"s3://logs", "--since", "2024-05-01"}, wantRange(timespec.Range{From: utc(2024, 5, 1, 0)}), ""},
		{"since a look-back", []string{"s3://logs", "--since", "36h"}, wantRange(timespec.Range{From: utc(2024, 5, 9, 0)}), ""},
		// --to names the last day kept: the range ends at the next midnight, for S3 and CloudWatch alike.
		{"from and to days", []string{"s3://logs", "--from", "2024-05-01", "--to", "2024-05-07"},
			wantRange(timespec.Range{From: utc(2024, 5, 1, 0), To: utc(2024, 5, 8, 0)}), ""},
		{"to an hour, cw", []string{"cw://vpc-flow-logs", "--from", "2024-05-01T06", "--to", "2024-05-01T07"},
			wantRange(timespec.Range{From: utc(2024, 5, 1, 6), To: utc(2024, 5, 1, 8)}), ""},
		{"until is left out", []string{"s3://logs", "--since", "2024-05-01", "--until", "2024-05-07"},
			wantRange(timespec.Range{From: utc(2024, 5, 1, 0), To: utc(2024, 5, 7, 0)}), ""},
		{"cw group with a slash and the default format", []string{"cw:///aws/vpc/flow-logs", "--streams", "eni-1,eni-2", "--accounts", "111111111111"},
			func(t *testing.T, o *syncOptions) {
				if o.group != "/aws/vpc/flow-logs" || o.bucket != "" || !slices.Equal(o.streams, []string{"eni-1", "eni-2"}) || o.header.Names() != v2 {
					t.Errorf("%+v (header %q)", *o, o.header.Names())
				}
			}, ""},
		{"cw custom format", []string{"cw://g", "--log-format", "${srcaddr} ${dstaddr} ${version}"},
			func(t *testing.T, o *syncOptions) {
				if o.header.Names() != "srcaddr dstaddr version" {
					t.Errorf("header %q", o.header.Names())
				}
			}, ""},
		{"cw lookup", []string{"cw://g", "--lookup-format"},
			func(t *testing.T, o *syncOptions) {
				if !o.lookupFormat || len(o.header.Fields) != 0 {
					t.Errorf("%+v", *o)
				}
			}, ""},
		{"since and from", []string{"s3://logs", "--since", "7d", "--from", "2024-05-01"}, nil, "use either --since or --from"},
		{"until and to", []string{"s3://logs", "--until", "7d", "--to", "2024-05-01"}, nil, "use either --until or --to"},
		{"to before from", []string{"s3://logs", "--from", "2024-05-03", "--to", "2024-05-01"}, nil, "empty time range"},
		{"bad since", []string{"s3://logs", "--since", "7days"}, nil, `--since: "7days": want a duration such as 7d`},
		{"not a source", []string{"https://b"}, nil, `source "https://b" is not s3://BUCKET`},
		{"no group", []string{"cw://"}, nil, "no log group given"},
		{"no bucket", []string{"s3://"}, nil, ""},
		{"cw dry run", []string{"cw://g", "--dry-run"}, nil, "--dry-run is not supported for cw:// sources"},
		{"both formats", []string{"cw://g", "--lookup-format", "--log-format", "${version}"}, nil, "use either --log-format or --lookup-format"},
		{"bad format", []string{"cw://g", "--log-format", "${srcaddr"}, nil, "--log-format: "},
		{"no source", nil, nil, "accepts 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCmd(t, newSyncCmd, tc.args...)
			if tc.check == nil {
				checkUsage(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func wantRange(want timespec.Range) func(*testing.T, *syncOptions) {
	return func(t *testing.T, o *syncOptions) {
		t.Helper()
		if o.rng != want {
			t.Errorf("range %v .. %v, want %v .. %v", o.rng.From, o.rng.To, want.From, want.To)
		}
	}
}
