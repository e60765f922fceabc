// Package timespec reads the time expressions users type on the command line — look-backs
// (7d, 36h), dates, hours, RFC 3339, Unix seconds — and the half-open ranges [from, to) built from them.
package timespec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// ParseLookback reads a look-back duration: a whole number of days ("7d") or weeks ("2w"), or
// anything time.ParseDuration accepts ("36h", "90m", "1h30m"). Surrounding blanks are ignored.
// A negative duration, or one too long for a time.Duration (about 292 years), is an error.
// Errors name the input, so callers only add which flag or parameter it came from.
func ParseLookback(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if unit := s[len(s)-1]; unit == 'd' || unit == 'w' {
		n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
		if err != nil && !isRange(err) {
			return 0, fmt.Errorf("%q: want a whole number of days (7d) or weeks (2w)", s)
		}
		if n < 0 {
			return 0, fmt.Errorf("%q is negative: want a duration such as 7d, 36h or 2w", s)
		}
		per := day
		if unit == 'w' {
			per = 7 * day
		}
		if err != nil || n > int64(math.MaxInt64/per) {
			return 0, fmt.Errorf("%q is too long: the most is %dd", s, int64(math.MaxInt64/day))
		}
		return time.Duration(n) * per, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil { // also a value past time.Duration's range ("3000000h")
		return 0, fmt.Errorf("%q: want a duration such as 7d, 36h or 2w", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative: want a duration such as 7d, 36h or 2w", s)
	}
	return d, nil
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
