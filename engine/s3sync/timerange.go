package s3sync

import (
	"fmt"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/timespec"
)

// ParseSince turns "7d", "36h", "2w" or a Go duration ("90m") into the start of the range
// ending at now, in UTC. The grammar is timespec.ParseLookback's.
func ParseSince(s string, now time.Time) (time.Time, error) {
	d, err := timespec.ParseLookback(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("since: %w", err)
	}
	return now.UTC().Add(-d), nil
}

// ParseTimeRange parses --from/--to values: "2006-01-02", "2006-01-02T15" (an hour) or
// RFC 3339. Either may be empty (unbounded). A day or hour given as --to includes all of it.
func ParseTimeRange(from, to string) (time.Time, time.Time, error) {
	f, _, err := parseStamp(from)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("from: %w", err)
	}
	t, span, err := parseStamp(to)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("to: %w", err)
	}
	if !t.IsZero() && span > 0 {
		t = t.Add(span - time.Nanosecond)
	}
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		return time.Time{}, time.Time{}, fmt.Errorf("to %q is before from %q", to, from)
	}
	return f, t, nil
}

// parseStamp returns the instant and how long the written value spans (a day, an hour, or 0).
func parseStamp(s string) (time.Time, time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, 0, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, 24 * time.Hour, nil
	}
	if t, err := time.Parse("2006-01-02T15", s); err == nil {
		return t, time.Hour, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), 0, nil
	}
	return time.Time{}, 0, fmt.Errorf("%q: want YYYY-MM-DD, YYYY-MM-DDTHH or RFC 3339", s)
}

// overlaps reports whether [start, start+span) meets the closed range [from, to]; zero bounds are open.
func overlaps(start time.Time, span time.Duration, from, to time.Time) bool {
	if !from.IsZero() && !start.Add(span).After(from) {
		return false
	}
	if !to.IsZero() && start.After(to) {
		return false
	}
	return true
}
