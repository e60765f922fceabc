package cwsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/flowq/flowq/engine/cwsync/cwtest"
)

// customFmt lacks account-id and region and is in an unusual order: the files must get both
// from the log group's ARN and the client, and the columns must land by name.
const customFmt = "${srcaddr} ${dstaddr} ${bytes} ${packets} ${interface-id} ${action} ${start} ${end} ${protocol} ${srcport} ${dstport} ${log-status} ${version}"

// TestSyncCustomFormatAndLoad: counts written equal what was seeded, files are per stream and
// hour, the loader fills account_id and region, a re-sync writes nothing.
func TestSyncCustomFormatAndLoad(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll(customFmt)
	h.srv.SetPageSizes(10000, 2) // 3 streams over 2 DescribeLogStreams pages
	res := h.sync(h.opts(customFmt))

	if res.Streams != 3 || res.Fetched != 78 || res.Written != 78 || res.Duplicates != 0 || res.Mismatched != 0 {
		t.Fatalf("first sync: %+v", res)
	}
	if res.Account != testAccount || res.Region != testRegion || res.LogGroup != testGroup || res.Duration <= 0 {
		t.Fatalf("group identity: %q %q %q", res.LogGroup, res.Account, res.Region)
	}
	// Each stream spans 10:40..11:42: two hour files each.
	if len(res.Files) != 6 {
		t.Fatalf("files = %d, want 6: %v", len(res.Files), res.Files)
	}
	calls := h.srv.Calls()
	// 26 events per stream at 7 per page: 4 pages each; the last page has no token.
	if calls["FilterLogEvents"] != 12 || calls["DescribeLogStreams"] != 2 || calls["DescribeLogGroups"] != 1 {
		t.Fatalf("calls = %v", calls)
	}
	rel, _ := filepath.Rel(h.mirror(), res.Files[0])
	re := regexp.MustCompile(`^cloudwatch/eu-west-1/012345678901/%2Faws%2Fvpc%2Fflowlogs/eni-0aaa0000000000001/2026/03/01/10/eni-0aaa0000000000001_20260301T104000Z_[0-9a-f]{12}\.log$`)
	if !re.MatchString(filepath.ToSlash(rel)) {
		t.Fatalf("file path %s does not match %s", rel, re)
	}
	data, err := os.ReadFile(res.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	wantHeader := "srcaddr dstaddr bytes packets interface-id action start end protocol srcport dstport log-status version account-id region"
	// 10:40..10:57:30 is i = 0..7.
	if lines[0] != wantHeader || len(lines) != 1+8 {
		t.Fatalf("file starts %q with %d lines; want header %q and 8 records", lines[0], len(lines), wantHeader)
	}
	if want := "10.0.0.1 10.1.0.9 1000 1 eni-0aaa0000000000001 REJECT 1772361600 1772361660 6 40000 443 OK 2 012345678901 eu-west-1"; lines[1] != want {
		t.Fatalf("first record %q, want %q", lines[1], want)
	}

	sum, sess := h.load()
	if sum.Loaded != 6 || sum.Rows != 78 {
		t.Fatalf("load: %+v", sum)
	}
	checks := []struct {
		q    string
		want int64
	}{
		{"SELECT count(*) FROM vpc_flow_logs", 78},
		{"SELECT sum(bytes) FROM vpc_flow_logs", 150900},
		{"SELECT sum(packets) FROM vpc_flow_logs", 975},
		{"SELECT count(*) FROM vpc_flow_logs WHERE action = 'REJECT'", 15},
		{"SELECT count(*) FROM vpc_flow_logs WHERE log_status = 'NODATA' AND bytes IS NULL", 3},
		{"SELECT count(*) FROM vpc_flow_logs WHERE account_id = '012345678901' AND region = 'eu-west-1'", 78},
		{"SELECT count(DISTINCT interface_id) FROM vpc_flow_logs", 3},
		// i = 7 of the second ENI: bytes 2007, packets 8, start t0 + 1050 s.
		{"SELECT bytes FROM vpc_flow_logs WHERE srcaddr = '10.0.1.8'", 2007},
		{"SELECT packets FROM vpc_flow_logs WHERE srcaddr = '10.0.1.8'", 8},
		{"SELECT start FROM vpc_flow_logs WHERE srcaddr = '10.0.1.8'", 1772362650},
		{"SELECT srcport FROM vpc_flow_logs WHERE srcaddr = '10.0.1.8'", 40007},
		{"SELECT count(*) FROM vpc_flow_logs WHERE \"date\" = DATE '2026-03-01'", 78},
	}
	for _, c := range checks {
		if got := queryInt(t, sess, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
	if got := queryStr(t, sess, "SELECT interface_id FROM vpc_flow_logs WHERE srcaddr = '10.0.1.8'"); got != enis[1] {
		t.Errorf("interface_id = %s", got)
	}

	// Re-sync: only the 10-minute tail is fetched again (i = 22..25 per stream: hand-computed
	// from the last event at t0+3750 s), all of it duplicates.
	h.srv.ResetCalls()
	res2 := h.sync(h.opts(customFmt))
	if res2.Written != 0 || res2.Fetched != 12 || res2.Duplicates != 12 || len(res2.Files) != 0 {
		t.Fatalf("re-sync: %+v", res2)
	}
	sum2, _ := h.load()
	if sum2.Loaded != 0 || sum2.Rows != 0 {
		t.Fatalf("reload after re-sync: %+v", sum2)
	}
}

// TestLateEvents: an event arriving late inside the overlap window is written once; one older
// than the window is not fetched (the documented limit); new events are.
func TestLateEvents(t *testing.T) {
	h := newHarness(t, 3)
	const def = ""
	h.seedAll(def)
	if res := h.sync(h.opts(def)); res.Written != 78 {
		t.Fatalf("first sync wrote %d", res.Written)
	}
	last := t0.Unix() + 25*150
	late := rec{eni: enis[0], src: "10.9.9.1", dst: "10.1.0.9", sport: 1, dport: 22, proto: 6, packets: 3, bytes: 333, start: last - 300, action: "ACCEPT", status: "OK"}
	tooLate := late
	tooLate.src, tooLate.start = "10.9.9.2", last-1800
	newer := late
	newer.src, newer.start = "10.9.9.3", last+300
	h.put(def, 0, late, tooLate, newer)

	res := h.sync(h.opts(def))
	// Stream 0 fetches from last+1ms-10min: i = 22..25, late and newer (6); the others 4 each.
	if res.Written != 2 || res.Fetched != 14 || res.Duplicates != 12 || len(res.Files) != 1 {
		t.Fatalf("second sync: %+v", res)
	}
	res = h.sync(h.opts(def))
	// Stream 0's tail now starts at newer+1ms-10min: i = 24, 25 and newer.
	if res.Written != 0 || res.Fetched != 11 || res.Duplicates != 11 {
		t.Fatalf("third sync: %+v", res)
	}
	_, sess := h.load()
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 80 {
		t.Fatalf("rows = %d, want 80", n)
	}
	for src, want := range map[string]int64{"10.9.9.1": 1, "10.9.9.2": 0, "10.9.9.3": 1} {
		if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE srcaddr = '"+src+"'"); n != want {
			t.Errorf("rows from %s = %d, want %d", src, n, want)
		}
	}
	// The default format carries account-id; the region comes from the client.
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE account_id = '012345678901' AND region = 'eu-west-1'"); n != 80 {
		t.Fatalf("account/region filled on %d rows, want 80", n)
	}
}

// TestStreamsAndTimeRange: --streams and --from/--to limit what is fetched; a later full run
// backfills before the range and continues after it without writing an event twice.
func TestStreamsAndTimeRange(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")
	o := h.opts("")
	o.Streams = []string{enis[1], "eni-missing"}
	o.From, o.To = t0.Add(30*time.Minute), t0.Add(45*time.Minute)
	res, err := Sync(h.ctx, h.clients.Logs, o)
	if err != nil {
		t.Fatal(err)
	}
	// i*150 s in [1800, 2700): i = 12..17.
	if res.Streams != 1 || res.Written != 6 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "eni-missing not found") {
		t.Fatalf("ranged sync: %+v", res)
	}
	res = h.sync(h.opts(""))
	// Stream 1: [0, t0+1800s) gives i = 0..11, then from t0+2550s+1ms-10min: i = 14..25 (14..17 dups).
	if res.Written != 72 || res.Duplicates != 4 || res.Fetched != 76 {
		t.Fatalf("full sync: %+v", res)
	}
	_, sess := h.load()
	for _, e := range enis {
		if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE interface_id = '"+e+"'"); n != 26 {
			t.Errorf("%s: %d rows, want 26", e, n)
		}
	}
}

