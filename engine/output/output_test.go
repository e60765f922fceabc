package output

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flowq/flowq/engine/internal/golden"
)

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// One connection: settings apply to every query.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET TimeZone='UTC'"); err != nil {
		t.Fatal(err)
	}
	return db
}

func render(t *testing.T, db *sql.DB, query string, f Format, o Options) (string, Stats) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	defer rows.Close()
	var buf bytes.Buffer
	st, err := Render(ctx, &buf, rows, f, o)
	if err != nil {
		t.Fatalf("render %s: %v", f, err)
	}
	return buf.String(), st
}

// checkGolden compares got with testdata/name (go test -update rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join("testdata", name), got)
}

// allTypes returns one row of every type family, a row of NULLs and a row of
// awkward text, in a fixed order.
const allTypes = `
SELECT * FROM (
  SELECT 1 AS id, 42::TINYINT AS tiny, 1234567::BIGINT AS big,
    12345678901234567890123::HUGEINT AS huge, 1234.5::DECIMAL(10,2) AS dec,
    -3.25::DOUBLE AS dbl, true AS flag, DATE '2024-03-01' AS day,
    TIMESTAMP '2024-03-01 12:34:56.5' AS ts, TIMESTAMPTZ '2024-03-01 12:34:56' AS tstz,
    'plain' AS txt, '\xAA\x00ab'::BLOB AS blob, [1, 2, NULL] AS list,
    {'b': 1, 'a': 'x'} AS rec, MAP {'k': 7} AS m,
    '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS uid,
    INTERVAL '1 year 2 months 3 days 04:05:06.5' AS span,
    [DATE '2024-01-02'] AS days
  UNION ALL
  SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  UNION ALL
  SELECT 3, -128, -9876543210, -1, 0.05, 1e20, false, DATE '1999-12-31',
    TIMESTAMP '1999-12-31 23:59:59', TIMESTAMPTZ '2000-01-01 00:00:00.000001',
    'héllo 世界 | "q", x' || chr(10) || 'y', ''::BLOB, [], {'b': NULL, 'a': 'z'}, MAP {},
    '00000000-0000-0000-0000-000000000001'::UUID, INTERVAL '-90 minutes', []
) ORDER BY id`

func TestGoldenAllTypes(t *testing.T) {
	db := openDB(t)
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			got, st := render(t, db, allTypes, f, Options{})
			if st != (Stats{Rows: 3, Shown: 3}) {
				t.Errorf("stats = %+v, want 3 rows all shown", st)
			}
			checkGolden(t, "alltypes."+string(f), got)
		})
	}
	t.Run("table-ascii-terminal", func(t *testing.T) {
		got, _ := render(t, db, allTypes, Table, Options{ASCII: true, Terminal: true, NullString: "∅"})
		checkGolden(t, "alltypes.ascii-terminal.table", got)
	})
}

func TestGoldenZeroRows(t *testing.T) {
	db := openDB(t)
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			got, st := render(t, db, "SELECT 1 AS a, 'x' AS b WHERE false", f, Options{})
			if st != (Stats{}) {
				t.Errorf("stats = %+v, want zero", st)
			}
			checkGolden(t, "zero."+string(f), got)
		})
	}
}

func TestGoldenWidth(t *testing.T) {
	db := openDB(t)
	q := `SELECT 1234567 AS bytes, repeat('abcdefghij', 6) AS long_text, '世界世界世界世界世界' AS wide, 'short' AS s`
	for _, w := range []int{0, 60, 40} {
		got, _ := render(t, db, q, Table, Options{Width: w})
		for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
			if w > 0 && widthCond.StringWidth(line) > w {
				t.Errorf("width %d: line %q is %d wide", w, line, widthCond.StringWidth(line))
			}
		}
		checkGolden(t, "width"+strconv.Itoa(w)+".table", got)
	}
	// At 20 columns even minimal text columns cannot fit: line mode.
	got, _ := render(t, db, q, Table, Options{Width: 20})
	want := "    bytes = 1.2 MiB\nlong_text = " + strings.Repeat("abcdefghij", 6) +
		"\n     wide = 世界世界世界世界世界\n        s = short\n"
	if got != want {
		t.Errorf("narrow table should fall back to line mode:\n%s\nwant\n%s", got, want)
	}
}

