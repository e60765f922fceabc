package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unicode/utf8"

	prompt "github.com/elk-language/go-prompt"
	istrings "github.com/elk-language/go-prompt/strings"
	"github.com/flowq/flowq/engine/sqlscan"
	"golang.org/x/term"
)

const (
	mainPrompt = "flowq> "
)

// ErrTerminated is returned when SIGTERM or SIGHUP ended the interactive session; the shell has
// cancelled the running query, saved history and restored the terminal before returning it.
var ErrTerminated = errors.New("shell: terminated by signal")

// ttyReader wraps go-prompt's /dev/tty reader so the shell can inject keys: on SIGTERM it feeds
// a Ctrl-D that, with the exit checker, makes Prompt.Input return instead of blocking forever.
type ttyReader struct {
	prompt.Reader
	mu     sync.Mutex
	inject []byte
}

func (r *ttyReader) Read(b []byte) (int, error) {
	r.mu.Lock()
	if len(r.inject) > 0 {
		n := copy(b, r.inject)
		r.inject = r.inject[n:]
		r.mu.Unlock()
		return n, nil
	}
	r.mu.Unlock()
	return r.Reader.Read(b)
}

func (r *ttyReader) push(b []byte) {
	r.mu.Lock()
	r.inject = append(r.inject, b...)
	r.mu.Unlock()
}

// histSearch is the Ctrl-R state: repeated Ctrl-R continues the same search further back.
type histSearch struct {
	active bool
	query  string
	index  int
	result string
}

