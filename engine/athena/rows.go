package athena

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/duckdb/duckdb-go/v2"
)

// pageSize is GetQueryResults' largest page.
const pageSize = 1000

// Column is one result column: Athena's name and type, and the DuckDB type name the renderers
// of engine/output understand.
type Column struct {
	Name, AthenaType, DuckType string
	Precision, Scale           int32
}

// Result reads a finished query's rows page by page (GetQueryResults, 1000 rows a page).
type Result struct {
	Execution
	c       *Client
	cols    []Column
	page    []types.Row
	pos     int
	next    *string
	fetched bool // the first page was read
	n       int  // data rows returned so far
}

// Columns are the result's columns (the first page is read for them).
func (r *Result) Columns(ctx context.Context) ([]Column, error) {
	if !r.fetched {
		if err := r.fetch(ctx); err != nil {
			return nil, err
		}
	}
	return r.cols, nil
}

// Next returns the next row's values as the renderers expect them (int64, float64, bool,
// time.Time, duckdb.Decimal, string; nil for NULL), and io.EOF after the last row.
func (r *Result) Next(ctx context.Context) ([]any, error) {
	for r.pos >= len(r.page) {
		if r.fetched && r.next == nil {
			return nil, io.EOF
		}
		if err := r.fetch(ctx); err != nil {
			return nil, err
		}
	}
	row := r.page[r.pos]
	r.pos++
	r.n++
	vals := make([]any, len(r.cols))
	for i, col := range r.cols {
		if i >= len(row.Data) {
			break // a short row: the rest are NULL
		}
		v, err := convert(row.Data[i].VarCharValue, col)
		if err != nil {
			return nil, fmt.Errorf("athena query %s, result row %d, column %s: %w", r.ID, r.n, col.Name, err)
		}
		vals[i] = v
	}
	return vals, nil
}

func (r *Result) fetch(ctx context.Context) error {
	in := &sdk.GetQueryResultsInput{QueryExecutionId: aws.String(r.ID), MaxResults: aws.Int32(pageSize), NextToken: r.next}
	out, err := r.c.athena.GetQueryResults(ctx, in)
	if err != nil {
		return fmt.Errorf("reading results of athena query %s: %w", r.ID, explain(err, "query "+r.ID, ""))
	}
	first := !r.fetched
	r.fetched = true
	r.next = out.NextToken
	r.page, r.pos = nil, 0
	if out.ResultSet == nil {
		return nil
	}
	r.page = out.ResultSet.Rows
	if first {
		if md := out.ResultSet.ResultSetMetadata; md != nil {
			for _, ci := range md.ColumnInfo {
				r.cols = append(r.cols, Column{Name: aws.ToString(ci.Name), AthenaType: strings.ToLower(aws.ToString(ci.Type)),
					DuckType: duckType(ci), Precision: ci.Precision, Scale: ci.Scale})
			}
		}
		// Athena repeats the column names as the first row of a SELECT's first page.
		if r.StatementType == "DML" && len(r.page) > 0 && isHeader(r.page[0], r.cols) {
			r.pos = 1
		}
	}
	return nil
}

func isHeader(row types.Row, cols []Column) bool {
	if len(row.Data) != len(cols) || len(cols) == 0 {
		return false
	}
	for i, d := range row.Data {
		if aws.ToString(d.VarCharValue) != cols[i].Name {
			return false
		}
	}
	return true
}

// duckType names Athena's type the way DuckDB does, so the renderers align and format the
// values as they do local results.
func duckType(ci types.ColumnInfo) string {
	switch t := strings.ToLower(aws.ToString(ci.Type)); t {
	case "tinyint", "smallint", "bigint", "double", "boolean", "date", "timestamp":
		return strings.ToUpper(t)
	case "integer", "int":
		return "INTEGER"
	case "real", "float":
		return "FLOAT"
	case "decimal":
		return fmt.Sprintf("DECIMAL(%d,%d)", ci.Precision, ci.Scale)
	case "timestamp with time zone":
		return "TIMESTAMPTZ"
	default: // varchar, char, json, arrays, maps, rows, ipaddress…: Athena's text as is
		return "VARCHAR"
	}
}

