package compat

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// flowRow is one hand-written flow-log record. age >= 0 dates it that many days before today;
// age < 0 uses the fixed date day instead.
type flowRow struct {
	iface, src, dst    string
	sport, dport, prot any // nil for NODATA rows, as Athena reads "-" in numeric columns
	packets, bytes     any
	start, end         any
	action, status     string
	age                int
	day                string
}

// Fixed-date rows: 2024-01-01 was a Monday, 2024-01-03 a Wednesday, 2024-01-07 a Sunday.
// Recent rows: dated relative to today so "current_date - interval '7' day" selects them.
var suiteRows = []flowRow{
	{"eni-a", "10.0.1.5", "172.31.0.10", 49152, 22, 6, 3, 180, 1704067200, 1704067260, "REJECT", "OK", -1, "2024-01-01"},
	{"eni-a", "198.51.100.7", "10.0.1.5", 51000, 22, 6, 5, 300, 1704067300, 1704067320, "REJECT", "OK", -1, "2024-01-01"},
	{"eni-a", "203.0.113.9", "10.0.1.5", 40000, 3389, 6, 2, 125, 1704585600, 1704585660, "REJECT", "OK", -1, "2024-01-07"},
	{"eni-a", "10.0.2.8", "10.0.1.5", 53000, 53, 17, 1, 80, 1704585700, 1704585720, "REJECT", "OK", -1, "2024-01-07"},
	{"eni-a", "10.0.1.5", "8.8.8.8", 443, 50000, 6, 4, 400, 1704240000, 1704240060, "ACCEPT", "OK", -1, "2024-01-03"},
	{"eni-b", "-", "-", nil, nil, nil, nil, nil, 1704067200, 1704067260, "-", "NODATA", -1, "2024-01-01"},
	{"eni-a", "10.0.1.5", "52.94.1.1", 50001, 443, 6, 10, 5000, 1, 2, "ACCEPT", "OK", 0, ""},
	{"eni-c", "10.0.1.6", "52.94.1.1", 50002, 443, 6, 20, 9000, 1, 2, "ACCEPT", "OK", 3, ""},
	{"eni-a", "10.0.1.5", "54.239.2.2", 50003, 443, 6, 7, 700, 1, 2, "ACCEPT", "OK", 6, ""},
	{"eni-a", "10.0.1.5", "52.94.1.1", 50004, 443, 6, 1000, 90000, 1, 2, "ACCEPT", "OK", 8, ""},
	{"eni-d", "10.0.1.7", "52.94.1.1", 50005, 80, 6, 50, 3000, 1, 2, "ACCEPT", "OK", 1, ""},
	{"eni-e", "2600:1f18:1234::5", "2600:1f18:1234::9", 50006, 443, 6, 4, 640, 1, 2, "ACCEPT", "OK", 2, ""},
	{"eni-b", "-", "-", nil, nil, nil, nil, nil, 1, 2, "-", "NODATA", 1, ""},
}

