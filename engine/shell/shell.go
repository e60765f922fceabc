// Package shell is flowq's interactive SQL shell (go-prompt: completion, multi-line input,
// history, meta-commands, cancellation) and its plain-reader path for piped or redirected input.
package shell

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/iostreams"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/sqlscan"
)

// Param is a parameter of a saved query.
type Param struct {
	Name, Default, Description string
	// Choices are the allowed values of an enumeration; Examples are values offered by
	// completion for the others (e.g. 1h 24h 7d for a time); Hint says what values are
	// accepted, for listings ("one of pair, src, dst", "a time: 7d, 36h, 2024-05-01").
	Choices, Examples []string
	Hint              string
}

// SavedQuery describes a saved query for .queries and completion.
type SavedQuery struct {
	Name        string
	Description string
	Params      []Param
}

// SavedQueries is the catalog of saved queries (the report package, adapted by the CLI).
type SavedQueries interface {
	List() []SavedQuery
	// Run binds the parameters and returns the SQL to execute with its arguments.
	Run(ctx context.Context, name string, params map[string]string) (sql string, args []any, err error)
}

// Session runs the shell's statements; flowq's *store.Session is one. The shell never talks
// to DuckDB any other way.
type Session interface {
	// RunIn runs one statement written in dialect d: it refreshes the views when new data was
	// committed, rewrites the statement into DuckDB SQL, refuses it in a read-only session
	// unless it is one SELECT, and queries.
	RunIn(ctx context.Context, d compat.Dialect, stmt string, args ...any) (*sql.Rows, error)
	// Dialect is what typed SQL is written in; SetDialect switches it (.athena on|off).
	Dialect() compat.Dialect
	SetDialect(d compat.Dialect)
	// ReadOnly sessions also refuse the meta-commands that name files (.output, .read).
	ReadOnly() bool
}

// Config wires a shell session. Session is required; everything else may be left zero.
type Config struct {
	Session Session
	// IO are the streams (default iostreams.System()). The shell is interactive when its input
	// is a terminal (see Run); otherwise IO.In is read as a script.
	IO *iostreams.IOStreams
	// HistoryPath is the history file ("" = no persistent history); HistorySize bounds it.
	HistoryPath string
	HistorySize int
	Queries     SavedQueries
	// Status writes the data-dir status for .status.
	Status func(ctx context.Context, w io.Writer) error
	// Format of results (default table); MaxRows caps rows shown by table/markdown/line (0 = 1000
	// interactively, no cap otherwise; -1 = no cap).
	Format  output.Format
	MaxRows int
	// NoTiming turns off the "(N rows, T)" footer (interactive: on screen; scripts: on Err).
	NoTiming bool
	// ExtraCommands are added to the meta-command table (.why, ...); one with the name of a
	// built-in command replaces it.
	ExtraCommands []Command
	// Banner is printed once when the interactive shell starts.
	Banner string
}

// Env is what a meta-command sees of the session.
type Env struct {
	s   *session
	raw string // the arguments as typed, quotes kept
}

// RawArgs is the text after the command's name exactly as typed: quotes are kept, so SQL given
// to a command stays as written.
func (e *Env) RawArgs() string { return e.raw }

// Out is where results go (the screen, or the .output file).
func (e *Env) Out() io.Writer { return e.s.resultWriter() }

// Screen is the terminal (or the output stream), never the .output file: for notes and footers.
func (e *Env) Screen() io.Writer { return e.s.screen() }

// RenderOptions are the options results are rendered with right now (width, cap, terminal).
func (e *Env) RenderOptions() output.Options { return e.s.renderOptions() }

// statement is a statement as the shell ran it, to run again (.chart).
type statement struct {
	sql     string
	args    []any
	dialect compat.Dialect
}

type session struct {
	cfg         Config
	sess        Session
	io          *iostreams.IOStreams
	out, err    io.Writer
	scr         io.Writer // notes and footers: Out, or Err when Out is redirected to a file
	interactive bool
	format      output.Format
	maxRows     int
	timing      bool
	headers     bool // csv header row (.headers)
	pager       bool // page tall results on a terminal (.pager)
	outFile     *os.File
	hist        *History
	cmds        []Command
	last        statement // the last statement with a result, typed or saved (.chart)
	readDepth   int

	catMu sync.Mutex
	cat   *Catalog
}

