package store

import (
	"context"
	"errors"
	"testing"

	"github.com/flowq/flowq/engine/compat"
)

// scalar runs stmt through rows and returns its one value as text.
func scalar(t *testing.T, run func() (rowsLike, error)) string {
	t.Helper()
	rows, err := run()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var v string
	for rows.Next() {
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

type rowsLike interface {
	Next() bool
	Scan(...any) error
	Close() error
}

// TestSessionRun: Run reads statements in the session's dialect (Athena: 7/2 = 3, as in Trino;
// DuckDB: 3.5), SetDialect switches it, RunIn names the dialect per statement, and every door
// sees data committed after the session opened.
func TestSessionRun(t *testing.T) {
	s, ctx := openStore(t)
	sess, err := s.OpenSession(ctx, SessionOptions{Init: compat.Register})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if sess.Dialect() != compat.Athena {
		t.Fatalf("default dialect %v, want athena", sess.Dialect())
	}
	div := func(run func(context.Context, string, ...any) (rowsLike, error)) string {
		return scalar(t, func() (rowsLike, error) { return run(ctx, "SELECT CAST(7/2 AS VARCHAR)") })
	}
	runner := func(ctx context.Context, q string, a ...any) (rowsLike, error) { return sess.Run(ctx, q, a...) }
	if got := div(runner); got != "3" {
		t.Errorf("athena 7/2 = %s, want 3", got)
	}
	sess.SetDialect(compat.DuckDB)
	if got := div(runner); got != "3.5" {
		t.Errorf("duckdb 7/2 = %s, want 3.5", got)
	}
	inAthena := func(ctx context.Context, q string, a ...any) (rowsLike, error) {
		return sess.RunIn(ctx, compat.Athena, q, a...)
	}
	if got := div(inAthena); got != "3" {
		t.Errorf("RunIn(athena) 7/2 = %s, want 3", got)
	}

	// One flow committed after the session opened: Run refreshes the views first.
	src := t.TempDir()
	writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/15/a.log.gz", gz(t, lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 22, 6, 1, 100, t0, "REJECT", "OK"))))
	if _, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	got := scalar(t, func() (rowsLike, error) {
		return sess.Run(ctx, "SELECT CAST(count(*) AS VARCHAR) FROM vpc_flow_logs WHERE dstport = ?", 22)
	})
	if got != "1" {
		t.Errorf("count after load = %s, want 1", got)
	}
}

// TestSessionRunReadOnly: in a read-only session the check runs on the statement as it will
// run, after the rewrite, whichever door it comes through.
func TestSessionRunReadOnly(t *testing.T) {
	s, ctx := openStore(t)
	sess, err := s.OpenSession(ctx, SessionOptions{Init: compat.Register, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if !sess.ReadOnly() {
		t.Fatal("ReadOnly() = false")
	}
	for _, d := range []compat.Dialect{compat.Athena, compat.DuckDB} {
		if _, err := sess.RunIn(ctx, d, "CREATE TABLE t AS SELECT 7/2 AS x"); !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("%v: CREATE: %v, want ErrNotReadOnly", d, err)
		}
	}
	if _, err := sess.QueryContext(ctx, "SELECT 1; SELECT 2"); !errors.Is(err, ErrNotReadOnly) {
		t.Errorf("QueryContext of two statements: %v, want ErrNotReadOnly", err)
	}
	if got := scalar(t, func() (rowsLike, error) { return sess.Run(ctx, "SELECT CAST(9/2 AS VARCHAR)") }); got != "4" {
		t.Errorf("read-only athena 9/2 = %s, want 4", got)
	}
}
