package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowlog"
)

// SessionOptions configure a query session.
type SessionOptions struct {
	// Init runs once on the session's connection after the views exist, e.g. to register the
	// Athena compatibility functions.
	Init func(ctx context.Context, conn *sql.Conn) error
	// Dialect is the SQL dialect Run rewrites statements from (zero: Athena). Init registers the
	// functions the dialect needs (compat.RegisterDialect).
	Dialect compat.Dialect
	// Tables are the table names users declared for their Athena queries (compat.DefaultTables);
	// AliasFile is where they came from, named in the hint of an unknown-table error. Nil: none.
	Tables    *compat.Tables
	AliasFile string
	// ReadOnly forbids writes and file or network access outside the data dir.
	ReadOnly bool
	// Threads bounds the session's DuckDB threads; 0: DefaultThreads.
	Threads int
	// MemoryLimit is DuckDB's memory_limit (ParseMemoryLimit's form, e.g. "2GiB"); beyond it
	// queries spill to the data dir's temp folder. "": DefaultMemoryLimit.
	MemoryLimit string
	// Progress, when set, receives the progress of statements that run longer than a second.
	Progress ProgressFunc
}

// Session is an in-memory DuckDB with views over the store's committed Parquet files. Its pool
// holds exactly one connection, kept for the session's life (temporary macros live on it), so
// cancelling a query's context interrupts exactly that query.
type Session struct {
	DB      *sql.DB
	store   *Store
	ro      bool
	tmp     string // this session's spill folder
	mu      sync.Mutex
	stamp   string         // guarded by mu: the ledger the views were built from
	dialect compat.Dialect // guarded by mu
	tables  *compat.Tables
	aliases string // the alias file, for TableHint
	// progress: see SessionOptions.Progress; guarded by mu.
	progress ProgressFunc
	// summaries: guarded by mu: the summary views hold what vpc_flow_logs holds (SummariesReady)
	summaries bool
}

// SummariesReady reports whether the vpc_flow_summary_* views are complete and current for the
// data the session shows, so a saved query's summary form answers as its raw form would.
func (s *Session) SummariesReady() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.summaries
}

// OpenSession opens a session over the store's data.
func (s *Store) OpenSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	// The set-up runs on the pool's one connection, which is then handed back for queries.
	defer conn.Close()
	sess := &Session{DB: db, store: s, ro: opts.ReadOnly, dialect: opts.Dialect, tables: opts.Tables, aliases: opts.AliasFile,
		progress: opts.Progress}
	// No extension downloads: a query naming http:// or s3:// would otherwise make DuckDB fetch
	// and install httpfs from the internet into ~/.duckdb.
	// Large queries spill to a folder of this process inside the data dir (never the working
	// directory); it is removed on Close, or by the next writer if the process died.
	sess.tmp = filepath.Join(s.dir, tmpDir, strconv.Itoa(os.Getpid()))
	// DuckDB creates the spill folder itself but not its parent, which a store that was never
	// loaded into by this version lacks: without it the first spill fails. A data dir that
	// cannot be written still answers queries that fit in memory, so the error is not fatal.
	_ = os.MkdirAll(filepath.Dir(sess.tmp), 0o700)
	// Memory and threads are bounded (memory.go) so a month of data spills rather than grows.
	threads, limit := opts.Threads, opts.MemoryLimit
	if threads <= 0 {
		threads = DefaultThreads()
	}
	if limit == "" {
		limit = DefaultMemoryLimit()
	}
	setup := []string{"SET TimeZone='UTC'", "SET autoinstall_known_extensions=false", "SET temp_directory=" + sqlString(sess.tmp),
		fmt.Sprintf("SET threads=%d", threads), "SET memory_limit=" + sqlString(limit),
		// Results keep their order only where the statement asks (ORDER BY), as in Athena:
		// keeping the scan order holds rows back in memory.
		"SET preserve_insertion_order=false",
		// DuckDB computes the progress Session.RunIn reports, and never prints it itself.
		"SET enable_progress_bar=true", "SET enable_progress_bar_print=false", "SET progress_bar_time=" + strconv.Itoa(int(progressDelay.Milliseconds()))}
	for _, q := range setup {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			sess.Close()
			return nil, fmt.Errorf("DuckDB %s: %w", q, err)
		}
	}
	if err := sess.refreshOn(ctx, conn, true); err != nil {
		sess.Close()
		return nil, err
	}
	if opts.Init != nil {
		if err := opts.Init(ctx, conn); err != nil {
			sess.Close()
			return nil, err
		}
	}
	if opts.ReadOnly {
		// Only the store's tables may be read; nothing may be written, and the settings are
		// locked so a hostile script cannot turn access back on.
		for _, q := range []string{
			"SET allowed_directories=[" + sqlString(filepath.Join(s.dir, tablesDir)+"/") + "]",
			"SET enable_external_access=false",
			"SET lock_configuration=true",
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				sess.Close()
				return nil, fmt.Errorf("read-only mode, %s: %w", q, err)
			}
		}
	}
	return sess, nil
}

// Limits reads the session's memory limit, threads and spill folder from DuckDB.
func (s *Session) Limits(ctx context.Context) (Limits, error) {
	l := Limits{TempDir: filepath.Dir(s.tmp)} // the process folder inside is removed on Close
	err := s.DB.QueryRowContext(ctx, "SELECT current_setting('memory_limit'), current_setting('threads')").Scan(&l.MemoryLimit, &l.Threads)
	if err != nil {
		return Limits{}, fmt.Errorf("reading the session's limits: %w", err)
	}
	return l, nil
}

// SetProgress sets (nil: removes) the function that receives the progress of long statements.
func (s *Session) SetProgress(fn ProgressFunc) {
	s.mu.Lock()
	s.progress = fn
	s.mu.Unlock()
}

