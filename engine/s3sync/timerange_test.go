package s3sync

import (
	"context"
	"testing"
	"time"
)

// TestToIsExclusive pins issue 15's bug: To is the first instant left out, as in CloudWatch Logs
// sync and every command ([From, To)); a To at midnight of May 3 keeps May 3's partitions out.
func TestToIsExclusive(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to time.Time
		keep     func(seedObj) bool
	}{
		{"days", may2, may3, func(o seedObj) bool { return o.day.Equal(may2) }},
		{"to at an hour", may2.Add(6 * time.Hour), may2.Add(7 * time.Hour), func(o seedObj) bool {
			// hour 06 of the hourly layouts, and May 2's daily partitions (they overlap the range)
			return o.day.Equal(may2) && (o.hour == 6 || o.hour == -1)
		}},
		{"only to", time.Time{}, may2, func(o seedObj) bool { return o.day.Equal(may1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3(t)
			seed := seedLayouts(f)
			mirror := t.TempDir()
			opts := testOpts(mirror)
			opts.From, opts.To = tc.from, tc.to
			res, err := Sync(context.Background(), f.client(t, nil), opts)
			if err != nil {
				t.Fatal(err)
			}
			want := wantSeeds(seed, tc.keep)
			if len(want) == 0 || res.Downloaded != len(want) {
				t.Fatalf("downloaded %d objects, want the %d planted in range; result %s", res.Downloaded, len(want), summary(res))
			}
			assertMirror(t, mirror, want)
		})
	}
}
