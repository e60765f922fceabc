package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
)

const tgwSamples = "../../testdata/tgw"

func readSample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tgwSamples, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A flowgen transit gateway delivery, loaded beside VPC flow logs by the real loader, lands in
// transit_gateway_flow_logs with every planted loss, and nothing of it in vpc_flow_logs; many
// small batches compact per table, and a second load adds nothing.
func TestLoadTGWDeliveryBesideVPC(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	truth, err := flowgen.GenerateTGW(ctx, flowgen.SmallTGW(), flowgen.DirSink(filepath.Join(src, "tgw")))
	if err != nil {
		t.Fatal(err)
	}
	vpc, err := flowgen.Generate(ctx, flowgen.Small(), flowgen.DirSink(filepath.Join(src, "vpc")))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t)
	// Two files a batch: the transit gateway day collects more than compactMinParts parts.
	sum, err := s.Load(ctx, []string{src}, LoadOptions{BatchFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := truth.Records + vpc.Records; sum.Rows != want || sum.Failed != 0 || sum.Rejected != 0 || sum.Loaded != truth.Objects+vpc.Objects {
		t.Fatalf("summary %+v; want %d rows from %d files", sum, want, truth.Objects+vpc.Objects)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs"); n != truth.Records {
		t.Errorf("transit gateway rows = %d, want %d", n, truth.Records)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != vpc.Records {
		t.Errorf("vpc rows = %d, want %d", n, vpc.Records)
	}
	for cause, col := range map[string]string{flowgen.CauseNoRoute: "packets_lost_no_route", flowgen.CauseBlackhole: "packets_lost_blackhole",
		flowgen.CauseMTUExceeded: "packets_lost_mtu_exceeded", flowgen.CauseTTLExpired: "packets_lost_ttl_expired"} {
		if n := queryInt(t, sess, "SELECT coalesce(sum("+col+"), 0) FROM transit_gateway_flow_logs"); n != truth.LostByCause[cause] {
			t.Errorf("%s: %d packets lost, planted %d", col, n, truth.LostByCause[cause])
		}
	}
	nr, _ := truth.FindLoss(flowgen.CauseNoRoute)
	if n := queryInt(t, sess, "SELECT sum(packets_lost_no_route) FROM transit_gateway_flow_logs WHERE tgw_attachment_id = ? AND dstaddr = ?", nr.Attachment, nr.Dst); n != nr.Packets || n == 0 {
		t.Errorf("no-route loss at %s to %s: %d packets, planted %d", nr.Attachment, nr.Dst, n, nr.Packets)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs WHERE log_status = 'SKIPDATA' AND bytes IS NULL"); n != truth.SkipdataRows || n == 0 {
		t.Errorf("SKIPDATA rows with NULL bytes = %d, want %d", n, truth.SkipdataRows)
	}
	if n := queryInt(t, sess, `SELECT count(*) FROM transit_gateway_flow_logs WHERE "date" <> DATE '2026-01-15' OR account_id <> ?`, truth.Account); n != 0 {
		t.Errorf("%d rows off the key's date or account", n)
	}
	// Column types are the transit gateway table's.
	for col, want := range map[string]string{"packets_lost_no_route": "BIGINT", "tcp_flags": "INTEGER", "srcport": "INTEGER", "tgw_id": "VARCHAR", "date": "DATE"} {
		if got := queryStr(t, sess, "SELECT column_type FROM (DESCRIBE transit_gateway_flow_logs) WHERE column_name = ?", col); got != want {
			t.Errorf("column %s is %s, want %s", col, got, want)
		}
	}
	led, err := s.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	tgwParts := led.PartsOf(tgwTable)
	summaryParts := 0
	for _, t := range summaryTables {
		summaryParts += len(led.PartsOf(t))
	}
	if len(tgwParts) == 0 || len(tgwParts) >= compactMinParts || len(led.PartsOf(flowTable))+len(tgwParts)+summaryParts != len(led.Parts) {
		t.Errorf("%d transit gateway parts of %d", len(tgwParts), len(led.Parts))
	}
	for _, p := range tgwParts {
		if !strings.HasPrefix(p.Path, "tables/transit_gateway_flow_logs/date=2026-01-15/") {
			t.Errorf("part %s", p.Path)
		}
	}
	if !contains(led.ColumnsOf(tgwTable), "packets_lost_blackhole") || contains(led.Columns, "tgw_id") {
		t.Errorf("columns: vpc %v, tgw %v", led.Columns, led.ColumnsOf(tgwTable))
	}
	if rows := led.TableRows(); rows[tgwTable] != truth.Records || rows[flowTable] != vpc.Records {
		t.Errorf("TableRows = %v", rows)
	}
	if kd := led.KeyDaysOf(tgwTable, "", ""); len(kd.Days) != 1 || kd.Days[0].Format("2006-01-02") != "2026-01-15" || kd.Account != truth.Account {
		t.Errorf("KeyDaysOf(transit gateway) = %+v", kd)
	}
	again, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil || again.Rows != 0 || again.Skipped != truth.Objects+vpc.Objects {
		t.Errorf("second load: %+v, %v", again, err)
	}
}

// The samples of AWS's format and of other projects load with every field typed; a header
// that carries transit gateway fields beside the common ones goes to the transit gateway
// table whole; a header of common fields only goes there when the path names a tgw- resource.
func TestLoadTGWSamplesAndClassification(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeFile(t, src, "aws-default-format.log", []byte(readSample(t, "aws-default-format.log")))
	writeFile(t, src, "flowlogs-reader-v6.log", []byte(readSample(t, "flowlogs-reader-v6.log")))
	// Concatenated deliveries: the header repeated mid-file is skipped, not a bad line.
	writeFile(t, src, "concat.log", []byte(readSample(t, "aws-default-format.log")+readSample(t, "blog-default-format.log")))
	writeFile(t, src, "awslabs-mcp-31-fields.log", []byte(readSample(t, "awslabs-mcp-31-fields.log")))
	writeFile(t, src, "blog-default-format.log", []byte(readSample(t, "blog-default-format.log")))
	// AWS's VPC records of a transit gateway attachment stay VPC records.
	writeFile(t, src, "aws-vpc-through-tgw.log", []byte(readSample(t, "aws-vpc-through-tgw.log")))
	// Common fields beside tgw fields: all of it is transit gateway data.
	writeFile(t, src, "mixed.log", []byte(lines("srcaddr dstaddr bytes start tgw-id packets-lost-blackhole action",
		"10.0.0.1 10.9.0.1 500 1700000000 tgw-0123456789abcdef0 4 ACCEPT")))
	// Common fields only, under a folder naming the gateway.
	writeFile(t, src, "tgw-0123456789abcdef0/common.log", []byte(lines("srcaddr dstaddr bytes start", "10.0.0.2 10.9.0.2 700 1700000000")))
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Rejected != 0 || sum.Rows != 7+1+1+1+4+1+1+8 {
		t.Fatalf("summary %+v", sum)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs"); n != 20 {
		t.Errorf("transit gateway rows = %d, want 20 (12 + concat.log's 8)", n)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 4 {
		t.Errorf("vpc rows = %d, want the 4 of aws-vpc-through-tgw.log", n)
	}
	// Hand-read from the samples; concat.log repeats aws-default-format.log and blog-default-format.log.
	for _, c := range []struct {
		where string
		want  int64
	}{
		{"packets_lost_no_route = 7 AND dstaddr = '10.20.0.5' AND tcp_flags = 2 AND resource_type = 'TransitGateway'", 2},
		{"packets_lost_blackhole = 5 AND dstport = 8080", 2},
		{"packets_lost_mtu_exceeded = 12 AND packets_lost_ttl_expired = 3 AND tgw_pair_attachment_id = 'tgw-attach-0eeee5555ffff6666'", 2},
		{"pkt_dst_aws_service = 'ROUTE53_RESOLVER' AND type = 'IPv6' AND protocol = 17", 2},
		{"log_status = 'SKIPDATA' AND srcaddr = '-' AND srcport IS NULL AND packets_lost_no_route IS NULL", 2},
		{"tgw_src_vpc_account_id = '111122223333' AND tgw_dst_vpc_account_id = '444455556666' AND flow_direction = 'egress'", 2},
		{"tgw_id = '00000000' AND packets_lost_no_route = 13 AND packets_lost_ttl_expired = 16 AND srcaddr IS NULL", 1},
		{"tgw_id = 'tgw-0123456789abcdef0' AND packets_lost_blackhole = 4 AND bytes = 500 AND action = 'ACCEPT'", 1},
		{"srcaddr = '10.0.0.2' AND bytes = 700", 1},
		{"dstaddr = '10.20.0.5' AND tgw_src_az_id = 'use1-az1'", 2},                  // aws-default-format.log and concat.log
		{"pkt_dst_aws_service = 'S3' AND tgw_id = 'tgw-0abc123' AND version = 5", 2}, // blog-default-format.log and concat.log
	} {
		if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs WHERE "+c.where); n != c.want {
			t.Errorf("%d rows where %s, want %d", n, c.where, c.want)
		}
	}
	// A VPC-only field in a transit gateway header is an unknown text column of that table.
	if got := queryStr(t, sess, "SELECT column_type FROM (DESCRIBE transit_gateway_flow_logs) WHERE column_name = 'action'"); got != "VARCHAR" {
		t.Errorf("action column is %q", got)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE srcaddr IN ('10.0.0.1', '10.0.0.2')"); n != 0 {
		t.Errorf("%d transit gateway rows in vpc_flow_logs", n)
	}
}

// Bad values get the usual file-and-line errors; a transit gateway header inside a VPC file is
// refused as a line, never loaded half into vpc_flow_logs.
func TestLoadTGWBadLines(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	bad := writeFile(t, src, "bad-values.log", []byte(readSample(t, "bad-values.log")))
	vpcFile := writeFile(t, src, "vpc.log", []byte(lines(defHeader,
		rec("123456789012", "eni-1", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 10, t0, "ACCEPT", "OK"),
		"version srcaddr tgw-id",
		"2 10.0.0.3 tgw-0123456789abcdef0")))
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// bad-values.log: line 2 alone is good; vpc.log: line 2.
	if sum.Rows != 1+1 || sum.Partial != 2 || sum.Rejected != 6+2 {
		t.Fatalf("summary %+v", sum)
	}
	sess := session(t, s)
	for _, c := range []struct {
		file string
		line int64
		frag string
	}{
		{bad, 3, `packets-lost-no-route: not a number: "seven"`},
		{bad, 4, `packets-lost-blackhole: not a number: "-5"`},
		{bad, 5, "number out of range"},
		{bad, 6, `tcp-flags: number out of range: "2147483648"`},
		{bad, 7, "expected 36 fields, got 33"},
		{bad, 8, "control character"},
		{vpcFile, 3, "transit gateway header in a VPC flow-log file"},
		{vpcFile, 4, ""},
	} {
		reason := queryStr(t, sess, "SELECT any_value(reason) FROM load_errors WHERE file = ? AND line = ?", c.file, c.line)
		if !strings.Contains(reason, c.frag) || reason == "" {
			t.Errorf("%s:%d: reason %q, want %q", filepath.Base(c.file), c.line, reason, c.frag)
		}
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs"); n != 1 {
		t.Errorf("transit gateway rows = %d, want 1", n)
	}
}

// A changed transit gateway file replaces its rows; the same content under another path is a
// duplicate; a crash (staged parts, orphans) leaves the table as committed.
func TestTGWReplaceDuplicateCrash(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	body := readSample(t, "aws-default-format.log")
	p := writeFile(t, src, "a/aws.log", []byte(body))
	if _, err := s.Load(ctx, []string{p}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	dup := writeFile(t, src, "b/copy.log", []byte(body))
	sum, err := s.Load(ctx, []string{dup}, LoadOptions{})
	if err != nil || sum.Duplicates != 1 || sum.Rows != 0 {
		t.Fatalf("duplicate: %+v, %v", sum, err)
	}
	// Keep the header and the first two records.
	ls := strings.SplitAfter(body, "\n")
	writeFile(t, src, "a/aws.log", []byte(strings.Join(ls[:3], "")))
	sum, err = s.Load(ctx, []string{p}, LoadOptions{})
	if err != nil || sum.Replaced != 1 || sum.Rows != 2 {
		t.Fatalf("replace: %+v, %v", sum, err)
	}
	// What a crashed writer leaves: a staged part and an orphan in the table's folder.
	writeFile(t, s.Dir(), "staging/b000009/transit_gateway_flow_logs/date=2023-11-14/x.parquet", []byte("PAR1"))
	writeFile(t, s.Dir(), "tables/transit_gateway_flow_logs/date=2023-11-14/orphan.parquet", []byte("PAR1"))
	if sum, err := s.Load(ctx, []string{p}, LoadOptions{}); err != nil || sum.Skipped != 1 {
		t.Fatalf("reload: %+v, %v", sum, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "tables/transit_gateway_flow_logs/date=2023-11-14/orphan.parquet")); !os.IsNotExist(err) {
		t.Errorf("orphan part left: %v", err)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs"); n != 2 {
		t.Errorf("rows after replace = %d, want 2", n)
	}
	rep, err := s.Doctor(ctx, DoctorOptions{})
	if err != nil || len(rep.Problems) != 0 {
		t.Errorf("doctor: %+v, %v", rep, err)
	}
}

// A Parquet delivery with transit gateway columns goes to the transit gateway table.
func TestLoadTGWParquet(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeParquet(t, src, "tgw.parquet", `SELECT 'TransitGateway' AS resource_type, 'tgw-0a1b2c3d4e5f60718' AS tgw_id, '10.1.0.'||i AS srcaddr,
		'10.20.0.5' AS dstaddr, 1700000000::BIGINT AS start, 1700000060::BIGINT AS "end", 7::BIGINT AS packets_lost_no_route, 2::INTEGER AS tcp_flags
		FROM range(5) t(i)`)
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil || sum.Rows != 5 || sum.Failed != 0 {
		t.Fatalf("%+v, %v", sum, err)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT sum(packets_lost_no_route) FROM transit_gateway_flow_logs WHERE \"date\" = DATE '2023-11-14' AND tgw_id = 'tgw-0a1b2c3d4e5f60718'"); n != 35 {
		t.Errorf("lost = %d, want 35", n)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 0 {
		t.Errorf("vpc rows = %d", n)
	}
}

// Without transit gateway data the view exists, typed and empty; a ledger written before
// tables had their own columns reads as before.
func TestTGWViewEmptyAndOldLedger(t *testing.T) {
	s, ctx := openStore(t)
	old := `{"format":1,"generation":3,"next_source":2,"next_batch":2,"sources":{},"parts":[],"error_parts":[],"columns":["version","srcaddr"]}`
	writeFile(t, s.Dir(), ledgerFile, []byte(old))
	led, err := s.Ledger()
	if err != nil || len(led.Columns) != 2 || len(led.ColumnsOf(tgwTable)) != 0 {
		t.Fatalf("old ledger: %+v, %v", led, err)
	}
	sess, err := s.OpenSession(ctx, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if n := queryInt(t, sess, "SELECT count(*) FROM transit_gateway_flow_logs"); n != 0 {
		t.Errorf("rows = %d", n)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM (DESCRIBE transit_gateway_flow_logs)"); n != int64(len(flowlog.TGWFields())+1) {
		t.Errorf("%d columns, want %d", n, len(flowlog.TGWFields())+1)
	}
	if got := queryStr(t, sess, "SELECT column_type FROM (DESCRIBE transit_gateway_flow_logs) WHERE column_name = 'packets_lost_mtu_exceeded'"); got != "BIGINT" {
		t.Errorf("type %q", got)
	}
	// Written back, the ledger keeps the old fields and adds none while no table needs them.
	led.setColumns(flowTable, led.Columns)
	b, _ := json.Marshal(led)
	if strings.Contains(string(b), "table_columns") {
		t.Errorf("ledger gained table_columns: %s", b)
	}
}

// Transit gateway deliveries in every key layout (and the transit gateway guide's
// "service=vpcflowlogs" spelling of the Hive folder) take their date, account and region from
// the key when the format lacks them.
func TestLoadTGWKeyLayouts(t *testing.T) {
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	body := []byte(lines("srcaddr dstaddr bytes start tgw-id packets-lost-no-route", "10.0.0.1 10.20.0.5 40 1700000000 tgw-0123456789abcdef0 3"))
	name := flowlog.FileName("123456789012", "eu-west-1", "fl-0tgw", day, "0000aaaa", ".log")
	keys := map[string]string{
		"default":     flowlog.ObjectKey("p", "", "123456789012", "eu-west-1", day, -1, false, name),
		"hourly":      flowlog.ObjectKey("p", "", "123456789012", "eu-west-1", day, 7, false, name),
		"hive":        flowlog.ObjectKey("p", "", "123456789012", "eu-west-1", day, -1, true, name),
		"hive-hourly": flowlog.ObjectKey("p", "", "123456789012", "eu-west-1", day, 7, true, name),
	}
	keys["hive-service"] = strings.Replace(keys["hive"], "aws-service=vpcflowlogs", "service=vpcflowlogs", 1)
	for layout, key := range keys {
		t.Run(layout, func(t *testing.T) {
			s, ctx := openStore(t)
			p := writeFile(t, t.TempDir(), key, body)
			if sum, err := s.Load(ctx, []string{p}, LoadOptions{}); err != nil || sum.Rows != 1 {
				t.Fatalf("%s: %+v, %v", key, sum, err)
			}
			sess := session(t, s)
			if n := queryInt(t, sess, `SELECT count(*) FROM transit_gateway_flow_logs WHERE "date" = DATE '2024-03-05' AND account_id = '123456789012' AND region = 'eu-west-1' AND packets_lost_no_route = 3`); n != 1 {
				t.Errorf("%s: row not dated and placed by its key", key)
			}
		})
	}
}
