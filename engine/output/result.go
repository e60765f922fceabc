package output

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// RenderResult renders the result of statement stmt like Render, unless it is DuckDB's status
// answer (SET, CREATE, INSERT ...: one Success or Count column, or no column at all). A table of
// that is noise: it is read to the end and described in status instead ("OK", "1 row
// affected", "3 rows affected"), for the caller to show where a footer goes, or not at all.
// rows is read to the end but not closed.
func RenderResult(ctx context.Context, w io.Writer, stmt string, rows *sql.Rows, f Format, o Options) (st Stats, status string, err error) {
	cols, err := rows.Columns()
	if err != nil {
		return st, "", err
	}
	if len(cols) == 0 || sqlscan.IsStatusResult(stmt, cols) {
		status, err = statusLine(rows, cols)
		return st, status, err
	}
	st, err = Render(ctx, w, rows, f, o)
	if err == nil {
		err = rows.Err()
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return st, "", err
}

// statusLine reads a status result: a Count column sums to the rows affected.
func statusLine(rows *sql.Rows, cols []string) (string, error) {
	count := len(cols) == 1 && cols[0] == "Count"
	var affected int64
	n := 0
	for rows.Next() {
		if count {
			var v sql.NullInt64
			if err := rows.Scan(&v); err != nil {
				return "", err
			}
			affected += v.Int64
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch {
	case !count || n == 0:
		return "OK", nil
	case affected == 1:
		return "1 row affected", nil
	}
	return fmt.Sprintf("%d rows affected", affected), nil
}

// ParseChartKind reads bar|line|auto (and the plurals); "" is auto.
func ParseChartKind(s string) (ChartKind, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return ChartAuto, nil
	case "bar", "bars":
		return ChartBar, nil
	case "line", "lines":
		return ChartLine, nil
	}
	return "", fmt.Errorf("unknown chart kind %q (want bar, line or auto)", s)
}

// ChartSize sizes a chart for a terminal of termWidth × termHeight cells (0 when not on one):
// as wide as the terminal (80 columns otherwise) and as high as it allows, leaving room for the
// prompt, within 30 lines (20 when not on a terminal or on a very small one).
func ChartSize(termWidth, termHeight int) (width, height int) {
	width, height = termWidth, 20
	if width <= 0 {
		width = 80
	}
	if termHeight > 8 {
		height = min(termHeight-4, 30)
	}
	return width, height
}
