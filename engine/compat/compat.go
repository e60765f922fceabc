package compat

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Dialect selects the SQL behaviours that differ between Athena and plain DuckDB.
type Dialect int

const (
	// Athena: integer division truncates (7/2 = 3), contains() on a CIDR is a network test,
	// sum(bigint) is BIGINT, date_diff counts whole units. The default, and what saved queries use.
	Athena Dialect = iota
	// DuckDB: DuckDB's own semantics; the Trino functions stay available under their names.
	DuckDB
)

func (d Dialect) String() string {
	if d == DuckDB {
		return "duckdb"
	}
	return "athena"
}

// ParseDialect reads "athena" (also "trino" or "presto": the same SQL) or "duckdb", any case,
// as given to --dialect.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "athena", "trino", "presto":
		return Athena, nil
	case "duckdb":
		return DuckDB, nil
	}
	return Athena, fmt.Errorf("unknown SQL dialect %q (want athena, also spelled trino or presto, or duckdb)", s)
}

// Register prepares one connection for Athena SQL: see RegisterDialect.
func Register(ctx context.Context, conn *sql.Conn) error {
	return RegisterDialect(ctx, conn, Athena)
}

// RegisterDialect sets the session to UTC, installs the Trino functions (TEMP macros and types on
// this connection, Go UDFs in the database) and leaves DuckDB's own division in place. Sessions
// must pass every statement through d.Rewrite before running it: the dialect lives there.
func RegisterDialect(ctx context.Context, conn *sql.Conn, d Dialect) error {
	// Division is chosen per statement by Rewrite ("/" → "//" for Athena), never by the
	// integer_division setting, so the shell can switch dialects on a locked configuration.
	for _, q := range []string{"SET TimeZone = 'UTC'", "SET integer_division = false"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("compat: %s: %w", q, err)
		}
	}
	if err := registerUDFs(ctx, conn); err != nil {
		return err
	}
	for _, m := range macros {
		if _, err := conn.ExecContext(ctx, m); err != nil {
			return fmt.Errorf("compat: %s: %w", firstLine(m), err)
		}
	}
	return SetDialect(ctx, conn, d)
}

