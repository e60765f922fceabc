package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/cwsync/cwtest"
)

// TestCloudWatchSyncThroughCLI: `flowq sync cw://GROUP` against a CloudWatch Logs server on
// 127.0.0.1 writes and loads every event once, fills account and region from the log group,
// honours --log-format and --lookup-format, and a re-run adds nothing.
func TestCloudWatchSyncThroughCLI(t *testing.T) {
	srv := cwtest.New()
	defer srv.Close()
	const account, region = "123456789012", "us-east-1"
	// A custom format without account-id or region, fields in an unusual order.
	format := "${srcaddr} ${dstaddr} ${version} ${interface-id} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute).Unix()
	put := func(group, eni string, recs ...string) {
		var evs []cwtest.Event
		for i, r := range recs {
			evs = append(evs, cwtest.Event{Timestamp: (base + int64(i)*60) * 1000, Message: r})
		}
		srv.Put(group, eni, evs...)
	}
	rec := func(src, dst, eni string, dport int, bytes int, start int64, action string) string {
		return fmt.Sprintf("%s %s 2 %s 40000 %d 6 3 %d %d %d %s OK", src, dst, eni, dport, bytes, start, start+60, action)
	}
	for i, group := range []string{"flow-a", "flow-b"} {
		// Same traffic shape in both groups, on different ENIs (identical files would be
		// loaded once, as duplicates).
		a, b := fmt.Sprintf("eni-%da", i), fmt.Sprintf("eni-%db", i)
		srv.AddLogGroup(group, account, region)
		put(group, a, rec("10.0.0.1", "10.0.0.2", a, 443, 100, base, "ACCEPT"),
			rec("10.0.0.1", "10.0.0.2", a, 443, 200, base+60, "ACCEPT"),
			rec("198.51.100.7", "10.0.0.1", a, 22, 40, base+120, "REJECT"))
		put(group, b, rec("10.0.0.2", "10.0.0.1", b, 40000, 300, base, "ACCEPT"),
			rec("198.51.100.7", "10.0.0.2", b, 22, 40, base+60, "REJECT"))
	}
	srv.AddFlowLog(cwtest.FlowLog{ID: "fl-0b", LogGroup: "flow-b", LogFormat: format, ResourceID: "vpc-1"})

	e := newEnv(t)
	r := e.ok("sync", "cw://flow-a", "--endpoint-url", srv.URL, "--log-format", format)
	if !strings.Contains(r.stderr, "5 written") {
		t.Errorf("summary does not report 5 events written:\n%s", r)
	}
	check := func(label string, rows, bytes, rejects int64) {
		t.Helper()
		if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != rows {
			t.Errorf("%s: %d rows, want %d", label, n, rows)
		}
		if n := e.count("SELECT sum(bytes) FROM vpc_flow_logs"); n != bytes {
			t.Errorf("%s: %d bytes, want %d", label, n, bytes)
		}
		if n := e.count("SELECT count(*) FROM vpc_flow_logs WHERE action = 'REJECT' AND dstport = 22"); n != rejects {
			t.Errorf("%s: %d SSH rejects, want %d", label, n, rejects)
		}
		if n := e.count("SELECT count(*) FROM vpc_flow_logs WHERE account_id = '" + account + "' AND region = '" + region + "'"); n != rows {
			t.Errorf("%s: %d rows with account and region filled, want %d", label, n, rows)
		}
	}
	check("first sync", 5, 680, 2)
	// Nothing new: nothing written, nothing loaded.
	e.ok("sync", "cw://flow-a", "--endpoint-url", srv.URL, "--log-format", format)
	check("re-sync", 5, 680, 2)
	// A late event lands in the stream; the next sync picks it up once.
	srv.Put("flow-a", "eni-0b", cwtest.Event{Timestamp: (base + 30) * 1000, Message: rec("10.0.0.2", "10.0.0.1", "eni-0b", 40001, 1000, base+30, "ACCEPT")})
	e.ok("sync", "cw://flow-a", "--endpoint-url", srv.URL, "--log-format", format)
	check("late event", 6, 1680, 2)
	// The format looked up from EC2 DescribeFlowLogs reads the second group the same way.
	e.ok("sync", "cw://flow-b", "--endpoint-url", srv.URL, "--lookup-format")
	check("second group", 11, 2360, 4)
	// Log group names often start with "/": cw:///aws/... is a group, not a URL with a host.
	srv.AddLogGroup("/aws/vpc/flow-c", account, region)
	put("/aws/vpc/flow-c", "eni-2a", rec("10.0.0.5", "10.0.0.6", "eni-2a", 443, 50, base, "ACCEPT"))
	e.ok("sync", "cw:///aws/vpc/flow-c", "--endpoint-url", srv.URL, "--log-format", format)
	check("group with a slash", 12, 2410, 4)
	// Bad usage.
	if r := e.run("sync", "cw://flow-a", "--endpoint-url", srv.URL, "--log-format", "${nonsense-$"); r.code != exitUsage {
		t.Errorf("bad --log-format: want exit %d\n%s", exitUsage, r)
	}
}