// TestGetLogEvents: the GetLogEvents path stops on an unchanged forward token, and switching
// methods between runs writes nothing twice (digests match across methods).
func TestGetLogEvents(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll(customFmt)
	o := h.opts(customFmt)
	o.Method = MethodGet
	res := h.sync(o)
	if res.Written != 78 || res.Fetched != 78 {
		t.Fatalf("get sync: %+v", res)
	}
	// 26 events at 7 per page: 4 pages, then one that returns the same token.
	if n := h.srv.Calls()["GetLogEvents"]; n != 15 {
		t.Fatalf("GetLogEvents calls = %d, want 15", n)
	}
	res = h.sync(h.opts(customFmt)) // FilterLogEvents now
	if res.Written != 0 || res.Duplicates != 12 {
		t.Fatalf("filter after get: %+v", res)
	}
	o.Method = MethodGet
	if res = h.sync(o); res.Written != 0 || res.Duplicates != 12 {
		t.Fatalf("get after filter: %+v", res)
	}
	_, sess := h.load()
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 78 {
		t.Fatalf("rows = %d", n)
	}
}

// TestThrottling: throttled requests are retried with backoff until the storm passes, both
// by cwsync alone and with the SDK retrying underneath; a storm longer than the attempts fails
// the run with the API's error.
func TestThrottling(t *testing.T) {
	t.Run("cwsync retries", func(t *testing.T) {
		h := newHarness(t, 1) // the SDK does not retry
		h.seedAll("")
		h.srv.EmptyFirstPage(true)
		h.srv.Throttle(5)
		res := h.sync(h.opts(""))
		if res.Written != 78 || res.Throttled != 5 || h.srv.Throttled() != 5 {
			t.Fatalf("res %+v, server throttled %d", res, h.srv.Throttled())
		}
	})
	t.Run("SDK and cwsync", func(t *testing.T) {
		h := newHarness(t, 3)
		h.seedAll("")
		h.srv.Throttle(7)
		start := time.Now()
		res := h.sync(h.opts(""))
		// DescribeLogGroups takes all 7: the SDK tries 3 times per call, cwsync calls 3 times.
		if res.Written != 78 || h.srv.Throttled() != 7 || res.Throttled != 2 {
			t.Fatalf("res %+v, server throttled %d", res, h.srv.Throttled())
		}
		t.Logf("converged after 7 throttles in %s", time.Since(start).Round(time.Millisecond))
	})
	t.Run("storm outlasts attempts", func(t *testing.T) {
		h := newHarness(t, 1)
		h.seedAll("")
		h.srv.Throttle(100)
		o := h.opts("")
		o.Attempts = 3
		_, err := Sync(h.ctx, h.clients.Logs, o)
		var ae smithy.APIError
		if err == nil || !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || !strings.Contains(err.Error(), testGroup) {
			t.Fatalf("err = %v", err)
		}
	})
}

