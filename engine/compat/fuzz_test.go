package compat

import (
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/sqlscan"
)

// literalText is the text of the tokens a rewrite must never touch: strings and comments.
func literalText(s string) []string {
	var out []string
	for _, t := range sqlscan.Tokenize(s) {
		if t.Kind == sqlscan.String || t.IsComment() {
			out = append(out, t.Text)
		}
	}
	return out
}

func FuzzRewrite(f *testing.F) {
	for _, s := range []string{
		"SELECT contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS)) FROM t",
		"SELECT sum(x), 'sum(y)' -- sum(z)\n FROM t GROUP BY a ORDER BY sum(b)",
		"SELECT sum(DISTINCT x) OVER (), date_diff('hour', a, b) /* contains(a, b) */",
		"SELECT (SELECT sum(b) FROM u), contains(ARRAY[1], 1)",
		"SELECT sum(\"a\"\"b\") FROM t",
		// Table names as Athena's console writes them, and select items named as typed.
		`SELECT "default"."vpc_flow_logs".srcaddr FROM "AwsDataCatalog"."default"."vpc_flow_logs" f, db.flows`,
		"SELECT count(*), a/b FROM\"db\".load_errors JOIN x ON true, /* c */ db . vpc_flow_logs",
		"WITH flows AS (SELECT 7/2 'x) SELECT * FROM flows, extract(hour FROM db.flows)",
		"DESCRIBE db.flows; SELECT 1/2 \"q\" FROM flows AS f",
		"SELECT 'a\nb'/2,\n  x/2 -- c\n FROM\n db.\n vpc_flow_logs",
		"SELECT sum(\nx), count(\n*)\nFROM t",
	} {
		f.Add(s)
	}
	tables, err := NewTables(map[string]string{"flows": "vpc_flow_logs", "x": "load_errors"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkRewrite(t, s, Rewrite)
		checkRewrite(t, s, func(s string) string { return Athena.RewriteWith(s, tables) })
	})
}

// checkRewrite holds a rewrite to what every rewrite keeps: strings and comments, statement
// boundaries, and a second pass changing nothing.
func checkRewrite(t *testing.T, s string, rewrite func(string) string) {
	t.Helper()
	out := rewrite(s)
	if want, got := literalText(s), literalText(out); strings.Join(want, "\x00") != strings.Join(got, "\x00") {
		t.Fatalf("Rewrite(%q) = %q changed strings or comments:\n got %q\nwant %q", s, out, got, want)
	}
	// The statement structure is unchanged: same number of statements, same openness.
	st1, r1 := sqlscan.Split(s)
	st2, r2 := sqlscan.Split(out)
	if len(st1) != len(st2) || (r1 == "") != (r2 == "") {
		t.Fatalf("Rewrite(%q) = %q changed statement boundaries", s, out)
	}
	// Every line stays where it was, so error lines still point into the user's script.
	if strings.Count(out, "\n") != strings.Count(s, "\n") {
		t.Fatalf("Rewrite(%q) = %q moved lines", s, out)
	}
	// Rewriting is idempotent: the new names are never rewritten again.
	if again := rewrite(out); again != out {
		t.Fatalf("Rewrite not idempotent on %q:\n once  %q\n twice %q", s, out, again)
	}
}
