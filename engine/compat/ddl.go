package compat

import (
	"fmt"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// Layout says which copy of the data an Athena table should read.
type Layout int

const (
	// StoreLayout is flowq's store as uploaded with "aws s3 sync DATA/tables s3://…/tables":
	// Parquet under LOCATION/tables/vpc_flow_logs/date=YYYY-MM-DD/, every known column, _source.
	StoreLayout Layout = iota
	// RawLayout is the text deliveries (.log.gz) in AWS's key layout, in the source bucket or in
	// an uploaded mirror: AWS's documented table, space-separated with a header line.
	RawLayout
)

// DDLOptions describes the Athena table to print.
type DDLOptions struct {
	Layout Layout
	// LogType is the table's log type: VPC flow logs (the zero value) or transit gateway flow
	// logs, whose table has the transit gateway fields (flowlog.TGWFields).
	LogType flowlog.LogType
	// Table name; the log type's table (vpc_flow_logs, transit_gateway_flow_logs) when empty.
	Table string
	// Location is the S3 URL above the data: for StoreLayout the prefix holding "tables/"; for
	// RawLayout the bucket prefix holding "AWSLogs/". A placeholder is printed when empty.
	Location string

	// StoreLayout. Projection computes partitions from the date instead of registering them
	// with MSCK REPAIR TABLE; From is the first day of the projection range (2020-01-01 if zero).
	Projection bool
	From       time.Time
	// ExtraColumns are the store's columns for header fields flowq does not know (text columns).
	ExtraColumns []string

	// RawLayout: whose flow logs, how the keys are laid out, and the days to add as partitions.
	Account, Region, Org string
	Hive                 bool
	Days                 []time.Time
}

// DDL prints the Athena statements that make the data queryable in Athena with the column names
// and "date" partition the local vpc_flow_logs view has, so the same .sql files run there.
//
// The raw layout registers its partitions explicitly (ALTER TABLE … ADD PARTITION, as AWS
// documents for this table) rather than by projection: Athena projects a DATE partition column
// from yyyy-MM-dd values, while AWS's keys spell days yyyy/MM/dd.
func DDL(opts DDLOptions) string {
	table := opts.Table
	if table == "" {
		table = opts.LogType.Table()
	}
	tgw := opts.LogType == flowlog.TransitGateway
	loc := strings.TrimSuffix(opts.Location, "/")
	if loc == "" {
		loc = "s3://BUCKET/PREFIX"
	}
	fields := flowlog.KnownFields()
	switch {
	case tgw:
		fields = flowlog.TGWFields() // every field, in the default format's order
	case opts.Layout == RawLayout:
		fields = fields[:flowlog.AthenaColumns] // AWS's table: versions 2-5, in file order
	}
	var cols []string
	for _, f := range fields {
		cols = append(cols, fmt.Sprintf("  `%s` %s", f.Column, f.Type.Athena()))
	}

	var b strings.Builder
	switch opts.Layout {
	case RawLayout:
		account, region := opts.Account, opts.Region
		if account == "" {
			account = "ACCOUNT_ID"
		}
		if region == "" {
			region = "REGION"
		}
		base := loc + "/" + flowlog.Base("", opts.Org) + flowlog.RegionPrefix(account, region, opts.Hive)
		if tgw {
			fmt.Fprintf(&b, "-- Transit gateway text deliveries as AWS writes them (the transit gateway default format).\n")
		} else {
			fmt.Fprintf(&b, "-- Text deliveries as AWS writes them (default format, flow-log versions 2-5).\n")
		}
		fmt.Fprintf(&b, "-- Columns must follow the order of the flow log's format.\n")
		fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s` (\n%s\n)\n", table, strings.Join(cols, ",\n"))
		b.WriteString("PARTITIONED BY (`date` date)\n")
		b.WriteString("ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '\n")
		fmt.Fprintf(&b, "LOCATION '%s'\n", base)
		b.WriteString("TBLPROPERTIES (\"skip.header.line.count\"=\"1\");\n")
		if len(opts.Days) == 0 {
			fmt.Fprintf(&b, "\n-- Add one partition per day, e.g.:\n-- ALTER TABLE `%s` ADD IF NOT EXISTS PARTITION (`date`='2024-01-01') LOCATION '%s%s';\n",
				table, base, flowlog.DayPrefix(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), opts.Hive))
			break
		}
		fmt.Fprintf(&b, "\nALTER TABLE `%s` ADD IF NOT EXISTS", table)
		for _, d := range opts.Days {
			d = d.UTC()
			fmt.Fprintf(&b, "\n  PARTITION (`date`='%s') LOCATION '%s%s'", d.Format("2006-01-02"), base, flowlog.DayPrefix(d, opts.Hive))
		}
		b.WriteString(";\n")

	default:
		for _, c := range opts.ExtraColumns {
			cols = append(cols, fmt.Sprintf("  `%s` string", c))
		}
		cols = append(cols, "  `_source` bigint")
		data := loc + "/tables/" + opts.LogType.Table() + "/"
		fmt.Fprintf(&b, "-- flowq's store: Parquet, Hive-partitioned by date (upload DATA/tables to %s/tables).\n", loc)
		b.WriteString("-- In Athena queries, quote the \"_source\" column (it starts with an underscore).\n")
		fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s` (\n%s\n)\n", table, strings.Join(cols, ",\n"))
		b.WriteString("PARTITIONED BY (`date` date)\n")
		b.WriteString("STORED AS PARQUET\n")
		fmt.Fprintf(&b, "LOCATION '%s'", data)
		if !opts.Projection {
			fmt.Fprintf(&b, ";\n\n-- Register the date=YYYY-MM-DD partitions (again after each upload of new days):\nMSCK REPAIR TABLE `%s`;\n", table)
			break
		}
		from := opts.From
		if from.IsZero() {
			from = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		b.WriteString("\nTBLPROPERTIES (\n")
		props := [][2]string{
			{"projection.enabled", "true"},
			{"projection.date.type", "date"},
			{"projection.date.format", "yyyy-MM-dd"},
			{"projection.date.range", from.UTC().Format("2006-01-02") + ",NOW"},
			{"projection.date.interval", "1"},
			{"projection.date.interval.unit", "DAYS"},
			{"storage.location.template", data + "date=${date}/"},
		}
		for i, p := range props {
			sep := ","
			if i == len(props)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "  \"%s\"=\"%s\"%s\n", p[0], p[1], sep)
		}
		b.WriteString(");\n")
	}
	return b.String()
}
