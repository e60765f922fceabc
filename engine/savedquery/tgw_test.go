package savedquery

import (
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/store/storetest"
	"github.com/flowq/flowq/queries"
)

// The transit gateway queries are verified before the store loads their table: the table is
// built here in DuckDB straight from flowgen's transit gateway delivery, with the columns and
// types of flowlog.TGWFields and Athena's "-" rules (NULL in a number, text in a string).

var tgwQueries = sync.OnceValues(func() (map[string]Query, error) {
	out := map[string]Query{}
	c, err := builtin()
	if err != nil {
		return nil, err
	}
	for _, q := range c.List() {
		if strings.HasPrefix(q.Name, "tgw-") {
			out[q.Name] = q
		}
	}
	return out, nil
})

func tgwQuery(t *testing.T, name string) Query {
	t.Helper()
	qs, err := tgwQueries()
	if err != nil {
		t.Fatal(err)
	}
	q, ok := qs[name]
	if !ok {
		t.Fatalf("no transit gateway query %s", name)
	}
	return q
}

type tgwFixture struct {
	truth *flowgen.TGWTruth
	sess  *store.Session
}

func generatedTGW(t *testing.T) tgwFixture {
	t.Helper()
	truth, sess := storetest.LoadTGW(t, flowgen.SmallTGW())
	return tgwFixture{truth, sess}
}

func runTGW(t *testing.T, sess *store.Session, name string, params map[string]string) []row {
	t.Helper()
	rows, err := tryRun(sess, tgwQuery(t, name), params)
	if err != nil {
		t.Fatalf("%s %v: %v", name, params, err)
	}
	return rows
}

// Every transit gateway query file parses, documents itself, is named after its file and
// does not clash with a built-in query.
func TestTGWQueryHeaders(t *testing.T) {
	qs, err := tgwQueries()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range qs {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"tgw-cross-az-and-account", "tgw-packet-loss", "tgw-top-attachments", "tgw-top-talkers"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("transit gateway queries %v, want %v", names, want)
	}
	for _, q := range qs {
		if q.Description == "" || q.Finds == "" || q.FalsePositives == "" || q.Portability == "" {
			t.Errorf("%s: incomplete header %+v", q.Name, q)
		}
		if _, err := fs.ReadFile(queries.FS, q.Name+".sql"); err != nil {
			t.Errorf("%s: not in a file of its name: %v", q.Name, err)
		}
		for _, p := range q.Params {
			if p.Description == "" {
				t.Errorf("%s: parameter %s undocumented", q.Name, p.Name)
			}
		}
		if !strings.Contains(q.SQL, flowlog.TGWTable) || strings.Contains(q.SQL, flowlog.VPCTable) {
			t.Errorf("%s: not a query over %s only", q.Name, flowlog.TGWTable)
		}
	}
}

// The table follows Athena's "-" rules.
func TestTGWTableDashes(t *testing.T) {
	f := generatedTGW(t)
	var nullBytes, dashVPC, nullLost int64
	err := f.sess.DB.QueryRow(`SELECT count(*) FILTER (WHERE bytes IS NULL), count(*) FILTER (WHERE tgw_dst_vpc_id = '-'),
		count(*) FILTER (WHERE packets_lost_no_route IS NULL) FROM transit_gateway_flow_logs`).Scan(&nullBytes, &dashVPC, &nullLost)
	if err != nil {
		t.Fatal(err)
	}
	// The SKIPDATA row has "-" counters; dropped traffic and VPN-bound traffic have no
	// destination VPC, kept as the text "-".
	nl, _ := f.truth.FindLoss(flowgen.CauseNoRoute)
	if nullBytes != f.truth.SkipdataRows || nullLost != f.truth.SkipdataRows || dashVPC < nl.Records {
		t.Errorf("NULL bytes %d, NULL lost %d (want %d), dst VPC '-' %d (want ≥ %d)", nullBytes, nullLost, f.truth.SkipdataRows, dashVPC, nl.Records)
	}
}