func newSession(cfg Config) (*session, error) {
	if cfg.Session == nil {
		return nil, errors.New("shell: Config.Session is nil")
	}
	ios := cfg.IO
	if ios == nil {
		ios = iostreams.System()
	}
	s := &session{cfg: cfg, sess: cfg.Session, io: ios, out: ios.Out, err: ios.ErrOut, scr: ios.Out,
		interactive: ios.IsStdinTTY(), format: cfg.Format, timing: !cfg.NoTiming, headers: true, pager: true}
	if s.format == "" {
		s.format = output.Table
	}
	switch {
	case cfg.MaxRows < 0:
		s.maxRows = 0
	case cfg.MaxRows == 0 && s.interactive:
		s.maxRows = 1000
	default:
		s.maxRows = cfg.MaxRows
	}
	s.cmds = Commands(cfg.ExtraCommands)
	return s, nil
}

// Run runs the shell until .quit, end of input, Ctrl-D or (non-interactive) the first failing
// statement or ctx cancellation. A failed statement ends a script with an error wrapping
// ErrReported: the details were already written to Config.Err.
//
// Interactive sessions read the terminal (/dev/tty), not Config.In, and handle SIGINT (cancel
// the running statement), SIGTERM and SIGHUP (end the session, returning ErrTerminated)
// themselves; they ignore the cancellation of ctx, which a caller's signal.NotifyContext would
// trigger on the very Ctrl-C meant for one query.
func Run(ctx context.Context, cfg Config) error {
	s, err := newSession(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if s.outFile != nil {
			_ = s.outFile.Close()
		}
	}()
	if s.interactive {
		return s.runInteractive(ctx)
	}
	s.hist, _ = LoadHistory("", 0) // scripts leave the user's history alone
	err = s.runScript(ctx, s.io.In, "<stdin>")
	if errors.Is(err, errQuit) {
		return nil
	}
	return err
}

func (s *session) screen() io.Writer { return s.scr }
func (s *session) errw() io.Writer   { return s.err }

func (s *session) resultWriter() io.Writer {
	if s.outFile != nil {
		return s.outFile
	}
	return s.out
}

func (s *session) catalog() *Catalog {
	s.catMu.Lock()
	defer s.catMu.Unlock()
	if s.cat == nil {
		return &Catalog{Reserved: map[string]bool{}}
	}
	return s.cat
}

// duckdbQuerier runs the shell's own SQL (catalog, .tables) through the session, in DuckDB's
// dialect.
type duckdbQuerier struct{ sess Session }

func (q duckdbQuerier) QueryContext(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	return q.sess.RunIn(ctx, compat.DuckDB, stmt, args...)
}

// refreshCatalog reloads the completion catalog; the session picks up columns of newly loaded
// data first.
func (s *session) refreshCatalog(ctx context.Context) {
	c, err := LoadCatalog(ctx, duckdbQuerier{s.sess})
	if err != nil {
		return // completion keeps the previous snapshot
	}
	s.catMu.Lock()
	s.cat = c
	s.catMu.Unlock()
}

func (s *session) renderOptions() output.Options {
	o := output.Options{MaxRows: s.maxRows}
	if s.outFile == nil && s.io.IsStdoutTTY() {
		o.Terminal, o.Width = true, s.io.TerminalWidth()
	}
	return o
}

// stmtError carries the statement text so the error can be shown with its position.
type stmtError struct {
	stmt string
	err  error
}

func (e *stmtError) Error() string { return formatError(e.stmt, e.err) }
func (e *stmtError) Unwrap() error { return e.err }

// runSQL runs one statement written in dialect d and renders its result, then the footer.
func (s *session) runSQL(ctx context.Context, st statement) error {
	start := time.Now()
	rows, err := s.sess.RunIn(ctx, st.dialect, st.sql, st.args...)
	if err != nil {
		return &stmtError{st.sql, err}
	}
	defer rows.Close()
	w := s.resultWriter()
	var pw *pagedWriter
	if cmd := s.io.PagerCommand(); cmd != "" && s.pager && s.interactive && s.outFile == nil {
		_, h := s.io.TerminalSize()
		pw = newPagedWriter(cmd, w, s.errw(), h)
		w = pw
	}
	if s.format == output.CSV && !s.headers {
		w = &headerless{w: w}
	}
	stats, status, err := output.RenderResult(ctx, w, st.sql, rows, s.format, s.renderOptions())
	if pw != nil {
		if cerr := pw.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return &stmtError{st.sql, err}
	}
	if stats.Truncated && s.outFile == nil {
		// The cut is said under the result, with the ways to see the rest.
		s.footer(fmt.Sprintf("(%s of %s rows shown: .maxrows 0 shows all, .output FILE writes them to a file)",
			output.Group(fmt.Sprint(stats.Shown)), output.Group(fmt.Sprint(stats.Rows))))
	}
	if !s.timing {
		return nil
	}
	if status != "" {
		// SET, CREATE, INSERT...: a status line where the footer goes.
		s.footer(fmt.Sprintf("(%s, %s)", status, output.FormatElapsed(time.Since(start))))
	} else {
		s.footer(output.Footer(stats, time.Since(start)))
	}
	return nil
}

