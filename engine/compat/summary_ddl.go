package compat

import (
	"fmt"
	"strings"
)

// SummaryColumn is a column of a summary table, with its Athena type.
type SummaryColumn struct{ Name, Type string }

// SummaryTables are the summary tables flowq's loads keep beside vpc_flow_logs (engine/store
// summary.go, docs/design.md), by name, with their columns in the store's order ("date", the
// partition, aside). A test in engine/store checks them against the store's views.
var SummaryTables = []struct {
	Name    string
	Columns []SummaryColumn
}{
	{"vpc_flow_summary_hourly", []SummaryColumn{
		{"hour", "bigint"}, {"account_id", "string"}, {"region", "string"}, {"interface_id", "string"},
		{"instance_id", "string"}, {"subnet_id", "string"}, {"vpc_id", "string"}, {"srcaddr", "string"},
		{"dstaddr", "string"}, {"pkt_srcaddr", "string"}, {"pkt_dstaddr", "string"}, {"protocol", "bigint"},
		{"dstport", "int"}, {"dstport_ephemeral", "boolean"}, {"action", "string"}, {"log_status", "string"},
		{"records", "bigint"}, {"packets", "bigint"}, {"bytes", "bigint"}, {"first_start", "bigint"},
		{"last_end", "bigint"}, {"aws_service", "string"},
	}},
	{"vpc_flow_summary_conversations", []SummaryColumn{
		{"hour", "bigint"}, {"account_id", "string"}, {"region", "string"}, {"addr_a", "string"},
		{"port_a", "int"}, {"addr_b", "string"}, {"port_b", "int"}, {"protocol", "bigint"},
		{"ab_accept", "bigint"}, {"ab_reject", "bigint"}, {"ba_accept", "bigint"}, {"ba_reject", "bigint"},
		{"ab_legs", "array<string>"}, {"ba_legs", "array<string>"}, {"first_start", "bigint"}, {"last_end", "bigint"},
	}},
}

// SummaryDDL prints the Athena tables over the store's summary tables (StoreLayout only: they
// are flowq's own, uploaded with DATA/tables), partitioned by date like vpc_flow_logs.
func SummaryDDL(opts DDLOptions) string {
	if opts.Layout != StoreLayout {
		return ""
	}
	loc := strings.TrimSuffix(opts.Location, "/")
	if loc == "" {
		loc = "s3://BUCKET/PREFIX"
	}
	var b strings.Builder
	for _, t := range SummaryTables {
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = fmt.Sprintf("  `%s` %s", c.Name, c.Type)
		}
		data := loc + "/tables/" + t.Name + "/"
		fmt.Fprintf(&b, "\n-- flowq's summary table %s (docs/design.md): kept by every load, Parquet by date.\n", t.Name)
		fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s` (\n%s\n)\n", t.Name, strings.Join(cols, ",\n"))
		b.WriteString("PARTITIONED BY (`date` date)\nSTORED AS PARQUET\n")
		fmt.Fprintf(&b, "LOCATION '%s';\nMSCK REPAIR TABLE `%s`;\n", data, t.Name)
	}
	return b.String()
}
