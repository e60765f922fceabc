package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/athena"
	"github.com/flowq/flowq/engine/iostreams"
	"github.com/spf13/cobra"
)

func TestAthenaPublishFlags(t *testing.T) {
	def := athenaTarget{database: "default", workgroup: "primary"}
	for _, tc := range []struct {
		name    string
		args    []string
		want    *athenaPublishOptions // nil: a usage error is expected
		wantErr string
	}{
		{name: "defaults", args: []string{"s3://lake/flowq"},
			want: &athenaPublishOptions{target: athena.S3URL{Bucket: "lake", Prefix: "flowq"}, athena: def}},
		{name: "bucket only, trailing slash", args: []string{"s3://lake/"},
			want: &athenaPublishOptions{target: athena.S3URL{Bucket: "lake"}, athena: def}},
		{name: "every flag", args: []string{"s3://lake/a/b/", "--database", "net_logs", "--workgroup", "analysts-1",
			"--output-location", "s3://res/out/", "--dry-run", "--profile", "prod", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:5000"},
			want: &athenaPublishOptions{target: athena.S3URL{Bucket: "lake", Prefix: "a/b"}, dryRun: true,
				athena: athenaTarget{database: "net_logs", workgroup: "analysts-1", outputLocation: "s3://res/out/",
					aws: awsFlags{profile: "prod", region: "eu-west-1", endpoint: "http://127.0.0.1:5000"}}}},
		{name: "no target", args: nil, wantErr: "give one s3://BUCKET/PREFIX"},
		{name: "two targets", args: []string{"s3://a", "s3://b"}, wantErr: "give one s3://BUCKET/PREFIX"},
		{name: "not s3", args: []string{"/tmp/lake"}, wantErr: "not an s3:// URL"},
		{name: "no bucket", args: []string{"s3:///x"}, wantErr: "names no bucket"},
		{name: "database with a hyphen", args: []string{"s3://lake", "--database", "net-logs"}, wantErr: "--database \"net-logs\""},
		{name: "database in capitals", args: []string{"s3://lake", "--database", "Net"}, wantErr: "lower-case"},
		{name: "workgroup with a space", args: []string{"s3://lake", "--workgroup", "my wg"}, wantErr: "--workgroup"},
		{name: "output location not s3", args: []string{"s3://lake", "--output-location", "https://x"}, wantErr: "--output-location"},
		{name: "unknown flag", args: []string{"s3://lake", "--bucket", "x"}, wantErr: "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			f := newFactory(iostreams.Test(nil, &out, &errOut))
			var got *athenaPublishOptions
			cmd := newAthenaPublishCmd(f, func(_ context.Context, o *athenaPublishOptions) error {
				got = o
				return nil
			})
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			err := cmd.Execute()
			if tc.want == nil {
				var ee *exitError
				if !errors.As(err, &ee) || ee.code != exitUsage {
					t.Fatalf("error %v, want a usage error (exit %d)", err, exitUsage)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q lacks %q", err, tc.wantErr)
				}
				if got != nil {
					t.Fatal("runF called despite the usage error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("runF not called")
			}
			if got.f != f {
				t.Error("options lost the factory")
			}
			got.f = nil
			if *got != *tc.want {
				t.Errorf("options\n%+v\nwant\n%+v", *got, *tc.want)
			}
		})
	}
}

// --on and its Athena flags, as run and query will register them.
func TestAthenaRemoteFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		remote  bool
		target  athenaTarget
		wantErr string
	}{
		{name: "local by default", args: nil, target: athenaTarget{database: "default", workgroup: "primary"}},
		{name: "athena", args: []string{"--on", "athena", "--database", "netlogs", "--workgroup", "wg", "--region", "eu-west-1"},
			remote: true, target: athenaTarget{database: "netlogs", workgroup: "wg", aws: awsFlags{region: "eu-west-1"}}},
		{name: "unknown place", args: []string{"--on", "bigquery"}, wantErr: "want local or athena"},
		{name: "chart is local only", args: []string{"--on", "athena", "--chart", "bar"}, wantErr: "--chart"},
		{name: "duckdb dialect cannot run there", args: []string{"--on", "athena", "--dialect", "duckdb"}, wantErr: "--dialect duckdb"},
		{name: "bad database", args: []string{"--on", "athena", "--database", "a;b"}, wantErr: "--database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var of outputFlags
			var r athenaRemote
			var remote bool
			var rerr error
			cmd := &cobra.Command{Use: "query", RunE: func(*cobra.Command, []string) error {
				remote, rerr = r.remote(&of)
				return nil
			}}
			of.register(cmd, true)
			r.register(cmd)
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" {
				var ee *exitError
				if !errors.As(rerr, &ee) || ee.code != exitUsage || !strings.Contains(rerr.Error(), tc.wantErr) {
					t.Fatalf("error %v, want a usage error with %q", rerr, tc.wantErr)
				}
				return
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if remote != tc.remote || r.athena != tc.target {
				t.Errorf("remote %v %+v, want %v %+v", remote, r.athena, tc.remote, tc.target)
			}
		})
	}
}
