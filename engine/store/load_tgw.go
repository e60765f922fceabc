package store

// Log types in the loader: a delivery's header (or Parquet columns, or name) decides whether
// its records go to vpc_flow_logs or transit_gateway_flow_logs. Both tables share the ledger,
// the part layout (tables/TABLE/date=…/) and every guarantee of a load.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/flowlog"
)

// tgwTable is the transit gateway flow-log table's folder under DATA/tables.
const tgwTable = flowlog.TGWTable

// parseDeliveryHeader parses a first header line of either log type and decides the
// delivery's log type from the header and its name (a header of common fields only is a
// transit gateway one when the path names a tgw- resource). The header has its table's
// field types and is checked for the store.
func parseDeliveryHeader(line, name string) (flowlog.Header, flowlog.LogType, error) {
	h, typ, err := flowlog.ParseAnyHeader(line)
	if err != nil {
		return flowlog.Header{}, typ, err
	}
	if typ == flowlog.VPC && flowlog.ClassifyDelivery(h, name) == flowlog.TransitGateway {
		if h, err = flowlog.ParseTGWHeader(line); err != nil {
			return flowlog.Header{}, typ, err
		}
		typ = flowlog.TransitGateway
	}
	h, err = storeHeader(h)
	return h, typ, err
}

// midFileHeader parses a header line met after line 1 with the file's own log type: a
// transit gateway header inside a VPC delivery would put its records half into
// vpc_flow_logs, so it is refused (and the other way round the new fields are not the
// first header's, which setHeader refuses).
func midFileHeader(line string, typ flowlog.LogType) (flowlog.Header, error) {
	var h flowlog.Header
	var err error
	if typ == flowlog.TransitGateway {
		h, err = flowlog.ParseTGWHeader(line)
	} else {
		var got flowlog.LogType
		h, got, err = flowlog.ParseAnyHeader(line)
		if err == nil && got == flowlog.TransitGateway {
			return flowlog.Header{}, fmt.Errorf("transit gateway header in a VPC flow-log file (its records belong to %s)", tgwTable)
		}
	}
	if err != nil {
		return flowlog.Header{}, err
	}
	return storeHeader(h)
}

// tableFields are a log type's fields in table order.
func tableFields(typ flowlog.LogType) []flowlog.Field {
	if typ == flowlog.TransitGateway {
		return flowlog.TGWFields()
	}
	return flowlog.KnownFields()
}

// lookupField finds a known field of a log type by header or column name.
func lookupField(typ flowlog.LogType, name string) (flowlog.Field, bool) {
	if typ == flowlog.TransitGateway {
		return flowlog.LookupTGW(name)
	}
	return flowlog.Lookup(name)
}

// groupColumnsOf is groupColumns for a log type: the known columns of the type's table that
// the header has (in table order), account_id and region, then its unknown columns (sorted).
func groupColumnsOf(typ flowlog.LogType, h flowlog.Header) []string {
	if typ != flowlog.TransitGateway {
		return groupColumns(h)
	}
	var cols []string
	for _, f := range flowlog.TGWFields() {
		if h.Has(f.Column) || f.Column == "account_id" || f.Column == "region" {
			cols = append(cols, f.Column)
		}
	}
	var unknown []string
	for _, f := range h.Fields {
		if f.Unknown {
			unknown = append(unknown, f.Column)
		}
	}
	sort.Strings(unknown)
	return append(cols, unknown...)
}

// groupKey makes files of one log type and column set load together (equal column sets of
// two log types still go to two tables).
func groupKey(typ flowlog.LogType, cols []string) string {
	return typ.String() + ":" + strings.Join(cols, ",")
}

// partTable is the table a ledger part belongs to: the folder after "tables/".
func partTable(p string) string {
	rest := strings.TrimPrefix(p, tablesDir+"/")
	if i := strings.IndexByte(rest, '/'); i > 0 {
		return rest[:i]
	}
	return rest
}

// classifyParquet decides a Parquet delivery's log type from its store column names and path.
func classifyParquet(have map[string]parquetColumn, path string) flowlog.LogType {
	var h flowlog.Header
	for col := range have {
		h.Fields = append(h.Fields, flowlog.Field{Name: col, Column: col})
	}
	sort.Slice(h.Fields, func(i, j int) bool { return h.Fields[i].Name < h.Fields[j].Name })
	return flowlog.ClassifyDelivery(h, path)
}
