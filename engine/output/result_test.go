package output

import (
	"bytes"
	"context"
	"testing"
)

// TestRenderResult: DuckDB's status answers become status lines and print nothing; data, even
// in a column named like a status column, is rendered.
func TestRenderResult(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	cases := []struct {
		stmt, out, status string
	}{
		{"SET threads = 1", "", "OK"},
		{"CREATE TABLE t (a INT)", "", "OK"},
		{"INSERT INTO t VALUES (1), (2), (3)", "", "3 rows affected"},
		{"UPDATE t SET a = 0 WHERE a = 2", "", "1 row affected"},
		{"DELETE FROM t WHERE a > 5", "", "0 rows affected"},
		{`SELECT 1 AS "Count"`, "Count\n1\n", ""},
		{`SELECT true AS "Success" WHERE false`, "Success\n", ""},
	}
	for _, c := range cases {
		rows, err := db.QueryContext(ctx, c.stmt)
		if err != nil {
			t.Fatalf("%s: %v", c.stmt, err)
		}
		var buf bytes.Buffer
		_, status, err := RenderResult(ctx, &buf, c.stmt, rows, CSV, Options{})
		rows.Close()
		if err != nil || buf.String() != c.out || status != c.status {
			t.Errorf("%s: out %q status %q err %v; want %q %q", c.stmt, buf.String(), status, err, c.out, c.status)
		}
	}
}

func TestChartSizeAndKind(t *testing.T) {
	sizes := []struct{ tw, th, w, h int }{
		{0, 0, 80, 20},     // not a terminal
		{120, 50, 120, 30}, // tall terminal: capped at 30 lines
		{100, 24, 100, 20}, // 24 lines leave 20 below the prompt
		{60, 8, 60, 20},    // too small to measure sensibly
	}
	for _, s := range sizes {
		if w, h := ChartSize(s.tw, s.th); w != s.w || h != s.h {
			t.Errorf("ChartSize(%d, %d) = %d, %d; want %d, %d", s.tw, s.th, w, h, s.w, s.h)
		}
	}
	kinds := map[string]ChartKind{"": ChartAuto, "auto": ChartAuto, "BARS": ChartBar, "line": ChartLine}
	for in, want := range kinds {
		if got, err := ParseChartKind(in); err != nil || got != want {
			t.Errorf("ParseChartKind(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseChartKind("pie"); err == nil {
		t.Error("pie accepted")
	}
}
