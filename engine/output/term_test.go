package output

import "testing"

func TestDetectTerm(t *testing.T) {
	cases := []struct {
		name string
		tty  bool
		env  map[string]string
		want TermCaps
	}{
		{"plain tty, no locale", true, map[string]string{"TERM": "xterm-256color"}, TermCaps{Color: true, Unicode: true}},
		{"pipe", false, map[string]string{"TERM": "xterm", "LANG": "en_US.UTF-8"}, TermCaps{Color: false, Unicode: true}},
		{"NO_COLOR", true, map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, TermCaps{Color: false, Unicode: true}},
		{"FORCE_COLOR in a pipe", false, map[string]string{"FORCE_COLOR": "1"}, TermCaps{Color: true, Unicode: true}},
		{"dumb", true, map[string]string{"TERM": "dumb"}, TermCaps{}},
		{"C locale", true, map[string]string{"TERM": "xterm", "LANG": "C"}, TermCaps{Color: true}},
		{"LC_ALL wins over LANG", true, map[string]string{"TERM": "xterm", "LC_ALL": "C", "LANG": "en_US.UTF-8"}, TermCaps{Color: true}},
		{"utf8 spelling", true, map[string]string{"TERM": "xterm", "LC_CTYPE": "de_DE.utf8"}, TermCaps{Color: true, Unicode: true}},
		{"linux console", true, map[string]string{"TERM": "linux", "LANG": "en_US.UTF-8"}, TermCaps{Color: true}},
	}
	for _, c := range cases {
		got := DetectTerm(c.tty, func(k string) string { return c.env[k] })
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
