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
	"github.com/flowq/flowq/engine/iostreams"
	"github.com/flowq/flowq/engine/sqlscan"
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

// interactive is the state of one go-prompt session: the prompt, the terminal it reads, and the
// running statement's cancel function the signal watcher calls.
type interactive struct {
	s           *session
	tty         *iostreams.TTY
	reader      *ttyReader
	p           *prompt.Prompt
	mu          sync.Mutex
	cancelQuery context.CancelFunc // guarded by mu
	terminating atomic.Bool        // SIGTERM or SIGHUP arrived
	entered     bool               // Enter accepted the buffer (false after Ctrl-D)
	search      histSearch
}

// runInteractive is the go-prompt loop. It uses Prompt.Input, never Prompt.Run: Run installs its
// own SIGINT/SIGTERM handler that calls os.Exit (skipping our cleanup) and leaves a Ctrl-C typed
// during a statement queued, which then exits the program at the next prompt.
func (s *session) runInteractive(ctx context.Context) (retErr error) {
	// The caller's context is typically signal.NotifyContext(SIGINT, SIGTERM): a Ctrl-C meant for
	// one query would cancel it and end the session. The interactive loop handles SIGINT, SIGTERM
	// and SIGHUP itself, so it keeps the context's values but not its cancellation.
	ctx = context.WithoutCancel(ctx)
	tty, err := iostreams.OpenTTY()
	if err != nil {
		// go-prompt's reader panics without a controlling terminal: read the input as a script.
		fmt.Fprintf(s.errw(), "flowq: no terminal (%v); reading input as a script\n", err)
		s.interactive = false
		s.hist, _ = LoadHistory("", 0)
		if err := s.runScript(ctx, s.io.In, "<stdin>"); !errors.Is(err, errQuit) {
			return err
		}
		return nil
	}
	defer tty.Close()
	// Whatever happens (error, panic, signal), the terminal leaves in the state we found it in.
	defer tty.Restore()
	it := &interactive{s: s, tty: tty, reader: &ttyReader{Reader: prompt.NewStdinReader()}}
	defer func() {
		if r := recover(); r != nil {
			tty.Restore()
			if it.terminating.Load() {
				// SIGHUP: the terminal is gone and go-prompt panics on the failed write.
				retErr = ErrTerminated
				return
			}
			panic(r)
		}
	}()

	s.hist, err = LoadHistory(s.cfg.HistoryPath, s.cfg.HistorySize)
	if err != nil {
		fmt.Fprintf(s.errw(), "flowq: %v (history starts empty)\n", err)
	}
	s.refreshCatalog(ctx)
	defer it.watchSignals()()
	if s.cfg.Banner != "" {
		fmt.Fprintln(s.screen(), s.cfg.Banner)
	}
	fmt.Fprintln(s.screen(), `Enter SQL ending with ";", or .help. Ctrl-D exits.`)
	it.p = it.newPrompt()
	return it.loop(ctx)
}

// watchSignals handles SIGINT (cancel the running statement), SIGTERM and SIGHUP (end the
// session) until the returned stop function is called.
func (it *interactive) watchSignals() (stop func()) {
	sigCh := make(chan os.Signal, 4)
	signal.Notify(sigCh, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-sigCh:
				if sig != syscall.SIGINT {
					it.terminating.Store(true)
					it.reader.push([]byte{0x04})
				}
				// SIGINT only arrives while a statement runs (the prompt reads Ctrl-C as a key in
				// raw mode): cancel it, which makes duckdb-go interrupt the query.
				it.mu.Lock()
				if it.cancelQuery != nil {
					it.cancelQuery()
				}
				it.mu.Unlock()
			}
		}
	}()
	return func() {
		signal.Stop(sigCh)
		close(done)
	}
}

func (it *interactive) setCancel(c context.CancelFunc) {
	it.mu.Lock()
	it.cancelQuery = c
	it.mu.Unlock()
}

// newPrompt builds the line editor: completion, multi-line entry until a statement is complete,
// Ctrl-R history search, and an exit checker for SIGTERM.
func (it *interactive) newPrompt() *prompt.Prompt {
	s := it.s
	opts := []prompt.Option{}
	if !s.io.IsStdoutTTY() && s.io.IsStderrTTY() {
		// flowq shell > file: results go to the file; the editor, notes and footers to the
		// terminal on stderr.
		opts = append(opts, prompt.WithWriter(prompt.NewStderrWriter()))
		s.scr = s.err
	}
	return prompt.New(func(string) {}, append(opts,
		prompt.WithReader(it.reader),
		prompt.WithCustomHistory(s.hist),
		prompt.WithCompleter(it.completer),
		prompt.WithCompletionWordSeparator(sqlSeparators),
		prompt.WithMaxSuggestion(8),
		prompt.WithPrefixCallback(func() string {
			if it.search.active && it.p != nil && it.p.Buffer().Text() == it.search.result {
				return fmt.Sprintf("(history search '%s') ", it.search.query)
			}
			return mainPrompt
		}),
		prompt.WithExecuteOnEnterCallback(func(p *prompt.Prompt, _ int) (int, bool) {
			text := p.Buffer().Text()
			_, cmdLast := lastLineCommand(text)
			if strings.TrimSpace(text) == "" || isCommand(text) || cmdLast || sqlscan.Complete(text) {
				it.entered = true
				return 0, true
			}
			return 0, false
		}),
		prompt.WithExitChecker(func(string, bool) bool { return it.terminating.Load() }),
		prompt.WithKeyBind(prompt.KeyBind{Key: prompt.ControlR, Fn: it.historySearch}),
	)...)
}

