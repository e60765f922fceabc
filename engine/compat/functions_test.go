package compat

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// newConn opens an in-memory DuckDB and registers the compatibility layer on one connection.
func newConn(t *testing.T, d Dialect) *sql.Conn {
	t.Helper()
	return newConnDialect(t, d)
}

func newConnTB(tb testing.TB) *sql.Conn { return newConnDialect(tb, Athena) }

func newConnDialect(t testing.TB, d Dialect) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := RegisterDialect(context.Background(), conn, d); err != nil {
		t.Fatal(err)
	}
	return conn
}

// value runs a one-value query through the dialect's rewrite and returns the value.
func value(t *testing.T, conn *sql.Conn, d Dialect, q string) (any, error) {
	t.Helper()
	rq := d.Rewrite(q)
	var v any
	err := conn.QueryRowContext(context.Background(), rq).Scan(&v)
	return v, err
}

// show renders a value the way the tests spell expectations: times in UTC RFC 3339 with
// fractions, NULL as "NULL", everything else with %v.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
	}
	return fmt.Sprint(v)
}

func TestFunctions(t *testing.T) {
	conn := newConn(t, Athena)
	tests := []struct{ q, want string }{
		// ISO weekday: 2024-01-01 was a Monday, 2024-01-07 a Sunday, 2000-02-29 a Tuesday.
		{"SELECT day_of_week(DATE '2024-01-01')", "1"},
		{"SELECT day_of_week(DATE '2024-01-07')", "7"},
		{"SELECT dow(DATE '2000-02-29')", "2"},
		{"SELECT day_of_week(from_unixtime(1588586400))", "1"}, // 2020-05-04 10:00 UTC, a Monday
		{"SELECT day_of_month(DATE '2024-02-29')", "29"},
		{"SELECT day_of_year(DATE '2024-12-31')", "366"},
		{"SELECT doy(DATE '2023-12-31')", "365"},
		{"SELECT week_of_year(DATE '2020-05-04')", "19"},

		// Unix time: 1588586400 is 18386 days (2020-05-04) plus 10 hours.
		{"SELECT from_unixtime(1588586400)", "2020-05-04T10:00:00Z"},
		{"SELECT typeof(from_unixtime(1588586400))", "TIMESTAMP WITH TIME ZONE"},
		{"SELECT from_unixtime(1588586400, 'Europe/Berlin')", "2020-05-04T12:00:00Z"}, // wall clock in Berlin (CEST)
		{"SELECT to_unixtime(from_unixtime(1588586400))", "1.5885864e+09"},
		{"SELECT to_unixtime(TIMESTAMP '1970-01-01 00:00:01.5')", "1.5"},
		{"SELECT to_iso8601(from_unixtime(1588586400))", "2020-05-04T10:00:00.000Z"},
		{"SELECT to_iso8601(DATE '2020-05-04')", "2020-05-04"},
		{"SELECT to_iso8601(TIMESTAMP '2020-05-04 10:00:00.123')", "2020-05-04T10:00:00.123"},
		{"SELECT to_iso8601(from_iso8601_timestamp('2020-05-04T10:00:00.123+02:00'))", "2020-05-04T08:00:00.123Z"},
		{"SELECT from_iso8601_timestamp('2020-05-04T10:00:00Z')", "2020-05-04T10:00:00Z"},
		{"SELECT from_iso8601_date('2020-05-04')", "2020-05-04T00:00:00Z"},
		{"SELECT typeof(from_iso8601_date('2020-05-04'))", "DATE"},

		// MySQL-style specifiers; 2020-05-04 is day 31+29+31+30+4 = 125 of a leap year.
		{"SELECT date_format(TIMESTAMP '2020-05-04 09:07:03.5', '%Y-%m-%d %H:%i:%s')", "2020-05-04 09:07:03"},
		{"SELECT date_format(TIMESTAMP '2020-05-04 09:07:03.5', '%c/%e/%y %k %l %p')", "5/4/20 9 9 AM"},
		{"SELECT date_format(TIMESTAMP '2020-05-04 21:07:03', '%h %I %l %p %r')", "09 09 9 PM 09:07:03 PM"},
		{"SELECT date_format(TIMESTAMP '2020-05-04 09:07:03', '%W %a %M %b')", "Monday Mon May May"},
		{"SELECT date_format(TIMESTAMP '2020-05-04 09:07:03.5', '%T %j %f %S')", "09:07:03 125 500000 03"},
		{"SELECT date_format(DATE '2020-05-04', '%x-%v')", "2020-19"},
		{"SELECT date_format(DATE '2020-05-04', '100%% at %Hh %Q')", "100% at 00h Q"},
		{"SELECT date_format(from_unixtime(1588586400), '%Y-%m-%d %H:%i')", "2020-05-04 10:00"},
		{"SELECT date_parse('2020-05-04 09:07:03', '%Y-%m-%d %H:%i:%s')", "2020-05-04T09:07:03Z"},
		{"SELECT format_datetime(from_unixtime(1588586400), 'yyyy-MM-dd''T''HH:mm:ss.SSSZ')", "2020-05-04T10:00:00.000+0000"},
		{"SELECT parse_datetime('2020-05-04 12:00:00 +02:00', 'yyyy-MM-dd HH:mm:ss ZZ')", "2020-05-04T10:00:00Z"},
		{"SELECT typeof(parse_datetime('2020', 'yyyy'))", "TIMESTAMP WITH TIME ZONE"},
		{"SELECT date_trunc('month', DATE '2024-01-15')", "2024-01-01T00:00:00Z"},
		{"SELECT typeof(date_trunc('month', DATE '2024-01-15'))", "DATE"},
		{"SELECT date_trunc('hour', TIMESTAMP '2024-01-15 10:30')", "2024-01-15T10:00:00Z"},
		{"SELECT typeof(date_trunc('hour', TIMESTAMP '2024-01-15 10:30'))", "TIMESTAMP"},
		{"SELECT typeof(date_trunc('hour', from_unixtime(1588586400)))", "TIMESTAMP WITH TIME ZONE"},
		{"SELECT date_parse('5/4/2020 9:07', '%c/%e/%Y %k:%i')", "2020-05-04T09:07:00Z"},
		{"SELECT date_parse('04/May/2020:10:00:00', '%d/%b/%Y:%H:%i:%s')", "2020-05-04T10:00:00Z"},
		{"SELECT date_format(date_parse('2020-05-04 09:07 PM', '%Y-%m-%d %h:%i %p'), '%T')", "21:07:00"},

		// date_add: both DuckDB's form and Trino's; months clamp to the month's end.
		{"SELECT date_add('day', -7, DATE '2024-01-03')", "2023-12-27T00:00:00Z"},
		{"SELECT typeof(date_add('day', -7, DATE '2024-01-03'))", "DATE"},
		{"SELECT date_add('month', 1, DATE '2024-01-31')", "2024-02-29T00:00:00Z"},
		{"SELECT date_add('quarter', 1, TIMESTAMP '2024-11-30 06:00')", "2025-02-28T06:00:00Z"},
		{"SELECT date_add('hour', 2, from_unixtime(0))", "1970-01-01T02:00:00Z"},
		{"SELECT date_add('week', 1, DATE '2024-01-01')", "2024-01-08T00:00:00Z"},
		{"SELECT date_add(DATE '2024-01-01', INTERVAL 1 DAY)", "2024-01-02T00:00:00Z"},
		{"SELECT typeof(date_add(DATE '2024-01-01', INTERVAL 1 DAY))", "TIMESTAMP"},
		// Trino's date_diff counts whole units: 00:59 → 01:00 is 0 hours.
		{"SELECT date_diff('hour', TIMESTAMP '2024-01-01 00:59', TIMESTAMP '2024-01-01 01:00')", "0"},
		{"SELECT date_diff('day', DATE '2024-01-01', DATE '2024-03-01')", "60"},

		// Aggregates.
		{"SELECT approx_distinct(x) FROM (VALUES (1), (2), (2), (3), (NULL)) t(x)", "3"},
		{"SELECT approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3), (4), (5)) t(x)", "3"},
		{"SELECT sum(x) FROM (VALUES (1::BIGINT), (2)) t(x)", "3"},
		{"SELECT typeof(sum(x)) FROM (VALUES (1::BIGINT), (2)) t(x)", "BIGINT"},
		{"SELECT typeof(SUM(x)) FROM (VALUES (1::INTEGER), (2)) t(x)", "BIGINT"},
		{"SELECT sum(x) FROM (VALUES (1.5::DOUBLE), (2)) t(x)", "3.5"},
		{"SELECT sum(DISTINCT x) FROM (VALUES (1::BIGINT), (1), (2)) t(x)", "3"},

		// Strings, bits, arrays.
		{"SELECT regexp_like('10.0.1.5', '^10\\.')", "true"},
		{"SELECT regexp_like('abc', 'b')", "true"}, // partial match, not whole-string
		{"SELECT regexp_like('abc', '^b$')", "false"},
		{"SELECT bitwise_and(19, 2)", "2"}, // tcp_flags 19 = SYN-ACK+FIN holds SYN (2)
		{"SELECT bitwise_and(18, 4)", "0"},
		{"SELECT bitwise_or(1, 2)", "3"},
		{"SELECT bitwise_xor(6, 3)", "5"},
		{"SELECT cardinality(ARRAY[1, 2, 3])", "3"},
		{"SELECT cardinality(MAP {'a': 1, 'b': 2})", "2"},
		{"SELECT array_join(ARRAY['a', 'b'], ',')", "a,b"},
		{"SELECT array_join(ARRAY['a', NULL, 'c'], '-')", "a-c"},
		{"SELECT array_join(ARRAY['a', NULL, 'c'], '-', 'x')", "a-x-c"},
		{"SELECT split_part('10.0.1.5', '.', 1)", "10"},

		// Integer division truncates, as in Trino.
		{"SELECT 7/2", "3"},
		{"SELECT -7/2", "-3"},
		{"SELECT 7.0/2", "3.5"},

		// CIDR, IPv4 and IPv6, with Trino's IPv4-mapped view of addresses.
		{"SELECT cidr_contains('10.0.0.0/8', '10.255.255.255')", "true"},
		{"SELECT cidr_contains('10.0.0.0/8', '11.0.0.0')", "false"},
		{"SELECT cidr_contains('172.16.0.0/12', '172.31.255.255')", "true"},
		{"SELECT cidr_contains('172.16.0.0/12', '172.32.0.0')", "false"},
		{"SELECT cidr_contains('0.0.0.0/0', '8.8.8.8')", "true"},
		{"SELECT cidr_contains('0.0.0.0/0', '2001:db8::1')", "false"},
		{"SELECT cidr_contains('::/0', '10.0.0.1')", "true"},
		{"SELECT cidr_contains('10.0.0.5/32', '10.0.0.5')", "true"},
		{"SELECT cidr_contains('10.0.0.5/32', '10.0.0.6')", "false"},
		{"SELECT cidr_contains('10.0.0.0/8', '::ffff:10.1.2.3')", "true"},
		{"SELECT cidr_contains('2600:1f18::/32', '2600:1f18:abcd::1')", "true"},
		{"SELECT cidr_contains('2600::/16', '2601::1')", "false"},
		{"SELECT cidr_contains('2001:db8::1/128', '2001:db8::1')", "true"},
		{"SELECT cidr_contains('2001:db8::1/128', '2001:db8::2')", "false"},
		{"SELECT cidr_contains('10.0.0.0/8', '-')", "NULL"},
		{"SELECT cidr_contains('10.0.0.0/8', NULL)", "NULL"},
		{"SELECT cidr_contains(NULL, '10.0.0.1')", "NULL"},
		{"SELECT cidr_contains('garbage', '10.0.0.1')", "NULL"},
		{"SELECT cidr_contains('10.0.0.0/33', '10.0.0.1')", "NULL"},
		{"SELECT contains('10.0.0.0/8', CAST('10.1.2.3' AS IPADDRESS))", "true"},
		{"SELECT contains('2600::/16', CAST('2600:1f18::1' AS IPADDRESS))", "true"},
		{"SELECT contains('10.0.0.0/8', CAST('-' AS IPADDRESS))", "NULL"},
		{"SELECT contains('10.0.0.0/8', IPADDRESS '192.168.0.1')", "false"},
		{"SELECT is_subnet_of('10.0.0.0/8', '10.9.9.9')", "true"},
		{"SELECT contains(ARRAY[1, 2], 2)", "true"},
		{"SELECT contains('abc', 'b')", "true"},
		{"SELECT current_timezone()", "UTC"},

		// NULL in, NULL out, never an error.
		{"SELECT from_unixtime(CAST(NULL AS BIGINT))", "NULL"},
		{"SELECT date_format(CAST(NULL AS TIMESTAMP), '%Y')", "NULL"},
		{"SELECT date_parse(NULL, '%Y')", "NULL"},
		{"SELECT to_iso8601(CAST(NULL AS DATE))", "NULL"},
		{"SELECT day_of_week(CAST(NULL AS DATE))", "NULL"},
		{"SELECT cardinality([])", "0"},
	}
	for _, tc := range tests {
		v, err := value(t, conn, Athena, tc.q)
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if got := show(v); got != tc.want {
			t.Errorf("%s = %s (%T), want %s", tc.q, got, v, tc.want)
		}
	}
}

