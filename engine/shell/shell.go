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

	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/sqlscan"
	"golang.org/x/term"
)

// Param is a parameter of a saved query.
type Param struct {
	Name, Default, Description string
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

// Config wires a shell session. DB is required; everything else may be left zero.
type Config struct {
	// DB is the session's DuckDB handle; it should allow one connection (SetMaxOpenConns(1)) so
	// that cancelling a statement interrupts exactly that statement.
	DB *sql.DB
	// BeforeStatement runs before each statement (refreshes the views when new data was loaded).
	BeforeStatement func(ctx context.Context) error
	// Check vets each statement as it will run (after any rewrite); an error refuses it. The CLI
	// uses it for --read-only sessions.
	Check func(ctx context.Context, stmt string) error
	// Rewrite turns Athena/Trino SQL into DuckDB SQL; used while .athena is on.
	Rewrite func(stmt string) string
	// Athena starts the session with the rewrite on (needs Rewrite).
	Athena bool
	// HistoryPath is the history file ("" = no persistent history); HistorySize bounds it.
	HistoryPath string
	HistorySize int
	Queries     SavedQueries
	// Status writes the data-dir status for .status.
	Status func(ctx context.Context, w io.Writer) error
	// In, Out, Err default to os.Stdin, os.Stdout, os.Stderr.
	In       io.Reader
	Out, Err io.Writer
	// Interactive selects the go-prompt terminal UI (see Run); otherwise In is read as a script.
	Interactive bool
	// Format of results (default table); MaxRows caps rows shown by table/markdown/line (0 = 1000
	// interactively, no cap otherwise; -1 = no cap).
	Format  output.Format
	MaxRows int
	// NoTiming turns off the "(N rows, T)" footer (interactive: on screen; scripts: on Err).
	NoTiming bool
	// ExtraCommands are added to the meta-command table (.chart, .why, ...).
	ExtraCommands []Command
	// Banner is printed once when the interactive shell starts.
	Banner string
}

// Env is what a meta-command sees of the session.
type Env struct{ s *session }

// DB returns the session's database handle.
func (e *Env) DB() *sql.DB { return e.s.cfg.DB }

// Out is where results go (the screen, or the .output file).
func (e *Env) Out() io.Writer { return e.s.resultWriter() }

// Screen is the terminal (or Config.Out), never the .output file: for notes and footers.
func (e *Env) Screen() io.Writer { return e.s.screen() }

// LastQuery is the last SQL statement the user ran (as typed, before any rewrite).
func (e *Env) LastQuery() string { return e.s.lastQuery }

// RenderOptions are the options results are rendered with right now (width, cap, terminal).
func (e *Env) RenderOptions() output.Options { return e.s.renderOptions() }

// Query runs one statement the way typed SQL runs (BeforeStatement, Athena rewrite if on) and
// returns its rows for the command to render itself.
func (e *Env) Query(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	q, err := e.s.prepare(ctx, stmt, e.s.athena)
	if err != nil {
		return nil, err
	}
	return e.s.cfg.DB.QueryContext(ctx, q, args...)
}

type session struct {
	cfg         Config
	out, err    io.Writer
	scr         io.Writer // notes and footers: Out, or Err when Out is redirected to a file
	interactive bool
	format      output.Format
	maxRows     int
	timing      bool
	athena      bool
	outFile     *os.File
	hist        *History
	cmds        []Command
	lastQuery   string
	readDepth   int

	catMu sync.Mutex
	cat   *Catalog
}

func newSession(cfg Config) (*session, error) {
	if cfg.DB == nil {
		return nil, errors.New("shell: Config.DB is nil")
	}
	if cfg.In == nil {
		cfg.In = os.Stdin
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.Err == nil {
		cfg.Err = os.Stderr
	}
	s := &session{cfg: cfg, out: cfg.Out, err: cfg.Err, scr: cfg.Out, interactive: cfg.Interactive,
		format: cfg.Format, timing: !cfg.NoTiming, athena: cfg.Athena && cfg.Rewrite != nil}
	if s.format == "" {
		s.format = output.Table
	}
	switch {
	case cfg.MaxRows < 0:
		s.maxRows = 0
	case cfg.MaxRows == 0 && cfg.Interactive:
		s.maxRows = 1000
	default:
		s.maxRows = cfg.MaxRows
	}
	s.cmds = builtinCommands()
	for _, c := range cfg.ExtraCommands {
		if have, ok := s.lookup(c.Name); ok {
			*have = c // an extra command may replace a built-in one
		} else {
			s.cmds = append(s.cmds, c)
		}
	}
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
	err = s.runScript(ctx, cfg.In, "<stdin>")
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

func (s *session) refreshCatalog(ctx context.Context) {
	if s.cfg.BeforeStatement != nil {
		_ = s.cfg.BeforeStatement(ctx) // pick up columns of newly loaded data; errors show at the next statement
	}
	c, err := LoadCatalog(ctx, s.cfg.DB)
	if err != nil {
		return // completion keeps the previous snapshot
	}
	s.catMu.Lock()
	s.cat = c
	s.catMu.Unlock()
}

// terminalWidth is the width of Out when it is a terminal, else 0.
func (s *session) terminalWidth() (int, bool) {
	f, ok := s.out.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 80, true
	}
	return w, true
}

func (s *session) renderOptions() output.Options {
	o := output.Options{MaxRows: s.maxRows}
	if s.outFile == nil {
		if w, ok := s.terminalWidth(); ok {
			o.Terminal, o.Width = true, w
		}
	}
	return o
}

// prepare refreshes views and applies the Athena rewrite.
func (s *session) prepare(ctx context.Context, stmt string, rewrite bool) (string, error) {
	if s.cfg.BeforeStatement != nil {
		if err := s.cfg.BeforeStatement(ctx); err != nil {
			return "", fmt.Errorf("refresh views: %w", err)
		}
	}
	q := stmt
	if rewrite && s.cfg.Rewrite != nil {
		q = s.cfg.Rewrite(stmt)
	}
	if s.cfg.Check != nil {
		if err := s.cfg.Check(ctx, q); err != nil {
			return "", err
		}
	}
	return q, nil
}

// stmtError carries the statement text so the error can be shown with its position.
type stmtError struct {
	stmt string
	err  error
}

func (e *stmtError) Error() string { return formatError(e.stmt, e.err) }
func (e *stmtError) Unwrap() error { return e.err }

// runSQL runs one statement and renders its result, then the footer.
func (s *session) runSQL(ctx context.Context, stmt string, args []any, rewrite bool) error {
	start := time.Now()
	q, err := s.prepare(ctx, stmt, rewrite)
	if err != nil {
		return &stmtError{stmt, err}
	}
	rows, err := s.cfg.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return &stmtError{q, err}
	}
	defer rows.Close()
	if cols, _ := rows.Columns(); sqlscan.IsStatusResult(q, cols) {
		// SET, CREATE, INSERT...: DuckDB answers with a one-column status result; a table of it
		// is noise, so it becomes a status line where the footer goes.
		return s.statusResult(rows, cols[0], start)
	}
	st, err := output.Render(ctx, s.resultWriter(), rows, s.format, s.renderOptions())
	if err == nil {
		err = rows.Err()
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return &stmtError{q, err}
	}
	if s.timing {
		s.footer(output.Footer(st, time.Since(start)))
	}
	return nil
}

func (s *session) statusResult(rows *sql.Rows, col string, start time.Time) error {
	var affected int64
	n := 0
	for rows.Next() {
		var v sql.NullInt64
		if col == "Count" {
			if err := rows.Scan(&v); err != nil {
				return err
			}
			affected += v.Int64
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !s.timing {
		return nil
	}
	msg := "OK"
	if col == "Count" && n > 0 {
		msg = fmt.Sprintf("%d rows affected", affected)
		if affected == 1 {
			msg = "1 row affected"
		}
	}
	s.footer(fmt.Sprintf("(%s, %s)", msg, output.FormatElapsed(time.Since(start))))
	return nil
}

func (s *session) footer(line string) {
	if s.interactive {
		fmt.Fprintln(s.screen(), line)
	} else {
		fmt.Fprintln(s.errw(), line)
	}
}

// runStatement runs typed SQL (with the Athena rewrite when on) and remembers it for .why etc.
func (s *session) runStatement(ctx context.Context, stmt string) error {
	s.lastQuery = stmt
	return s.runSQL(ctx, stmt, nil, s.athena)
}

// isMeta reports whether the pending input is a meta-command line.
func isMeta(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), ".")
}

// runScript reads statements and meta-commands from r until EOF and stops at the first error.
func (s *session) runScript(ctx context.Context, r io.Reader, name string) error {
	br := bufio.NewReader(r)
	// pending holds the input read since the last complete statement; rest is what of it
	// sqlscan.Split left unfinished ("" = nothing that waits for more input, so a meta-command
	// may start; an open /* comment or quote keeps waiting).
	var pending strings.Builder
	rest := ""
	lineNo, stmtLine := 0, 0
	fail := func(err error) error {
		if errors.Is(err, errQuit) {
			return err
		}
		fmt.Fprintf(s.errw(), "Error: %s line %d: %s\n", name, stmtLine, err)
		return fmt.Errorf("%s line %d: %w", name, stmtLine, ErrReported)
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
		if rest == "" && isMeta(line) {
			pending.Reset()
			stmtLine = lineNo
			if err := s.dispatch(ctx, line); err != nil {
				return fail(err)
			}
		} else if line != "" {
			if rest == "" {
				pending.Reset()
				stmtLine = lineNo
			}
			pending.WriteString(line)
			var stmts []string
			stmts, rest = sqlscan.Split(pending.String())
			for _, st := range stmts {
				if err := s.runStatement(ctx, st); err != nil {
					return fail(err)
				}
			}
			if len(stmts) > 0 {
				pending.Reset()
				pending.WriteString(rest)
				stmtLine = lineNo
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	// A last statement without ';' still runs, as in other SQL shells.
	if rest != "" {
		if err := s.runStatement(ctx, rest); err != nil {
			return fail(err)
		}
	}
	return nil
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

// IsTerminal reports whether r is a terminal, i.e. whether Config.Interactive should be set
// for it (the CLI passes os.Stdin).
func IsTerminal(r io.Reader) bool { return isTerm(r) }

func isTerm(x any) bool {
	f, ok := x.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
