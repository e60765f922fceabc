package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bad inputs the store's TestBadInput does not already cover (CRLF, unknown header fields,
// Parquet with a missing column), and the CLI's side of bad input: the summary, the exit
// status with and without --strict, and load_errors as the user queries it.
func TestCLIBadInput(t *testing.T) {
	const hdr = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	const rec = "2 111111111111 eni-0bad0000000000001 10.0.0.1 10.0.0.2 40000 443 6 1 10 1768431600 1768431660 ACCEPT OK"
	e := newEnv(t)
	dir := filepath.Join(e.root, "in")
	os.Mkdir(dir, 0o700)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("crlf.log", hdr+"\r\n"+rec+"\r\n"+rec+"\r\n")                                          // 2 rows
	write("unknown-field.log", hdr+" my-field\n"+rec+" hello\n")                                 // 1 row, my_field = hello
	mixed := write("mixed.log", strings.Join([]string{hdr, rec, "2 111111111111 eni-x 10.0.0.1", // line 3: too few
		rec + " extra",                          // line 4: too many
		strings.Replace(rec, " 6 ", " tcp ", 1), // line 5: non-numeric
		rec}, "\n")+"\n")                        // 2 rows
	write("page.log", "<html><body><h1>403 Forbidden</h1></body></html>\n") // whole file fails
	write("empty.log.gz", "")                                               // whole file fails
	// A Parquet delivery without the action column, written by flowq's own DuckDB.
	pq := filepath.Join(dir, "no-action.log.parquet")
	e.ok("query", "--dialect", "duckdb", `COPY (SELECT 2 AS version, '111111111111' AS account_id, 'eni-0bad0000000000002' AS interface_id,
		'10.0.0.1' AS srcaddr, '10.0.0.2' AS dstaddr, 1 AS srcport, 2 AS dstport, 6 AS protocol, 1::BIGINT AS packets, 10::BIGINT AS bytes,
		1768431600::BIGINT AS start, 1768431660::BIGINT AS "end", 'OK' AS log_status) TO '`+pq+`' (FORMAT parquet)`) // 1 row

	r := e.run("load", dir)
	if r.code != 3 {
		t.Errorf("whole files failed: want exit 3:\n%s", r)
	}
	if !strings.Contains(r.stderr, "6 files: 4 loaded") || !strings.Contains(r.stderr, "2 failed, 1 partly loaded; 6 rows added, 3 lines rejected") {
		t.Errorf("summary:\n%s", r)
	}
	for _, name := range []string{"page.log", "empty.log.gz", "mixed.log"} {
		if !strings.Contains(r.stderr, filepath.Join(dir, name)+": ") {
			t.Errorf("the summary does not name %s:\n%s", name, r)
		}
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != 6 {
		t.Errorf("%d rows, want 6", n)
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs WHERE my_field = 'hello'"); n != 1 {
		t.Errorf("unknown header field: %d rows with my_field = 'hello', want 1", n)
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs WHERE interface_id = 'eni-0bad0000000000002' AND action IS NULL"); n != 1 {
		t.Errorf("Parquet without action: %d rows with a NULL action, want 1", n)
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs WHERE interface_id LIKE '%\r%' OR log_status <> 'OK'"); n != 0 {
		t.Errorf("CRLF left %d rows with a carriage return", n)
	}
	// load_errors: file, line, reason and raw text of each rejected line.
	r = e.ok("query", "--format", "json", "SELECT line, reason, raw FROM load_errors WHERE file = '"+mixed+"' ORDER BY line")
	var errs []struct {
		Line   int64  `json:"line"`
		Reason string `json:"reason"`
		Raw    string `json:"raw"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &errs); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	want := []struct {
		line        int64
		reason, raw string
	}{
		{3, "expected 14 fields, got 4", "2 111111111111 eni-x 10.0.0.1"},
		{4, "expected 14 fields, got 15", rec + " extra"},
		{5, "not a number", strings.Replace(rec, " 6 ", " tcp ", 1)},
	}
	if len(errs) != len(want) {
		t.Fatalf("load_errors for mixed.log: %+v", errs)
	}
	for i, w := range want {
		if errs[i].Line != w.line || !strings.Contains(errs[i].Reason, w.reason) || errs[i].Raw != w.raw {
			t.Errorf("load_errors row %d: %+v, want line %d, %q, raw %q", i, errs[i], w.line, w.reason, w.raw)
		}
	}
	// Caps: at most 100 rejected lines per file are kept (all are counted), raw text at 1 KiB.
	var many strings.Builder
	many.WriteString(hdr + "\n" + rec + "\n")
	for i := 0; i < 150; i++ {
		fmt.Fprintf(&many, "2 111111111111 eni-%d %s\n", i, strings.Repeat("z", 5000))
	}
	manyPath := filepath.Join(e.root, "many-bad.log") // outside dir, which the --json run loads below
	if err := os.WriteFile(manyPath, []byte(many.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.ok("load", manyPath)
	if !strings.Contains(r.stderr, "1 row added, 150 lines rejected") {
		t.Errorf("150 bad lines:\n%s", r)
	}
	if n := e.count("SELECT count(*) FROM load_errors WHERE file = '" + manyPath + "'"); n != 100 {
		t.Errorf("load_errors keeps %d lines of many-bad.log, want 100", n)
	}
	if n := e.count("SELECT max(length(raw)) FROM load_errors WHERE file = '" + manyPath + "'"); n != 1024 {
		t.Errorf("raw text of a 5 KB line kept at %d bytes, want 1024", n)
	}
	if led := e.ledger(); led == nil || led.Sources[manyPath] == nil || led.Sources[manyPath].Rejected != 150 {
		t.Errorf("the ledger does not count 150 rejected lines for many-bad.log")
	}

	// Rejected lines alone: exit 0, unless --strict.
	e2 := newEnv(t)
	if r := e2.run("load", mixed); r.code != 0 || !strings.Contains(r.stderr, "1 partly loaded") {
		t.Errorf("rejected lines without --strict: want exit 0:\n%s", r)
	}
	e3 := newEnv(t)
	if r := e3.run("load", "--strict", mixed); r.code != 3 {
		t.Errorf("rejected lines with --strict: want exit 3:\n%s", r)
	}
	// --json puts the same summary on stdout for scripts.
	e4 := newEnv(t)
	r = e4.run("load", "--json", dir)
	var sum struct {
		Files, Loaded, Failed, Partial int
		Rows, Rejected                 int64
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || r.code != 3 {
		t.Fatalf("load --json: %v\n%s", err, r)
	}
	if sum.Files != 6 || sum.Loaded != 4 || sum.Failed != 2 || sum.Partial != 1 || sum.Rows != 6 || sum.Rejected != 3 {
		t.Errorf("load --json: %+v", sum)
	}
}