func TestFunctionErrors(t *testing.T) {
	conn := newConn(t, Athena)
	for _, q := range []string{
		"SELECT date_format(DATE '2020-05-04', '%D')", // Trino: %D not supported
		"SELECT date_format(DATE '2020-05-04', '%U')",
		"SELECT date_add('fortnight', 1, DATE '2020-05-04')",
	} {
		if v, err := value(t, conn, Athena, q); err == nil {
			t.Errorf("%s = %v, want an error", q, v)
		}
	}
}

func TestDuckDBDialect(t *testing.T) {
	conn := newConn(t, DuckDB)
	tests := []struct{ q, want string }{
		{"SELECT 7/2", "3.5"},
		// DuckDB's date_diff counts hour boundaries crossed.
		{"SELECT date_diff('hour', TIMESTAMP '2024-01-01 00:59', TIMESTAMP '2024-01-01 01:00')", "1"},
		{"SELECT contains('10.0.0.0/8', '0.0')", "true"}, // substring test, as DuckDB defines it
		{"SELECT day_of_week(DATE '2024-01-07')", "7"},   // the Trino functions remain
		{"SELECT typeof(sum(x)) FROM (VALUES (1::BIGINT)) t(x)", "HUGEINT"},
	}
	for _, tc := range tests {
		v, err := value(t, conn, DuckDB, tc.q)
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if got := show(v); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.q, got, tc.want)
		}
	}
	// Switching back on the same connection restores Athena semantics.
	if err := SetDialect(context.Background(), conn, Athena); err != nil {
		t.Fatal(err)
	}
	if v, err := value(t, conn, Athena, "SELECT 7/2"); err != nil || show(v) != "3" {
		t.Errorf("after SetDialect(Athena): 7/2 = %v, %v", v, err)
	}
}

