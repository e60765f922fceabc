package store

// Load step 4 for Parquet deliveries: DuckDB reads them directly, columns mapped by name onto
// the table's. Values are never coerced: a type that cannot hold the column's Athena type, or
// a value that does not convert, fails the file naming the column (and row group).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/flowlog"
)

// parquetColumn is one column of a Parquet delivery: its name in the file, the store column it
// becomes and its DuckDB type.
type parquetColumn struct {
	name, col, typ string
}

// errNotFlowLog is a Parquet file without the columns that make a flow record: an address
// (srcaddr or dstaddr) and a time (start or end). Without them a row says nothing about a
// flow (a file with only an action column once loaded as 1,000 empty records).
var errNotFlowLog = errors.New("not a flow log: a Parquet flow log needs srcaddr or dstaddr, and start or end")

// parquetColumns reads a Parquet file's columns, named as the store names them (lower case,
// "-" as "_", reserved names renamed). Two columns becoming one name is an error.
func parquetColumns(ctx context.Context, db *sql.DB, path string) (map[string]parquetColumn, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(%s, binary_as_string=true))", sqlString(path)))
	if err != nil {
		return nil, fmt.Errorf("reading Parquet schema: %w", err)
	}
	defer rows.Close()
	have := map[string]parquetColumn{}
	for rows.Next() {
		var pc parquetColumn
		if err := rows.Scan(&pc.name, &pc.typ); err != nil {
			return nil, err
		}
		pc.col = flowlog.ColumnName(strings.ToLower(pc.name))
		if reservedColumn(pc.col) {
			pc.col = inputPrefix + pc.col
		}
		if prev, dup := have[pc.col]; dup {
			return nil, fmt.Errorf("columns %q and %q are both column %s", prev.name, pc.name, pc.col)
		}
		have[pc.col] = pc
	}
	return have, rows.Err()
}

// copyParquetSource loads one Parquet delivery into date folders under stage/TABLE, the table
// of its log type (its columns, or its path, decide: see classifyParquet).
func copyParquetSource(ctx context.Context, db *sql.DB, c *candidate, stage, pattern string) error {
	have, err := parquetColumns(ctx, db, c.path)
	if err != nil {
		return err
	}
	if !(hasCol(have, "srcaddr") || hasCol(have, "dstaddr")) || !(hasCol(have, "start") || hasCol(have, "end")) {
		return errNotFlowLog
	}
	c.typ = classifyParquet(have, filepath.ToSlash(c.path))
	if c.typ == flowlog.TransitGateway {
		if k, ok := flowlog.ParseTGWKey(filepath.ToSlash(c.path)); ok {
			c.key, c.hasKey = k, true
		}
	}
	dst := filepath.Join(stage, c.typ.Table())
	// The delivery's own columns make its header, and its part gets the same column set a text
	// delivery with that header gets (groupColumns).
	var unknown []string
	for col := range have {
		if _, known := lookupField(c.typ, col); !known {
			unknown = append(unknown, col)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > maxUnknownFields {
		return fmt.Errorf("%d columns that are not flow-log fields; at most %d are loaded", len(unknown), maxUnknownFields)
	}
	c.header = flowlog.Header{}
	for _, f := range tableFields(c.typ) {
		if hasCol(have, f.Column) {
			c.header.Fields = append(c.header.Fields, f)
		}
	}
	for _, u := range unknown {
		c.header.Fields = append(c.header.Fields, flowlog.Field{Name: have[u].name, Column: u, Unknown: true})
	}
	c.cols = groupColumnsOf(c.typ, c.header)
	sel, err := parquetSelect(ctx, db, c, have)
	if err != nil {
		return err
	}
	// COPY reports the rows it wrote, and writes no file for none.
	res, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT %s FROM read_parquet(%s, binary_as_string=true)) TO %s (%s)",
		strings.Join(sel, ", "), sqlString(c.path), sqlString(dst), partitionedOptions(pattern)))
	if err != nil {
		return fmt.Errorf("loading Parquet: %w", err)
	}
	if c.res.Rows, err = res.RowsAffected(); err != nil {
		return fmt.Errorf("loading Parquet: %w", err)
	}
	c.res.Header = "parquet"
	return nil
}

func hasCol(have map[string]parquetColumn, col string) bool { _, ok := have[col]; return ok }

