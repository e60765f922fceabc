package compat

import "testing"

func TestRewrite(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS)) FROM t",
			`SELECT cidr_contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS)) AS "contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS))" FROM t`},
		{"select CONTAINS ( '2600::/16' , cast(x as ipaddress) )",
			`select cidr_contains ( '2600::/16' , cast(x as ipaddress) ) AS "contains( '2600::/16' , cast(x as ipaddress) )"`},
		{"SELECT 1 WHERE contains(net, TRY_CAST(a AS IPADDRESS))", "SELECT 1 WHERE cidr_contains(net, TRY_CAST(a AS IPADDRESS))"},
		{"SELECT 1 WHERE contains(net, a::ipaddress)", "SELECT 1 WHERE cidr_contains(net, a::ipaddress)"},
		{"SELECT 1 WHERE contains(net, IPADDRESS '10.0.0.1')", "SELECT 1 WHERE cidr_contains(net, IPADDRESS '10.0.0.1')"},
		{"SELECT 1 WHERE contains('10.0.0.0/8', srcaddr)", "SELECT 1 WHERE cidr_contains('10.0.0.0/8', srcaddr)"},
		{"SELECT 1 WHERE contains(CAST(n AS IPPREFIX), a)", "SELECT 1 WHERE cidr_contains(CAST(n AS IPPREFIX), a)"},
		// Not CIDR tests: arrays, substrings, a cast that ends inside the argument.
		{"SELECT contains(ARRAY[1, 2], 2)", "SELECT contains(ARRAY[1, 2], 2)"},
		{"SELECT contains(srcaddr, '10.')", "SELECT contains(srcaddr, '10.')"},
		{"SELECT contains('abc/8', 'b')", "SELECT contains('abc/8', 'b')"},
		{"SELECT contains(l, CAST(a AS IPADDRESS) || 'x')", "SELECT contains(l, CAST(a AS IPADDRESS) || 'x')"},
		// Strings, quoted identifiers and comments are never touched.
		{"SELECT 'contains(''10.0.0.0/8'', CAST(x AS IPADDRESS)) sum(x)' -- sum(y) contains('1.0.0.0/8', a)\n",
			"SELECT 'contains(''10.0.0.0/8'', CAST(x AS IPADDRESS)) sum(x)' -- sum(y) contains('1.0.0.0/8', a)\n"},
		{"SELECT /* sum(bytes) */ sum(bytes) AS b FROM t", "SELECT /* sum(bytes) */ flowq_sum(bytes) AS b FROM t"},
		{`SELECT "sum"(x), "contains"('10.0.0.0/8', CAST(a AS IPADDRESS))`,
			`SELECT "sum"(x), "contains"('10.0.0.0/8', CAST(a AS IPADDRESS))`},
		{"SELECT $$sum(x)$$, E'\\'sum(x)'", "SELECT $$sum(x)$$, E'\\'sum(x)'"},
		// sum: plain calls only; the forms macros cannot take are left to DuckDB.
		{"SELECT SUM(packets) AS n, sum (bytes) FROM t", `SELECT flowq_sum(packets) AS n, flowq_sum (bytes) AS "sum(bytes)" FROM t`},
		// Column names: only whole select items get an alias; other clauses and nested calls don't.
		{`SELECT a, sum("x""y") FROM t GROUP BY a ORDER BY sum(b), c`,
			`SELECT a, flowq_sum("x""y") AS "sum(""x""""y"")" FROM t GROUP BY a ORDER BY flowq_sum(b), c`},
		// A select item holding a rewrite is named as typed, not by the rewrite (issue 16).
		{"SELECT coalesce(sum(x), 0), sum(x) + 1, CASE WHEN a THEN sum(x) END FROM t",
			`SELECT coalesce(flowq_sum(x), 0) AS "coalesce(sum(x), 0)", flowq_sum(x) + 1 AS "sum(x) + 1", CASE WHEN a THEN flowq_sum(x) END AS "CASE WHEN a THEN sum(x) END" FROM t`},
		{"SELECT * FROM t WHERE b > (SELECT sum(b) FROM u)",
			`SELECT * FROM t WHERE b > (SELECT flowq_sum(b) AS "sum(b)" FROM u)`},
		{"SELECT sum(b) HAVING sum(b) > 1", `SELECT flowq_sum(b) AS "sum(b)" HAVING flowq_sum(b) > 1`},
		{"SELECT sum(DISTINCT x), sum(ALL x), sum(x) FILTER (WHERE y), sum(x) OVER ()",
			"SELECT sum(DISTINCT x), sum(ALL x), sum(x) FILTER (WHERE y), sum(x) OVER ()"},
		{"SELECT sum(sum(x)) OVER (PARTITION BY g)", `SELECT sum(flowq_sum(x)) OVER (PARTITION BY g) AS "sum(sum(x)) OVER (PARTITION BY g)"`},
		{"SELECT main.sum(x), t.sum, sum", "SELECT main.sum(x), t.sum, sum"},
		{"SELECT sum(coalesce(a, 0) * (b + 1)) n", "SELECT flowq_sum(coalesce(a, 0) * (b + 1)) n"},
		{"SELECT date_diff('hour', a, b) AS h, datediff('hour', a, b)", "SELECT date_sub('hour', a, b) AS h, datediff('hour', a, b)"},
		// Division truncates for integers, as in Trino; "//" and comments stay as they are.
		{"SELECT bytes/packets, 7 / 2, a // b /* x/y */, '1/2'", `SELECT bytes//packets AS "bytes/packets", 7 // 2 AS "7 / 2", a // b /* x/y */, '1/2'`},
		{"SELECT a/b AS r, a/b r2, (a/b)::int, x.y/2 FROM t WHERE a/b > 1",
			`SELECT a//b AS r, a//b r2, (a//b)::int AS "(a/b)::int", x.y//2 AS "x.y/2" FROM t WHERE a//b > 1`},
		{"SELECT CASE WHEN a THEN 1/2 END, a/b IS NULL, x/2 \"q\"\n  -- c\n  , 'it''s'/2",
			`SELECT CASE WHEN a THEN 1//2 END AS "CASE WHEN a THEN 1/2 END", a//b IS NULL AS "a/b IS NULL", x//2 "q"` + "\n  -- c\n  , 'it''s'//2 AS \"'it''s'/2\""},
		// count(*) is named as typed, not count_star(); other counts keep DuckDB's names.
		{"SELECT count(*), COUNT( * ), count(*) AS n, count(x), count(*) FILTER (WHERE a) FROM t",
			`SELECT count(*) AS "count(*)", COUNT( * ) AS "COUNT( * )", count(*) AS n, count(x), count(*) FILTER (WHERE a) FROM t`},
		{"SELECT DISTINCT a/b FROM (SELECT count(*) FROM t) s, LATERAL (SELECT 1/2 x)",
			`SELECT DISTINCT a//b AS "a/b" FROM (SELECT count(*) AS "count(*)" FROM t) s, LATERAL (SELECT 1//2 x)`},
		{"SELECT 1/2 || 'open", "SELECT 1//2 || 'open"},
		// Line breaks inside an item are spaces in its name: every line stays where it was.
		{"SELECT 'a\nb' || x/2\nFROM t", "SELECT 'a\nb' || x//2 AS \"'a b' || x/2\"\nFROM t"},
		{"SELECT sum(\r\n  x)\nFROM t", "SELECT flowq_sum(\r\n  x) AS \"sum(    x)\"\nFROM t"},
		// Unclosed calls are left for DuckDB to report.
		{"SELECT sum(x", "SELECT sum(x"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Rewrite(tc.in); got != tc.want {
			t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if same := DuckDB.Rewrite(tc.in); same != tc.in {
			t.Errorf("DuckDB.Rewrite(%q) = %q, want it unchanged", tc.in, same)
		}
	}
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{"athena": Athena, "ATHENA": Athena, "trino": Athena, "duckdb": DuckDB} {
		if got, err := ParseDialect(in); err != nil || got != want {
			t.Errorf("ParseDialect(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDialect("mysql"); err == nil {
		t.Error("ParseDialect(mysql) did not fail")
	}
	if Athena.String() != "athena" || DuckDB.String() != "duckdb" {
		t.Error("Dialect.String")
	}
}