// SetDialect switches a registered connection to dialect d (the shell's .athena on|off). Nothing
// on the connection depends on the dialect today, so it only checks d; what changes is which
// Dialect's Rewrite the caller applies to the next statements.
func SetDialect(ctx context.Context, conn *sql.Conn, d Dialect) error {
	if d != Athena && d != DuckDB {
		return fmt.Errorf("compat: unknown dialect %d", d)
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i > 0 {
		return s[:i]
	}
	return s
}

// macros are the Trino functions DuckDB can express in SQL. TEMP keeps them per connection and
// out of any attached database file. A macro of the same name and arity as a DuckDB function
// would shadow it, so the only such one, date_add, repeats DuckDB's own 2-argument body.
var macros = []string{
	`CREATE TEMP TYPE IF NOT EXISTS ipaddress AS VARCHAR`,
	`CREATE TEMP TYPE IF NOT EXISTS ipprefix AS VARCHAR`,

	// Time. Athena sessions are UTC, and from_unixtime gives a timestamp with time zone.
	`CREATE OR REPLACE TEMP MACRO from_unixtime(x) AS to_timestamp(x),
		(x, zone) AS timezone(zone, to_timestamp(x))`,
	`CREATE OR REPLACE TEMP MACRO to_unixtime(ts) AS epoch(ts)`,
	// Trino prints milliseconds, and 'Z' for a UTC timestamp with time zone; typeof folds to a
	// constant, so only one branch runs.
	`CREATE OR REPLACE TEMP MACRO to_iso8601(x) AS CASE typeof(x)
		WHEN 'DATE' THEN strftime(x, '%Y-%m-%d')
		WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(timezone('UTC', x), '%Y-%m-%dT%H:%M:%S.%gZ')
		ELSE strftime(x, '%Y-%m-%dT%H:%M:%S.%g') END`,
	`CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
	`CREATE OR REPLACE TEMP MACRO from_iso8601_date(s) AS CAST(s AS DATE)`,
	`CREATE OR REPLACE TEMP MACRO date_format(ts, f) AS strftime(ts, flowq_mysql_format(f))`,
	`CREATE OR REPLACE TEMP MACRO format_datetime(ts, f) AS strftime(ts, flowq_joda_format(f))`,
	// Trino truncates a DATE to a DATE; DuckDB's date_trunc gives a TIMESTAMP. Other types keep
	// DuckDB's function (a TIMESTAMP never casts implicitly to DATE, so it cannot land here).
	`CREATE OR REPLACE TEMP MACRO date_trunc(unit VARCHAR, d DATE) AS CAST(system.main.date_trunc(unit, d) AS DATE),
		(unit, x) AS system.main.date_trunc(unit, x)`,
	`CREATE OR REPLACE TEMP MACRO day_of_week(x) AS isodow(x)`,
	`CREATE OR REPLACE TEMP MACRO dow(x) AS isodow(x)`,
	`CREATE OR REPLACE TEMP MACRO day_of_month(x) AS dayofmonth(x)`,
	`CREATE OR REPLACE TEMP MACRO day_of_year(x) AS dayofyear(x)`,
	`CREATE OR REPLACE TEMP MACRO doy(x) AS dayofyear(x)`,
	`CREATE OR REPLACE TEMP MACRO week_of_year(x) AS week(x)`,
	`CREATE OR REPLACE TEMP MACRO year_of_week(x) AS isoyear(x)`,
	`CREATE OR REPLACE TEMP MACRO yow(x) AS isoyear(x)`,
	`CREATE OR REPLACE TEMP MACRO last_day_of_month(x) AS last_day(x)`,
	`CREATE OR REPLACE TEMP MACRO current_timezone() AS current_setting('TimeZone')`,
	`CREATE OR REPLACE TEMP MACRO flowq_interval(unit, n) AS CASE lower(unit)
		WHEN 'millisecond' THEN INTERVAL 1 MILLISECOND * n
		WHEN 'second' THEN INTERVAL 1 SECOND * n
		WHEN 'minute' THEN INTERVAL 1 MINUTE * n
		WHEN 'hour' THEN INTERVAL 1 HOUR * n
		WHEN 'day' THEN INTERVAL 1 DAY * n
		WHEN 'week' THEN INTERVAL 7 DAY * n
		WHEN 'month' THEN INTERVAL 1 MONTH * n
		WHEN 'quarter' THEN INTERVAL 3 MONTH * n
		WHEN 'year' THEN INTERVAL 1 YEAR * n
		ELSE error('date_add: unknown unit ' || unit) END`,
	// Trino's date_add(unit, n, x) keeps x's type; DuckDB's date_add(date, interval) is
	// "date + interval", repeated here because this macro hides the built-in one.
	`CREATE OR REPLACE TEMP MACRO date_add(d, i) AS d + i,
		(unit VARCHAR, n BIGINT, ts DATE) AS CAST(ts + flowq_interval(unit, n) AS DATE),
		(unit VARCHAR, n BIGINT, ts TIMESTAMP) AS ts + flowq_interval(unit, n),
		(unit VARCHAR, n BIGINT, ts TIMESTAMPTZ) AS ts + flowq_interval(unit, n)`,

	// Aggregates.
	`CREATE OR REPLACE TEMP MACRO approx_distinct(x) AS approx_count_distinct(x),
		(x, e) AS approx_count_distinct(x)`,
	`CREATE OR REPLACE TEMP MACRO approx_percentile(x, p) AS approx_quantile(x, p)`,
	// Target of Rewrite's sum(...): Trino's sum(bigint) is bigint (and fails on overflow, as
	// this cast does); other types keep DuckDB's sum.
	`CREATE OR REPLACE TEMP MACRO flowq_sum(x BIGINT) AS CAST(sum(x) AS BIGINT), (x) AS sum(x)`,

	// Strings, regexps, bits, arrays, JSON.
	`CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
	`CREATE OR REPLACE TEMP MACRO bitwise_and(a, b) AS (a & b)`,
	`CREATE OR REPLACE TEMP MACRO bitwise_or(a, b) AS (a | b)`,
	`CREATE OR REPLACE TEMP MACRO bitwise_xor(a, b) AS xor(a, b)`,
	`CREATE OR REPLACE TEMP MACRO bitwise_not(a) AS (~a)`,
	`CREATE OR REPLACE TEMP MACRO array_join(a, sep) AS array_to_string(a, sep),
		(a, sep, nullrep) AS array_to_string(list_transform(a, e -> coalesce(CAST(e AS VARCHAR), nullrep)), sep)`,
	`CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)`,
	`CREATE OR REPLACE TEMP MACRO json_parse(s) AS CAST(s AS JSON)`,
	`CREATE OR REPLACE TEMP MACRO json_format(j) AS CAST(j AS VARCHAR)`,
	`CREATE OR REPLACE TEMP MACRO is_nan(x) AS isnan(x)`,
	`CREATE OR REPLACE TEMP MACRO codepoint(s) AS unicode(s)`,

	// Networks: Trino's contains(network, address) is rewritten to cidr_contains.
	`CREATE OR REPLACE TEMP MACRO cidr_contains(net, addr) AS (flowq_cidr_test(net, addr) = 't')`,
	`CREATE OR REPLACE TEMP MACRO is_subnet_of(net, addr) AS cidr_contains(net, addr)`,
}

// udf is a Go scalar function for duckdb.RegisterScalarUDF.
type udf struct {
	cfg duckdb.ScalarFuncConfig
	fn  duckdb.RowExecutorFn
}

func (u *udf) Config() duckdb.ScalarFuncConfig { return u.cfg }
func (u *udf) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: u.fn}
}

