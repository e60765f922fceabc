package iostreams

import "os/exec"

// PagerCommand is the shell command that pages output too tall for the terminal: $PAGER, else
// "less -FRX" when less is installed (quit at once when it fits, keep colours, leave the text
// on screen). It is "" — no pager — when output is not a terminal, PAGER is "cat", or neither
// PAGER nor less is there.
func (s *IOStreams) PagerCommand() string {
	if !s.stdoutTTY {
		return ""
	}
	p := ""
	if s.getenv != nil {
		p = s.getenv("PAGER")
	}
	switch p {
	case "cat":
		return ""
	case "":
		if _, err := exec.LookPath("less"); err == nil {
			return "less -FRX"
		}
		return ""
	}
	return p
}
