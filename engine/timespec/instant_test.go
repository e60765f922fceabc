package timespec

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}

func TestParseInstantAndEnd(t *testing.T) {
	// Expected instants are written out by hand; end is the first instant after the named period.
	for _, tc := range []struct {
		in         string
		start, end time.Time
	}{
		{"7d", utc(2024, 5, 3, 12, 0, 0), utc(2024, 5, 3, 12, 0, 0)},
		{"2w", utc(2024, 4, 26, 12, 0, 0), utc(2024, 4, 26, 12, 0, 0)},
		{"36h", utc(2024, 5, 9, 0, 0, 0), utc(2024, 5, 9, 0, 0, 0)},
		{"1h30m", utc(2024, 5, 10, 10, 30, 0), utc(2024, 5, 10, 10, 30, 0)},
		{"2024-05-01", utc(2024, 5, 1, 0, 0, 0), utc(2024, 5, 2, 0, 0, 0)},
		{" 2024-05-01 ", utc(2024, 5, 1, 0, 0, 0), utc(2024, 5, 2, 0, 0, 0)},
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0), utc(2024, 3, 1, 0, 0, 0)},
		{"2024-12-31", utc(2024, 12, 31, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0)},
		{"2024-05-01T13", utc(2024, 5, 1, 13, 0, 0), utc(2024, 5, 1, 14, 0, 0)},
		{"2024-05-01 23", utc(2024, 5, 1, 23, 0, 0), utc(2024, 5, 2, 0, 0, 0)},
		{"2024-05-01T10:30", utc(2024, 5, 1, 10, 30, 0), utc(2024, 5, 1, 10, 31, 0)},
		{"2024-05-01 10:30:15", utc(2024, 5, 1, 10, 30, 15), utc(2024, 5, 1, 10, 30, 16)},
		{"2024-05-01T10:00:00Z", utc(2024, 5, 1, 10, 0, 0), utc(2024, 5, 1, 10, 0, 0)},
		{"2024-05-01T12:00:00+02:00", utc(2024, 5, 1, 10, 0, 0), utc(2024, 5, 1, 10, 0, 0)},
		{"1714557600", utc(2024, 5, 1, 10, 0, 0), utc(2024, 5, 1, 10, 0, 0)},
		{"0", time.Unix(0, 0).UTC(), time.Unix(0, 0).UTC()},
	} {
		got, err := ParseInstant(tc.in, now)
		if err != nil || !got.Equal(tc.start) || got.Location() != time.UTC {
			t.Errorf("ParseInstant(%q) = %v, %v; want %v", tc.in, got, err, tc.start)
		}
		got, err = ParseEnd(tc.in, now)
		if err != nil || !got.Equal(tc.end) {
			t.Errorf("ParseEnd(%q) = %v, %v; want %v", tc.in, got, err, tc.end)
		}
	}
}

func TestParseInstantErrors(t *testing.T) {
	for _, in := range []string{"", "  ", "yesterday", "7x", "-3d", "2024-13-01", "2024-05-32", "2024-05-01T25", "01/05/2024"} {
		if got, err := ParseInstant(in, now); err == nil {
			t.Errorf("ParseInstant(%q) = %v, want an error", in, got)
		}
		if got, err := ParseEnd(in, now); err == nil {
			t.Errorf("ParseEnd(%q) = %v, want an error", in, got)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"yesterday", `"yesterday" is not a time: use a duration back from now`},
		{"2024/05/01", `"2024/05/01" is not a time`},
		{"-3d", `"-3d" is negative`},          // a look-back's own error is more useful
		{"7days", `"7days": want a duration`}, // likewise
		{"", "empty time"},
	} {
		_, err := ParseInstant(tc.in, now)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseInstant(%q) error %v, want it to contain %q", tc.in, err, tc.msg)
		}
	}
}