// Registered reports whether the Go UDFs (flowq_cidr_test, date_parse, …) are in the database q
// runs on (a *sql.DB or *sql.Conn). They live in its system catalog, shared by its connections,
// so one registered connection makes them visible to all.
func Registered(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM duckdb_functions() WHERE function_name = 'flowq_cidr_test'`).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

func registerUDFs(ctx context.Context, conn *sql.Conn) error {
	// Register once per database: see Registered.
	if ok, err := Registered(ctx, conn); err != nil {
		return fmt.Errorf("compat: look up functions: %w", err)
	} else if ok {
		return nil
	}
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	bigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	anyT, _ := duckdb.NewTypeInfo(duckdb.TYPE_ANY)
	timestamp, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP)
	timestamptz, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
	list, err := duckdb.NewListInfo(anyT)
	if err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	fns := []struct {
		name string
		f    *udf
	}{
		{"flowq_mysql_format", &udf{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: varchar},
			fn: func(v []driver.Value) (any, error) {
				s, _ := v[0].(string)
				return translateMySQLFormat(s)
			},
		}},
		{"flowq_joda_format", &udf{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: varchar},
			fn: func(v []driver.Value) (any, error) {
				s, _ := v[0].(string)
				return translateJodaFormat(s)
			},
		}},
		{"parse_datetime", &udf{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar, varchar}, ResultTypeInfo: timestamptz},
			fn: func(v []driver.Value) (any, error) {
				s, _ := v[0].(string)
				f, _ := v[1].(string)
				return parseJoda(s, f)
			},
		}},
		{"date_parse", &udf{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar, varchar}, ResultTypeInfo: timestamp},
			fn: func(v []driver.Value) (any, error) {
				s, _ := v[0].(string)
				f, _ := v[1].(string)
				return parseMySQL(s, f)
			},
		}},
		// DuckDB's cardinality takes only maps; this adds the array overload beside it.
		{"cardinality", &udf{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{list}, ResultTypeInfo: bigint},
			fn: func(v []driver.Value) (any, error) {
				l, _ := v[0].([]any)
				return int64(len(l)), nil
			},
		}},
	}
	for _, f := range fns {
		if err := duckdb.RegisterScalarUDF(conn, f.name, f.f); err != nil {
			return fmt.Errorf("compat: register %s: %w", f.name, err)
		}
	}
	cidrTest := &cidrTestUDF{cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar, varchar}, ResultTypeInfo: varchar}}
	if err := duckdb.RegisterScalarUDF(conn, "flowq_cidr_test", cidrTest); err != nil {
		return fmt.Errorf("compat: register flowq_cidr_test: %w", err)
	}
	return nil
}
