package cwsync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/cwsync/cwtest"
	"github.com/flowq/flowq/engine/flowlog"
)

func TestHeaderFor(t *testing.T) {
	tgwDefault := flowlog.TGWDefaultHeader().Names()
	for _, tc := range []struct {
		format string
		names  []string
		want   string
	}{
		{"", nil, flowlog.DefaultHeader().Names()},
		{"", []string{"tgw-0a1b2c3d4e5f60718"}, tgwDefault},
		{"", []string{"tgw-attach-0aaaa1111bbbb2222", "tgw-0a1b2c3d4e5f60718"}, tgwDefault},
		{"", []string{"tgw-0a1b2c3d4e5f60718", "eni-0123456789abcdef0"}, flowlog.DefaultHeader().Names()},
		{"", []string{"vpc-0a1a1a1a1a1a1a1a1"}, flowlog.DefaultHeader().Names()},
		{"${version} ${srcaddr}", []string{"tgw-0a1b2c3d4e5f60718"}, "version srcaddr"},
	} {
		h, err := HeaderFor(tc.format, tc.names...)
		if err != nil || h.Names() != tc.want {
			t.Errorf("HeaderFor(%q, %v) = %q, %v; want %q", tc.format, tc.names, h.Names(), err, tc.want)
		}
	}
	// A LogFormat with transit gateway fields is typed as the transit gateway table.
	h, err := ParseLogFormat("${version} ${tgw-id} ${packets-lost-no-route} ${tcp-flags}")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range h.Fields {
		if want, ok := flowlog.LookupTGW(f.Name); !ok || f != want {
			t.Errorf("field %+v, want %+v", f, want)
		}
	}
}

// A transit gateway flow log delivering to CloudWatch Logs with the default format (empty
// LogFormat): DescribeFlowLogs names the gateway, its stream's records are read with the
// transit gateway default format, and the mirror loads into transit_gateway_flow_logs.
func TestSyncTGWDefaultFormat(t *testing.T) {
	h := newHarness(t, 3)
	h.srv.AddFlowLog(cwtest.FlowLog{ID: "fl-0tgw", LogGroup: testGroup, ResourceID: "tgw-0a1b2c3d4e5f60718"})
	format, resources, err := LookupFlowLog(h.ctx, h.clients.EC2, testGroup)
	if err != nil || format != "" || len(resources) != 1 || resources[0] != "tgw-0a1b2c3d4e5f60718" {
		t.Fatalf("LookupFlowLog = %q, %v, %v", format, resources, err)
	}
	hdr, err := HeaderFor(format, resources...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tgw", "aws-default-format.log"))
	if err != nil {
		t.Fatal(err)
	}
	recs := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	var evs []cwtest.Event
	for i, r := range recs {
		evs = append(evs, cwEvent(1700000000*1000+int64(i), r))
	}
	h.srv.Put(testGroup, "tgw-attach-0aaaa1111bbbb2222", evs...)
	o := h.opts("")
	o.Header = hdr
	if res := h.sync(o); res.Written != 7 || res.Mismatched != 0 {
		t.Fatalf("sync: %+v", res)
	}
	sum, sess := h.load()
	if sum.Rows != 7 {
		t.Fatalf("load: %+v", sum)
	}
	var n, lost int64
	if err := sess.DB.QueryRow("SELECT count(*), sum(packets_lost_no_route + packets_lost_blackhole + packets_lost_mtu_exceeded + packets_lost_ttl_expired) FROM transit_gateway_flow_logs").Scan(&n, &lost); err != nil {
		t.Fatal(err)
	}
	// Hand-added from the sample: 7 + 5 + 12 + 3 packets lost.
	if n != 7 || lost != 27 {
		t.Errorf("transit gateway rows %d, lost %d; want 7, 27", n, lost)
	}
}
