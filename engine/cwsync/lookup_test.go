package cwsync

import (
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/cwsync/cwtest"
	"github.com/flowq/flowq/engine/store"
)

// TestLookupFormat: EC2 DescribeFlowLogs (query protocol, on the same test endpoint) gives the
// log group's format, and the sync then parses records in that order.
func TestLookupFormat(t *testing.T) {
	h := newHarness(t, 3)
	h.srv.AddFlowLog(cwtest.FlowLog{ID: "fl-0001", LogGroup: testGroup, LogFormat: customFmt, ResourceID: "vpc-1"})
	h.srv.AddFlowLog(cwtest.FlowLog{ID: "fl-0002", LogGroup: testGroup, LogFormat: customFmt, ResourceID: "vpc-2"})
	h.srv.AddFlowLog(cwtest.FlowLog{ID: "fl-0003", LogGroup: "other", LogFormat: "${version} ${srcaddr}"})
	got, err := LookupFormat(h.ctx, h.clients.EC2, testGroup)
	if err != nil {
		t.Fatal(err)
	}
	if got != customFmt {
		t.Fatalf("format = %q, want %q", got, customFmt)
	}
	if n := h.srv.Calls()["ec2:DescribeFlowLogs"]; n != 1 {
		t.Fatalf("DescribeFlowLogs calls = %d", n)
	}
	h.seedAll(customFmt)
	o := h.opts(got)
	if res := h.sync(o); res.Written != 78 || res.Mismatched != 0 {
		t.Fatalf("sync with looked-up format: %+v", res)
	}

	h.srv.AddFlowLog(cwtest.FlowLog{ID: "fl-0004", LogGroup: testGroup, LogFormat: "${version} ${interface-id}"})
	_, err = LookupFormat(h.ctx, h.clients.EC2, testGroup)
	if err == nil || !strings.Contains(err.Error(), "fl-0001,fl-0002") || !strings.Contains(err.Error(), "fl-0004") {
		t.Fatalf("conflicting formats: err = %v", err)
	}
	_, err = LookupFormat(h.ctx, h.clients.EC2, "/no/such/group")
	if err == nil || !strings.Contains(err.Error(), "no flow log delivers to log group /no/such/group") {
		t.Fatalf("no flow log: err = %v", err)
	}
}

// TestMismatchedRecords: events that do not fit the format (a wrong --log-format) are written
// and counted, and the loader rejects them with a reason rather than loading shifted columns.
func TestMismatchedRecords(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")                                                  // default-format events...
	res := h.sync(h.opts("${version} ${interface-id} ${srcaddr}")) // ...read with a 3-field format
	if res.Written != 78 || res.Mismatched != 78 {
		t.Fatalf("res: %+v", res)
	}
	st, err := store.Open(h.ctx, h.data)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Load(h.ctx, []string{h.mirror()}, store.LoadOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Every line of every file is rejected, so each file fails as a whole, with the reason.
	if sum.Rows != 0 || sum.Failed != 6 || len(sum.Failures) != 6 || !strings.Contains(sum.Failures[0].Error(), "expected 5 fields, got 16") {
		t.Fatalf("load: %+v", sum)
	}
}

// TestEmptyMessages: events with empty messages are counted, never written as records, and
// an hour holding only such events gets no file.
func TestEmptyMessages(t *testing.T) {
	h := newHarness(t, 3)
	r := seedRecs(0)[0]
	h.srv.Put(testGroup, enis[0],
		cwEvent(r.start*1000, r.line("")),
		cwEvent(r.start*1000+1, "  \n"),
		cwEvent(r.start*1000+3*3600*1000, ""), // alone in its hour
	)
	res := h.sync(h.opts(""))
	if res.Written != 1 || res.Mismatched != 2 || len(res.Files) != 1 || res.Fetched != 3 {
		t.Fatalf("res: %+v", res)
	}
	if res := h.sync(h.opts("")); res.Written != 0 || res.Duplicates != 1 {
		t.Fatalf("re-sync: %+v", res)
	}
}
