package iostreams

import (
	"fmt"
	"os"

	"golang.org/x/term"
)

// TTY is the controlling terminal (/dev/tty), opened by a full-screen line editor that puts it
// in raw mode: Restore gives it back in the state it was found in.
type TTY struct {
	f     *os.File
	state *term.State
}

// OpenTTY opens the controlling terminal and saves its state. It fails when the process has
// no controlling terminal (a daemon, a CI job, a container without -t).
func OpenTTY() (*TTY, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	st, err := term.GetState(int(f.Fd()))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read terminal state: %w", err)
	}
	return &TTY{f: f, state: st}, nil
}

// Restore puts the terminal back in the state OpenTTY found it in.
func (t *TTY) Restore() { _ = term.Restore(int(t.f.Fd()), t.state) }

// Close closes the terminal (without restoring it).
func (t *TTY) Close() error { return t.f.Close() }