func TestRegisterTwice(t *testing.T) {
	// A second connection of the same database registers again without conflict (the Go UDFs
	// exist already) and gets its own TEMP macros.
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := Register(ctx, conn); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if err := Register(ctx, conn); err != nil {
			t.Fatalf("connection %d, again: %v", i, err)
		}
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT day_of_week(DATE '2024-01-07')").Scan(&n); err != nil || n != 7 {
			t.Fatalf("connection %d: day_of_week = %d, %v", i, n, err)
		}
		defer conn.Close()
	}
}

func TestRewriteKeepsColumnNames(t *testing.T) {
	// The rewrite renames calls; the result columns keep the names DuckDB gives the original.
	for _, d := range []Dialect{Athena, DuckDB} {
		conn := newConn(t, d)
		q := d.Rewrite("SELECT sum(x), contains('10.0.0.0/8', CAST(a AS IPADDRESS)) FROM (VALUES (1::BIGINT, '10.0.0.1')) t(x, a) GROUP BY a")
		rs, err := conn.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		rs.Close()
		want := []string{"sum(x)", "contains('10.0.0.0/8', CAST(a AS IPADDRESS))"}
		if d == DuckDB {
			want[1] = `contains('10.0.0.0/8', CAST(a AS "IPADDRESS"))` // DuckDB's own rendering
		}
		if fmt.Sprint(cols) != fmt.Sprint(want) {
			t.Errorf("%v: columns %q, want %q", d, cols, want)
		}
	}
}

func TestLockedConfiguration(t *testing.T) {
	// A read-only session locks its configuration after set-up; the functions keep working and
	// switching dialects (.athena on|off) needs no SET.
	conn := newConn(t, Athena)
	for _, q := range []string{"SET enable_external_access=false", "SET lock_configuration=true"} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		d       Dialect
		q, want string
	}{
		{Athena, "SELECT 7/2", "3"},
		{DuckDB, "SELECT 7/2", "3.5"},
		{Athena, "SELECT contains('10.0.0.0/8', CAST('10.1.1.1' AS IPADDRESS))", "true"},
		{Athena, "SELECT date_parse('2020', '%Y')", "2020-01-01T00:00:00Z"},
	} {
		if err := SetDialect(context.Background(), conn, tc.d); err != nil {
			t.Fatalf("SetDialect(%v): %v", tc.d, err)
		}
		if v, err := value(t, conn, tc.d, tc.q); err != nil || show(v) != tc.want {
			t.Errorf("%v %s = %v, %v; want %s", tc.d, tc.q, show(v), err, tc.want)
		}
	}
}
