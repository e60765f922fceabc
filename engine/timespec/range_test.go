package timespec

import (
	"strings"
	"testing"
	"time"
)

func TestSpecParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		want Range
		err  string // part of the error; "" for none
	}{
		{"open", Spec{}, Range{}, ""},
		{"since look-back", Spec{Since: "7d"}, Range{From: utc(2024, 5, 3, 12, 0, 0)}, ""},
		// The bug of issue 15: a date as --since, which `why` took and `sync` refused.
		{"since date", Spec{Since: "2024-05-01"}, Range{From: utc(2024, 5, 1, 0, 0, 0)}, ""},
		{"since and until dates: May", Spec{Since: "2024-05-01", Until: "2024-06-01"}, Range{utc(2024, 5, 1, 0, 0, 0), utc(2024, 6, 1, 0, 0, 0)}, ""},
		{"from and to days: both included", Spec{From: "2024-05-01", To: "2024-05-02"}, Range{utc(2024, 5, 1, 0, 0, 0), utc(2024, 5, 3, 0, 0, 0)}, ""},
		{"from and to hours", Spec{From: "2024-05-01T06", To: "2024-05-01T07"}, Range{utc(2024, 5, 1, 6, 0, 0), utc(2024, 5, 1, 8, 0, 0)}, ""},
		{"one day", Spec{From: "2024-05-02", To: "2024-05-02"}, Range{utc(2024, 5, 2, 0, 0, 0), utc(2024, 5, 3, 0, 0, 0)}, ""},
		{"to an instant is its end", Spec{To: "2024-05-01T10:00:00Z"}, Range{To: utc(2024, 5, 1, 10, 0, 0)}, ""},
		{"since with to", Spec{Since: "36h", To: "2024-05-09"}, Range{utc(2024, 5, 9, 0, 0, 0), utc(2024, 5, 10, 0, 0, 0)}, ""},
		{"rfc3339 from", Spec{From: "2024-05-01T06:30:00+02:00"}, Range{From: utc(2024, 5, 1, 4, 30, 0)}, ""},
		{"since and from", Spec{Since: "7d", From: "2024-05-01"}, Range{}, "use either --since or --from"},
		{"until and to", Spec{Until: "1d", To: "2024-05-01"}, Range{}, "use either --until or --to"},
		{"to before from", Spec{From: "2024-05-03", To: "2024-05-01"}, Range{}, "empty time range"},
		{"until equals since", Spec{Since: "2024-05-03", Until: "2024-05-03"}, Range{}, "empty time range"},
		{"bad since", Spec{Since: "yesterday"}, Range{}, `--since: "yesterday" is not a time`},
		{"bad to", Spec{To: "2024-13-01"}, Range{}, "--to: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.spec.Parse(now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse = %v, %v; want error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !got.From.Equal(tc.want.From) || !got.To.Equal(tc.want.To) {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestRangeHalfOpen(t *testing.T) {
	day := utc(2024, 5, 2, 0, 0, 0)
	next := day.Add(24 * time.Hour)
	r := Range{From: day, To: next}
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{day, true}, {next.Add(-time.Nanosecond), true}, {next, false}, {day.Add(-time.Nanosecond), false},
	} {
		if got := r.Contains(tc.t); got != tc.want {
			t.Errorf("Contains(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	if !(Range{}).Contains(day) {
		t.Error("an open range must contain everything")
	}
	for i, tc := range []struct {
		r              Range
		overlap, cover bool
	}{
		{Range{}, true, true},
		{Range{From: next}, false, false},                                    // starts right after the day
		{Range{From: next.Add(-time.Nanosecond)}, true, false},               // last instant of the day
		{Range{To: day}, false, false},                                       // ends at the day's first instant: left out
		{Range{To: day.Add(time.Nanosecond)}, true, false},                   // takes the day's first instant
		{Range{To: next}, true, true},                                        // ends where the day ends
		{Range{day.Add(-48 * time.Hour), day}, false, false},                 // wholly before
		{Range{day.Add(3 * time.Hour), day.Add(4 * time.Hour)}, true, false}, // inside
		{Range{day, next}, true, true},
	} {
		if got := tc.r.Overlaps(day, 24*time.Hour); got != tc.overlap {
			t.Errorf("case %d: Overlaps = %v, want %v", i, got, tc.overlap)
		}
		if got := tc.r.Covers(day, 24*time.Hour); got != tc.cover {
			t.Errorf("case %d: Covers = %v, want %v", i, got, tc.cover)
		}
	}
}
