package store

// Summary tables: hourly aggregates of vpc_flow_logs that every load keeps current
// (load_summary.go) and sessions show as views, so the saved reports read a small table
// instead of every record. This file holds what the loader and the sessions share: the tables'
// SQL, built over any relation with the flow-log columns, and the views.

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

const (
	// summaryVersion is the layout of the summary tables below; a ledger with another (or none)
	// has them rebuilt by the next load.
	summaryVersion = 1
	// summaryHourly holds bytes, packets and records per hour and (account, region, ENI,
	// instance, subnet, VPC, addresses, packet addresses, protocol, service port, action, log
	// status).
	summaryHourly = "vpc_flow_summary_hourly"
	// summaryConv holds, per hour, the conversations (unordered endpoint pairs with ports and
	// protocol) that are one-sided, or that more than one (account, region) logged and so may be
	// one-sided within one of them: everything asymmetric-flows needs at its one-hour window.
	summaryConv = "vpc_flow_summary_conversations"
	// summaryBucket is the summaries' time bucket in seconds: start - start % 3600.
	summaryBucket = 3600
	// ephemeralPort is where the hourly table stops keeping destination ports of records that
	// are not REJECTed: replies to clients go to ports from 32768 up (Linux's default ephemeral
	// range; Windows' starts at 49152), one per connection, so keeping them would keep a row per
	// connection. Below it every port is kept (22, 443, 3389, 5432, 8080 ...); REJECTed records
	// keep every port (scans). dstport is NULL and dstport_ephemeral true for the others.
	ephemeralPort = 32768
)

// summaryTables are the summary tables in the order they are built.
var summaryTables = []string{summaryHourly, summaryConv}

// isSummaryTable reports whether a table is one of the summary tables.
func isSummaryTable(t string) bool {
	for _, s := range summaryTables {
		if s == t {
			return true
		}
	}
	return false
}

// TableParts are the ledger's parts of one table (vpc_flow_logs or a summary table).
func (l *Ledger) TableParts(table string) []Part {
	var out []Part
	for _, p := range l.Parts {
		if partTable(p.Path) == table {
			out = append(out, p)
		}
	}
	return out
}

// flowParts are the parts of vpc_flow_logs.
func (l *Ledger) flowParts() []Part { return l.TableParts(flowTable) }

// SummariesCurrent reports whether the summary tables hold exactly what the flow-log table
// holds: the loads that wrote the ledger kept them so.
func (l *Ledger) SummariesCurrent() bool { return l.Summaries == summaryVersion }

// partDate is the date of a part's date=YYYY-MM-DD folder, or "".
func partDate(p string) string {
	return strings.TrimPrefix(path.Base(path.Dir(p)), "date=")
}

// hourlySQL aggregates src (a relation with every flow-log column the table needs) into the
// hourly summary's rows, date included.
func hourlySQL(src string) string {
	return fmt.Sprintf(`SELECT coalesce(CAST(make_timestamp(hour * 1000000) AS DATE), DATE '1970-01-01') AS "date", hour,
  account_id, region, interface_id, instance_id, subnet_id, vpc_id, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr,
  protocol, dstport, dstport_ephemeral, action, log_status,
  count(*) AS records, CAST(sum(packets) AS BIGINT) AS packets, CAST(sum(bytes) AS BIGINT) AS bytes,
  min(start) AS first_start, max("end") AS last_end, max(nullif(pkt_dst_aws_service, '-')) AS aws_service
FROM (
  SELECT start - start %% %[2]d AS hour, account_id, region, interface_id, instance_id, subnet_id, vpc_id,
    srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, protocol,
    CASE WHEN action = 'REJECT' OR dstport < %[3]d THEN dstport END AS dstport,
    coalesce(action IS DISTINCT FROM 'REJECT' AND dstport >= %[3]d, false) AS dstport_ephemeral,
    action, log_status, packets, bytes, start, "end", pkt_dst_aws_service
  FROM %[1]s
) r
GROUP BY ALL`, src, summaryBucket, ephemeralPort)
}