// newFlowTable creates vpc_flow_logs with the columns of AWS's documented Athena table plus the
// "date" partition column, filled with suiteRows.
func newFlowTable(t *testing.T, conn *sql.Conn) {
	t.Helper()
	var cols []string
	for _, f := range flowlog.KnownFields()[:flowlog.AthenaColumns] {
		cols = append(cols, fmt.Sprintf("%q %s", f.Column, f.Type.SQL()))
	}
	cols = append(cols, `"date" DATE`)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE vpc_flow_logs ("+strings.Join(cols, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	for i, r := range suiteRows {
		date := any(r.day)
		if r.age >= 0 {
			date = time.Now().UTC().AddDate(0, 0, -r.age).Format("2006-01-02")
		}
		_, err := conn.ExecContext(ctx, `INSERT INTO vpc_flow_logs (version, account_id, interface_id,
			srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status, "date")
			VALUES (2, '123456789012', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS DATE))`,
			r.iface, r.src, r.dst, r.sport, r.dport, r.prot, r.packets, r.bytes, r.start, r.end,
			r.action, r.status, date)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
}

// rows runs an Athena query unchanged (through Rewrite, as sessions do) and renders every row
// as its values joined by "|".
func rows(t *testing.T, conn *sql.Conn, q string) []string {
	t.Helper()
	rq := Rewrite(q)
	rs, err := conn.QueryContext(context.Background(), rq)
	if err != nil {
		t.Fatalf("%s\n=> %s\n%v", q, rq, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			if _, big := v.(interface{ IsInt64() bool }); big {
				t.Errorf("%s: column came back as HUGEINT (%v), want a plain integer", q, v)
			}
			parts = append(parts, show(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAthenaQueries runs queries in the shapes AWS documents for VPC flow logs, unchanged.
func TestAthenaQueries(t *testing.T) {
	conn := newConn(t, Athena)
	newFlowTable(t, conn)

	tests := []struct {
		name, q string
		want    []string
	}{
		{"rejected TCP by ISO weekday",
			`SELECT day_of_week(date) AS day, count(*) AS flows
			 FROM vpc_flow_logs
			 WHERE action = 'REJECT' AND protocol = 6 AND date < DATE('2024-02-01')
			 GROUP BY day_of_week(date) ORDER BY day`,
			// Monday: the two port-22 rejects; Sunday: the 3389 reject (the UDP one is not TCP).
			[]string{"1|2", "7|1"}},
		{"rejected TCP detail, AWS sample shape",
			`SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol
			 FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 AND dstport = 3389 LIMIT 100`,
			[]string{"7|2024-01-07T00:00:00Z|eni-a|203.0.113.9|REJECT|6"}},
		{"HTTPS packets by destination over the last 7 days",
			`SELECT SUM(packets) AS packetcount, dstaddr
			 FROM vpc_flow_logs
			 WHERE dstport = 443 AND date >= current_date - interval '7' day
			 GROUP BY dstaddr ORDER BY packetcount DESC LIMIT 10`,
			// 52.94.1.1: 10 (today) + 20 (3 days ago); the 1000 packets 8 days ago are out.
			[]string{"30|52.94.1.1", "7|54.239.2.2", "4|2600:1f18:1234::9"}},
		{"flow end as ISO 8601",
			`SELECT to_iso8601(from_unixtime("end")) AS ended
			 FROM vpc_flow_logs WHERE srcaddr = '10.0.1.5' AND dstport = 22`,
			// 1704067260 = 2024-01-01 00:00:00 UTC (19723 days) + 60 s.
			[]string{"2024-01-01T00:01:00.000Z"}},
		{"first octet of source addresses",
			`SELECT split_part(srcaddr, '.', 1) AS octet, count(*) AS flows
			 FROM vpc_flow_logs WHERE log_status = 'OK' AND srcaddr LIKE '%.%.%.%'
			 GROUP BY 1 ORDER BY 1`,
			[]string{"10|8", "198|1", "203|1"}},
		{"CIDR contains, IPv4",
			`SELECT count(*) FROM vpc_flow_logs WHERE contains('10.0.0.0/8', CAST(srcaddr AS IPADDRESS))`,
			// The NODATA rows' "-" gives NULL, not an error; the IPv6 source is outside.
			[]string{"8"}},
		{"CIDR contains, IPv6",
			`SELECT srcaddr FROM vpc_flow_logs WHERE contains('2600:1f18::/32', CAST(srcaddr AS IPADDRESS))`,
			[]string{"2600:1f18:1234::5"}},
		{"CIDR contains, private ranges combined",
			`SELECT count(*) FROM vpc_flow_logs
			 WHERE NOT (contains('10.0.0.0/8', CAST(dstaddr AS IPADDRESS))
			         OR contains('172.16.0.0/12', CAST(dstaddr AS IPADDRESS))
			         OR contains('192.168.0.0/16', CAST(dstaddr AS IPADDRESS)))`,
			// Public or IPv6 destinations: 8.8.8.8, 52.94.1.1 x4, 54.239.2.2, 2600:…::9.
			[]string{"7"}},
		{"date_format of flow start",
			`SELECT date_format(from_unixtime(start), '%Y-%m-%d %H:%i:%s') FROM vpc_flow_logs
			 WHERE srcaddr = '203.0.113.9'`,
			// 1704585600 = 2024-01-01 + 6 days.
			[]string{"2024-01-07 00:00:00"}},
		{"date_format/date_parse round trip on the partition",
			`SELECT count(*) FROM vpc_flow_logs
			 WHERE date_parse(date_format(date, '%Y/%m/%d'), '%Y/%m/%d') = CAST(date AS TIMESTAMP)`,
			[]string{"13"}},
		{"date_parse against a partition literal",
			`SELECT count(*) FROM vpc_flow_logs WHERE date = CAST(date_parse('2024/01/01', '%Y/%m/%d') AS DATE)`,
			[]string{"3"}},
		{"integer division",
			`SELECT bytes / packets AS avg_size, 7 / 2 AS seven_halves FROM vpc_flow_logs WHERE dstport = 3389`,
			// 125 bytes over 2 packets truncates to 62, as in Trino.
			[]string{"62|3"}},
		{"bytes per interface, bigint sum",
			`SELECT interface_id, sum(bytes) AS total FROM vpc_flow_logs
			 WHERE date < DATE '2024-02-01' AND log_status = 'OK' GROUP BY interface_id`,
			[]string{"eni-a|1085"}}, // 180+300+125+80+400
		{"SKIPDATA/NODATA per day, date_add window",
			`SELECT count(*) FROM vpc_flow_logs
			 WHERE log_status <> 'OK' AND date >= date_add('day', -7, current_date)`,
			[]string{"1"}},
		{"approx_distinct of talkers",
			`SELECT approx_distinct(srcaddr) FROM vpc_flow_logs WHERE action = 'ACCEPT'`,
			// 10.0.1.5, 10.0.1.6, 10.0.1.7, 2600:1f18:1234::5
			[]string{"4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rows(t, conn, tc.q); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s\n got %q\nwant %q", tc.q, got, tc.want)
			}
		})
	}
}
