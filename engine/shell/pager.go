package shell

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
)

// pagedWriter holds a result until it is taller than the terminal, then starts the pager
// (iostreams.PagerCommand, run by sh like psql runs $PAGER) and streams the rest into it; a
// result that fits is written straight to the terminal when the writer is closed.
type pagedWriter struct {
	command string
	out     io.Writer // the terminal
	errw    io.Writer
	height  int // lines that fit above the footer and the prompt
	buf     bytes.Buffer
	lines   int
	proc    *exec.Cmd
	in      io.WriteCloser
	quit    bool // the pager stopped reading (the user pressed q): the rest is dropped
}

func newPagedWriter(command string, out, errw io.Writer, termHeight int) *pagedWriter {
	return &pagedWriter{command: command, out: out, errw: errw, height: max(termHeight-2, 1)}
}

func (p *pagedWriter) Write(b []byte) (int, error) {
	if p.in != nil {
		if p.quit {
			return len(b), nil
		}
		if _, err := p.in.Write(b); err != nil {
			p.quit = true // EPIPE: the pager is gone; the result is still read to the end
		}
		return len(b), nil
	}
	p.buf.Write(b)
	p.lines += bytes.Count(b, []byte{'\n'})
	if p.lines <= p.height {
		return len(b), nil
	}
	if err := p.start(); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *pagedWriter) start() error {
	cmd := exec.Command("sh", "-c", p.command)
	cmd.Stdout, cmd.Stderr = p.out, p.errw
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("pager %q: %w", p.command, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pager %q: %w (.pager off shows results without it)", p.command, err)
	}
	p.proc, p.in = cmd, in
	if _, err := in.Write(p.buf.Bytes()); err != nil {
		p.quit = true
	}
	p.buf.Reset()
	return nil
}

// Close writes a result that fit the screen, or waits for the pager to finish.
func (p *pagedWriter) Close() error {
	if p.proc == nil {
		_, err := p.out.Write(p.buf.Bytes())
		return err
	}
	_ = p.in.Close()
	if err := p.proc.Wait(); err != nil && !p.quit {
		return fmt.Errorf("pager %q: %w (.pager off shows results without it)", p.command, err)
	}
	return nil
}

// headerless drops the first CSV record (the header row, which may hold quoted newlines) for
// .headers off.
type headerless struct {
	w       io.Writer
	done    bool
	inQuote bool
}

func (h *headerless) Write(b []byte) (int, error) {
	if h.done {
		return h.w.Write(b)
	}
	for i, c := range b {
		switch {
		case c == '"':
			h.inQuote = !h.inQuote
		case c == '\n' && !h.inQuote:
			h.done = true
			if _, err := h.w.Write(b[i+1:]); err != nil {
				return 0, err
			}
			return len(b), nil
		}
	}
	return len(b), nil
}
