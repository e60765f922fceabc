package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorE2E (issue 17.2): a store holding a part as flowq before the fix wrote it for a
// Parquet input with a date column (a date_1= folder, a date column of its own) answers no
// query; `flowq doctor` names the part (exit 3), `flowq doctor --fix` quarantines it and every
// query works again with the other files' rows.
func TestDoctorE2E(t *testing.T) {
	e := newEnv(t)
	src := filepath.Join(e.root, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	header := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	var body strings.Builder
	body.WriteString(header + "\n")
	for i := 0; i < 7; i++ {
		fmt.Fprintf(&body, "2 111111111111 eni-a 10.0.0.1 10.0.0.2 1000 443 6 1 10 %d %d ACCEPT OK\n", 1705305600+i, 1705305660+i)
	}
	if err := os.WriteFile(filepath.Join(src, "a.log"), []byte(body.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	e.ok("load", src)

	// Plant the broken part and name it in the ledger.
	rel := "tables/vpc_flow_logs/date_1=2024-01-15/b000002_p2_0.parquet"
	part := filepath.Join(e.data, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(part), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT '10.0.0.9' AS srcaddr, 5::BIGINT AS bytes, DATE '2020-01-01' AS date,
		2::BIGINT AS _source FROM range(4)) TO '%s' (FORMAT parquet)`, part)); err != nil {
		t.Fatal(err)
	}
	ledgerPath := filepath.Join(e.data, "ledger.json")
	raw, err := os.ReadFile(ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	var led map[string]any
	if err := json.Unmarshal(raw, &led); err != nil {
		t.Fatal(err)
	}
	led["parts"] = append(led["parts"].([]any), map[string]any{"path": rel, "batch": 2, "sources": []int64{2}})
	led["sources"].(map[string]any)["/elsewhere/export.parquet"] = map[string]any{"id": 2, "path": "/elsewhere/export.parquet", "rows": 4}
	led["columns"] = append(led["columns"].([]any), "date")
	if raw, err = json.Marshal(led); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ledgerPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run("query", "SELECT count(*) FROM vpc_flow_logs"); r.code != 1 {
		t.Fatalf("the planted part did not break queries:\n%s", r)
	}

	r := e.run("doctor")
	if r.code != 3 || !strings.Contains(r.stdout, rel) || !strings.Contains(r.stdout, "1 break the table") || !strings.Contains(r.stderr, "doctor --fix") {
		t.Fatalf("doctor:\n%s", r)
	}
	if !fileExists(part) {
		t.Fatal("doctor without --fix moved the part")
	}
	r = e.ok("doctor", "--fix")
	if !strings.Contains(r.stdout, "moved to quarantine/") || !strings.Contains(r.stdout, "/elsewhere/export.parquet") || !strings.Contains(r.stdout, "table: 7 rows") {
		t.Fatalf("doctor --fix:\n%s", r)
	}
	if fileExists(part) {
		t.Error("the broken part is still in the table folder")
	}
	if n := e.count("SELECT sum(bytes) FROM vpc_flow_logs"); n != 70 {
		t.Errorf("sum(bytes) = %d, want 70", n)
	}
	var rep struct {
		Parts    int
		Problems []any
		Rows     int64
	}
	r = e.ok("doctor", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Parts != 1 || len(rep.Problems) != 0 || rep.Rows != 7 {
		t.Errorf("doctor --json after the fix: %+v, %v\n%s", rep, err, r)
	}
}
