package shell

import (
	"io"

	"context"
	"github.com/flowq/flowq/engine/iostreams"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixtureCatalog is a hand-made schema: two tables, a few functions (one of them a flowq macro)
// and keywords, so expected candidates can be listed exactly.
func fixtureCatalog() *Catalog {
	return &Catalog{
		Tables: []Table{
			{Name: "hosts", Kind: "table", Columns: []Column{{"addr", "VARCHAR"}, {"name", "VARCHAR"}}},
			{Name: "vpc_flow_logs", Kind: "view", Columns: []Column{{"srcaddr", "VARCHAR"}, {"dstaddr", "VARCHAR"},
				{"dstport", "INTEGER"}, {"start", "BIGINT"}, {"end", "BIGINT"}, {"action", "VARCHAR"}}},
		},
		Functions: []Function{{"count", "aggregate"}, {"date_trunc", "scalar"}, {"dstport_name", "macro"},
			{"read_parquet", "table"}, {"sum", "aggregate"}, {"srcaddr_bucket", "macro"}},
		Keywords: []string{"AS", "BY", "END", "FROM", "GROUP", "SELECT", "SET", "SUM_KW", "WHERE"},
		Reserved: map[string]bool{"end": true, "select": true, "from": true, "where": true, "group": true, "as": true, "by": true},
	}
}

func texts(cs []Candidate) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Text)
	}
	return out
}

func TestCompleteSQL(t *testing.T) {
	cat := fixtureCatalog()
	tests := []struct {
		name  string
		input string // | marks the cursor
		want  []string
		word  string // the text the candidate replaces
	}{
		{"column prefix, no FROM yet: all tables' columns first", "SELECT src|",
			[]string{"srcaddr", "srcaddr_bucket"}, "src"},
		{"columns of the table in the statement only", "SELECT a| FROM hosts",
			[]string{"addr", "as"}, "a"},
		{"table after FROM", "SELECT * FROM vpc|", []string{"vpc_flow_logs"}, "vpc"},
		{"tables after FROM with nothing typed", "SELECT * FROM |", []string{"hosts", "vpc_flow_logs"}, ""},
		{"table functions after FROM", "SELECT * FROM read|", []string{"read_parquet"}, "read"},
		{"second table in a FROM list", "SELECT * FROM hosts, v|", []string{"vpc_flow_logs"}, "v"},
		{"alias dot column, alias after the cursor", "SELECT f.dst| FROM vpc_flow_logs f",
			[]string{"dstaddr", "dstport"}, "dst"},
		{"AS alias", "SELECT * FROM vpc_flow_logs AS v WHERE v.s|", []string{"srcaddr", "start"}, "s"},
		{"table name as qualifier, all columns", "SELECT hosts.| FROM hosts", []string{"addr", "name"}, ""},
		{"reserved column name is quoted", "SELECT e| FROM vpc_flow_logs", []string{`"end"`, "end"}, "e"},
		{"partial quoted identifier", `SELECT "e| FROM vpc_flow_logs`, []string{`"end"`}, `"e`},
		{"upper-case word gets upper-case keywords", "SEL|", []string{"SELECT"}, "SEL"},
		{"lower-case word gets lower-case keywords", "se|", []string{"select", "set"}, "se"},
		{"functions including flowq macros", "SELECT dstport_n| FROM vpc_flow_logs", []string{"dstport_name"}, "dstport_n"},
		{"current statement after an earlier one", "SELECT 1; SELECT dstp| FROM vpc_flow_logs", []string{"dstport", "dstport_name"}, "dstp"},
		{"multi-line statement", "SELECT\n  act|\nFROM vpc_flow_logs\nWHERE 1=1", []string{"action"}, "act"},
		{"type after CAST AS", "SELECT CAST(dstport AS VARC|", []string{"VARCHAR"}, "VARC"},
		{"Athena's IP types after CAST AS", "SELECT CAST(srcaddr AS IP|", []string{"IPADDRESS", "IPPREFIX"}, "IP"},
		{"no completion for a new alias", "SELECT count(*) AS n|", []string{}, ""},
		{"no completion inside a string", "SELECT * FROM hosts WHERE name = 'ho|", []string{}, ""},
		{"no completion inside a comment", "SELECT 1 -- src|", []string{}, ""},
		{"nothing for an empty word in general position", "SELECT |", []string{}, ""},
		{"unknown qualifier gives nothing", "SELECT x.| FROM hosts", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := strings.Index(tt.input, "|")
			text := tt.input[:cur] + tt.input[cur+1:]
			got, start := cat.CompleteSQL(text, cur)
			if !reflect.DeepEqual(texts(got), tt.want) {
				t.Errorf("candidates = %q, want %q", texts(got), tt.want)
			}
			if w := text[start:cur]; len(tt.want) > 0 && w != tt.word {
				t.Errorf("replaced word = %q, want %q", w, tt.word)
			}
		})
	}
}