func TestTGWPacketLoss(t *testing.T) {
	f := generatedTGW(t)
	rows := runTGW(t, f.sess, "tgw-packet-loss", nil)
	var got []flowgen.TGWLossBucket
	for _, r := range rows {
		if str(r, "tgw_id") != f.truth.TGW {
			t.Errorf("row %v: tgw %s", r, f.truth.TGW)
		}
		got = append(got, flowgen.TGWLossBucket{Hour: time.Unix(i64(t, r, "hour"), 0).UTC(), Cause: str(r, "cause"),
			Attachment: str(r, "tgw_attachment_id"), Packets: i64(t, r, "packets_lost"), Records: i64(t, r, "records")})
	}
	if len(got) != len(f.truth.LossBuckets) {
		t.Fatalf("%d rows, truth %d buckets:\n%v", len(got), len(f.truth.LossBuckets), rows)
	}
	for i, b := range f.truth.LossBuckets {
		g := got[i]
		if !g.Hour.Equal(b.Hour) || g.Cause != b.Cause || g.Attachment != b.Attachment || g.Packets != b.Packets || g.Records != b.Records {
			t.Errorf("row %d = %+v, truth %+v", i, g, b)
		}
	}
	// One cause at a time: the planted loss, whole, where it was planted, one row per hour.
	spanHours := int(f.truth.End.Sub(f.truth.Start) / time.Hour)
	for _, cause := range []string{flowgen.CauseNoRoute, flowgen.CauseBlackhole, flowgen.CauseMTUExceeded} {
		l, _ := f.truth.FindLoss(cause)
		rows := runTGW(t, f.sess, "tgw-packet-loss", map[string]string{"cause": cause})
		var lost, recs int64
		for _, r := range rows {
			if str(r, "cause") != cause || str(r, "tgw_attachment_id") != l.Attachment || i64(t, r, "destinations") != 1 {
				t.Errorf("%s: row %v, planted at %s", cause, r, l.Attachment)
			}
			lost += i64(t, r, "packets_lost")
			recs += i64(t, r, "records")
		}
		if lost != l.Packets || recs != l.Records || len(rows) != min(l.ToHour, spanHours)-l.FromHour {
			t.Errorf("%s: %d rows, %d packets in %d records; planted %+v", cause, len(rows), lost, recs, l)
		}
	}
	if rows := runTGW(t, f.sess, "tgw-packet-loss", map[string]string{"cause": flowgen.CauseTTLExpired}); len(rows) != 0 {
		t.Errorf("ttl-expired: %v, none planted", rows)
	}
	// The no-route loss is in the second hour only.
	nr, _ := f.truth.FindLoss(flowgen.CauseNoRoute)
	first := f.truth.Start.Unix()
	since, until := fmt.Sprint(first+3600), fmt.Sprint(first+7200)
	rows = runTGW(t, f.sess, "tgw-packet-loss", map[string]string{"since": until})
	for _, r := range rows {
		if str(r, "cause") == flowgen.CauseNoRoute {
			t.Errorf("no-route after its hour: %v", r)
		}
	}
	rows = runTGW(t, f.sess, "tgw-packet-loss", map[string]string{"since": since, "until": until, "cause": "no-route", "tgw": f.truth.TGW})
	if len(rows) != 1 || i64(t, rows[0], "packets_lost") != nr.Packets {
		t.Errorf("no-route in its hour: %v, planted %+v", rows, nr)
	}
}

func TestTGWTopAttachments(t *testing.T) {
	f := generatedTGW(t)
	rows := runTGW(t, f.sess, "tgw-top-attachments", map[string]string{"limit": "100"})
	if len(rows) != len(f.truth.AttachmentBytes) {
		t.Fatalf("%d attachments, truth %d: %v", len(rows), len(f.truth.AttachmentBytes), rows)
	}
	var prev int64 = 1 << 62
	for _, r := range rows {
		want := f.truth.AttachmentBytes[str(r, "source")]
		in, out, by := i64(t, r, "bytes_in"), i64(t, r, "bytes_out"), i64(t, r, "bytes")
		if in != want.Ingress || out != want.Egress || by != in+out || r["destination"] != nil {
			t.Errorf("attachment %v, truth %+v", r, want)
		}
		if by > prev {
			t.Errorf("not ordered by bytes: %v", rows)
		}
		prev = by
	}
	for _, tc := range []struct {
		by   string
		want []flowgen.TGWPair
	}{
		{"attachment-pair", f.truth.AttachmentPairs},
		{"vpc-pair", f.truth.VPCPairs},
	} {
		rows := runTGW(t, f.sess, "tgw-top-attachments", map[string]string{"by": tc.by, "limit": "1000"})
		if len(rows) != len(tc.want) {
			t.Fatalf("%s: %d rows, truth %d", tc.by, len(rows), len(tc.want))
		}
		for i, p := range tc.want {
			r := rows[i]
			if str(r, "source") != p.From || str(r, "destination") != p.To || i64(t, r, "bytes") != p.Bytes ||
				i64(t, r, "packets") != p.Packets || i64(t, r, "records") != p.Records {
				t.Errorf("%s row %d = %v, truth %+v", tc.by, i, r, p)
			}
		}
	}
	if rows := runTGW(t, f.sess, "tgw-top-attachments", map[string]string{"tgw": "tgw-00000000"}); len(rows) != 0 {
		t.Errorf("another gateway: %v", rows)
	}
}

