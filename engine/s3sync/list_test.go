package s3sync

import (
	"context"
	"strings"
	"testing"
	"time"
)

// wantSeeds selects planted objects by their planted facts (not by parsing keys).
func wantSeeds(seed []seedObj, keep func(seedObj) bool) []seedObj {
	var out []seedObj
	for _, o := range seed {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

func TestFiltersPruneListing(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.Accounts = []string{"111111111111", "444444444444"}
	opts.Regions = []string{"us-east-1"}
	opts.From, opts.To = may2, may3 // the day May 2: [May 2, May 3)
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Planted: account 111 has one daily object plus the Parquet one on May 2 in us-east-1;
	// account 444 is hourly with 4 hours a day.
	want := wantSeeds(seed, func(o seedObj) bool {
		return (o.account == "111111111111" || o.account == "444444444444") && o.region == "us-east-1" && o.day.Equal(may2)
	})
	if len(want) != 6 || res.Downloaded != 6 || res.Listed != 6 {
		t.Fatalf("want 6 planted objects, got %d; result %s", len(want), summary(res))
	}
	assertMirror(t, mirror, want)

	for _, p := range []string{
		"AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/02/",
		"org/flow/AWSLogs/o-abc123/aws-account-id=444444444444/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=02/",
	} {
		if n := f.ListCalls(p, false); n != 1 {
			t.Errorf("day %s listed %d times, want once", p, n)
		}
	}
	var total int
	for k, n := range f.ListCallsByPrefix() {
		total += n
		for _, never := range []string{"eu-west-1", "222222222222/", "333333333333/", "/2024/05/01/", "/2024/05/03/", "day=01/", "day=03/"} {
			if strings.Contains(k, never) {
				t.Errorf("listing was not pruned: %d call(s) for %s", n, k)
			}
		}
		if strings.HasSuffix(k, "us-east-1/|false") {
			t.Errorf("whole region listed: %s", k)
		}
	}
	if int64(total) != res.ListCalls {
		t.Errorf("server saw %d list calls, result says %d", total, res.ListCalls)
	}
	// Discovery: root, AWSLogs/, AWSLogs/o-abc123/, 111's regions, logs/, logs/AWSLogs/, org/,
	// org/flow/, org/flow/AWSLogs/, its o-abc123/, 444's regions; then the two days.
	if res.ListCalls != 13 {
		t.Errorf("list calls = %d, want 13", res.ListCalls)
	}
}

func TestFiltersPruneHours(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.Prefix = "logs/"
	opts.Accounts = []string{"222222222222"}
	opts.Regions = []string{"eu-west-1"}
	opts.From, opts.To = may2.Add(6*time.Hour), may2.Add(8*time.Hour) // hours 06 and 07
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := wantSeeds(seed, func(o seedObj) bool {
		return o.account == "222222222222" && o.region == "eu-west-1" && o.day.Equal(may2) && (o.hour == 6 || o.hour == 7)
	})
	if len(want) != 2 || res.Downloaded != 2 {
		t.Fatalf("want the 2 planted objects of hours 06 and 07, result %s", summary(res))
	}
	assertMirror(t, mirror, want)
	day := "logs/AWSLogs/222222222222/vpcflowlogs/eu-west-1/2024/05/02/"
	checks := []struct {
		prefix string
		delim  bool
		want   int
	}{
		{day, true, 1}, {day, false, 0},
		{day + "06/", false, 1}, {day + "07/", false, 1},
		{day + "00/", false, 0}, {day + "23/", false, 0},
		{"", true, 0}, // the prefix is a folder: nothing above it is listed
	}
	for _, c := range checks {
		if n := f.ListCalls(c.prefix, c.delim); n != c.want {
			t.Errorf("list %q delim=%v: %d calls, want %d", c.prefix, c.delim, n, c.want)
		}
	}
}

func TestSinceRangeKeepsPartialDays(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	now := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC)
	opts.Now = func() time.Time { return now }
	opts.From = now.Add(-36 * time.Hour)
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := wantSeeds(seed, func(o seedObj) bool {
		return o.day.Equal(may2) || (o.day.Equal(may3) && o.hour <= 12)
	})
	// By hand: daily layouts 2 accounts × 2 regions × 2 days + Parquet = 9; hourly layouts
	// 2 accounts × 2 regions × (4 + 3 hours) = 28.
	if len(want) != 37 || res.Downloaded != 37 {
		t.Fatalf("want 37, planted %d, result %s", len(want), summary(res))
	}
	assertMirror(t, mirror, want)
}

func TestPrefixSelectsSubtree(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	f.put("exports/a.txt", []byte("plain"))
	f.put("exports/sub/b.bin", []byte{0, 1, 2})
	cases := []struct {
		prefix string
		want   []seedObj
	}{
		{"logs", wantSeeds(seed, func(o seedObj) bool { return o.account == "222222222222" })},
		{"/AWSLogs/o-abc123/aws-account-id=333333333333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=05/",
			wantSeeds(seed, func(o seedObj) bool { return o.account == "333333333333" && o.region == "eu-west-1" })},
		{"exports/", []seedObj{{key: "exports/a.txt", body: []byte("plain")}, {key: "exports/sub/b.bin", body: []byte{0, 1, 2}}}},
	}
	for _, c := range cases {
		t.Run(c.prefix, func(t *testing.T) {
			mirror := t.TempDir()
			opts := testOpts(mirror)
			opts.Prefix = c.prefix
			res, err := Sync(context.Background(), f.client(t, nil), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Downloaded != len(c.want) {
				t.Errorf("downloaded %d, want %d", res.Downloaded, len(c.want))
			}
			assertMirror(t, mirror, c.want)
		})
	}
}