// failingAPI fails FilterLogEvents of one stream after some calls, like a crash mid-stream.
type failingAPI struct {
	API
	stream string
	after  int32
	n      atomic.Int32
}

func (f *failingAPI) FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	if slices.Contains(in.LogStreamNames, f.stream) && f.n.Add(1) > f.after {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "injected"}
	}
	return f.API.FilterLogEvents(ctx, in, o...)
}

// TestCrashRecovery: a stream that fails after some files were written keeps its journal; the
// next run adopts those files and writes only the rest, so the store gets every event once.
func TestCrashRecovery(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")
	o := h.opts("")
	o.FlushEvents = 5
	o.BatchStreams = 1 // one stream per request, so only stream 1 fails
	api := &failingAPI{API: h.clients.Logs, stream: enis[1], after: 2}
	res, err := Sync(h.ctx, api, o)
	if err != nil {
		t.Fatal(err)
	}
	// Stream 1 got 2 pages of 7 before failing; each page was flushed (>= 5 buffered).
	if res.OK() || res.Synced != 2 || res.Written != 26+26+14 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), enis[1]) {
		t.Fatalf("failing run: %+v", res)
	}
	gd := res.GroupDir
	if _, err := os.Stat(statePath(gd, enis[1])); !os.IsNotExist(err) {
		t.Fatalf("state of the failed stream exists: %v", err)
	}
	// A torn line and an entry for a file that never made it are ignored.
	jf, err := os.OpenFile(journalPath(gd, enis[1]), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(jf, `{"path":"eni-x/never.log","events":[{"t":%d,"id":"zzz","h":"abc"}]}`+"\n"+`{"path":"eni-`, t0.UnixMilli())
	jf.Close()
	temp := filepath.Join(gd, EscapeName(enis[1]), tempPrefix+"left.log.123")
	if err := os.WriteFile(temp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}

	res = h.sync(o)
	// Stream 1 fetches all 26 again (14 adopted from the journal); the others their tails (4 each).
	if res.Written != 12 || res.Fetched != 34 || res.Duplicates != 14+8 {
		t.Fatalf("recovery run: %+v", res)
	}
	if _, err := os.Stat(journalPath(gd, enis[1])); !os.IsNotExist(err) {
		t.Fatalf("journal not removed: %v", err)
	}
	if _, err := os.Stat(temp); !os.IsNotExist(err) {
		t.Fatalf("temp file not cleaned: %v", err)
	}
	_, sess := h.load()
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 78 {
		t.Fatalf("rows = %d, want 78", n)
	}
	if n := queryInt(t, sess, "SELECT count(DISTINCT (interface_id, start)) FROM vpc_flow_logs"); n != 78 {
		t.Fatalf("distinct rows = %d, want 78", n)
	}
}