func TestTGWCrossAZAndAccount(t *testing.T) {
	f := generatedTGW(t)
	got := map[string][]flowgen.TGWPair{}
	for _, r := range runTGW(t, f.sess, "tgw-cross-az-and-account", nil) {
		got[str(r, "kind")] = append(got[str(r, "kind")], flowgen.TGWPair{From: str(r, "source"), To: str(r, "destination"),
			Bytes: i64(t, r, "bytes"), Packets: i64(t, r, "packets"), Records: i64(t, r, "records")})
	}
	if !reflect.DeepEqual(got["cross-az"], f.truth.CrossAZ) || !reflect.DeepEqual(got["cross-account"], f.truth.CrossAccount) || len(got) != 2 {
		t.Errorf("got %+v\ntruth cross-az %+v\ncross-account %+v", got, f.truth.CrossAZ, f.truth.CrossAccount)
	}
	for _, r := range runTGW(t, f.sess, "tgw-cross-az-and-account", map[string]string{"kind": "account"}) {
		if str(r, "kind") != "cross-account" || str(r, "source") == str(r, "destination") {
			t.Errorf("kind=account: %v", r)
		}
	}
}

func TestTGWTopTalkers(t *testing.T) {
	f := generatedTGW(t)
	rows := runTGW(t, f.sess, "tgw-top-talkers", map[string]string{"limit": "100000"})
	if len(rows) != len(f.truth.Talkers) {
		t.Fatalf("%d talkers, truth %d", len(rows), len(f.truth.Talkers))
	}
	for i, tk := range f.truth.Talkers {
		r := rows[i]
		if str(r, "talker") != tk.Src+" -> "+tk.Dst || str(r, "entered_by") != tk.In || str(r, "left_by") != tk.Out ||
			i64(t, r, "bytes") != tk.Bytes || i64(t, r, "packets") != tk.Packets || i64(t, r, "packets_lost") != tk.Lost ||
			i64(t, r, "records") != tk.Records {
			t.Errorf("row %d = %v, truth %+v", i, r, tk)
		}
	}
	// The gateway leg of traffic to the unrouted network: one pair, every packet lost, nowhere
	// to leave by.
	nr, _ := f.truth.FindLoss(flowgen.CauseNoRoute)
	rows = runTGW(t, f.sess, "tgw-top-talkers", map[string]string{"cidr": nr.DstCIDR})
	if len(rows) != 1 || str(rows[0], "talker") != nr.Src+" -> "+nr.Dst || str(rows[0], "left_by") != "-" ||
		i64(t, rows[0], "packets_lost") != nr.Packets || i64(t, rows[0], "packets") != nr.Sent {
		t.Errorf("cidr %s: %v, planted %+v", nr.DstCIDR, rows, nr)
	}
	// An address matches as source or destination.
	mtu, _ := f.truth.FindLoss(flowgen.CauseMTUExceeded)
	for _, r := range runTGW(t, f.sess, "tgw-top-talkers", map[string]string{"cidr": mtu.Dst, "limit": "1000"}) {
		if !strings.HasPrefix(str(r, "talker"), mtu.Dst+" ") && !strings.HasSuffix(str(r, "talker"), " "+mtu.Dst) {
			t.Errorf("cidr %s: %v", mtu.Dst, r)
		}
	}
}

// Over an empty table every query, with every choice of its enumerations, runs and returns
// nothing; a hostile value is only a value.
func TestTGWEmptyAndHostile(t *testing.T) {
	sess := storetest.TGWSession(t)
	qs, err := tgwQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		variants := []map[string]string{{}}
		for _, p := range q.Params {
			for _, c := range p.Choices {
				variants = append(variants, map[string]string{p.Name: c})
			}
		}
		for _, params := range variants {
			rows, err := tryRun(sess, q, params)
			if err != nil || len(rows) != 0 {
				t.Errorf("%s %v: %d rows, %v", q.Name, params, len(rows), err)
			}
		}
	}
	f := generatedTGW(t)
	const evil = "'; drop table transit_gateway_flow_logs; --"
	for _, q := range qs {
		rows, err := tryRun(f.sess, q, map[string]string{"account": evil, "region": evil, "tgw": evil})
		if err != nil || len(rows) != 0 {
			t.Errorf("%s with hostile values: %d rows, %v", q.Name, len(rows), err)
		}
	}
	var n int64
	if err := f.sess.DB.QueryRow("SELECT count(*) FROM transit_gateway_flow_logs").Scan(&n); err != nil || n != f.truth.Records {
		t.Errorf("table after hostile values: %d rows, %v", n, err)
	}
}
