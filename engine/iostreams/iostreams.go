// Package iostreams bundles a command's standard streams with what it needs to know about them:
// whether each is a terminal and how wide it is, so commands choose bars, colours and formats.
package iostreams

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's input, output (data) and error output (messages).
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	outFd                          int
	getenv                         func(string) string // NO_COLOR, TERM, locale: see Caps
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		outFd:     int(os.Stdout.Fd()),
		getenv:    os.Getenv,
	}
}

// Test returns streams over the given reader and writers, none of them a terminal.
func Test(in io.Reader, out, errOut io.Writer) *IOStreams {
	return &IOStreams{In: in, Out: out, ErrOut: errOut, outFd: -1}
}

// IsStdinTTY reports whether input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether data output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether message output is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetEnv sets the environment Caps reads (tests; System uses the process's).
func (s *IOStreams) SetEnv(getenv func(string) string) { s.getenv = getenv }

// SetTTY overrides terminal detection (tests).
func (s *IOStreams) SetTTY(in, out, errOut bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = in, out, errOut
}

// TerminalWidth is the output terminal's width, or 0 when output is not a terminal.
func (s *IOStreams) TerminalWidth() int {
	w, _ := s.TerminalSize()
	return w
}

// TerminalSize is the output terminal's width and height, 0 and 0 when output is not a
// terminal, and 80×24 when the size cannot be read.
func (s *IOStreams) TerminalSize() (width, height int) {
	if !s.stdoutTTY || s.outFd < 0 {
		return 0, 0
	}
	w, h, err := term.GetSize(s.outFd)
	if err != nil {
		return 80, 24
	}
	return w, h
}

// ShowProgress reports whether long work should draw a progress bar: on a terminal only.
func (s *IOStreams) ShowProgress() bool { return s.stdoutTTY && s.stderrTTY }