func (s *session) footer(line string) {
	if s.interactive {
		fmt.Fprintln(s.screen(), line)
	} else {
		fmt.Fprintln(s.errw(), line)
	}
}

// runStatement runs typed SQL in the session's dialect and remembers it for .chart.
func (s *session) runStatement(ctx context.Context, stmt string) error {
	st := statement{sql: stmt, dialect: s.sess.Dialect()}
	s.last = st
	return s.runSQL(ctx, st)
}

// isMeta reports whether the pending input is a meta-command line.
func isMeta(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), ".")
}

// runScript reads statements and meta-commands from r until EOF and stops at the first error,
// which is reported with name and the line of the script it is on.
func (s *session) runScript(ctx context.Context, r io.Reader, name string) error {
	br := bufio.NewReader(r)
	// pending holds the input read since the last complete statement, starting on script line
	// pendingLine; rest is what of it sqlscan.Split left unfinished ("" = nothing that waits
	// for more input, so a meta-command may start; an open /* comment or quote keeps waiting).
	var pending strings.Builder
	rest := ""
	lineNo, pendingLine := 0, 0
	fail := func(err error, line int) error {
		if errors.Is(err, errQuit) {
			return err
		}
		fmt.Fprintf(s.errw(), "Error: %s line %d: %s\n", name, line, err)
		return fmt.Errorf("%s line %d: %w", name, line, ErrReported)
	}
	// runAt runs a statement starting on script line at; an error the statement marks with
	// DuckDB's "LINE n" is reported on the script line of that mark.
	runAt := func(st string, at int) error {
		err := s.runStatement(ctx, st)
		if err != nil {
			return fail(err, at+errorLine(err)-1)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, rerr := br.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return fmt.Errorf("read %s line %d: %w", name, lineNo+1, rerr)
		}
		if line != "" {
			lineNo++
		}
		if rest == "" && isCommand(line) {
			pending.Reset()
			if err := s.runCommand(ctx, line); err != nil {
				return fail(err, lineNo)
			}
		} else if line != "" {
			if rest == "" {
				pending.Reset()
				pendingLine = lineNo
			}
			pending.WriteString(line)
			text := pending.String()
			var stmts []string
			stmts, rest = sqlscan.Split(text)
			offs := statementOffsets(text)
			for i, st := range stmts {
				at := pendingLine
				if i < len(offs) {
					at += strings.Count(text[:offs[i]], "\n")
				}
				if err := runAt(st, at); err != nil {
					return err
				}
			}
			if len(stmts) > 0 {
				// Keep the unfinished statement from its start as read, newlines included, so
				// DuckDB's LINE n counts the lines of the script.
				pending.Reset()
				if rest != "" {
					at := strings.LastIndex(text, rest)
					pendingLine += strings.Count(text[:at], "\n")
					pending.WriteString(text[at:])
				}
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	// A last statement without ';' still runs, as in other SQL shells.
	if rest != "" {
		return runAt(rest, pendingLine)
	}
	return nil
}

// statementOffsets returns the byte offset in s where each statement sqlscan.Split returns
// begins (its first token that is not whitespace), in the same order.
func statementOffsets(s string) []int {
	var out []int
	first, meaningful := -1, false
	for _, t := range sqlscan.Tokenize(s) {
		switch {
		case t.Kind == sqlscan.Semicolon:
			if meaningful {
				out = append(out, first)
			}
			first, meaningful = -1, false
			continue
		case t.Unterminated || !t.IsSpace():
			meaningful = true
		}
		if first < 0 && t.Kind != sqlscan.Whitespace {
			first = t.Pos
		}
	}
	return out
}

func (s *session) readFile(ctx context.Context, path string) error {
	if s.readDepth >= 8 {
		return fmt.Errorf(".read %s: nested too deep", path)
	}
	f, err := os.Open(expandHome(path))
	if err != nil {
		return fmt.Errorf(".read: %w", err)
	}
	defer f.Close()
	s.readDepth++
	defer func() { s.readDepth-- }()
	err = s.runScript(ctx, f, path)
	if errors.Is(err, ErrReported) {
		return fmt.Errorf(".read %s stopped", path)
	}
	return err
}
