package savedquery

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/store"
)

// TestTimeWindowBinding: since and until become the start bounds and the date partitions that
// can hold those records; --print shows exactly the filters that apply.
func TestTimeWindowBinding(t *testing.T) {
	q := lookup(t, "blocked-ssh")
	at := time.Date(2026, 1, 15, 12, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                 string
		params               map[string]string
		sinceDate, untilDate any    // bound values
		printed              string // the window's lines in the --print text, "" = none
	}{
		{"no window", nil, nil, nil, ""},
		{"since midnight", map[string]string{"since": "2026-01-15"}, "2026-01-15", nil,
			`start >= 1768435200 AND "date" >= DATE '2026-01-15'`},
		{"since a second before midnight", map[string]string{"since": "2026-01-14T23:59:59Z"}, "2026-01-14", nil,
			`start >= 1768435199 AND "date" >= DATE '2026-01-14'`},
		// until is exclusive: records start by 23:59:59 of the 15th, and one that ends after
		// midnight is delivered into the 16th's partition.
		{"until midnight", map[string]string{"until": "2026-01-16"}, nil, "2026-01-16",
			`start < 1768521600 AND "date" <= DATE '2026-01-16'`},
		{"until a second after midnight", map[string]string{"until": "2026-01-16T00:00:01Z"}, nil, "2026-01-17",
			`start < 1768521601 AND "date" <= DATE '2026-01-17'`},
		{"until noon", map[string]string{"until": "2026-01-15T12:00:00Z"}, nil, "2026-01-16",
			`start < 1768478400 AND "date" <= DATE '2026-01-16'`},
		{"relative since", map[string]string{"since": "1h"}, "2026-01-15", nil,
			`start >= 1768476600 AND "date" >= DATE '2026-01-15'`},
		{"both, with an account", map[string]string{"since": "2026-01-14T23:00:00Z", "until": "2026-01-15T01:00:00Z", "account": "123"},
			"2026-01-14", "2026-01-16",
			`start >= 1768431600 AND start < 1768438800 AND "date" >= DATE '2026-01-14' AND "date" <= DATE '2026-01-16' AND account_id = '123'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, args, err := BindAt(q, tc.params, at)
			if err != nil {
				t.Fatal(err)
			}
			vals := boundArgs(args)
			if vals["since_date"] != tc.sinceDate || vals["until_date"] != tc.untilDate {
				t.Errorf("bound since_date %v, until_date %v; want %v, %v", vals["since_date"], vals["until_date"], tc.sinceDate, tc.untilDate)
			}
			text, err := Render(q, tc.params, at)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text, "IS NULL") || strings.Contains(text, "$") {
				t.Errorf("printed SQL keeps optional-filter noise:\n%s", text)
			}
			where := regexp.MustCompile(`(?s)AND dstport = 22\s*(.*?)\s*GROUP BY`).FindStringSubmatch(text)
			if where == nil {
				t.Fatalf("no WHERE clause end in:\n%s", text)
			}
			if got := strings.Join(strings.Fields(strings.ReplaceAll(where[1], "\n  AND", " AND")), " "); strings.TrimPrefix(got, "AND ") != tc.printed {
				t.Errorf("printed window %q\nwant             %q", got, tc.printed)
			}
		})
	}
}

// boundArgs maps the sql.Named arguments by name.
func boundArgs(args []any) map[string]any {
	out := map[string]any{}
	for _, a := range args {
		if na, ok := a.(sql.NamedArg); ok {
			out[na.Name] = na.Value
		}
	}
	return out
}

// TestTimeWindowAnswersUnchanged: on the generated data (two hours across midnight) every saved
// query with since/until answers as it does without the partition predicate, for windows that
// end and start around midnight.
func TestTimeWindowAnswersUnchanged(t *testing.T) {
	_, st := generated(t)
	sess := openSession(t, st)
	c, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	dateLine := regexp.MustCompile(`(?m)^\s*AND \(\$(since|until) IS NULL OR "date" [<>]= \$(since|until)_date\)\n`)
	windows := []map[string]string{
		{"since": "2026-01-14T23:30:00Z", "until": "2026-01-15T00:00:00Z"},
		{"since": "2026-01-14T23:59:00Z", "until": "2026-01-15T00:30:00Z"},
		{"since": "2026-01-15T00:00:00Z"},
		{"until": "2026-01-15T00:00:01Z"},
	}
	rowsSeen := 0
	for _, q := range c.List() {
		if _, ok := q.Param("since"); !ok {
			continue
		}
		plain := q
		plain.SQL = dateLine.ReplaceAllString(q.SQL, "")
		if plain.SQL == q.SQL || strings.Contains(plain.SQL, "_date") {
			t.Errorf("%s: partition predicate not found as expected", q.Name)
			continue
		}
		for _, w := range windows {
			params := map[string]string{}
			for k, v := range w {
				params[k] = v
			}
			if p, ok := q.Param("cidr"); ok && p.Required {
				params["cidr"] = "0.0.0.0/0"
			}
			got, err := tryRun(sess, q, params)
			if err != nil {
				t.Fatalf("%s %v: %v", q.Name, params, err)
			}
			want, err := tryRun(sess, plain, params)
			if err != nil {
				t.Fatalf("%s without date %v: %v", q.Name, params, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s %v: with partition predicate %d rows, without %d", q.Name, w, len(got), len(want))
			}
			rowsSeen += len(got)
		}
	}
	if rowsSeen == 0 {
		t.Error("no query returned rows in any window: the comparison proves nothing")
	}
}

// TestTimeWindowPrunesPartitions: DuckDB's profile shows a window reads only the partitions that
// can hold its records. A record that starts on the 14th at 23:58 but was delivered into the
// 15th's folder (it ended after midnight) still counts for a window ending at midnight.
func TestTimeWindowPrunesPartitions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const d14 = 1768348800 // 2026-01-14T00:00:00Z
	rec := func(src string, start int64) string {
		return fmt.Sprintf("2 123456789012 eni-a %s 10.0.0.5 50000 22 6 1 60 %d %d REJECT OK", src, start, start+120)
	}
	write := func(rel string, lines ...string) string {
		p := filepath.Join(dir, "src", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v2Header+"\n"+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func(day string) string {
		return "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/" + day + "/123456789012_vpcflowlogs_us-east-1_fl-1_202601" + day + "T0000Z_abcd.log"
	}
	files := []string{
		write(key("14"), rec("203.0.113.1", d14+3600), rec("203.0.113.1", d14+7200)),
		// delivered after midnight: starts 23:58 on the 14th
		write(key("15"), rec("203.0.113.1", d14+86400-120), rec("203.0.113.2", d14+86400+60)),
		write(key("16"), rec("203.0.113.3", d14+2*86400+60)),
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, files, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sess := openSession(t, st)
	q := lookup(t, "blocked-ssh")
	rows, err := tryRun(sess, q, map[string]string{"since": "2026-01-14", "until": "2026-01-15"})
	if err != nil {
		t.Fatalf("window over the 14th read the 16th's corrupt part: %v", err)
	}
	if len(rows) != 1 || str(rows[0], "source") != "203.0.113.1" || i64(t, rows[0], "attempts") != 3 {
		t.Errorf("window over the 14th: %v, want 203.0.113.1 with 3 attempts (one delivered on the 15th)", rows)
	}
	// DuckDB's profile says how many of the table's files the scan opened.
	scanned := func(params map[string]string) string {
		stmt, args, err := Prepare(q, params)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := sess.DB.QueryContext(ctx, "EXPLAIN ANALYZE "+stmt, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var plan strings.Builder
		for rs.Next() {
			var k, v string
			if err := rs.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(v)
		}
		m := regexp.MustCompile(`Scanning Files: (\d+/\d+)`).FindStringSubmatch(plan.String())
		if m == nil {
			return "all"
		}
		return m[1]
	}
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"since": "2026-01-14", "until": "2026-01-15"}, "2/3"}, // the 14th and the 15th
		{map[string]string{"since": "2026-01-16"}, "1/3"},
		{map[string]string{"since": "2026-01-15T00:00:00Z", "until": "2026-01-15T01:00:00Z"}, "2/3"},
		{nil, "all"},
	} {
		if got := scanned(tc.params); got != tc.want {
			t.Errorf("%v: scanned files %s, want %s", tc.params, got, tc.want)
		}
	}
}