// TestFileGolden: one stream's file, byte for byte.
func TestFileGolden(t *testing.T) {
	h := newHarness(t, 3)
	const f = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${region} ${flow-direction}"
	recs := seedRecs(0)[:3]
	evs := []string{}
	for _, r := range recs {
		evs = append(evs, r.line(f))
	}
	// The format has region (records say us-east-2 here), so only account-id is appended.
	for i := range recs {
		h.srv.Put(testGroup, enis[0], cwEvent(recs[i].start*1000, strings.Replace(evs[i], " - ", " us-east-2 ", 1)+"\r\n"))
	}
	res := h.sync(h.opts(f))
	if len(res.Files) != 1 {
		t.Fatalf("files: %v", res.Files)
	}
	got, err := os.ReadFile(res.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "golden-region-format.log"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("file content:\n%s\nwant:\n%s", got, want)
	}
}

// TestRateLimit: requests are spaced to the configured rate.
func TestRateLimit(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")
	o := h.opts("")
	o.RateLimit = 50 // one request per 20 ms
	start := time.Now()
	res := h.sync(o)
	took := time.Since(start)
	// DescribeLogGroups, DescribeLogStreams, then 4 pages for each of 3 streams.
	if res.Requests != 14 || res.Written != 78 {
		t.Fatalf("res: %+v", res)
	}
	if took < 13*20*time.Millisecond {
		t.Fatalf("14 requests at 50/s took %s, want >= 260ms", took)
	}
}

// deniedGroups refuses DescribeLogGroups, as for a role that may only read events.
type deniedGroups struct{ API }

func (deniedGroups) DescribeLogGroups(context.Context, *cloudwatchlogs.DescribeLogGroupsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed"}
}