// Close closes the session and removes its spill folder.
func (s *Session) Close() error {
	err := s.DB.Close()
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
	return err
}

// Refresh rebuilds the views when another process committed new data since the last call.
// Call it before each statement; it costs one stat when nothing changed.
func (s *Session) Refresh(ctx context.Context) error {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return s.refreshOn(ctx, conn, false)
}

func (s *Session) refreshOn(ctx context.Context, conn *sql.Conn, force bool) error {
	// The shell refreshes its completion catalog beside the statements it runs.
	s.mu.Lock()
	defer s.mu.Unlock()
	path := filepath.Join(s.store.dir, ledgerFile)
	stamp := ""
	if info, err := os.Stat(path); err == nil {
		stamp = fmt.Sprintf("%d/%d", info.Size(), info.ModTime().UnixNano())
	}
	if !force && stamp == s.stamp {
		return nil
	}
	if s.ro && !force {
		// In read-only mode new files are outside what the locked settings allow; keep the
		// snapshot the session opened with.
		return nil
	}
	led, err := readLedger(path)
	if err != nil {
		return err
	}
	for _, q := range viewSQL(s.store.dir, led) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("creating views: %w", err)
		}
	}
	s.stamp = stamp
	s.summaries = led.SummariesCurrent()
	return nil
}

// TableColumns returns the flow-log view's columns for a ledger: the Athena table's, then later
// known fields and unknown fields present in the data, then date.
func TableColumns(led *Ledger) []flowlog.Field {
	var cols []flowlog.Field
	for i, f := range flowlog.KnownFields() {
		if i < flowlog.AthenaColumns || contains(led.Columns, f.Column) {
			cols = append(cols, f)
		}
	}
	for _, u := range led.UnknownColumns() {
		cols = append(cols, flowlog.Field{Name: u, Column: u, Type: flowlog.String, Unknown: true})
	}
	return cols
}

// viewSQL builds the statements that (re)create the views over the ledger's parts.
func viewSQL(dir string, led *Ledger) []string {
	cols := TableColumns(led)
	var sel []string
	for _, f := range cols {
		if contains(led.Columns, f.Column) {
			sel = append(sel, sqlIdent(f.Column))
		} else {
			// No part has the column: Athena reads a column missing from every file as NULL.
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type.SQL(), sqlIdent(f.Column)))
		}
	}
	sel = append(sel, `"date"`)
	var out []string
	parts := led.PartsOf(flowTable)
	if len(parts) == 0 {
		var empty []string
		for _, f := range cols {
			empty = append(empty, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type.SQL(), sqlIdent(f.Column)))
		}
		empty = append(empty, `CAST(NULL AS DATE) AS "date"`)
		out = append(out, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s WHERE false", flowTable, strings.Join(empty, ", ")))
	} else {
		files := make([]string, len(parts))
		for i, p := range parts {
			files[i] = sqlString(filepath.Join(dir, filepath.FromSlash(p.Path)))
		}
		// Parts carry only the columns their files had, so columns are matched by name.
		out = append(out, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM read_parquet([%s], hive_partitioning=true, hive_types={'date': DATE}, union_by_name=true)",
			flowTable, strings.Join(sel, ", "), strings.Join(files, ", ")))
	}
	out = append(out, tgwViewSQL(dir, led))
	if len(led.ErrorParts) == 0 {
		out = append(out, fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS SELECT CAST(NULL AS VARCHAR) AS file, CAST(NULL AS BIGINT) AS line,
			CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS TIMESTAMP) AS loaded_at WHERE false`, errorsTable))
	} else {
		files := make([]string, len(led.ErrorParts))
		for i, p := range led.ErrorParts {
			files[i] = sqlString(filepath.Join(dir, filepath.FromSlash(p)))
		}
		out = append(out, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT file, line, reason, raw, loaded_at FROM read_parquet([%s])", errorsTable, strings.Join(files, ", ")))
	}
	return append(out, summaryViewSQL(dir, led)...)
}

// ErrNotReadOnly is returned for a statement a read-only session refuses.
var ErrNotReadOnly = errors.New("read-only session: only a single SELECT statement may run")

// CheckStatement refuses, in a read-only session, anything but one SELECT (WITH ... SELECT,
// VALUES, ...): no COPY, no CREATE, no ATTACH, no SET, no second statement. allowed_directories
// alone would still let COPY overwrite the store's own Parquet files. DuckDB's parser decides:
// json_serialize_sql serialises SELECT statements only.
func (s *Session) CheckStatement(ctx context.Context, stmt string) error {
	if !s.ro {
		return nil
	}
	var out string
	if err := s.DB.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(?::VARCHAR) AS VARCHAR)", stmt).Scan(&out); err != nil {
		return fmt.Errorf("%w: %v", ErrNotReadOnly, err)
	}
	var parsed struct {
		Error      bool              `json:"error"`
		Message    string            `json:"error_message"`
		Statements []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil {
		return fmt.Errorf("%w: %v", ErrNotReadOnly, err)
	}
	if parsed.Error || len(parsed.Statements) != 1 {
		// DuckDB's own words ("Only SELECT statements can be serialized to json!") say how
		// the check works, not what was refused: name the statement's kind instead.
		if words := strings.Fields(stmt); len(words) > 0 && (parsed.Message == "" || strings.Contains(parsed.Message, "Only SELECT")) {
			return fmt.Errorf("%w, not %s", ErrNotReadOnly, strings.ToUpper(strings.TrimRight(words[0], ";")))
		}
		return fmt.Errorf("%w (%s)", ErrNotReadOnly, parsed.Message)
	}
	return nil
}
