package timespec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// layouts are the calendar forms an instant may take, read in UTC, with the period each one
// names (a day, an hour, a minute, a second); RFC 3339 with a zone is tried before them.
var layouts = []struct {
	layout string
	span   time.Duration
}{
	{"2006-01-02", day},
	{"2006-01-02T15", time.Hour},
	{"2006-01-02 15", time.Hour},
	{"2006-01-02T15:04", time.Minute},
	{"2006-01-02 15:04", time.Minute},
	{"2006-01-02T15:04:05", time.Second},
	{"2006-01-02 15:04:05", time.Second},
}

// parse reads an instant and the length of the period it names: a day for "2024-05-01", an
// hour for "2024-05-01T13", 0 for a look-back, Unix seconds or RFC 3339 (an exact instant).
func parse(s string, now time.Time) (time.Time, time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, 0, fmt.Errorf("empty time")
	}
	// Unix seconds come before look-backs so "0" is the epoch, as a saved-query parameter has always read it.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), 0, nil
	}
	d, lookErr := ParseLookback(s)
	if lookErr == nil {
		return now.Add(-d).UTC(), 0, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), 0, nil
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l.layout, s, time.UTC); err == nil {
			return t, l.span, nil
		}
	}
	if looksLikeLookback(s) { // "-3d", "7days": the look-back's own error says what is wrong
		return time.Time{}, 0, lookErr
	}
	return time.Time{}, 0, fmt.Errorf("%q is not a time: use a duration back from now (7d, 36h, 90m), a date (2024-05-01), an hour (2024-05-01T13), RFC 3339 (2024-05-01T10:00:00Z) or Unix seconds", s)
}

// ParseInstant reads a point in time: a look-back from now ("7d", "36h"; ParseLookback's
// grammar), Unix seconds, RFC 3339, or a date, hour or minute in UTC ("2024-05-01",
// "2024-05-01T13", "2024-05-01 13:30[:00]"), which stands for its first instant. The result is UTC.
func ParseInstant(s string, now time.Time) (time.Time, error) {
	t, _, err := parse(s, now)
	return t, err
}

// ParseEnd reads the last period a range includes and returns the first instant after it, the
// exclusive end of a half-open range: "2024-05-07" → 2024-05-08T00:00Z, "2024-05-07T13" →
// 14:00Z. An exact instant (RFC 3339, Unix seconds, a look-back) is itself the end.
func ParseEnd(s string, now time.Time) (time.Time, error) {
	t, span, err := parse(s, now)
	return t.Add(span), err
}

// looksLikeLookback: a number with a unit letter, as a look-back is written.
func looksLikeLookback(s string) bool {
	first, last := s[0], s[len(s)-1]
	return (first >= '0' && first <= '9' || first == '-' || first == '+') && strings.IndexByte("dwhms", last) >= 0
}
