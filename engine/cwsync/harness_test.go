package cwsync

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/flowq/flowq/engine/cwsync/cwtest"
	"github.com/flowq/flowq/engine/store"
)

const (
	testAccount = "012345678901"
	testRegion  = "eu-west-1"
	testGroup   = "/aws/vpc/flowlogs"
)

// t0 is the first event's time: 20 minutes before an hour boundary, so files split by hour.
var t0 = time.Date(2026, 3, 1, 10, 40, 0, 0, time.UTC)

type harness struct {
	t       testing.TB
	ctx     context.Context
	srv     *cwtest.Server
	clients *Clients
	data    string // store data dir; the mirror is data/mirror
}

func newHarness(t testing.TB, sdkAttempts int) *harness {
	t.Helper()
	srv := cwtest.New()
	t.Cleanup(srv.Close)
	srv.AddLogGroup(testGroup, testAccount, testRegion)
	ctx := context.Background()
	c, err := NewClients(ctx, ClientOptions{
		Region:      testRegion,
		EndpointURL: srv.URL,
		MaxAttempts: sdkAttempts,
		MaxBackoff:  5 * time.Millisecond,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ctx: ctx, srv: srv, clients: c, data: filepath.Join(t.TempDir(), "data")}
}

func (h *harness) mirror() string { return filepath.Join(h.data, "mirror") }

func (h *harness) opts(format string) Options {
	h.t.Helper()
	hdr, err := ParseLogFormat(format)
	if err != nil {
		h.t.Fatal(err)
	}
	return Options{LogGroup: testGroup, MirrorDir: h.mirror(), Region: h.clients.Region, Header: hdr,
		PageLimit: 7, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond}
}

func (h *harness) sync(o Options) Result {
	h.t.Helper()
	res, err := Sync(h.ctx, h.clients.Logs, o)
	if err != nil {
		h.t.Fatalf("sync: %v", err)
	}
	if !res.OK() {
		h.t.Fatalf("sync not OK: %v", res.Errors)
	}
	return res
}

// rec is a hand-made flow-log record; fields renders it in any format.
type rec struct {
	eni, src, dst  string
	sport, dport   int
	proto          int
	packets, bytes int
	start          int64
	action, status string
}

func (r rec) fields() map[string]string {
	v := map[string]string{
		"version": "2", "account-id": testAccount, "interface-id": r.eni, "srcaddr": r.src, "dstaddr": r.dst,
		"srcport": fmt.Sprint(r.sport), "dstport": fmt.Sprint(r.dport), "protocol": fmt.Sprint(r.proto),
		"packets": fmt.Sprint(r.packets), "bytes": fmt.Sprint(r.bytes), "start": fmt.Sprint(r.start),
		"end": fmt.Sprint(r.start + 60), "action": r.action, "log-status": r.status,
	}
	if r.status == "NODATA" {
		for _, k := range []string{"srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"} {
			v[k] = "-"
		}
	}
	return v
}

func (r rec) line(format string) string {
	hdr, err := ParseLogFormat(format)
	if err != nil {
		panic(err)
	}
	v := r.fields()
	out := make([]string, len(hdr.Fields))
	for i, f := range hdr.Fields {
		out[i] = v[f.Name]
		if out[i] == "" {
			out[i] = "-"
		}
	}
	return strings.Join(out, " ")
}

var enis = []string{"eni-0aaa0000000000001", "eni-0bbb0000000000002", "eni-0ccc0000000000003"}

// seedRecs are 26 events per ENI: 25 traffic records 150 s apart from t0 (i%5 == 0 is a
// REJECT), then a NODATA record. Hand-computed totals: 78 records, 15 REJECT, 3 NODATA,
// bytes 150900 (sum of 1000*(e+1)+i), packets 975 (sum of i+1).
func seedRecs(eniIdx int) []rec {
	var out []rec
	for i := 0; i <= 25; i++ {
		r := rec{eni: enis[eniIdx], src: fmt.Sprintf("10.0.%d.%d", eniIdx, i+1), dst: "10.1.0.9", sport: 40000 + i, dport: 443, proto: 6,
			packets: i + 1, bytes: 1000*(eniIdx+1) + i, start: t0.Unix() + int64(i)*150, action: "ACCEPT", status: "OK"}
		if i%5 == 0 {
			r.action = "REJECT"
		}
		if i == 25 {
			r.status = "NODATA"
		}
		out = append(out, r)
	}
	return out
}

func (h *harness) put(format string, eniIdx int, recs ...rec) {
	evs := make([]cwtest.Event, len(recs))
	for i, r := range recs {
		evs[i] = cwtest.Event{Timestamp: r.start * 1000, Message: r.line(format)}
	}
	h.srv.Put(testGroup, enis[eniIdx], evs...)
}

func (h *harness) seedAll(format string) {
	for e := range enis {
		h.put(format, e, seedRecs(e)...)
	}
}

// load loads the whole mirror through the real store and opens a session.
func (h *harness) load() (store.LoadSummary, *store.Session) {
	h.t.Helper()
	st, err := store.Open(h.ctx, h.data)
	if err != nil {
		h.t.Fatal(err)
	}
	sum, err := st.Load(h.ctx, []string{h.mirror()}, store.LoadOptions{Workers: 2})
	if err != nil {
		h.t.Fatalf("load: %v", err)
	}
	if len(sum.Failures) > 0 || sum.Rejected > 0 {
		h.t.Fatalf("load: failures %v, %d lines rejected", sum.Failures, sum.Rejected)
	}
	sess, err := st.OpenSession(h.ctx, store.SessionOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { sess.Close() })
	return sum, sess
}

func queryInt(t *testing.T, sess *store.Session, q string) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := sess.DB.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

func queryStr(t *testing.T, sess *store.Session, q string) string {
	t.Helper()
	var s sql.NullString
	if err := sess.DB.QueryRowContext(context.Background(), q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !s.Valid {
		return "<NULL>"
	}
	return s.String
}

var _ = aws.String

func cwEvent(ts int64, msg string) cwtest.Event { return cwtest.Event{Timestamp: ts, Message: msg} }