// The sum of 0..1,000,000 is 500,000,500,000: a HUGEINT in DuckDB.
func TestHugeintSum(t *testing.T) {
	db := openDB(t)
	q := "SELECT sum(x::BIGINT) AS total FROM range(1000001) t(x)"
	cases := []struct {
		f    Format
		want string
	}{
		{CSV, "total\n500000500000\n"},
		{NDJSON, `{"total":500000500000}` + "\n"},
		{JSON, "[\n{\"total\":500000500000}\n]\n"},
		{Line, "total = 500000500000\n"},
		{Markdown, "|        total |\n| -----------: |\n| 500000500000 |\n"},
		{Table, "┌─────────────────┐\n│           total │\n├─────────────────┤\n│ 500,000,500,000 │\n└─────────────────┘\n"},
	}
	for _, c := range cases {
		got, _ := render(t, db, q, c.f, Options{})
		if got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.f, got, c.want)
		}
	}
}

func TestMaxRowsCountsEverything(t *testing.T) {
	db := openDB(t)
	q := "SELECT x FROM range(1000) t(x)"
	for _, f := range []Format{Table, Markdown, Line} {
		got, st := render(t, db, q, f, Options{MaxRows: 5})
		if st != (Stats{Rows: 1000, Shown: 5, Truncated: true}) {
			t.Errorf("%s: stats %+v", f, st)
		}
		if !strings.HasSuffix(got, "… 995 more rows\n") {
			t.Errorf("%s: no more-rows note:\n%s", f, got)
		}
		if strings.Contains(got, " 5 ") || strings.Count(got, "4") != 1 {
			t.Errorf("%s: shows rows beyond the cap:\n%s", f, got)
		}
	}
	// Machine formats ignore the cap.
	got, st := render(t, db, q, CSV, Options{MaxRows: 5})
	if st.Rows != 1000 || st.Shown != 1000 || strings.Count(got, "\n") != 1001 {
		t.Errorf("csv capped: %+v, %d lines", st, strings.Count(got, "\n"))
	}
}

func TestJSONIsValidAndTyped(t *testing.T) {
	db := openDB(t)
	for _, f := range []Format{JSON, NDJSON} {
		got, _ := render(t, db, allTypes, f, Options{})
		var objs []map[string]any
		if f == JSON {
			dec := json.NewDecoder(strings.NewReader(got))
			dec.UseNumber()
			if err := dec.Decode(&objs); err != nil {
				t.Fatalf("json: %v\n%s", err, got)
			}
		} else {
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				var m map[string]any
				dec := json.NewDecoder(strings.NewReader(line))
				dec.UseNumber()
				if err := dec.Decode(&m); err != nil {
					t.Fatalf("ndjson line %q: %v", line, err)
				}
				objs = append(objs, m)
			}
		}
		if len(objs) != 3 {
			t.Fatalf("%s: %d objects", f, len(objs))
		}
		if n, ok := objs[0]["huge"].(json.Number); !ok || n.String() != "12345678901234567890123" {
			t.Errorf("%s: huge = %#v, want the exact number", f, objs[0]["huge"])
		}
		if n, ok := objs[0]["dec"].(json.Number); !ok || n.String() != "1234.50" {
			t.Errorf("%s: dec = %#v", f, objs[0]["dec"])
		}
		if objs[0]["day"] != "2024-03-01" || objs[0]["tstz"] != "2024-03-01 12:34:56+00" {
			t.Errorf("%s: dates %v %v", f, objs[0]["day"], objs[0]["tstz"])
		}
		if v, ok := objs[1]["big"]; !ok || v != nil {
			t.Errorf("%s: NULL big = %#v, want null", f, v)
		}
		if objs[2]["txt"] != "héllo 世界 | \"q\", x\ny" {
			t.Errorf("%s: txt = %q", f, objs[2]["txt"])
		}
	}
}