// TestAccountSources: the account comes from the ARN given as the log group, from
// DescribeLogGroups, or from Options.Account when DescribeLogGroups is denied.
func TestAccountSources(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll(customFmt)

	o := h.opts(customFmt)
	_, err := Sync(h.ctx, deniedGroups{h.clients.Logs}, o)
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "--account") {
		t.Fatalf("denied without account: err = %v", err)
	}
	// The default format carries account-id: the sync goes on, the path says unknown-account.
	h2 := newHarness(t, 3)
	h2.seedAll("")
	res, err := Sync(h2.ctx, deniedGroups{h2.clients.Logs}, h2.opts(""))
	if err != nil || !res.OK() || len(res.Warnings) != 1 || res.Account != "" || !strings.Contains(res.GroupDir, "unknown-account") {
		t.Fatalf("denied, default format: %v %+v", err, res)
	}
	o.LogGroup = "/no/such/group"
	if _, err := Sync(h.ctx, h.clients.Logs, o); err == nil || !strings.Contains(err.Error(), "log group /no/such/group not found") {
		t.Fatalf("missing group: err = %v", err)
	}
	o.LogGroup = testGroup

	o.Account = "999988887777"
	res, err = Sync(h.ctx, deniedGroups{h.clients.Logs}, o)
	if err != nil || !res.OK() || len(res.Warnings) != 1 || res.Account != "999988887777" || res.Written != 78 {
		t.Fatalf("denied with account: %v %+v", err, res)
	}
	if !strings.Contains(res.GroupDir, filepath.Join("eu-west-1", "999988887777")) {
		t.Fatalf("group dir %s", res.GroupDir)
	}

	// By ARN: requests name the group by identifier; no DescribeLogGroups call.
	h.srv.ResetCalls()
	o = h.opts(customFmt)
	o.LogGroup = "arn:aws:logs:eu-west-1:" + testAccount + ":log-group:" + testGroup + ":*"
	o.Region = ""
	res = h.sync(o)
	if res.Account != testAccount || res.Region != testRegion || res.LogGroup != testGroup || res.Written != 78 {
		t.Fatalf("by ARN: %+v", res)
	}
	if n := h.srv.Calls()["DescribeLogGroups"]; n != 0 {
		t.Fatalf("DescribeLogGroups calls = %d", n)
	}
	_, sess := h.load()
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE account_id = '999988887777'"); n != 78 {
		t.Fatalf("rows of the overriding account = %d", n)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE account_id = '"+testAccount+"' AND region = 'eu-west-1'"); n != 78 {
		t.Fatalf("rows of the ARN's account = %d", n)
	}
}

// TestLongStreamPruning: a long first sync flushes and prunes its in-memory sets many times;
// the state still remembers exactly the last 10 minutes, so a re-sync writes nothing.
func TestLongStreamPruning(t *testing.T) {
	h := newHarness(t, 3)
	const n = 10000 // one event per second
	evs := make([]cwtest.Event, n)
	for i := range evs {
		r := rec{eni: enis[0], src: "10.0.0.1", dst: "10.0.0.2", sport: i % 60000, dport: 80, proto: 6, packets: 1, bytes: 1, start: t0.Unix() + int64(i), action: "ACCEPT", status: "OK"}
		evs[i] = cwEvent(r.start*1000, r.line(""))
	}
	h.srv.Put(testGroup, enis[0], evs...)
	o := h.opts("")
	o.PageLimit = 1000
	o.FlushEvents = 500
	res := h.sync(o)
	if res.Written != n {
		t.Fatalf("wrote %d", res.Written)
	}
	st, err := readState(res.GroupDir, enis[0])
	if err != nil {
		t.Fatal(err)
	}
	// Covered up to the last event + 1 ms; Recent from there minus 600 s: the last 600 events.
	last := t0.UnixMilli() + (n-1)*1000
	if len(st.Covered) != 1 || st.Covered[0] != (span{0, last + 1}) || len(st.Recent) != 600 || st.Written != n {
		t.Fatalf("state: covered %v, %d recent, written %d", st.Covered, len(st.Recent), st.Written)
	}
	if res := h.sync(o); res.Written != 0 || res.Duplicates != 600 {
		t.Fatalf("re-sync: %+v", res)
	}
}