// convRowsSQL groups src's records, as asymmetric-flows does, into conversations per hour,
// account and region: the counts of each direction and action, the ENI:action legs of each
// direction, first start and last end. addr_a/port_a is the least endpoint of the pair.
func convRowsSQL(src string) string {
	return fmt.Sprintf(`SELECT hour, account_id, region, addr_a, port_a, addr_b, port_b, protocol,
  CAST(count_if(a_is_src AND action = 'ACCEPT') AS BIGINT) AS ab_accept,
  CAST(count_if(a_is_src AND action = 'REJECT') AS BIGINT) AS ab_reject,
  CAST(count_if(NOT a_is_src AND action = 'ACCEPT') AS BIGINT) AS ba_accept,
  CAST(count_if(NOT a_is_src AND action = 'REJECT') AS BIGINT) AS ba_reject,
  array_sort(array_distinct(array_agg(interface_id || ':' || action) FILTER (WHERE a_is_src))) AS ab_legs,
  array_sort(array_distinct(array_agg(interface_id || ':' || action) FILTER (WHERE NOT a_is_src))) AS ba_legs,
  min(start) AS first_start, max("end") AS last_end
FROM (
  SELECT *, CASE WHEN a_is_src THEN srcaddr ELSE dstaddr END AS addr_a,
         CASE WHEN a_is_src THEN srcport ELSE dstport END AS port_a,
         CASE WHEN a_is_src THEN dstaddr ELSE srcaddr END AS addr_b,
         CASE WHEN a_is_src THEN dstport ELSE srcport END AS port_b
  FROM (
    SELECT account_id, region, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action, start, "end",
           start - start %% %[2]d AS hour,
           (srcaddr < dstaddr OR (srcaddr = dstaddr AND srcport <= dstport)) AS a_is_src
    FROM %[1]s
    WHERE coalesce(log_status, 'OK') = 'OK'
      AND action IN ('ACCEPT', 'REJECT')
      AND srcaddr <> '-' AND dstaddr <> '-'
      AND srcport IS NOT NULL AND dstport IS NOT NULL AND protocol IS NOT NULL
  ) r
) f
GROUP BY ALL`, src, summaryBucket)
}

// convSQL is the conversation summary's rows of src: of convRowsSQL's rows, those of
// conversations that are one-sided over all accounts and regions (asymmetric-flows' test), or
// logged by more than one (account, region), since a filter on one may make them one-sided.
// A conversation left out is two-sided under every account and region filter.
func convSQL(src string) string {
	return fmt.Sprintf(`WITH c AS (%s),
k AS (
  SELECT hour, addr_a, port_a, addr_b, port_b, protocol
  FROM c
  GROUP BY ALL
  HAVING count(*) > 1
      OR (sum(ab_accept) > 0 AND (sum(ba_accept) + sum(ba_reject) = 0 OR sum(ba_reject) > 0))
      OR (sum(ba_accept) > 0 AND (sum(ab_accept) + sum(ab_reject) = 0 OR (sum(ab_reject) > 0 AND sum(ba_reject) = 0)))
)
SELECT coalesce(CAST(make_timestamp(c.hour * 1000000) AS DATE), DATE '1970-01-01') AS "date", c.*
FROM c SEMI JOIN k ON c.hour IS NOT DISTINCT FROM k.hour AND c.addr_a = k.addr_a AND c.port_a = k.port_a
  AND c.addr_b = k.addr_b AND c.port_b = k.port_b AND c.protocol = k.protocol`, convRowsSQL(src))
}

// summarySQL is a summary table's rows of src.
func summarySQL(table, src string) string {
	if table == summaryConv {
		return convSQL(src)
	}
	return hourlySQL(src)
}

// edgeFilter keeps the records of [since, until) whose hour is not wholly inside it: the
// records a range query over a summary must aggregate itself (at most two hours of them).
const edgeFilter = `(since IS NULL OR start >= since) AND (until IS NULL OR start < until)
  AND (start < since - since %% %[1]d + %[1]d OR start >= until - until %% %[1]d)
  AND NOT ((since IS NULL OR start - start %% %[1]d >= since) AND (until IS NULL OR start - start %% %[1]d + %[1]d <= until))`

// summaryViewSQL (re)creates, after the flow-log view, a view per summary table over its
// parts, and a table macro per table, NAME_range(since, until): its rows for the records
// starting in [since, until) (either NULL: unbounded), exact at any bounds: whole hours come
// from the summary, the hours cut by a bound are aggregated from vpc_flow_logs.
func summaryViewSQL(dir string, led *Ledger) []string {
	var out []string
	for _, t := range summaryTables {
		parts := led.TableParts(t)
		if len(parts) == 0 || !led.SummariesCurrent() {
			// Same columns and types, no rows: built from the flow-log view.
			out = append(out, fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS SELECT * EXCLUDE ("date"), "date" FROM (%s) s WHERE false`, t, summarySQL(t, flowTable)))
		} else {
			files := make([]string, len(parts))
			for i, p := range parts {
				files[i] = sqlString(filepath.Join(dir, filepath.FromSlash(p.Path)))
			}
			out = append(out, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet([%s], hive_partitioning=true, hive_types={'date': DATE})",
				t, strings.Join(files, ", ")))
		}
		edge := fmt.Sprintf("(SELECT * FROM %s WHERE %s)", flowTable, fmt.Sprintf(edgeFilter, summaryBucket))
		rows := summarySQL(t, edge)
		if t == summaryConv {
			// The hours cut by a bound keep every conversation: sidedness is decided by the reader.
			rows = fmt.Sprintf(`SELECT coalesce(CAST(make_timestamp(hour * 1000000) AS DATE), DATE '1970-01-01') AS "date", * FROM (%s) e`, convRowsSQL(edge))
		}
		out = append(out, fmt.Sprintf(`CREATE OR REPLACE MACRO %s_range(since, until) AS TABLE
SELECT * FROM %s WHERE (since IS NULL OR hour >= since) AND (until IS NULL OR hour + %d <= until)
UNION ALL BY NAME
%s`, t, t, summaryBucket, rows))
	}
	return out
}
