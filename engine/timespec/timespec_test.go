package timespec

import (
	"strings"
	"testing"
	"time"
)

func TestParseLookback(t *testing.T) {
	// Expected values are written out by hand: 1 day = 86,400 s, 1 week = 604,800 s.
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"7d", 604800 * time.Second},
		{"1d", 86400 * time.Second},
		{"0d", 0},
		{"2w", 1209600 * time.Second},
		{"1w", 604800 * time.Second},
		{"30d", 2592000 * time.Second},
		{"36h", 129600 * time.Second},
		{"90m", 5400 * time.Second},
		{"1h30m", 5400 * time.Second},
		{"45s", 45 * time.Second},
		{"0", 0},
		{" 1d ", 86400 * time.Second},
		{"\t2w\n", 1209600 * time.Second},
		{"+3d", 259200 * time.Second},
		{"106751d", 9223286400 * time.Second}, // the largest whole number of days a Duration holds
		{"15250w", 9223200000 * time.Second},  // likewise in weeks (15,250 × 604,800 s)
	} {
		got, err := ParseLookback(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseLookback(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseLookbackErrors(t *testing.T) {
	for _, tc := range []struct {
		in, msg string // msg: a part the error must contain
	}{
		{"", "empty duration"},
		{"   ", "empty duration"},
		{"d", `"d": want a whole number of days (7d) or weeks (2w)`},
		{"w", `"w": want a whole number`},
		{"1.5d", `"1.5d": want a whole number`},
		{"7days", `"7days": want a duration such as 7d, 36h or 2w`},
		{"7D", `"7D": want a duration`},
		{"1_000d", `want a whole number`},
		{"yesterday", `"yesterday": want a duration`},
		{"2024-05-01", `want a duration`},
		{"-3d", `"-3d" is negative`},
		{"-1w", `"-1w" is negative`},
		{"-1h", `"-1h" is negative`},
		{"-99999999999999999999d", `is negative`},
		{"106752d", `"106752d" is too long: the most is 106751d`},
		{"15251w", `"15251w" is too long`},
		{"99999999999999999999d", `is too long`},
		{"3000000h", `"3000000h": want a duration`}, // past time.Duration's range
	} {
		got, err := ParseLookback(tc.in)
		if err == nil {
			t.Errorf("ParseLookback(%q) = %v, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseLookback(%q) error %q, want it to contain %q", tc.in, err, tc.msg)
		}
	}
}