// parquetSelect is the select list that maps the file's columns onto its part's, then date and
// _source (flowq's, never the file's).
func parquetSelect(ctx context.Context, db *sql.DB, c *candidate, have map[string]parquetColumn) ([]string, error) {
	var sel []string
	for _, col := range c.cols {
		pc, ok := have[col]
		switch {
		case ok:
			expr, err := parquetValue(ctx, db, c.path, pc, c.typ)
			if err != nil {
				return nil, err
			}
			sel = append(sel, expr+" AS "+sqlIdent(col))
		case c.hasKey && col == "account_id":
			sel = append(sel, sqlString(c.key.Account)+" AS account_id")
		case c.hasKey && col == "region":
			sel = append(sel, sqlString(c.key.Region)+" AS region")
		default:
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", columnType(col).SQL(), sqlIdent(col)))
		}
	}
	date := "DATE '1970-01-01'"
	if c.hasKey {
		date = "DATE " + sqlString(c.key.Date.Format("2006-01-02"))
	} else if pc, ok := have["start"]; ok {
		// As for text files: a start outside years 1970-9999 falls back to 1970-01-01.
		date = fmt.Sprintf("COALESCE(CASE WHEN %[1]s BETWEEN 0 AND 253402300799 THEN CAST(to_timestamp(%[1]s) AS DATE) END, %[2]s)", parquetNumeric(pc), date)
	}
	return append(sel, date+" AS date", fmt.Sprintf("CAST(%d AS BIGINT) AS _source", c.id)), nil
}

// parquetNumeric reads a checked numeric column as BIGINT ("-" in a text column is NULL).
func parquetNumeric(pc parquetColumn) string {
	if pc.typ == "VARCHAR" {
		return fmt.Sprintf("CAST(NULLIF(%s, '-') AS BIGINT)", sqlIdent(pc.name))
	}
	return fmt.Sprintf("CAST(%s AS BIGINT)", sqlIdent(pc.name))
}

// integerType reports whether t is the DuckDB type of a Parquet integer column.
func integerType(t string) bool {
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT":
		return true
	}
	return false
}

// parquetValue is the expression reading pc as its column's type. Integer fields take integer
// columns (range-checked when wider) and text columns whose every value is a number or "-";
// text fields take text and integer columns (unknown fields any scalar column). Anything else
// (1.7 in a port, a list, ...) is an error rather than a rounded or NULL value.
func parquetValue(ctx context.Context, db *sql.DB, path string, pc parquetColumn, typ flowlog.LogType) (string, error) {
	want := columnType(pc.col).SQL()
	id := sqlIdent(pc.name)
	if want == "VARCHAR" {
		_, known := lookupField(typ, pc.col)
		switch {
		case pc.typ == "VARCHAR":
			return id, nil
		case integerType(pc.typ) || (!known && scalarType(pc.typ)):
			return fmt.Sprintf("CAST(%s AS VARCHAR)", id), nil
		}
		return "", fmt.Errorf("column %s is %s: a text field must be a text or integer column", pc.name, pc.typ)
	}
	switch {
	case pc.typ == want:
		return id, nil
	case pc.typ == "VARCHAR":
		if err := checkValues(ctx, db, path, pc, want, fmt.Sprintf("%s <> '-' AND TRY_CAST(%s AS %s) IS NULL", id, id, want)); err != nil {
			return "", err
		}
		return fmt.Sprintf("CAST(NULLIF(%s, '-') AS %s)", id, want), nil
	case integerType(pc.typ):
		if err := checkValues(ctx, db, path, pc, want, fmt.Sprintf("TRY_CAST(%s AS %s) IS NULL", id, want)); err != nil {
			return "", err
		}
		return fmt.Sprintf("CAST(%s AS %s)", id, want), nil
	}
	return "", fmt.Errorf("column %s is %s: field %s must be an integer column (%s)", pc.name, pc.typ, pc.col, want)
}

// scalarType reports whether a DuckDB type is a single value (not a list, struct, map, ...).
func scalarType(t string) bool {
	return !strings.ContainsAny(t, "[(") && !strings.HasPrefix(t, "STRUCT") && !strings.HasPrefix(t, "MAP") &&
		!strings.HasPrefix(t, "UNION") && t != "BLOB"
}

// checkValues fails naming the column, row group and row of the first non-NULL value for
// which bad holds.
func checkValues(ctx context.Context, db *sql.DB, path string, pc parquetColumn, want, bad string) error {
	var row int64
	var val string
	err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT file_row_number, CAST(%s AS VARCHAR) FROM read_parquet(%s, binary_as_string=true, file_row_number=true) WHERE %s IS NOT NULL AND %s LIMIT 1",
		sqlIdent(pc.name), sqlString(path), sqlIdent(pc.name), bad)).Scan(&row, &val)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking column %s: %w", pc.name, err)
	}
	where := fmt.Sprintf("row %d", row+1)
	if rg, err := rowGroup(ctx, db, path, row); err == nil {
		where = fmt.Sprintf("row group %d, row %d", rg, row+1)
	}
	return fmt.Errorf("column %s (%s), %s: value %q is not a valid %s", pc.name, pc.typ, where, rawText([]byte(val[:min(len(val), 80)])), want)
}

// rowGroup is the index of the row group holding the file's row (counted from 0).
func rowGroup(ctx context.Context, db *sql.DB, path string, row int64) (int64, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(%s) ORDER BY 1", sqlString(path)))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var end int64
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return 0, err
		}
		if end += n; row < end {
			return id, nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("row %d is past the last row group", row)
}
