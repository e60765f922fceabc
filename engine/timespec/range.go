package timespec

import (
	"fmt"
	"time"
)

// Range is the half-open interval [From, To): From is included, To is the first instant left
// out. A zero bound is open. Every command and both syncs use this one convention.
type Range struct {
	From, To time.Time
}

// Contains reports whether t falls in the range.
func (r Range) Contains(t time.Time) bool {
	return (r.From.IsZero() || !t.Before(r.From)) && (r.To.IsZero() || t.Before(r.To))
}

// Overlaps reports whether the period [start, start+span) shares an instant with the range.
func (r Range) Overlaps(start time.Time, span time.Duration) bool {
	if !r.From.IsZero() && !start.Add(span).After(r.From) {
		return false
	}
	return r.To.IsZero() || start.Before(r.To)
}

// Covers reports whether the whole period [start, start+span) lies in the range.
func (r Range) Covers(start time.Time, span time.Duration) bool {
	return (r.From.IsZero() || !start.Before(r.From)) && (r.To.IsZero() || !start.Add(span).After(r.To))
}

// IsZero reports whether both bounds are open.
func (r Range) IsZero() bool { return r.From.IsZero() && r.To.IsZero() }

// check refuses a range whose end is not after its start.
func (r Range) check() error {
	if !r.From.IsZero() && !r.To.IsZero() && !r.To.After(r.From) {
		return fmt.Errorf("empty time range: %s is not before %s", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return nil
}

// Spec is a range as typed: Since (or From, its synonym for a first day or hour) is the first
// instant included; Until is the first instant left out; To names the last day, hour or instant
// included. Empty fields are open. At most one of Since/From and one of Until/To may be set.
type Spec struct {
	Since, From, Until, To string
}

// Parse turns the spec into a Range relative to now. Errors name the flag (--since, --to...).
func (s Spec) Parse(now time.Time) (Range, error) {
	var r Range
	if s.Since != "" && s.From != "" {
		return r, fmt.Errorf("use either --since or --from")
	}
	if s.Until != "" && s.To != "" {
		return r, fmt.Errorf("use either --until or --to")
	}
	var err error
	for _, b := range []struct {
		flag, val string
		dst       *time.Time
		parse     func(string, time.Time) (time.Time, error)
	}{
		{"--since", s.Since, &r.From, ParseInstant},
		{"--from", s.From, &r.From, ParseInstant},
		{"--until", s.Until, &r.To, ParseInstant},
		{"--to", s.To, &r.To, ParseEnd},
	} {
		if b.val == "" {
			continue
		}
		if *b.dst, err = b.parse(b.val, now); err != nil {
			return Range{}, fmt.Errorf("%s: %w", b.flag, err)
		}
	}
	if err := r.check(); err != nil {
		return Range{}, err
	}
	return r, nil
}
