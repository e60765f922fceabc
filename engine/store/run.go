package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/flowq/flowq/engine/compat"
)

// StatementError is a statement DuckDB refused, with the SQL as it ran (after the dialect
// rewrite): the positions in DuckDB's message refer to that text.
type StatementError struct {
	SQL string
	Err error
}

func (e *StatementError) Error() string { return e.Err.Error() }
func (e *StatementError) Unwrap() error { return e.Err }

// Dialect is the SQL dialect Run reads statements in.
func (s *Session) Dialect() compat.Dialect {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dialect
}

// SetDialect switches the dialect of the statements Run reads next (the shell's .athena on|off).
func (s *Session) SetDialect(d compat.Dialect) {
	s.mu.Lock()
	s.dialect = d
	s.mu.Unlock()
}

// ReadOnly reports whether the session refuses writes (SessionOptions.ReadOnly).
func (s *Session) ReadOnly() bool { return s.ro }

// Run runs one statement written in the session's dialect: the one door through which every
// statement a user gives flowq (query, run, shell, .chart, reports) reaches DuckDB.
func (s *Session) Run(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	return s.RunIn(ctx, s.Dialect(), stmt, args...)
}

// RunIn runs one statement written in dialect d: saved queries are Athena SQL whatever the
// session's dialect, and SQL flowq wrote itself (or a statement already rewritten) is DuckDB's.
// It refreshes the views when another process committed data, rewrites the statement into
// DuckDB SQL, refuses it in a read-only session unless it is one SELECT, then queries. Errors
// from DuckDB are *StatementError.
func (s *Session) RunIn(ctx context.Context, d compat.Dialect, stmt string, args ...any) (*sql.Rows, error) {
	if err := s.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("refresh views: %w", err)
	}
	q := d.RewriteWith(stmt, s.tables)
	if err := s.CheckStatement(ctx, q); err != nil {
		return nil, err
	}
	s.mu.Lock()
	progress := s.progress
	s.mu.Unlock()
	if progress == nil {
		rows, err := s.DB.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, &StatementError{SQL: q, Err: compat.TableHint(err, s.aliases)}
		}
		return rows, nil
	}
	// With progress, the statement runs on a connection held for it, so the handle the poller
	// reads is the one running it. DuckDB runs the whole statement inside QueryContext; the
	// rows are then read from the finished result.
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	stop := func() {}
	if h, ok := duckHandle(conn); ok {
		stop = watchProgress(h, progress)
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	stop()
	if err != nil {
		conn.Close()
		return nil, &StatementError{SQL: q, Err: compat.TableHint(err, s.aliases)}
	}
	// Close returns the connection to the pool once the caller closed the rows (database/sql
	// waits for them), so the next statement gets it as before.
	go conn.Close()
	return rows, nil
}

// Query runs one statement in DuckDB's own SQL (no rewrite) through RunIn.
func (s *Session) Query(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	return s.RunIn(ctx, compat.DuckDB, stmt, args...)
}

// QueryContext is Query under database/sql's name, so packages that run their own SELECTs on
// a querier (htmlreport) go through the same door.
func (s *Session) QueryContext(ctx context.Context, stmt string, args ...any) (*sql.Rows, error) {
	return s.Query(ctx, stmt, args...)
}
