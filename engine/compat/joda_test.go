package compat

import (
	"testing"
	"time"
)

func TestTranslateJodaFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{"yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "%Y-%m-%dT%H:%M:%S.%g+0000"},
		{"yy M d H m s", "%y %-m %-d %-H %-M %-S"},
		{"EEEE, MMMM d, h:mm a", "%A, %B %-d, %-I:%M %p"},
		{"EEE MMM dd hh", "%a %b %d %I"},
		{"DDD D ZZ ZZZ z", "%j %j +00:00 UTC UTC"},
		{"'it''s' 100% ''", "it's 100%% '"},
		{"xxxx-'W'ww", "%G-W%V"},
		{"SSSSSS", "%f"},
	}
	for _, tc := range tests {
		got, err := translateJodaFormat(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("translateJoda(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"G", "yyyy 'open", "SS", "k", "Q"} {
		if got, err := translateJodaFormat(bad); err == nil {
			t.Errorf("translateJoda(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParseJoda(t *testing.T) {
	tests := []struct {
		s, f string
		want time.Time
	}{
		{"2020-05-04 10:00:00", "yyyy-MM-dd HH:mm:ss", time.Date(2020, 5, 4, 10, 0, 0, 0, time.UTC)},
		{"2020-05-04T12:00:00.250+02:00", "yyyy-MM-dd'T'HH:mm:ss.SSSZZ", time.Date(2020, 5, 4, 10, 0, 0, 250e6, time.UTC)},
		{"2020-05-04 05:30 -0430", "yyyy-MM-dd HH:mm Z", time.Date(2020, 5, 4, 10, 0, 0, 0, time.UTC)},
		{"04/May/2020 10:00 UTC", "dd/MMM/yyyy HH:mm z", time.Date(2020, 5, 4, 10, 0, 0, 0, time.UTC)},
		{"Mon 4 5 20 9:5:7 PM", "EEE d M yy h:m:s a", time.Date(2020, 5, 4, 21, 5, 7, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := parseJoda(tc.s, tc.f)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseJoda(%q, %q) = %v, %v; want %v", tc.s, tc.f, got, err, tc.want)
		}
	}
	for _, bad := range []struct{ s, f string }{
		{"2020-05-04 10:00 +25:00", "yyyy-MM-dd HH:mm ZZ"},
		{"2020-05-04 10:00 CEST", "yyyy-MM-dd HH:mm z"},
		{"2020-05-04", "yyyy-MM-dd HH"},
	} {
		if got, err := parseJoda(bad.s, bad.f); err == nil {
			t.Errorf("parseJoda(%q, %q) = %v, want an error", bad.s, bad.f, got)
		}
	}
	// A control byte after '%' in a MySQL format is literal text, never a Joda-only field.
	if got, err := parseMySQL("\x01", "%\x01"); err != nil || !got.Equal(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("parseMySQL control byte = %v, %v", got, err)
	}
}