// TestCompletionCandidatesAvoidSeparators guards the go-prompt re-insertion quirk: an accepted
// candidate is deleted back to the last separator and inserted again, so a candidate holding a
// separator would duplicate text.
func TestCompletionCandidatesAvoidSeparators(t *testing.T) {
	db := testDB(t)
	cat, err := LoadCatalog(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"SELECT a", "SELECT s", "SELECT d", "SELECT e", "SELECT * FROM v", "SELECT * FROM "} {
		cs, _ := cat.CompleteSQL(in, len(in))
		for _, c := range cs {
			if strings.ContainsAny(c.Text, sqlSeparators) {
				t.Errorf("%q: candidate %q holds a separator", in, c.Text)
			}
		}
	}
}

func TestLoadCatalog(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE MACRO flowq_test_proto(p) AS CASE p WHEN 6 THEN 'tcp' ELSE 'other' END`); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	cat, err := LoadCatalog(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LoadCatalog: %v (%d functions, %d keywords)", time.Since(t0), len(cat.Functions), len(cat.Keywords))
	tbl := cat.table("vpc_flow_logs")
	if tbl == nil {
		t.Fatal("vpc_flow_logs not in catalog")
	}
	// 29 Athena columns + later known fields + date; the planted DDL puts "date" last.
	if last := tbl.Columns[len(tbl.Columns)-1]; last.Name != "date" || last.Type != "DATE" {
		t.Errorf("last column = %+v, want date DATE", last)
	}
	if tbl.Columns[0].Name != "version" || tbl.Columns[3].Name != "srcaddr" {
		t.Errorf("columns out of order: %v", tbl.Columns[:4])
	}
	if !cat.Reserved["end"] {
		t.Error(`"end" not reserved`)
	}
	cs, _ := cat.CompleteSQL("SELECT flowq_test_p", len("SELECT flowq_test_p"))
	if !reflect.DeepEqual(texts(cs), []string{"flowq_test_proto"}) {
		t.Errorf("macro completion = %q", texts(cs))
	}
	// PRAGMA functions are no SQL words (issue 16).
	for _, w := range []string{"SELECT disable_", "SELECT enable_prof", "SELECT show_"} {
		cs, _ = cat.CompleteSQL(w, len(w))
		for _, c := range cs {
			if c.Description == "pragma" || c.Text == "enable_profiling" || c.Text == "disable_optimizer" {
				t.Errorf("%q offers the pragma %s (%s)", w, c.Text, c.Description)
			}
		}
	}
	cs, _ = cat.CompleteSQL("SELECT en", len("SELECT en"))
	if len(cs) == 0 || cs[0].Text != `"end"` {
		t.Errorf(`first candidate for "en" = %v, want the quoted column "end"`, texts(cs))
	}
}

func TestCompleteMeta(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.sql", "b.txt", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := newSession(Config{Session: testSession(t), IO: iostreams.Test(nil, io.Discard, io.Discard), Queries: fakeQueries{}})
	if err != nil {
		t.Fatal(err)
	}
	s.cat = fixtureCatalog()
	tests := []struct {
		input string
		want  []string
		word  string
	}{
		{".m|", []string{".mode", ".maxrows"}, ".m"},
		{".h|", []string{".help", ".headers", ".history"}, ".h"},
		{".mode |", []string{"table", "csv", "json", "ndjson", "markdown", "line"}, ""},
		{".mode c|", []string{"csv"}, "c"},
		{".timing |", []string{"on", "off"}, ""},
		{".timing on |", []string{}, ""},
		{".run |", []string{"rejected", "top_talkers"}, ""},
		{".run top|", []string{"top_talkers"}, "top"},
		{".run top_talkers |", []string{"limit", "action"}, ""},
		{".run top_talkers limit=5 a|", []string{"action"}, "a"},
		// Nothing to offer: what is typed stays (Tab must not insert blanks inside NAME=VALUE).
		{".run top_talkers limit=|", []string{""}, ""},
		{".run top_talkers limit=2|", []string{"2"}, "2"},
		// Values of a parameter with choices; only the text after '=' is replaced.
		{".run top_talkers action=|", []string{"ACCEPT", "REJECT"}, ""},
		{".run top_talkers limit=5 action=r|", []string{"REJECT"}, "r"},
		{".queries t|", []string{"top_talkers"}, "t"},
		{".schema v|", []string{"vpc_flow_logs"}, "v"},
		{".help .r|", []string{".run", ".read"}, ".r"},
		{".read " + dir + "/|", []string{"a.sql", "b.txt", "sub"}, ""},
		{".read " + dir + "/a|", []string{"a.sql"}, "a"},
		{".output " + dir + "/.h|", []string{".hidden"}, ".h"},
		{".nosuch |", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			cur := strings.Index(tt.input, "|")
			text := tt.input[:cur]
			got, start, sep := s.complete(text, cur)
			if sep != metaSeparators {
				t.Errorf("separators = %q, want the meta set", sep)
			}
			if !reflect.DeepEqual(texts(got), tt.want) {
				t.Errorf("candidates = %q, want %q", texts(got), tt.want)
			}
			if w := text[start:cur]; w != tt.word {
				t.Errorf("replaced word = %q, want %q", w, tt.word)
			}
		})
	}
}
