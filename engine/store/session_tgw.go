package store

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/flowq/flowq/engine/flowlog"
)

// TGWTableColumns returns the transit_gateway_flow_logs view's columns for a ledger: every
// transit gateway field (the Athena table's columns for this log type), then the unknown
// fields present in the data; the view adds "date".
func TGWTableColumns(led *Ledger) []flowlog.Field {
	cols := flowlog.TGWFields()
	for _, u := range led.UnknownColumnsOf(tgwTable) {
		cols = append(cols, flowlog.Field{Name: u, Column: u, Type: columnType(u), Unknown: true})
	}
	return cols
}

// tgwViewSQL (re)creates the transit_gateway_flow_logs view over the ledger's transit gateway
// parts: columns matched by name, a field no part has read as a typed NULL (as Athena reads a
// column missing from every file), and an empty typed view when nothing was loaded, so saved
// queries and completion always find the table.
func tgwViewSQL(dir string, led *Ledger) string {
	cols := TGWTableColumns(led)
	present := led.ColumnsOf(tgwTable)
	parts := led.PartsOf(tgwTable)
	sel := make([]string, 0, len(cols)+1)
	for _, f := range cols {
		if len(parts) > 0 && contains(present, f.Column) {
			sel = append(sel, sqlIdent(f.Column))
		} else {
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type.SQL(), sqlIdent(f.Column)))
		}
	}
	if len(parts) == 0 {
		sel = append(sel, `CAST(NULL AS DATE) AS "date"`)
		return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s WHERE false", tgwTable, strings.Join(sel, ", "))
	}
	sel = append(sel, `"date"`)
	files := make([]string, len(parts))
	for i, p := range parts {
		files[i] = sqlString(filepath.Join(dir, filepath.FromSlash(p.Path)))
	}
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM read_parquet([%s], hive_partitioning=true, hive_types={'date': DATE}, union_by_name=true)",
		tgwTable, strings.Join(sel, ", "), strings.Join(files, ", "))
}
