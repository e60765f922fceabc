package iostreams

import "testing"

func TestDetectCaps(t *testing.T) {
	cases := []struct {
		name string
		tty  bool
		env  map[string]string
		want Caps
	}{
		{"plain tty, no locale", true, map[string]string{"TERM": "xterm-256color"}, Caps{Color: true, Unicode: true}},
		{"pipe", false, map[string]string{"TERM": "xterm", "LANG": "en_US.UTF-8"}, Caps{Color: false, Unicode: true}},
		{"NO_COLOR", true, map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, Caps{Color: false, Unicode: true}},
		{"FORCE_COLOR in a pipe", false, map[string]string{"FORCE_COLOR": "1"}, Caps{Color: true, Unicode: true}},
		{"dumb", true, map[string]string{"TERM": "dumb"}, Caps{}},
		{"C locale", true, map[string]string{"TERM": "xterm", "LANG": "C"}, Caps{Color: true}},
		{"LC_ALL wins over LANG", true, map[string]string{"TERM": "xterm", "LC_ALL": "C", "LANG": "en_US.UTF-8"}, Caps{Color: true}},
		{"utf8 spelling", true, map[string]string{"TERM": "xterm", "LC_CTYPE": "de_DE.utf8"}, Caps{Color: true, Unicode: true}},
		{"linux console", true, map[string]string{"TERM": "linux", "LANG": "en_US.UTF-8"}, Caps{Color: true}},
	}
	for _, c := range cases {
		got := DetectCaps(c.tty, func(k string) string { return c.env[k] })
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