// convert parses Athena's text for a value of col's type; a missing value is NULL.
func convert(v *string, col Column) (any, error) {
	if v == nil {
		return nil, nil
	}
	s := *v
	switch col.DuckType {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		return strconv.ParseInt(s, 10, 64)
	case "DOUBLE":
		return parseFloat(s, 64)
	case "FLOAT":
		f, err := parseFloat(s, 32)
		return float32(f), err
	case "BOOLEAN":
		return strconv.ParseBool(s)
	case "DATE":
		return time.Parse("2006-01-02", s)
	case "TIMESTAMP":
		return time.Parse("2006-01-02 15:04:05", s)
	case "TIMESTAMPTZ":
		return parseZoned(s)
	case "VARCHAR":
		return s, nil
	}
	if strings.HasPrefix(col.DuckType, "DECIMAL(") {
		return parseDecimal(s, col.Precision, col.Scale)
	}
	return s, nil
}

// parseFloat reads Trino's spellings of the special values too.
func parseFloat(s string, bits int) (float64, error) {
	switch s {
	case "Infinity":
		s = "+Inf"
	case "-Infinity":
		s = "-Inf"
	}
	return strconv.ParseFloat(s, bits)
}

// parseZoned reads "2024-01-02 03:04:05.678 UTC" or "… Europe/Paris" or "… +01:00".
func parseZoned(s string) (time.Time, error) {
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return time.Time{}, fmt.Errorf("timestamp with time zone %q has no zone", s)
	}
	zone := s[i+1:]
	var loc *time.Location
	if strings.HasPrefix(zone, "+") || strings.HasPrefix(zone, "-") {
		t, err := time.Parse("-07:00", zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("zone %q: %w", zone, err)
		}
		_, off := t.Zone()
		loc = time.FixedZone(zone, off)
	} else {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("zone %q: %w", zone, err)
		}
		loc = l
	}
	return time.ParseInLocation("2006-01-02 15:04:05", s[:i], loc)
}

func parseDecimal(s string, precision, scale int32) (duckdb.Decimal, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimLeft(s, "+-")
	whole, frac, _ := strings.Cut(digits, ".")
	if int32(len(frac)) > scale {
		return duckdb.Decimal{}, fmt.Errorf("decimal %q has more than %d fraction digits", s, scale)
	}
	frac += strings.Repeat("0", int(scale)-len(frac))
	n, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return duckdb.Decimal{}, fmt.Errorf("%q is not a decimal", s)
	}
	if neg {
		n.Neg(n)
	}
	return duckdb.Decimal{Width: uint8(precision), Scale: uint8(scale), Value: n}, nil
}

// Rows presents the result as *sql.Rows, the type engine/output renders: a connector of its own
// (no driver registered globally) serves the pages as they are read. Close the rows when done.
func (r *Result) Rows(ctx context.Context) (*sql.Rows, error) {
	if _, err := r.Columns(ctx); err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector{r})
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "athena result "+r.ID)
	// The rows keep their connection; closing the pool only stops new queries on it.
	db.Close()
	return rows, err
}

type connector struct{ r *Result }

func (c connector) Connect(context.Context) (driver.Conn, error) { return conn(c), nil }
func (c connector) Driver() driver.Driver                        { return nil }

type conn struct{ r *Result }

var errReadOnly = errors.New("an athena result only reads its rows")

func (conn) Prepare(string) (driver.Stmt, error) { return nil, errReadOnly }
func (conn) Close() error                        { return nil }
func (conn) Begin() (driver.Tx, error)           { return nil, errReadOnly }

// QueryContext ignores the text: the connection's only query is the result it was made for.
func (c conn) QueryContext(ctx context.Context, _ string, _ []driver.NamedValue) (driver.Rows, error) {
	return &rows{r: c.r, ctx: ctx}, nil
}

type rows struct {
	r   *Result
	ctx context.Context
}

func (x *rows) Columns() []string {
	names := make([]string, len(x.r.cols))
	for i, c := range x.r.cols {
		names[i] = c.Name
	}
	return names
}

func (x *rows) ColumnTypeDatabaseTypeName(i int) string { return x.r.cols[i].DuckType }
func (x *rows) Close() error                            { return nil }

func (x *rows) Next(dest []driver.Value) error {
	vals, err := x.r.Next(x.ctx)
	if err != nil {
		return err
	}
	for i := range dest {
		dest[i] = vals[i]
	}
	return nil
}
