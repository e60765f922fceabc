package compat

import (
	"testing"
	"time"
)

func TestTranslateMySQLFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{"%Y-%m-%d %H:%i:%s", "%Y-%m-%d %H:%M:%S"},
		{"%c/%e %k %l", "%-m/%-d %-H %-I"},
		{"%W %a %M %b %p", "%A %a %B %b %p"},
		{"%T|%r", "%H:%M:%S|%I:%M:%S %p"},
		{"%h %I %j %f %S %y %x-%v", "%I %I %j %f %S %y %G-%V"},
		{"100%%", "100%%"},
		{"%Q%", "Q"}, // unknown specifier is its character; a lone trailing % is dropped
		{"at %H o'clock", "at %H o'clock"},
		{"%%i", "%%i"}, // an escaped % followed by a literal i, not minutes
		{"", ""},
	}
	for _, tc := range tests {
		got, err := translateMySQLFormat(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("translate(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"%D", "%U", "%u", "%V", "%w", "%X"} {
		if got, err := translateMySQLFormat(bad); err == nil {
			t.Errorf("translate(%q) = %q, want an error (Trino does not support it)", bad, got)
		}
	}
}

func TestParseMySQL(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		s, f string
		want time.Time
	}{
		{"2020-05-04 09:07:03", "%Y-%m-%d %H:%i:%s", utc(2020, 5, 4, 9, 7, 3, 0)},
		{"5/4/2020 9:7", "%c/%e/%Y %k:%i", utc(2020, 5, 4, 9, 7, 0, 0)},
		{"04/May/2020:10:00:00", "%d/%b/%Y:%H:%i:%s", utc(2020, 5, 4, 10, 0, 0, 0)},
		{"Monday, 4 MAY 20", "%W, %e %M %y", utc(2020, 5, 4, 0, 0, 0, 0)},
		{"69", "%y", utc(2069, 1, 1, 0, 0, 0, 0)},
		{"70", "%y", utc(1970, 1, 1, 0, 0, 0, 0)},
		{"12:00:00 AM", "%r", utc(1970, 1, 1, 0, 0, 0, 0)},
		{"12:30:00 PM", "%r", utc(1970, 1, 1, 12, 30, 0, 0)},
		{"09:07:03 pm", "%h:%i:%s %p", utc(1970, 1, 1, 21, 7, 3, 0)},
		{"23:59:58", "%T", utc(1970, 1, 1, 23, 59, 58, 0)},
		{"2020-05-04 10:00:00.5", "%Y-%m-%d %T.%f", utc(2020, 5, 4, 10, 0, 0, 500000000)},
		{"2020-05-04 10:00:00.123456789", "%Y-%m-%d %T.%f", utc(2020, 5, 4, 10, 0, 0, 123456789)},
		{"2020 125", "%Y %j", utc(2020, 5, 4, 0, 0, 0, 0)},
		{"100% 2020", "100%% %Y", utc(2020, 1, 1, 0, 0, 0, 0)},
		{"2020", "%Y", utc(2020, 1, 1, 0, 0, 0, 0)},
	}
	for _, tc := range tests {
		got, err := parseMySQL(tc.s, tc.f)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parse(%q, %q) = %v, %v; want %v", tc.s, tc.f, got, err, tc.want)
		}
	}
	for _, bad := range []struct{ s, f string }{
		{"2020-05-04", "%Y-%m-%d %H"}, // input too short
		{"2020-05-04 10", "%Y-%m-%d"}, // unparsed tail
		{"2020-02-30", "%Y-%m-%d"},    // no such day
		{"2020-13-01", "%Y-%m-%d"},    // month out of range
		{"13:00 PM", "%h:%i %p"},      // 12-hour clock
		{"2020/05/04", "%Y-%m-%d"},    // literal mismatch
		{"4th", "%D"},                 // unsupported, as in Trino
		{"-", "%Y"},                   // flow-log placeholder
		{"Mayday", "%M"},              // trailing text after the month
	} {
		if got, err := parseMySQL(bad.s, bad.f); err == nil {
			t.Errorf("parse(%q, %q) = %v, want an error", bad.s, bad.f, got)
		}
	}
}
