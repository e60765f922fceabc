package shell

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowlog"
)

// flowRows are the planted rows of the test table; expected results are counted from them by hand.
//
//	srcaddr   dstaddr   dstport protocol packets bytes    action date
//	10.0.0.1  10.0.0.2  443     6        10      1000     ACCEPT 2024-01-01
//	10.0.0.1  10.0.0.3  22      6        5       500      REJECT 2024-01-01
//	10.0.0.4  10.0.0.2  443     6        20      2500     ACCEPT 2024-01-02
//	10.0.0.5  10.0.0.2  53      17       1       80       ACCEPT 2024-01-02
//	10.0.0.1  10.0.0.2  443     6        3       1234567  ACCEPT 2024-01-02  (account_id NULL)
var flowRows = [][]any{
	{"123456789012", "10.0.0.1", "10.0.0.2", 443, 6, 10, 1000, "ACCEPT", "2024-01-01"},
	{"123456789012", "10.0.0.1", "10.0.0.3", 22, 6, 5, 500, "REJECT", "2024-01-01"},
	{"123456789012", "10.0.0.4", "10.0.0.2", 443, 6, 20, 2500, "ACCEPT", "2024-01-02"},
	{"123456789012", "10.0.0.5", "10.0.0.2", 53, 17, 1, 80, "ACCEPT", "2024-01-02"},
	{nil, "10.0.0.1", "10.0.0.2", 443, 6, 3, 1234567, "ACCEPT", "2024-01-02"},
}

// flowTableDDL is the vpc_flow_logs schema: flowlog's known fields plus the date partition.
func flowTableDDL() string {
	var cols []string
	for _, f := range flowlog.KnownFields() {
		cols = append(cols, fmt.Sprintf("%q %s", f.Column, f.Type.SQL()))
	}
	cols = append(cols, `"date" DATE`)
	return "CREATE TABLE vpc_flow_logs (" + strings.Join(cols, ", ") + ")"
}

// openFlowDB opens an in-memory DuckDB holding vpc_flow_logs with flowRows.
func openFlowDB(ctx context.Context) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, flowTableDDL()); err != nil {
		return nil, err
	}
	for _, r := range flowRows {
		if _, err := db.ExecContext(ctx, `INSERT INTO vpc_flow_logs (account_id, srcaddr, dstaddr, dstport, protocol, packets, bytes, action, "date")
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::DATE)`, r...); err != nil {
			return nil, err
		}
	}
	return db, nil
}

func testDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openFlowDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dbSession runs the shell's statements on a DuckDB holding the planted table the way
// store.Session does (its tests cover the refresh and the read-only check): before stands in
// for the views' refresh, then the dialect's rewrite, then the query.
type dbSession struct {
	db       *sql.DB
	dialect  compat.Dialect
	readOnly bool
	before   func(ctx context.Context) error
}

func (d *dbSession) RunIn(ctx context.Context, dl compat.Dialect, stmt string, args ...any) (*sql.Rows, error) {
	if d.before != nil {
		if err := d.before(ctx); err != nil {
			return nil, err
		}
	}
	return d.db.QueryContext(ctx, dl.Rewrite(stmt), args...)
}

func (d *dbSession) Dialect() compat.Dialect      { return d.dialect }
func (d *dbSession) SetDialect(dl compat.Dialect) { d.dialect = dl }
func (d *dbSession) ReadOnly() bool               { return d.readOnly }

// testSession is a dbSession over the planted table with the Athena functions registered, in
// DuckDB's dialect.
func testSession(t *testing.T) *dbSession {
	t.Helper()
	db := testDB(t)
	if err := registerCompat(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return &dbSession{db: db, dialect: compat.DuckDB}
}

// registerCompat installs the Athena functions on db's one connection, as flowq's sessions do.
func registerCompat(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return compat.Register(ctx, conn)
}

// fakeQueries is a SavedQueries with two queries.
type fakeQueries struct{}

func (fakeQueries) List() []SavedQuery {
	return []SavedQuery{
		{Name: "top_talkers", Description: "sources by bytes", Params: []Param{{Name: "limit", Default: "10", Hint: "an integer"},
			{Name: "action", Description: "ACCEPT or REJECT", Choices: []string{"ACCEPT", "REJECT"}}}},
		{Name: "rejected", Description: "rejected flows"},
	}
}

func (fakeQueries) Run(ctx context.Context, name string, params map[string]string) (string, []any, error) {
	switch name {
	case "top_talkers":
		limit := params["limit"]
		if limit == "" {
			limit = "10"
		}
		var action any
		if a := params["action"]; a != "" {
			action = a
		}
		return `SELECT srcaddr, sum(bytes) AS bytes FROM vpc_flow_logs WHERE $1::VARCHAR IS NULL OR action = $1
GROUP BY srcaddr ORDER BY 2 DESC LIMIT $2`, []any{action, limit}, nil
	case "rejected":
		return `SELECT srcaddr, dstaddr, dstport FROM vpc_flow_logs WHERE action = 'REJECT'`, nil, nil
	}
	return "", nil, fmt.Errorf("no saved query %q", name)
}
