package cwsync

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/cwsync/cwtest"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/queries"
)

// cwFormat is a custom flow-log format without account-id or region, in a non-default order.
var cwFormat = flowgen.Format{Name: "cw", Fields: strings.Fields(
	"interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status version tcp-flags flow-direction")}

// seedFromFlowgen generates deliveries of one flow log and puts every record into its ENI's
// stream, as CloudWatch Logs would hold them (no header line, one event per record).
func seedFromFlowgen(t testing.TB, h *harness, records int) *flowgen.Truth {
	t.Helper()
	sink := flowgen.NewMemSink()
	cfg := flowgen.Config{
		Seed: 11, Records: records, Start: time.Date(2026, 2, 1, 23, 0, 0, 0, time.UTC), Span: 2 * time.Hour,
		Accounts: []string{testAccount}, Regions: []string{testRegion}, Layouts: []flowgen.Layout{flowgen.LayoutDefault},
		Formats: []flowgen.Format{cwFormat}, ENIsPerVPC: 5, Scenarios: true, Workers: 2,
	}
	truth, err := flowgen.Generate(h.ctx, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	byENI := map[string][]cwtest.Event{}
	for _, key := range sink.Keys() {
		data, _ := sink.Get(key)
		var r io.Reader = bytes.NewReader(data)
		if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			gz, err := gzip.NewReader(r)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			r = gz
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var hdr flowlog.Header
		iENI, iStart := -1, -1
		for sc.Scan() {
			line := sc.Text()
			if iENI < 0 {
				if hdr, err = flowlog.ParseHeader(line); err != nil {
					t.Fatalf("%s: header: %v", key, err)
				}
				iENI, iStart = hdr.Index("interface_id"), hdr.Index("start")
				continue
			}
			f := strings.Fields(line)
			start, err := strconv.ParseInt(f[iStart], 10, 64)
			if err != nil {
				t.Fatalf("%s: start %q: %v", key, f[iStart], err)
			}
			byENI[f[iENI]] = append(byENI[f[iENI]], cwtest.Event{Timestamp: start * 1000, Message: line})
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	for eni, evs := range byENI {
		h.srv.Put(testGroup, eni, evs...)
	}
	return truth
}

// TestFlowgenTruth: a generated day-crossing flow log, delivered through CloudWatch streams,
// synced in parallel with small pages and loaded, gives the generator's recorded truth.
func TestFlowgenTruth(t *testing.T) {
	h := newHarness(t, 3)
	truth := seedFromFlowgen(t, h, 1500)
	h.srv.SetPageSizes(10000, 4)
	h.srv.Throttle(3)
	o := h.opts(strings.Join(cwFormat.Fields, " "))
	o.PageLimit = 100
	o.Concurrency = 4
	res := h.sync(o)
	if res.Written != truth.Records || res.Mismatched != 0 {
		t.Fatalf("wrote %d events (%d mismatched), truth has %d records", res.Written, res.Mismatched, truth.Records)
	}
	t.Logf("%d streams, %d events, %d files, %d requests", res.Streams, res.Written, len(res.Files), res.Requests)
	_, sess := h.load()

	checks := []struct {
		q    string
		want int64
	}{
		{"SELECT count(*) FROM vpc_flow_logs", truth.Records},
		{"SELECT count(*) FROM vpc_flow_logs WHERE account_id = '" + testAccount + "' AND region = '" + testRegion + "'", truth.Records},
		{"SELECT sum(bytes) FROM vpc_flow_logs WHERE log_status = 'OK'", truth.Bytes},
		{"SELECT sum(packets) FROM vpc_flow_logs WHERE log_status = 'OK'", truth.Packets},
		{"SELECT count(*) FROM vpc_flow_logs WHERE log_status = 'OK' AND protocol = 6 AND action = 'REJECT'", truth.RejectedTCP},
		{"SELECT count(DISTINCT interface_id) FROM vpc_flow_logs WHERE log_status = 'OK'", int64(len(truth.Interfaces))},
	}
	for status, n := range truth.ByStatus {
		checks = append(checks, struct {
			q    string
			want int64
		}{"SELECT count(*) FROM vpc_flow_logs WHERE log_status = '" + status + "'", n})
	}
	for action, n := range truth.ByAction {
		checks = append(checks, struct {
			q    string
			want int64
		}{"SELECT count(*) FROM vpc_flow_logs WHERE action = '" + action + "'", n})
	}
	if ht := truth.HeavyTalker; ht != nil {
		checks = append(checks, struct {
			q    string
			want int64
		}{fmt.Sprintf("SELECT sum(bytes) FROM vpc_flow_logs WHERE srcaddr = '%s' AND dstaddr = '%s'", ht.Src, ht.Dst), ht.Bytes})
	}
	for _, c := range checks {
		if got := queryInt(t, sess, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
	for eni, c := range truth.Interfaces {
		q := "SELECT sum(bytes) FROM vpc_flow_logs WHERE log_status = 'OK' AND interface_id = '" + eni + "'"
		if got := queryInt(t, sess, q); got != c.Bytes {
			t.Errorf("%s = %d, want %d", q, got, c.Bytes)
		}
	}

	// The saved blocked-ssh report, as `flowq run` executes it, lists the truth's SSH rejects.
	cat, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := cat.Lookup("blocked-ssh")
	if !ok {
		t.Fatal("no blocked-ssh report")
	}
	stmt, args, err := savedquery.Bind(q, map[string]string{"limit": "1000"})
	if err != nil {
		t.Fatal(err)
	}
	stmt = compat.Rewrite(stmt)
	st, err := store.Open(h.ctx, h.data)
	if err != nil {
		t.Fatal(err)
	}
	rsess, err := st.OpenSession(h.ctx, store.SessionOptions{Init: compat.Register})
	if err != nil {
		t.Fatal(err)
	}
	defer rsess.Close()
	rows, err := rsess.DB.QueryContext(h.ctx, stmt, args...)
	if err != nil {
		t.Fatalf("blocked-ssh: %v", err)
	}
	got := map[string]int64{}
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		got[fmt.Sprint(vals[0])] = toInt(vals[1])
	}
	rows.Close()
	if len(got) != len(truth.SSHRejects) || len(got) == 0 {
		t.Errorf("blocked-ssh: %d sources, truth %d", len(got), len(truth.SSHRejects))
	}
	for _, s := range truth.SSHRejects {
		if got[s.Source] != s.Records {
			t.Errorf("blocked-ssh %s: %d attempts, truth %d", s.Source, got[s.Source], s.Records)
		}
	}

	// Re-sync: nothing new.
	if res := h.sync(o); res.Written != 0 {
		t.Fatalf("re-sync wrote %d", res.Written)
	}
}

// BenchmarkSync measures a first sync (fetch over loopback, dedupe, files written and fsynced)
// and a re-sync of a generated flow log: go test -run '^$' -bench Sync -benchtime 1x.
func BenchmarkSync(b *testing.B) {
	h := newHarness(b, 3)
	truth := seedFromFlowgen(b, h, 100000)
	for _, batch := range []int{50, 1} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			o := h.opts(strings.Join(cwFormat.Fields, " "))
			o.PageLimit = 10000
			o.BatchStreams = batch
			for i := 0; i < b.N; i++ {
				o.MirrorDir = b.TempDir()
				start := time.Now()
				res, err := Sync(h.ctx, h.clients.Logs, o)
				if err != nil || res.Written != truth.Records {
					b.Fatalf("sync: %v, wrote %d of %d", err, res.Written, truth.Records)
				}
				first := time.Since(start)
				start = time.Now()
				res2, err := Sync(h.ctx, h.clients.Logs, o)
				if err != nil || res2.Written != 0 {
					b.Fatalf("re-sync: %v, wrote %d", err, res2.Written)
				}
				b.ReportMetric(float64(res.Written)/first.Seconds(), "events/s")
				b.Logf("%d streams, %d events, %d files, %d requests: first sync %s, re-sync %s (%d fetched again, %d requests)",
					res.Streams, res.Written, len(res.Files), res.Requests, first.Round(time.Millisecond),
					time.Since(start).Round(time.Millisecond), res2.Fetched, res2.Requests)
			}
		})
	}
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	}
	i, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	return i
}
