package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/store"
)

// TGWSession returns a session-like DuckDB (in memory, one connection, the Athena functions)
// holding an empty transit_gateway_flow_logs table with the columns of flowlog.TGWFields and the
// "date" partition. It stands in for the store until the store loads transit gateway deliveries.
func TGWSession(tb testing.TB) *store.Session {
	tb.Helper()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	tb.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if err := compat.Register(ctx, conn); err != nil {
		tb.Fatal(err)
	}
	var cols []string
	for _, f := range flowlog.TGWFields() {
		cols = append(cols, fmt.Sprintf("%q %s", f.Column, f.Type.SQL()))
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %s (%s, "date" DATE)`, flowlog.TGWTable, strings.Join(cols, ", "))); err != nil {
		tb.Fatal(err)
	}
	return &store.Session{DB: db}
}

// InsertTGW adds one transit gateway text delivery (file path, its S3 key for the partition
// date, and its header line) to the table TGWSession made: every field read as text, then "-"
// made NULL in numeric columns only (as Athena reads the files), fields the format lacks NULL.
func InsertTGW(tb testing.TB, sess *store.Session, path, key, header string) {
	tb.Helper()
	h, err := flowlog.ParseTGWHeader(header)
	if err != nil {
		tb.Fatal(err)
	}
	k, ok := flowlog.ParseTGWKey(key)
	if !ok {
		tb.Fatalf("key %s follows no layout", key)
	}
	var csvCols, sel []string
	for _, f := range h.Fields {
		csvCols = append(csvCols, fmt.Sprintf("'%s': 'VARCHAR'", f.Name))
	}
	for _, f := range flowlog.TGWFields() {
		switch {
		case !h.Has(f.Column):
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s)", f.Type.SQL()))
		case f.Type == flowlog.String:
			sel = append(sel, fmt.Sprintf("%q", f.Name))
		default:
			sel = append(sel, fmt.Sprintf("CAST(nullif(%q, '-') AS %s)", f.Name, f.Type.SQL()))
		}
	}
	q := fmt.Sprintf(`INSERT INTO %s SELECT %s, DATE '%s' FROM read_csv('%s', delim=' ', header=true, auto_detect=false, quote='', escape='', columns={%s})`,
		flowlog.TGWTable, strings.Join(sel, ", "), k.Date.Format("2006-01-02"), strings.ReplaceAll(path, "'", "''"), strings.Join(csvCols, ", "))
	if _, err := sess.DB.Exec(q); err != nil {
		tb.Fatalf("%s: %v", key, err)
	}
}

// LoadTGW generates cfg's transit gateway deliveries into a temporary folder and builds the
// table from them with TGWSession and InsertTGW. It fails when the table holds another number
// of rows than flowgen wrote.
func LoadTGW(tb testing.TB, cfg flowgen.TGWConfig) (*flowgen.TGWTruth, *store.Session) {
	tb.Helper()
	dir := tb.TempDir()
	truth, err := flowgen.GenerateTGW(context.Background(), cfg, flowgen.DirSink(dir))
	if err != nil {
		tb.Fatal(err)
	}
	sess := TGWSession(tb)
	for key := range truth.Files {
		InsertTGW(tb, sess, filepath.Join(dir, filepath.FromSlash(key)), key, truth.Header)
	}
	var n int64
	if err := sess.DB.QueryRow("SELECT count(*) FROM " + flowlog.TGWTable).Scan(&n); err != nil || n != truth.Records {
		tb.Fatalf("table holds %d rows (%v), flowgen wrote %d", n, err, truth.Records)
	}
	return truth, sess
}
