package compat

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// consoleTable is the kind of name Athena's flow-log integration gives a table.
const consoleTable = "fl0af0b31dcb7649c1ddaily20210415"

func testTables(t *testing.T) *Tables {
	t.Helper()
	tables, err := NewTables(map[string]string{consoleTable: "vpc_flow_logs", "Flows": "VPC_FLOW_LOGS", "errs": "load_errors"})
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

func TestRewriteTables(t *testing.T) {
	tables := testTables(t)
	tests := []struct{ in, want string }{
		// Any catalog and database in front of flowq's tables is dropped, quoted or not.
		{`SELECT * FROM "default"."vpc_flow_logs"`, `SELECT * FROM "vpc_flow_logs"`},
		{`SELECT * FROM mydb.vpc_flow_logs WHERE x = 1`, `SELECT * FROM vpc_flow_logs WHERE x = 1`},
		{`SELECT * FROM "AwsDataCatalog"."db"."vpc_flow_logs" f`, `SELECT * FROM "vpc_flow_logs" f`},
		{`SELECT * FROM Db . VPC_FLOW_LOGS`, `SELECT * FROM   VPC_FLOW_LOGS`},
		{`SELECT * FROM"default"."vpc_flow_logs"`, `SELECT * FROM "vpc_flow_logs"`},
		{`SELECT * FROM db /* the db */ . vpc_flow_logs`, `SELECT * FROM  /* the db */  vpc_flow_logs`},
		{`SELECT * FROM a.load_errors JOIN b.vpc_flow_logs v ON true, c.vpc_flow_logs`,
			`SELECT * FROM load_errors JOIN vpc_flow_logs v ON true, vpc_flow_logs`},
		{`SELECT * FROM x, "default"."vpc_flow_logs" LEFT JOIN db.vpc_flow_logs USING (a)`,
			`SELECT * FROM x, "vpc_flow_logs" LEFT JOIN vpc_flow_logs USING (a)`},
		{`DESCRIBE "default".vpc_flow_logs`, `DESCRIBE vpc_flow_logs`},
		{`SELECT (SELECT count(*) AS n FROM db.vpc_flow_logs) AS n`, `SELECT (SELECT count(*) AS n FROM vpc_flow_logs) AS n`},
		{`WITH x AS (SELECT * FROM db.vpc_flow_logs) SELECT * FROM x`, `WITH x AS (SELECT * FROM vpc_flow_logs) SELECT * FROM x`},
		// A column named through its qualified table keeps only the table.
		{`SELECT "default"."vpc_flow_logs".srcaddr AS s FROM "default"."vpc_flow_logs"`,
			`SELECT "vpc_flow_logs".srcaddr AS s FROM "vpc_flow_logs"`},
		// Aliases become the table they name and stay the correlation name.
		{`SELECT ` + consoleTable + `.srcaddr AS s FROM "vpc_flow_logs_db"."` + consoleTable + `"`,
			`SELECT ` + consoleTable + `.srcaddr AS s FROM vpc_flow_logs AS "` + consoleTable + `"`},
		{`SELECT * FROM flows f WHERE 1=1`, `SELECT * FROM vpc_flow_logs f WHERE 1=1`},
		{`SELECT * FROM FLOWS AS f`, `SELECT * FROM vpc_flow_logs AS f`},
		{`SELECT * FROM flows, errs`, `SELECT * FROM vpc_flow_logs AS flows, load_errors AS errs`},
		{`SELECT * FROM db.flows WHERE true`, `SELECT * FROM vpc_flow_logs AS flows WHERE true`},
		{`SELECT * FROM"flows"`, `SELECT * FROM vpc_flow_logs AS "flows"`},
		{`DESCRIBE flows`, `DESCRIBE vpc_flow_logs`},
		// Not table references: columns, calls, aliases, strings, WITH queries of the same name.
		{`SELECT flows, x.flows, f.vpc_flow_logs FROM t AS flows`, `SELECT flows, x.flows, f.vpc_flow_logs FROM t AS flows`},
		{`SELECT extract(hour FROM flows), trim(' ' FROM db.vpc_flow_logs) FROM t`, `SELECT extract(hour FROM flows), trim(' ' FROM db.vpc_flow_logs) FROM t`},
		{`SELECT * FROM db.vpc_flow_logs_v2, db.flows.x, read_parquet('db.vpc_flow_logs')`,
			`SELECT * FROM db.vpc_flow_logs_v2, db.flows.x, read_parquet('db.vpc_flow_logs')`},
		{`WITH flows AS (SELECT 1) SELECT * FROM flows`, `WITH flows AS (SELECT 1) SELECT * FROM flows`},
		{`SELECT * FROM vpc_flow_logs, "flows_ok"`, `SELECT * FROM vpc_flow_logs, "flows_ok"`},
		{`SELECT * FROM w.x.y.vpc_flow_logs`, `SELECT * FROM w.x.y.vpc_flow_logs`},
	}
	for _, tc := range tests {
		if got := Athena.RewriteWith(tc.in, tables); got != tc.want {
			t.Errorf("RewriteWith(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if again := Athena.RewriteWith(tc.want, tables); again != tc.want {
			t.Errorf("RewriteWith not idempotent on %q: %q", tc.want, again)
		}
		if same := DuckDB.RewriteWith(tc.in, tables); same != tc.in {
			t.Errorf("DuckDB.RewriteWith(%q) = %q, want it unchanged", tc.in, same)
		}
	}
	// Without aliases only flowq's own names are resolved.
	if got, want := Rewrite(`SELECT * FROM db.flows, db.vpc_flow_logs`), `SELECT * FROM db.flows, vpc_flow_logs`; got != want {
		t.Errorf("Rewrite without aliases = %q, want %q", got, want)
	}
}

// TestQualifiedTablesRun runs Athena queries as the console writes them on real DuckDB: every
// qualified or aliased spelling counts the same planted rows as the plain table name.
func TestQualifiedTablesRun(t *testing.T) {
	conn := newConn(t, Athena)
	newFlowTable(t, conn)
	tables := testTables(t)
	// suiteRows: 3 rows REJECTed on port 22 or 3389 over TCP; 13 rows in all.
	for _, q := range []string{
		`SELECT count(*) FROM "default"."vpc_flow_logs" WHERE action = 'REJECT' AND protocol = 6`,
		`SELECT count(*) FROM mydb.vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6`,
		`SELECT count(*) FROM "AwsDataCatalog"."db"."vpc_flow_logs" WHERE action = 'REJECT' AND protocol = 6`,
		`SELECT count(*) FROM "AwsDataCatalog"."vpc_flow_logs_db"."` + consoleTable + `" WHERE action = 'REJECT' AND protocol = 6`,
		`SELECT count(*) FROM ` + consoleTable + ` WHERE ` + consoleTable + `.action = 'REJECT' AND protocol = 6`,
		`SELECT count(*) FROM db.flows f JOIN (SELECT 6 AS p) x ON f.protocol = x.p WHERE f.action = 'REJECT'`,
		`SELECT count(*) FROM "default"."vpc_flow_logs" WHERE "default"."vpc_flow_logs".action = 'REJECT' AND protocol = 6`,
	} {
		rq := Athena.RewriteWith(q, tables)
		var n int64
		if err := conn.QueryRowContext(context.Background(), rq).Scan(&n); err != nil {
			t.Errorf("%s\n=> %s\n%v", q, rq, err)
		} else if n != 3 {
			t.Errorf("%s: %d rows, want 3", q, n)
		}
	}
	rq := Athena.RewriteWith(`DESCRIBE "default".flows`, tables)
	rs, err := conn.QueryContext(context.Background(), rq)
	if err != nil {
		t.Fatalf("%s: %v", rq, err)
	}
	var cols int
	for rs.Next() {
		cols++
	}
	rs.Close()
	if cols < 15 {
		t.Errorf("%s: %d columns described, want the table's", rq, cols)
	}
}

// TestColumnNamesAsTyped checks the result columns DuckDB returns for rewritten select items:
// what the user typed, never the rewrite or DuckDB's count_star().
func TestColumnNamesAsTyped(t *testing.T) {
	conn := newConn(t, Athena)
	newFlowTable(t, conn)
	q := Athena.RewriteWith(`SELECT count(*), bytes/packets, 7 / 2 AS half, sum(bytes), coalesce(sum(packets), 0)
		FROM "default".vpc_flow_logs WHERE dstport = 3389 GROUP BY bytes, packets`, nil)
	rs, err := conn.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	want := []string{"count(*)", "bytes/packets", "half", "sum(bytes)", "coalesce(sum(packets), 0)"}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %q, want %q", cols, want)
	}
	if !rs.Next() {
		t.Fatal("no row")
	}
	var n, avg, half, sum, pk int64
	if err := rs.Scan(&n, &avg, &half, &sum, &pk); err != nil {
		t.Fatal(err)
	}
	// The one 3389 row: 125 bytes in 2 packets.
	if n != 1 || avg != 62 || half != 3 || sum != 125 || pk != 2 {
		t.Errorf("values %d %d %d %d %d, want 1 62 3 125 2", n, avg, half, sum, pk)
	}
}

func TestReadAliases(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.conf", "# Athena names\n\n"+consoleTable+" = vpc_flow_logs\n  Flows=VPC_FLOW_LOGS  \nerrs = load_errors\n")
	got, err := ReadAliases(good)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{consoleTable: "vpc_flow_logs", "Flows": "VPC_FLOW_LOGS", "errs": "load_errors"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadAliases = %v, want %v", got, want)
	}
	tables, err := LoadTables(good)
	if err != nil {
		t.Fatal(err)
	}
	if got := Athena.RewriteWith("SELECT * FROM flows", tables); got != "SELECT * FROM vpc_flow_logs AS flows" {
		t.Errorf("loaded aliases: %q", got)
	}
	// A missing file means no aliases.
	tables, err = LoadTables(filepath.Join(dir, "none.conf"))
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if got := Athena.RewriteWith("SELECT * FROM flows", tables); got != "SELECT * FROM flows" {
		t.Errorf("no aliases: %q", got)
	}

	for _, tc := range []struct{ text, want string }{
		{"a = vpc_flow_logs\nb vpc_flow_logs\n", "bad.conf:2: want athena_table_name = flowq_table"},
		{"a = \n", "bad.conf:1: want athena_table_name = flowq_table"},
		{"a = flows\n", `bad.conf:1: table alias "a": "flows" is not a flowq table`},
		{"db.a = vpc_flow_logs\n", `bad.conf:1: table alias "db.a": want one plain table name`},
		{"vpc_flow_logs = load_errors\n", `bad.conf:1: table alias "vpc_flow_logs": that is flowq's own table`},
		{"# x\na = vpc_flow_logs\nA = load_errors\n", "bad.conf:3: A is already given on line 2"},
	} {
		_, err := ReadAliases(write("bad.conf", tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
		if _, err := LoadTables(filepath.Join(dir, "bad.conf")); err == nil {
			t.Errorf("%q: LoadTables did not fail", tc.text)
		}
	}
	if _, err := NewTables(map[string]string{"a": "vpc_flow_logs", "A": "load_errors"}); err == nil {
		t.Error("NewTables accepted one alias for two tables")
	}
}

func TestAliasFile(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	if p, err := AliasFile(); err != nil || p != "/cfg/flowq/tables.conf" {
		t.Errorf("AliasFile = %q, %v", p, err)
	}
	// DefaultTables reads that file: missing, no aliases; present, its aliases; broken, an error.
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	tables, err := DefaultTables()
	if err != nil || Athena.RewriteWith("SELECT * FROM flows", tables) != "SELECT * FROM flows" {
		t.Errorf("DefaultTables without a file: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "flowq"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "flowq", "tables.conf")
	if err := os.WriteFile(conf, []byte("flows = vpc_flow_logs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tables, err = DefaultTables(); err != nil || Athena.RewriteWith("SELECT * FROM flows", tables) != "SELECT * FROM vpc_flow_logs AS flows" {
		t.Errorf("DefaultTables with %s: %v", conf, err)
	}
	if err := os.WriteFile(conf, []byte("flows\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = DefaultTables(); err == nil || !strings.Contains(err.Error(), conf+":1:") {
		t.Errorf("DefaultTables with a bad file: %v, want an error naming %s:1", err, conf)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "/home/u")
	if p, err := AliasFile(); err != nil || p != "/home/u/.config/flowq/tables.conf" {
		t.Errorf("AliasFile = %q, %v", p, err)
	}
}

// TestTableHint runs unknown Athena table names on real DuckDB: the error gains how to declare
// the name; other errors stay as they are.
func TestTableHint(t *testing.T) {
	conn := newConn(t, Athena)
	newFlowTable(t, conn)
	const file = "/home/u/.config/flowq/tables.conf"
	for _, tc := range []struct{ q, want string }{
		{"SELECT * FROM " + consoleTable, `declare it in ` + file + ` as a line "` + consoleTable + ` = vpc_flow_logs"`},
		{`SELECT * FROM "db"."` + consoleTable + `"`, `line "` + consoleTable + ` = vpc_flow_logs"`},
		{`SELECT * FROM "AwsDataCatalog"."db"."` + consoleTable + `"`, `line "NAME = vpc_flow_logs"`},
	} {
		_, err := conn.QueryContext(context.Background(), Rewrite(tc.q))
		if err == nil {
			t.Fatalf("%s: no error", tc.q)
		}
		herr := TableHint(err, file)
		if !strings.Contains(herr.Error(), "\nHint: ") || !strings.Contains(herr.Error(), tc.want) || !errors.Is(herr, err) {
			t.Errorf("%s: %v\nwant a hint with %q", tc.q, herr, tc.want)
		}
	}
	_, err := conn.QueryContext(context.Background(), "SELECT nosuchcolumn FROM vpc_flow_logs")
	if err == nil || TableHint(err, file) != err {
		t.Errorf("column error changed: %v", TableHint(err, file))
	}
	if TableHint(nil, file) != nil {
		t.Error("TableHint(nil) is not nil")
	}
}