// runInteractive is the go-prompt loop. It uses Prompt.Input, never Prompt.Run: Run installs its
// own SIGINT/SIGTERM handler that calls os.Exit (skipping our cleanup) and leaves a Ctrl-C typed
// during a statement queued, which then exits the program at the next prompt.
func (s *session) runInteractive(ctx context.Context) (retErr error) {
	// The caller's context is typically signal.NotifyContext(SIGINT, SIGTERM): a Ctrl-C meant for
	// one query would cancel it and end the session. The interactive loop handles SIGINT, SIGTERM
	// and SIGHUP itself, so it keeps the context's values but not its cancellation.
	ctx = context.WithoutCancel(ctx)
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		// go-prompt's reader panics without a controlling terminal: read the input as a script.
		fmt.Fprintf(s.errw(), "flowq: no terminal (%v); reading input as a script\n", err)
		s.interactive = false
		s.hist, _ = LoadHistory("", 0)
		if err := s.runScript(ctx, s.cfg.In, "<stdin>"); !errors.Is(err, errQuit) {
			return err
		}
		return nil
	}
	defer tty.Close()
	ttyFd := int(tty.Fd())
	saved, err := term.GetState(ttyFd)
	if err != nil {
		return fmt.Errorf("shell: read terminal state: %w", err)
	}
	// Whatever happens (error, panic, signal), the terminal leaves in the state we found it in.
	restore := func() { _ = term.Restore(ttyFd, saved) }
	defer restore()

	s.hist, err = LoadHistory(s.cfg.HistoryPath, s.cfg.HistorySize)
	if err != nil {
		fmt.Fprintf(s.errw(), "flowq: %v (history starts empty)\n", err)
	}
	s.refreshCatalog(ctx)

	var (
		mu          sync.Mutex
		cancelQuery context.CancelFunc
		terminating atomic.Bool
		reader      = &ttyReader{Reader: prompt.NewStdinReader()}
	)
	defer func() {
		if r := recover(); r != nil {
			restore()
			if terminating.Load() {
				// SIGHUP: the terminal is gone and go-prompt panics on the failed write.
				retErr = ErrTerminated
				return
			}
			panic(r)
		}
	}()
	sigCh := make(chan os.Signal, 4)
	signal.Notify(sigCh, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigCh)
	sigDone := make(chan struct{})
	defer close(sigDone)
	go func() {
		for {
			select {
			case <-sigDone:
				return
			case sig := <-sigCh:
				if sig != syscall.SIGINT {
					terminating.Store(true)
					reader.push([]byte{0x04})
				}
				// SIGINT only arrives while a statement runs (the prompt reads Ctrl-C as a key in
				// raw mode): cancel it, which makes duckdb-go interrupt the query.
				mu.Lock()
				if cancelQuery != nil {
					cancelQuery()
				}
				mu.Unlock()
			}
		}
	}()

	if s.cfg.Banner != "" {
		fmt.Fprintln(s.screen(), s.cfg.Banner)
	}
	fmt.Fprintln(s.screen(), `Enter SQL ending with ";", or .help. Ctrl-D exits.`)

	var (
		p       *prompt.Prompt
		entered bool
		search  histSearch
	)
	completer := func(d prompt.Document) ([]prompt.Suggest, istrings.RuneNumber, istrings.RuneNumber) {
		cands, start, sep := s.complete(d.Text, len(d.TextBeforeCursor()))
		// The separator must match how complete() delimits words: go-prompt deletes the word up
		// to a separator and re-inserts the accepted suggestion on the next key.
		_ = prompt.WithCompletionWordSeparator(sep)(p)
		sugg := make([]prompt.Suggest, len(cands))
		for i, c := range cands {
			sugg[i] = prompt.Suggest{Text: c.Text, Description: c.Description}
		}
		before := d.TextBeforeCursor()
		return sugg, istrings.RuneNumber(utf8.RuneCountInString(before[:start])),
			istrings.RuneNumber(utf8.RuneCountInString(before))
	}
	opts := []prompt.Option{}
	if !isTerm(s.out) && isTerm(s.err) {
		// flowq shell > file: results go to the file; the editor, notes and footers to the
		// terminal on stderr.
		opts = append(opts, prompt.WithWriter(prompt.NewStderrWriter()))
		s.scr = s.err
	}
	p = prompt.New(func(string) {}, append(opts,
		prompt.WithReader(reader),
		prompt.WithCustomHistory(s.hist),
		prompt.WithCompleter(completer),
		prompt.WithCompletionWordSeparator(sqlSeparators),
		prompt.WithMaxSuggestion(8),
		prompt.WithPrefixCallback(func() string {
			if search.active && p != nil && p.Buffer().Text() == search.result {
				return fmt.Sprintf("(history search '%s') ", search.query)
			}
			return mainPrompt
		}),
		prompt.WithExecuteOnEnterCallback(func(p *prompt.Prompt, _ int) (int, bool) {
			text := p.Buffer().Text()
			if strings.TrimSpace(text) == "" || isMeta(text) || sqlscan.Complete(text) {
				entered = true
				return 0, true
			}
			return 0, false
		}),
		prompt.WithExitChecker(func(string, bool) bool { return terminating.Load() }),
		prompt.WithKeyBind(prompt.KeyBind{Key: prompt.ControlR, Fn: func(p *prompt.Prompt) bool {
			text := p.Buffer().Text()
			query, from := text, len(s.hist.Entries())
			if search.active && text == search.result {
				query, from = search.query, search.index
			}
			i := s.hist.SearchBefore(query, from)
			if i < 0 {
				return true
			}
			entry, _ := s.hist.Get(i)
			doc := p.Buffer().Document()
			p.DeleteBeforeCursorRunes(istrings.RuneNumber(utf8.RuneCountInString(doc.TextBeforeCursor())))
			p.DeleteRunes(istrings.RuneNumber(utf8.RuneCountInString(doc.TextAfterCursor())))
			p.InsertTextMoveCursor(entry, false)
			search = histSearch{active: true, query: query, index: i, result: entry}
			return true
		}}),
	)...)

	for {
		entered = false
		text := p.Input()
		search = histSearch{}
		if terminating.Load() {
			fmt.Fprintln(s.screen())
			return ErrTerminated
		}
		if !entered {
			return nil // Ctrl-D on an empty line
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		quit := s.runInput(ctx, text, func(c context.CancelFunc) {
			mu.Lock()
			cancelQuery = c
			mu.Unlock()
		})
		if terminating.Load() {
			return ErrTerminated
		}
		if quit {
			return nil
		}
		s.refreshCatalog(ctx)
	}
}