// completer adapts complete() to go-prompt.
func (it *interactive) completer(d prompt.Document) ([]prompt.Suggest, istrings.RuneNumber, istrings.RuneNumber) {
	cands, start, sep := it.s.complete(d.Text, len(d.TextBeforeCursor()))
	// The separator must match how complete() delimits words: go-prompt deletes the word up
	// to a separator and re-inserts the accepted suggestion on the next key.
	_ = prompt.WithCompletionWordSeparator(sep)(it.p)
	sugg := make([]prompt.Suggest, len(cands))
	for i, c := range cands {
		sugg[i] = prompt.Suggest{Text: c.Text, Description: c.Description}
	}
	before := d.TextBeforeCursor()
	return sugg, istrings.RuneNumber(utf8.RuneCountInString(before[:start])),
		istrings.RuneNumber(utf8.RuneCountInString(before))
}

// historySearch is Ctrl-R: the newest entry containing the buffer's text replaces it; Ctrl-R
// again continues further back.
func (it *interactive) historySearch(p *prompt.Prompt) bool {
	hist := it.s.hist
	text := p.Buffer().Text()
	query, from := text, len(hist.Entries())
	if it.search.active && text == it.search.result {
		query, from = it.search.query, it.search.index
	}
	i := hist.SearchBefore(query, from)
	if i < 0 {
		return true
	}
	entry, _ := hist.Get(i)
	doc := p.Buffer().Document()
	p.DeleteBeforeCursorRunes(istrings.RuneNumber(utf8.RuneCountInString(doc.TextBeforeCursor())))
	p.DeleteRunes(istrings.RuneNumber(utf8.RuneCountInString(doc.TextAfterCursor())))
	p.InsertTextMoveCursor(entry, false)
	it.search = histSearch{active: true, query: query, index: i, result: entry}
	return true
}

// loop reads and runs inputs until Ctrl-D, .quit or a terminating signal.
func (it *interactive) loop(ctx context.Context) error {
	s := it.s
	for {
		it.entered = false
		text := it.p.Input()
		it.search = histSearch{}
		if it.terminating.Load() {
			fmt.Fprintln(s.screen())
			return ErrTerminated
		}
		if !it.entered {
			return nil // Ctrl-D on an empty line
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		quit := s.runInput(ctx, text, it.setCancel)
		if it.terminating.Load() {
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
	if cmd, ok := lastLineCommand(text); ok && !isCommand(text) {
		// psql's \q or \r on the last line of an unfinished statement: the statement is dropped.
		text = cmd
	}
	if isCommand(text) && strings.Contains(strings.TrimSpace(text), "\n") {
		// Pasted lines that start with a command: each line as in a script, so the SQL after
		// it is not taken for the command's arguments.
		err := run(func(ctx context.Context) error { return s.runScript(ctx, strings.NewReader(text), "input") })
		if errors.Is(err, errQuit) {
			return true
		}
		if err != nil && !errors.Is(err, ErrReported) { // ErrReported: runScript showed it
			s.showError("", err)
		}
		return false
	}
	if isCommand(text) {
		err := run(func(ctx context.Context) error { return s.runCommand(ctx, text) })
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
	if strings.HasPrefix(strings.TrimSpace(text), `\`) {
		return nil, cursor, metaSeparators // a psql command (habits.go): not SQL
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
	if cmd.Files {
		if s.sess.ReadOnly() {
			return nil, cursor // the command is refused: list no folders either
		}
		base := partial[strings.LastIndexByte(partial, '/')+1:]
		return completePath(partial), cursor - len(base)
	}
	if key, val, ok := strings.Cut(partial, "="); ok {
		// KEY=VALUE: complete the value only; '=' is a word separator, so go-prompt replaces
		// just the text after it.
		if cmd.ArgValues == nil {
			return nil, cursor
		}
		var out []Candidate
		hint := "type a value"
		for _, c := range cmd.ArgValues(&Env{s: s}, prev, key) {
			if c.Text == "" {
				hint = c.Description
				continue
			}
			if strings.HasPrefix(strings.ToLower(c.Text), strings.ToLower(val)) {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			// go-prompt's Tab inserts blanks when there is nothing to complete, which would
			// split NAME=VALUE in two: offer what is typed, described by what the value takes.
			out = []Candidate{{Text: val, Description: hint}}
		}
		return out, cursor - len(val)
	}
	if cmd.Args == nil {
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