// TestRecoveryWithNarrowerRange: files of a failed run that reach past what the recovery run
// covers stay remembered, so a later full run does not write them again.
func TestRecoveryWithNarrowerRange(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")
	o := h.opts("")
	o.FlushEvents = 5
	o.BatchStreams = 1
	res, err := Sync(h.ctx, &failingAPI{API: h.clients.Logs, stream: enis[1], after: 3}, o)
	if err != nil || res.Written != 26+26+21 {
		t.Fatalf("failing run: %v %+v", err, res)
	}
	o.To = t0.Add(10 * time.Minute) // i = 0..3
	res = h.sync(o)
	if res.Written != 0 || res.Fetched != 4 || res.Duplicates != 4 {
		t.Fatalf("narrow recovery: %+v", res)
	}
	o.To = time.Time{}
	res = h.sync(o)
	// Stream 1: 21 remembered + i = 21..25 new; streams 0 and 2: their 4-event tails.
	if res.Written != 5 || res.Duplicates != 21+8 {
		t.Fatalf("full run: %+v", res)
	}
	_, sess := h.load()
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 78 {
		t.Fatalf("rows = %d, want 78", n)
	}
}

// TestBatching: streams whose windows match share FilterLogEvents requests; a stream that
// needs a different window (new, or back-filling) is fetched on its own; a failing batched
// request fails its streams only, and the next run recovers them.
func TestBatching(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")
	o := h.opts("")
	o.PageLimit = 10000
	o.Streams = enis[:2]
	if res := h.sync(o); res.Written != 52 || h.srv.Calls()["FilterLogEvents"] != 1 {
		t.Fatalf("first two streams: %+v, calls %v", res, h.srv.Calls())
	}
	// Streams 0 and 1 share their tail window; stream 2 is new and starts from 0.
	h.srv.ResetCalls()
	o.Streams = nil
	if res := h.sync(o); res.Written != 26 || res.Duplicates != 8 || h.srv.Calls()["FilterLogEvents"] != 2 {
		t.Fatalf("with a new stream: %+v, calls %v", res, h.srv.Calls())
	}
	// Unbatched: one request per stream.
	h.srv.ResetCalls()
	o.BatchStreams = 1
	if res := h.sync(o); res.Written != 0 || h.srv.Calls()["FilterLogEvents"] != 3 {
		t.Fatalf("unbatched: %+v, calls %v", res, h.srv.Calls())
	}

	// A batch that fails part-way: all its streams fail and keep their journals.
	h2 := newHarness(t, 3)
	h2.seedAll("")
	o2 := h2.opts("")
	o2.FlushEvents = 5
	res, err := Sync(h2.ctx, &failingAPI{API: h2.clients.Logs, stream: enis[0], after: 4}, o2)
	if err != nil || res.Synced != 0 || len(res.Errors) != 3 || res.Written != 4*7 {
		t.Fatalf("failing batch: %v %+v", err, res)
	}
	res = h2.sync(o2)
	if res.Written != 78-28 || res.Duplicates != 28 {
		t.Fatalf("recovery: %+v", res)
	}
	_, sess := h2.load()
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 78 {
		t.Fatalf("rows = %d, want 78", n)
	}
}

// TestGroupLock: a second sync of the same log group into the same mirror is refused while
// the first holds the lock, and runs once it is released.
func TestGroupLock(t *testing.T) {
	h := newHarness(t, 3)
	h.seedAll("")
	gd := GroupDir(h.mirror(), testRegion, testAccount, testGroup)
	lock, err := lockGroup(gd)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Sync(h.ctx, h.clients.Logs, h.opts(""))
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("err = %v", err)
	}
	lock.Unlock()
	if res := h.sync(h.opts("")); res.Written != 78 {
		t.Fatalf("after unlock: %+v", res)
	}
}