func TestCanceledContext(t *testing.T) {
	db := openDB(t)
	rows, err := db.Query("SELECT x FROM range(10) t(x)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Render(ctx, &bytes.Buffer{}, rows, CSV, Options{}); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestParseFormat(t *testing.T) {
	cases := map[string]Format{"table": Table, "CSV": CSV, "json": JSON, "jsonl": NDJSON,
		"ndjson": NDJSON, "md": Markdown, "markdown": Markdown, " line ": Line}
	for in, want := range cases {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "table, csv") {
		t.Errorf("ParseFormat(xml) err = %v", err)
	}
}

func TestFooter(t *testing.T) {
	cases := []struct {
		st   Stats
		d    time.Duration
		want string
	}{
		{Stats{Rows: 3, Shown: 3}, 12300 * time.Microsecond, "(3 rows, 12.3 ms)"},
		{Stats{Rows: 1, Shown: 1}, 420 * time.Microsecond, "(1 row, 0.42 ms)"},
		{Stats{Rows: 0}, 250 * time.Millisecond, "(0 rows, 250 ms)"},
		{Stats{Rows: 1204, Shown: 40, Truncated: true}, 1520 * time.Millisecond, "(1,204 rows, 40 shown, 1.52 s)"},
		{Stats{Rows: 10}, 123 * time.Second, "(10 rows, 2m03s)"},
	}
	for _, c := range cases {
		if got := Footer(c.st, c.d); got != c.want {
			t.Errorf("Footer(%+v, %v) = %q, want %q", c.st, c.d, got, c.want)
		}
	}
}

func TestGroup(t *testing.T) {
	cases := map[string]string{"0": "0", "999": "999", "1000": "1,000", "-1234567": "-1,234,567",
		"1234.5678": "1,234.5678", "123456789012345678901234": "123,456,789,012,345,678,901,234",
		"1e+20": "1e+20", "-100": "-100"}
	for in, want := range cases {
		if got := Group(in); got != want {
			t.Errorf("Group(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseType(t *testing.T) {
	n := parseType(`STRUCT("b" INTEGER, "a,b" MAP(VARCHAR, DATE[]), c DECIMAL(10,2))[]`)
	if n.base != "LIST" || n.elem.base != "STRUCT" || len(n.elem.fields) != 3 {
		t.Fatalf("parsed %+v", n)
	}
	f := n.elem.fields
	if f[0].name != "b" || f[0].t.base != "INTEGER" || f[1].name != "a,b" || f[1].t.base != "MAP" ||
		f[1].t.val.base != "LIST" || f[1].t.val.elem.base != "DATE" || f[2].name != "c" || f[2].t.base != "DECIMAL" {
		t.Errorf("fields %+v %+v %+v", f[0], f[1], f[2])
	}
	if parseType("INTEGER[3]").elem.base != "INTEGER" {
		t.Error("fixed array")
	}
}

// DuckDB's own cast to VARCHAR is an independent oracle for text formatting:
// every CSV cell must read as DuckDB itself prints the value.
func TestTextMatchesDuckDBCast(t *testing.T) {
	db := openDB(t)
	got, _ := render(t, db, allTypes, CSV, Options{})
	want, _ := render(t, db, "SELECT COLUMNS(*)::VARCHAR FROM ("+allTypes+")", CSV, Options{})
	if got != want {
		t.Errorf("CSV text differs from DuckDB's VARCHAR casts:\n%s\nwant\n%s", got, want)
	}
}

// peakHeapWriter samples the live heap at every write, to show that
// rendering streams instead of holding the result.
type peakHeapWriter struct {
	n    int64
	peak uint64
}

func (p *peakHeapWriter) Write(b []byte) (int, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.peak = max(p.peak, ms.HeapAlloc)
	p.n += int64(len(b))
	return len(b), nil
}

// 500,000 rows of 200-byte text are over 100 MB as Go strings; streaming
// formats and a capped table must stay far below that.
func TestStreamingMemory(t *testing.T) {
	db := openDB(t)
	q := "SELECT x, repeat('x', 200) || x::VARCHAR AS pad FROM range(500000) t(x)"
	for _, f := range []Format{CSV, NDJSON, Table} {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		ctx := context.Background()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		w := &peakHeapWriter{}
		st, err := Render(ctx, w, rows, f, Options{MaxRows: 20})
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Rows != 500000 {
			t.Errorf("%s: %d rows", f, st.Rows)
		}
		grew := int64(w.peak) - int64(base.HeapAlloc)
		t.Logf("%s: wrote %d bytes, heap grew at most %d KB", f, w.n, grew>>10)
		if grew > 32<<20 {
			t.Errorf("%s: heap grew by %d MB while rendering: not streaming", f, grew>>20)
		}
	}
}

// More types, checked against DuckDB's VARCHAR cast only (no golden file).
const moreTypes = `
SELECT TIME '01:02:03.5' AS tm, '01:02:03+00'::TIMETZ AS tmtz, 'b'::ENUM('a', 'b') AS en,
  '0101'::BIT AS bits, 340282366920938463463374607431768211455::UHUGEINT AS uhuge,
  18446744073709551615::UBIGINT AS ubig, 1.1::FLOAT AS f32, 0.1::DOUBLE + 0.2 AS f64,
  TIMESTAMP_NS '2024-01-01 00:00:00.123456789' AS tns, TIMESTAMP_S '2024-01-01 00:00:01' AS tsec,
  TIMESTAMP_MS '2024-01-01 00:00:00.25' AS tms, union_value(k := 5)::UNION(k INTEGER, s VARCHAR) AS un,
  [{'a': DATE '2024-02-29', 'b': [1.5::DECIMAL(4,2)]}] AS nested, MAP {'x': [1, 2]} AS mlist,
  [1, 2]::INTEGER[2] AS arr, '{"k":[1,"two",null]}'::JSON AS js, '"s"'::JSON AS jss,
  '170141183460469231731687303715884105727'::HUGEINT AS maxhuge, -0.0::DOUBLE AS negzero,
  123456789.125::DOUBLE AS bigdbl, 'inf'::DOUBLE AS inf, 'nan'::DOUBLE AS nan,
  INTERVAL '25 months' AS mon, INTERVAL '1 day' AS oneday, INTERVAL 0 SECOND AS zero,
  1.0::DOUBLE AS one, 1e15::DOUBLE AS e15, 1e16::DOUBLE AS e16, 1234567890123456.0::DOUBLE AS d16,
  0.0001::DOUBLE AS small, 2.5e-7::DOUBLE AS tiny, 123456789012345.0::FLOAT AS f32big`

func TestMoreTypesMatchDuckDBCast(t *testing.T) {
	db := openDB(t)
	got, _ := render(t, db, moreTypes, CSV, Options{})
	want, _ := render(t, db, "SELECT COLUMNS(*)::VARCHAR FROM ("+moreTypes+")", CSV, Options{})
	if got != want {
		t.Errorf("CSV text differs from DuckDB's VARCHAR casts:\n%s\nwant\n%s", got, want)
	}
	// And the JSON rendering of the same row parses.
	js, _ := render(t, db, moreTypes, JSON, Options{})
	var v []map[string]any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Errorf("json does not parse: %v\n%s", err, js)
	}
}

// TestCodeColumnsUngrouped: ports, protocols and ids are codes, not quantities; they are never
// written with thousands separators, while packet counts are (byte counts get units).
func TestCodeColumnsUngrouped(t *testing.T) {
	db := openDB(t)
	got, _ := render(t, db, "SELECT 8080 AS dstport, 17 AS protocol, 123456789012 AS account_id, 8080 AS packets", Table, Options{})
	for _, want := range []string{" 8080 ", " 123456789012 ", " 8,080 "} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "8,080 │ 17") || strings.Contains(got, "123,456") {
		t.Errorf("code column grouped:\n%s", got)
	}
}

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want string
	}{{512, "512 B"}, {1536, "1.5 KiB"}, {70939108672, "66.1 GiB"}} {
		if got := Bytes(c.in); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.in, got, c.want)
		}
	}
}
