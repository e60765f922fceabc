package s3sync

import (
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 5, 3, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"7d", time.Date(2024, 4, 26, 12, 0, 0, 0, time.UTC), true},
		{"36h", time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC), true},
		{"2w", time.Date(2024, 4, 19, 12, 0, 0, 0, time.UTC), true},
		{"90m", time.Date(2024, 5, 3, 10, 30, 0, 0, time.UTC), true},
		{" 1d ", time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"d", time.Time{}, false},
		{"-3d", time.Time{}, false},
		{"7days", time.Time{}, false},
		{"-1h", time.Time{}, false},
	}
	for _, c := range cases {
		got, err := ParseSince(c.in, now)
		if (err == nil) != c.ok || !got.Equal(c.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseTimeRange(t *testing.T) {
	cases := []struct {
		from, to         string
		wantFrom, wantTo time.Time
		ok               bool
	}{
		{"2024-05-01", "2024-05-02", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 2, 23, 59, 59, 999999999, time.UTC), true},
		{"2024-05-01T06", "2024-05-01T07", time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 7, 59, 59, 999999999, time.UTC), true},
		{"2024-05-01T06:30:00+02:00", "", time.Date(2024, 5, 1, 4, 30, 0, 0, time.UTC), time.Time{}, true},
		{"", "2024-05-01T10:00:00Z", time.Time{}, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), true},
		{"2024-05-03", "2024-05-01", time.Time{}, time.Time{}, false},
		{"yesterday", "", time.Time{}, time.Time{}, false},
		{"2024-13-01", "", time.Time{}, time.Time{}, false},
	}
	for _, c := range cases {
		f, to, err := ParseTimeRange(c.from, c.to)
		if (err == nil) != c.ok || !f.Equal(c.wantFrom) || !to.Equal(c.wantTo) {
			t.Errorf("ParseTimeRange(%q, %q) = %v, %v, %v; want %v, %v ok=%v", c.from, c.to, f, to, err, c.wantFrom, c.wantTo, c.ok)
		}
	}
}

func TestOverlaps(t *testing.T) {
	day := time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		from, to time.Time
		want     bool
	}{
		{time.Time{}, time.Time{}, true},
		{day.Add(24 * time.Hour), time.Time{}, false},                // starts right after the day
		{day.Add(24*time.Hour - time.Nanosecond), time.Time{}, true}, // last instant of the day
		{time.Time{}, day.Add(-time.Nanosecond), false},              // ends just before
		{time.Time{}, day, true},                                     // ends at its first instant
		{day.Add(-48 * time.Hour), day.Add(-24 * time.Hour), false},  // wholly before
		{day.Add(3 * time.Hour), day.Add(4 * time.Hour), true},       // inside
	}
	for i, c := range cases {
		if got := overlaps(day, 24*time.Hour, c.from, c.to); got != c.want {
			t.Errorf("case %d: overlaps(day, %v, %v) = %v", i, c.from, c.to, got)
		}
	}
}