// runInput runs one accepted input: a meta-command or one or more statements. Errors are shown
// and the session goes on; it reports whether the user asked to quit.
func (s *session) runInput(ctx context.Context, text string, setCancel func(context.CancelFunc)) (quit bool) {
	run := func(f func(ctx context.Context) error) error {
		qctx, cancel := context.WithCancel(ctx)
		setCancel(cancel)
		defer func() {
			setCancel(nil)
			cancel()
		}()
		err := f(qctx)
		if err != nil && qctx.Err() != nil && ctx.Err() == nil {
			return context.Canceled
		}
		return err
	}
	if isMeta(text) {
		err := run(func(ctx context.Context) error { return s.dispatch(ctx, text) })
		if errors.Is(err, errQuit) {
			return true
		}
		if err != nil {
			s.showError("", err)
		}
		return false
	}
	for _, st := range sqlscan.Statements(text) {
		if err := run(func(ctx context.Context) error { return s.runStatement(ctx, st) }); err != nil {
			s.showError(st, err)
			return false // the rest of the line depended on this one, most likely
		}
	}
	return false
}

func (s *session) showError(stmt string, err error) {
	var se *stmtError
	msg := ""
	switch {
	case errors.Is(err, context.Canceled):
		msg = "Interrupted: query cancelled"
	case errors.As(err, &se):
		msg = se.Error()
	default:
		msg = formatError(stmt, err)
	}
	fmt.Fprintln(s.errw(), "Error: "+msg)
}

// complete returns completion candidates for the buffer text with the cursor at byte offset
// cursor, the byte offset where the replaced word starts, and the word separators used.
func (s *session) complete(text string, cursor int) ([]Candidate, int, string) {
	if isMeta(text) {
		c, start := s.completeMeta(text, cursor)
		return c, start, metaSeparators
	}
	c, start := s.catalog().CompleteSQL(text, cursor)
	return c, start, sqlSeparators
}

// completeMeta completes a meta-command line: command names, then the command's arguments.
func (s *session) completeMeta(text string, cursor int) ([]Candidate, int) {
	before := text[:cursor]
	fields, open, _ := splitArgs(before)
	if open {
		return nil, cursor
	}
	trailing := strings.HasSuffix(before, " ") || strings.HasSuffix(before, "\t")
	if len(fields) == 0 {
		return nil, cursor
	}
	if len(fields) == 1 && !trailing {
		word := strings.ToLower(fields[0])
		var out []Candidate
		for _, c := range s.cmds {
			if strings.HasPrefix(c.Name, word) {
				out = append(out, Candidate{Text: c.Name, Description: c.Help})
			}
		}
		return out, cursor - len(fields[0])
	}
	cmd, ok := s.lookup(strings.ToLower(fields[0]))
	if !ok {
		return nil, cursor
	}
	prev := fields[1:]
	partial := ""
	if !trailing {
		partial = prev[len(prev)-1]
		prev = prev[:len(prev)-1]
	}
	if cmd.PathArgs {
		base := partial[strings.LastIndexByte(partial, '/')+1:]
		return completePath(partial), cursor - len(base)
	}
	if cmd.Args == nil || strings.Contains(partial, "=") {
		return nil, cursor
	}
	var out []Candidate
	for _, c := range cmd.Args(&Env{s: s}, prev) {
		if strings.HasPrefix(strings.ToLower(c.Text), strings.ToLower(partial)) {
			out = append(out, c)
		}
	}
	return out, cursor - len(partial)
}
