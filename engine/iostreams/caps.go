package iostreams

import "strings"

// Caps say what a terminal can show.
type Caps struct {
	Color   bool // ANSI colours and dimming
	Unicode bool // box drawing, blocks, braille
}

// DetectCaps decides from the environment (getenv, e.g. os.Getenv) and
// whether the output is a terminal. NO_COLOR (no-color.org) and TERM=dumb
// turn colour off, FORCE_COLOR turns it on even in a pipe; Unicode follows
// the locale (LC_ALL, LC_CTYPE, LANG: the first one set must name UTF-8),
// and is assumed when no locale is set, as terminals today are UTF-8.
func DetectCaps(isTTY bool, getenv func(string) string) Caps {
	term := getenv("TERM")
	var c Caps
	switch {
	case getenv("NO_COLOR") != "":
		c.Color = false
	case getenv("FORCE_COLOR") != "" && getenv("FORCE_COLOR") != "0":
		c.Color = true
	default:
		c.Color = isTTY && term != "dumb"
	}
	c.Unicode = term != "dumb" && term != "linux"
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			v = strings.ToUpper(v)
			c.Unicode = c.Unicode && (strings.Contains(v, "UTF-8") || strings.Contains(v, "UTF8"))
			break
		}
	}
	return c
}

// Caps are what the data output can show: colour and Unicode, from the environment and
// whether it is a terminal.
func (s *IOStreams) Caps() Caps {
	getenv := s.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return DetectCaps(s.stdoutTTY, getenv)
}
