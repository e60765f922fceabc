package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
)

// checkSummariesExact compares each summary table with the same aggregation computed now from
// every record of vpc_flow_logs: no row may be missing or extra.
func checkSummariesExact(t *testing.T, s *Store, step string) {
	t.Helper()
	sess := session(t, s)
	if !sess.SummariesReady() {
		t.Fatalf("%s: summaries not current", step)
	}
	for _, table := range summaryTables {
		want := `SELECT * EXCLUDE ("date"), "date" FROM (` + summarySQL(table, flowTable) + ") w"
		got := "SELECT * FROM " + table
		for _, q := range []string{got + " EXCEPT ALL " + want, want + " EXCEPT ALL " + got} {
			if n := queryInt(t, sess, "SELECT count(*) FROM ("+q+") d"); n != 0 {
				t.Errorf("%s: %s differs from its records by %d rows (%s)", step, table, n, q[:40])
			}
		}
	}
}

// TestSummariesFollowLoads builds one conversation across loads by hand: a request, its reply
// delivered late (a later batch, in another file and date folder), then the reply's file
// replaced by one holding a REJECTed reply. After every load the summaries equal what their
// records give, and the conversation summary holds the conversation exactly while it is
// one-sided.
func TestSummariesFollowLoads(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	t0 := time.Date(2024, 1, 15, 23, 50, 0, 0, time.UTC).Unix()
	convRows := func() int64 {
		return queryInt(t, session(t, s), "SELECT count(*) FROM "+summaryConv+" WHERE addr_a = '10.0.0.1' AND port_a = 40000")
	}
	load := func(step string, files ...string) {
		t.Helper()
		if _, err := s.Load(ctx, files, LoadOptions{}); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		checkSummariesExact(t, s, step)
	}

	req := writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/15/req.log.gz", gz(t, lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 40000, 443, 6, 3, 300, t0, "ACCEPT", "OK"),
		rec("111111111111", "eni-a", "203.0.113.9", "10.0.0.1", 50000, 22, 6, 1, 40, t0+5, "REJECT", "OK"))))
	load("request", req)
	if n := convRows(); n != 1 {
		t.Errorf("request alone: %d conversation rows, want 1 (reverse missing)", n)
	}
	// The reply, delivered the next day, in a later batch.
	replyRel := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/16/reply.log"
	reply := writeFile(t, src, replyRel, []byte(lines(defHeader,
		rec("111111111111", "eni-b", "10.0.0.2", "10.0.0.1", 443, 40000, 6, 2, 900, t0+30, "ACCEPT", "OK"))))
	load("late reply", reply)
	if n := convRows(); n != 0 {
		t.Errorf("with its reply: %d conversation rows, want 0 (two-sided)", n)
	}
	if n := queryInt(t, session(t, s), "SELECT sum(records) FROM "+summaryHourly+" WHERE hour = ?", t0-t0%3600); n != 3 {
		t.Errorf("hour of the request: %d records, want 3", n)
	}
	// The reply's file replaced: the reply is REJECTed now (a network ACL on the way back).
	writeFile(t, src, replyRel, []byte(lines(defHeader,
		rec("111111111111", "eni-b", "10.0.0.2", "10.0.0.1", 443, 40000, 6, 2, 900, t0+30, "REJECT", "OK"))))
	later := time.Now().Add(time.Minute)
	os.Chtimes(reply, later, later)
	load("replaced reply", reply)
	if n := queryInt(t, session(t, s), "SELECT count(*) FROM "+summaryConv+" WHERE addr_a = '10.0.0.1' AND ba_reject = 1 AND ab_accept = 1"); n != 1 {
		t.Errorf("replaced reply: conversation rows with the REJECTed reply = %d, want 1", n)
	}

	// A store whose ledger predates the summaries (or that doctor changed) has them rebuilt by
	// the next load, even one with nothing to load.
	ledPath := filepath.Join(s.Dir(), ledgerFile)
	led, err := s.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	led.Summaries = 0
	var kept []Part
	for _, p := range led.Parts {
		if !isSummaryTable(partTable(p.Path)) {
			kept = append(kept, p)
		}
	}
	led.Parts = kept
	b, _ := json.Marshal(led)
	if err := os.WriteFile(ledPath, b, filePerm); err != nil {
		t.Fatal(err)
	}
	if session(t, s).SummariesReady() {
		t.Fatal("a ledger without summaries reads as current")
	}
	load("rebuild", req)
}

// TestSummaryDDLMatchesViews checks `flowq athena ddl`'s summary tables against the views.
func TestSummaryDDLMatchesViews(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/15/a.log", []byte(lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 40000, 443, 6, 3, 300, 1705312800, "ACCEPT", "OK"))))
	if _, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sess := session(t, s)
	athena := map[string]string{"BIGINT": "bigint", "VARCHAR": "string", "INTEGER": "int", "BOOLEAN": "boolean", "VARCHAR[]": "array<string>", "DATE": "date"}
	if len(compat.SummaryTables) != len(summaryTables) {
		t.Fatalf("compat lists %d summary tables, the store %d", len(compat.SummaryTables), len(summaryTables))
	}
	for i, want := range compat.SummaryTables {
		if want.Name != summaryTables[i] {
			t.Errorf("table %d: compat %s, store %s", i, want.Name, summaryTables[i])
		}
		rows, err := sess.DB.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+want.Name+")")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n, ty string
			if err := rows.Scan(&n, &ty); err != nil {
				t.Fatal(err)
			}
			if n != "date" {
				got = append(got, n+" "+athena[ty])
			}
		}
		rows.Close()
		var w []string
		for _, c := range want.Columns {
			w = append(w, c.Name+" "+c.Type)
		}
		if strings.Join(got, ", ") != strings.Join(w, ", ") {
			t.Errorf("%s:\n view %s\n DDL  %s", want.Name, strings.Join(got, ", "), strings.Join(w, ", "))
		}
	}
}
