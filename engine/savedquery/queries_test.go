package savedquery

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/cost/costtest"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/store/storetest"
	"github.com/flowq/flowq/queries"
)

// small is flowgen's Small data set loaded through the real store, once per test binary.
var small = storetest.NewFixture(flowgen.Small())

func TestMain(m *testing.M) {
	code := m.Run()
	small.Remove()
	os.Exit(code)
}

func generated(t *testing.T) (*flowgen.Truth, *store.Store) { return small.Get(t) }

// openSession opens a session as flowq does, with the cost reports' SQL (engine/cost).
func openSession(t *testing.T, st *store.Store) *store.Session { return costtest.Session(t, st) }

var builtin = sync.OnceValues(func() (*Catalog, error) { return NewCatalog(queries.FS) })

func lookup(t *testing.T, name string) Query {
	t.Helper()
	c, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	q, ok := c.Lookup(name)
	if !ok {
		t.Fatalf("no built-in query %s", name)
	}
	return q
}

type row map[string]any

// run binds and runs a saved query the way flowq does: Prepare (Bind, then the Athena rewrite),
// then the statement with its arguments on the session's connection.
func run(t *testing.T, sess *store.Session, name string, params map[string]string) []row {
	t.Helper()
	rows, err := tryRun(sess, lookup(t, name), params)
	if err != nil {
		t.Fatalf("%s %v: %v", name, params, err)
	}
	return rows
}

func tryRunForm(sess *store.Session, q Query, params map[string]string) ([]row, error) {
	ctx := context.Background()
	stmt, args, err := Prepare(q, params)
	if err != nil {
		return nil, err
	}
	rs, err := sess.DB.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out []row
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := row{}
		for i, c := range cols {
			r[c] = norm(vals[i])
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// norm gives every integer as int64 and every timestamp as Unix seconds.
func norm(v any) any {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case *big.Int:
		return x.Int64()
	case time.Time:
		return x.Unix()
	}
	return v
}

func i64(t *testing.T, r row, col string) int64 {
	t.Helper()
	v, ok := r[col].(int64)
	if !ok {
		t.Fatalf("column %s = %v (%T), want an integer; row %v", col, r[col], r[col], r)
	}
	return v
}

func str(r row, col string) string {
	s, _ := r[col].(string)
	return s
}

func TestBlockedSSH(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	rows := run(t, sess, "blocked-ssh", map[string]string{"limit": "1000"})
	if len(rows) != len(truth.SSHRejects) {
		t.Fatalf("%d rows, truth has %d SSH-rejected sources", len(rows), len(truth.SSHRejects))
	}
	for i, want := range truth.SSHRejects {
		r := rows[i]
		got := flowgen.SourceStat{Source: str(r, "source"), Public: r["public"] == true, Records: i64(t, r, "attempts"),
			Packets: i64(t, r, "packets"), FirstStart: i64(t, r, "first_seen"), LastEnd: i64(t, r, "last_seen")}
		if n := i64(t, r, "targets"); n != int64(len(want.Targets)) {
			t.Errorf("row %d %s: %d targets, want %d", i, got.Source, n, len(want.Targets))
		}
		want.Targets, want.LastStart = nil, 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d: got %+v\nwant %+v", i, got, want)
		}
	}
	// The planted attackers by hand: attempts 60, 36, 20, 12 on 5, 3, 2, 2 targets, all public,
	// the IPv6 one included.
	for i, src := range flowgen.SSHAttackers {
		r := rows[i]
		if str(r, "source") != src || i64(t, r, "attempts") != []int64{60, 36, 20, 12}[i] ||
			i64(t, r, "targets") != []int64{5, 3, 2, 2}[i] || r["public"] != true {
			t.Errorf("attacker %d: %v", i, r)
		}
	}
	// limit, and since/until as Unix seconds around one attacker's last attempt.
	if got := run(t, sess, "blocked-ssh", map[string]string{"limit": "2"}); len(got) != 2 {
		t.Errorf("limit 2 gave %d rows", len(got))
	}
	last := truth.SSHBruteForce[0]
	got := run(t, sess, "blocked-ssh", map[string]string{"since": fmt.Sprint(last.LastStart), "until": fmt.Sprint(last.LastStart + 1)})
	found := false
	for _, r := range got {
		if str(r, "source") == last.Source {
			found = i64(t, r, "first_seen") == last.LastStart
		}
		if fs := i64(t, r, "first_seen"); fs != last.LastStart {
			t.Errorf("since/until window leaked a record starting at %d: %v", fs, r)
		}
	}
	if !found {
		t.Errorf("since/until window lost %s's last attempt: %v", last.Source, got)
	}
	// A since after the data (RFC 3339) leaves nothing.
	if got := run(t, sess, "blocked-ssh", map[string]string{"since": truth.End.Format(time.RFC3339)}); len(got) != 0 {
		t.Errorf("since after the data: %d rows", len(got))
	}
}

func TestTopTalkers(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	rows := run(t, sess, "top-talkers", nil)
	if len(rows) != len(truth.TopPairs) {
		t.Fatalf("%d rows, want %d", len(rows), len(truth.TopPairs))
	}
	for i, p := range truth.TopPairs {
		r := rows[i]
		if str(r, "talker") != p.Src+" -> "+p.Dst || i64(t, r, "bytes") != p.Bytes || i64(t, r, "packets") != p.Packets || i64(t, r, "records") != p.Records {
			t.Errorf("pair %d: got %v, want %+v", i, r, p)
		}
	}
	h := truth.HeavyTalker
	if str(rows[0], "talker") != h.Src+" -> "+h.Dst || i64(t, rows[0], "bytes") != h.Bytes || i64(t, rows[0], "packets") != h.Packets {
		t.Errorf("top pair %v, planted heavy talker %+v", rows[0], h)
	}
	for _, tc := range []struct {
		by   string
		want []flowgen.AddrStat
	}{{"src", truth.TopSources}, {"dst", truth.TopDestinations}} {
		rows := run(t, sess, "top-talkers", map[string]string{"by": tc.by})
		var got []flowgen.AddrStat
		for _, r := range rows {
			got = append(got, flowgen.AddrStat{Addr: str(r, "talker"), Count: flowgen.Count{Records: i64(t, r, "records"), Packets: i64(t, r, "packets"), Bytes: i64(t, r, "bytes")}})
		}
		want := append([]flowgen.AddrStat(nil), tc.want...)
		for i := range want {
			want[i].Public = false
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("by=%s:\ngot  %+v\nwant %+v", tc.by, got, want)
		}
	}
	for _, tc := range []struct {
		by   string
		want map[string]flowgen.Count
	}{{"eni", truth.Interfaces}, {"instance", truth.Instances}, {"subnet", truth.Subnets}} {
		got := countsBy(t, run(t, sess, "top-talkers", map[string]string{"by": tc.by, "limit": "100000"}), "talker")
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("by=%s: got %d keys, want %d\ngot  %v\nwant %v", tc.by, len(got), len(tc.want), got, tc.want)
		}
	}
	// account narrows to one account's ENIs.
	acct := truth.FlowLogs[0].Account
	want := map[string]flowgen.Count{}
	for _, fl := range truth.FlowLogs {
		if fl.Account != acct {
			continue
		}
		for _, e := range fl.Interfaces {
			if c, ok := truth.Interfaces[e.ID]; ok {
				want[e.ID] = c
			}
		}
	}
	if got := countsBy(t, run(t, sess, "top-talkers", map[string]string{"by": "eni", "limit": "100000", "account": acct}), "talker"); !reflect.DeepEqual(got, want) {
		t.Errorf("by=eni account=%s: got %v\nwant %v", acct, got, want)
	}
}

func countsBy(t *testing.T, rows []row, key string) map[string]flowgen.Count {
	t.Helper()
	out := map[string]flowgen.Count{}
	for _, r := range rows {
		out[str(r, key)] = flowgen.Count{Records: i64(t, r, "records"), Packets: i64(t, r, "packets"), Bytes: i64(t, r, "bytes")}
	}
	return out
}

func TestTopTalkingInstancesAndSubnets(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	if got := countsBy(t, run(t, sess, "top-talking-instances", map[string]string{"limit": "100000"}), "instance_id"); !reflect.DeepEqual(got, truth.Instances) {
		t.Errorf("instances: got %v\nwant %v", got, truth.Instances)
	}
	if got := countsBy(t, run(t, sess, "top-talking-subnets", map[string]string{"limit": "100000"}), "subnet_id"); !reflect.DeepEqual(got, truth.Subnets) {
		t.Errorf("subnets: got %v\nwant %v", got, truth.Subnets)
	}
}

func TestRejected(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	byPort := map[int]int64{}
	for _, r := range run(t, sess, "rejected-traffic", map[string]string{"by": "port", "limit": "100000"}) {
		if r["source"] != nil {
			t.Fatalf("by=port row has a source: %v", r)
		}
		byPort[int(i64(t, r, "dst_port"))] += i64(t, r, "records")
	}
	if !reflect.DeepEqual(byPort, truth.RejectedByDstPort) {
		t.Errorf("by port: got %v\nwant %v", byPort, truth.RejectedByDstPort)
	}
	bySrc := map[string]int64{}
	for _, r := range run(t, sess, "rejected-traffic", map[string]string{"by": "source", "limit": "100000"}) {
		bySrc[str(r, "source")] += i64(t, r, "records")
	}
	if !reflect.DeepEqual(bySrc, truth.RejectedBySource) {
		t.Errorf("by source: got %v\nwant %v", bySrc, truth.RejectedBySource)
	}
	var total, both int64
	for _, n := range truth.RejectedByDstPort {
		total += n
	}
	rows := run(t, sess, "rejected-traffic", map[string]string{"limit": "100000"})
	for _, r := range rows {
		both += i64(t, r, "records")
	}
	if both != total {
		t.Errorf("by both: %d records, want %d", both, total)
	}
	// The scanner's 120 ports each give a (port, source) row of one record; the top row is an
	// SSH attacker's 60 attempts.
	if str(rows[0], "source") != flowgen.SSHAttackers[0] || i64(t, rows[0], "dst_port") != 22 || i64(t, rows[0], "records") != 60 {
		t.Errorf("top rejected row %v", rows[0])
	}

	var tcp int64
	for _, r := range run(t, sess, "rejected-tcp", map[string]string{"limit": "100000"}) {
		tcp += i64(t, r, "records")
	}
	if tcp != truth.RejectedTCP {
		t.Errorf("rejected-tcp: %d records, want %d", tcp, truth.RejectedTCP)
	}
}

func TestSSHRDPAcceptedFromInternet(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	var got []flowgen.AccessStat
	for _, r := range run(t, sess, "ssh-rdp-accepted-from-internet", nil) {
		got = append(got, flowgen.AccessStat{Source: str(r, "source"), Dest: str(r, "destination"), Port: int(i64(t, r, "dst_port")),
			Public: true, Records: i64(t, r, "records")})
	}
	if !reflect.DeepEqual(got, truth.AcceptedFromPublic) {
		t.Errorf("got  %+v\nwant %+v", got, truth.AcceptedFromPublic)
	}
	// By hand: 172.32.9.9 is public though it looks like 172.16/12; 100.64.12.7 (RFC 6598) is not.
	seen := map[string]bool{}
	for _, a := range got {
		seen[a.Source] = true
	}
	if !seen["172.32.9.9"] || !seen["81.2.69.160"] || !seen["194.165.16.11"] || seen["100.64.12.7"] {
		t.Errorf("sources %v", seen)
	}
}

func TestPortScans(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	var got []flowgen.ScanStat
	for _, r := range run(t, sess, "port-scans", nil) {
		got = append(got, flowgen.ScanStat{Source: str(r, "source"), Ports: int(i64(t, r, "ports")), Records: i64(t, r, "records")})
	}
	if !reflect.DeepEqual(got, truth.PortScanners) {
		t.Errorf("got  %+v\nwant %+v", got, truth.PortScanners)
	}
	if len(got) == 0 || got[0].Source != "162.142.125.33" || got[0].Ports != flowgen.ScanPorts {
		t.Errorf("planted scanner not first: %+v", got)
	}
	// min_ports above the scanner's port count leaves nothing.
	if rows := run(t, sess, "port-scans", map[string]string{"min_ports": fmt.Sprint(flowgen.ScanPorts + 1)}); len(rows) != 0 {
		t.Errorf("min_ports=%d: %v", flowgen.ScanPorts+1, rows)
	}
}

func addrStats(t *testing.T, rows []row, key string) []flowgen.AddrStat {
	var out []flowgen.AddrStat
	for _, r := range rows {
		out = append(out, flowgen.AddrStat{Addr: str(r, key), Count: flowgen.Count{Records: i64(t, r, "records"), Packets: i64(t, r, "packets"), Bytes: i64(t, r, "bytes")}})
	}
	return out
}

func withoutPublic(in []flowgen.AddrStat) []flowgen.AddrStat {
	out := append([]flowgen.AddrStat(nil), in...)
	for i := range out {
		out[i].Public = false
	}
	return out
}

func TestHTTPSUDPAndEgress(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	got := addrStats(t, run(t, sess, "top-https-destinations", map[string]string{"limit": "100000"}), "destination")
	if want := withoutPublic(truth.HTTPSDestinations); !reflect.DeepEqual(got, want) {
		t.Errorf("https:\ngot  %+v\nwant %+v", got, want)
	}
	got = addrStats(t, run(t, sess, "top-udp-sources", map[string]string{"limit": "100000"}), "source")
	if want := withoutPublic(truth.UDPSources); len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("udp:\ngot  %+v\nwant %+v", got, want)
	}
	rows := run(t, sess, "egress-to-internet", map[string]string{"limit": "100000"})
	got = addrStats(t, rows, "destination")
	// Our own addresses are not egress destinations: every other public destination is listed
	// with the truth's figures, an ENI's own address only where the format has no flow-direction
	// to tell a single-peer ENI's side (the documented limit), and never first.
	own := map[string]bool{}      // every ENI address
	directed := map[string]bool{} // the addresses of ENIs whose flow log logs flow-direction
	for _, fl := range truth.FlowLogs {
		for _, e := range fl.Interfaces {
			own[e.IPv4], own[e.IPv6] = true, e.IPv6 != ""
			directed[e.IPv6] = e.IPv6 != "" && strings.Contains(fl.Header, "flow-direction")
		}
	}
	gotBy := map[string]flowgen.AddrStat{}
	for _, g := range got {
		gotBy[g.Addr] = g
	}
	ownTruth := 0
	for _, w := range withoutPublic(truth.PublicDestinations) {
		if own[w.Addr] {
			ownTruth++
			continue
		}
		if g, ok := gotBy[w.Addr]; !ok || g != w {
			t.Errorf("egress %s: got %+v, want %+v", w.Addr, g, w)
		}
	}
	if ownTruth == 0 {
		t.Error("the truth has no traffic to an ENI's own public address: the test proves nothing")
	}
	for i, g := range got {
		switch {
		case own[g.Addr] && (i == 0 || directed[g.Addr]):
			t.Errorf("egress lists our own address %s at row %d", g.Addr, i+1)
		case !own[g.Addr] && !slices.ContainsFunc(truth.PublicDestinations, func(a flowgen.AddrStat) bool { return a.Addr == g.Addr }):
			t.Errorf("egress lists %s, not a public destination", g.Addr)
		}
	}
	// By hand: the border addresses string-prefix tests misjudge are public; S3 is named.
	seen := map[string]row{}
	for _, r := range rows {
		seen[str(r, "destination")] = r
	}
	for _, a := range []string{"172.32.18.4", "100.128.7.9", "192.169.4.20"} {
		if _, ok := seen[a]; !ok {
			t.Errorf("public %s missing from egress", a)
		}
	}
	for a := range seen {
		if strings.HasPrefix(a, "10.") || strings.HasPrefix(a, "100.64.") || strings.HasPrefix(a, "fd") {
			t.Errorf("private %s listed as egress", a)
		}
	}
}

func TestProtocolAndFamily(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	got := map[int]flowgen.Count{}
	for _, r := range run(t, sess, "traffic-by-protocol", nil) {
		p := int(i64(t, r, "protocol"))
		got[p] = flowgen.Count{Records: i64(t, r, "records"), Packets: i64(t, r, "packets"), Bytes: i64(t, r, "bytes")}
		// The share has two decimals: integer division would truncate it.
		want := 100 * float64(truth.ByProtocol[p].Bytes) / float64(truth.Bytes)
		if pct := toFloat(r["pct_bytes"]); math.Abs(pct-want) > 0.0051 {
			t.Errorf("protocol %d: pct_bytes %v, want %.4f", p, pct, want)
		}
	}
	if !reflect.DeepEqual(got, truth.ByProtocol) {
		t.Errorf("protocols: got %v\nwant %v", got, truth.ByProtocol)
	}
	fam := countsBy(t, run(t, sess, "ipv4-vs-ipv6-bytes", nil), "family")
	if want := map[string]flowgen.Count{"IPv4": truth.IPv4, "IPv6": truth.IPv6}; !reflect.DeepEqual(fam, want) {
		t.Errorf("families: got %v\nwant %v", fam, want)
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case fmt.Stringer:
		var f float64
		fmt.Sscan(x.String(), &f)
		return f
	}
	var f float64
	fmt.Sscan(fmt.Sprint(v), &f)
	return f
}

func TestSkipdataGaps(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	var got []flowgen.Gap
	for _, r := range run(t, sess, "skipdata-gaps", nil) {
		got = append(got, flowgen.Gap{Interface: str(r, "interface_id"), Account: str(r, "account_id"), Region: str(r, "region"),
			Hour: time.Unix(i64(t, r, "hour"), 0).UTC(), Rows: i64(t, r, "skipdata_rows")})
	}
	want := append([]flowgen.Gap(nil), truth.SkipdataGaps...)
	sort.Slice(want, func(i, j int) bool {
		if !want[i].Hour.Equal(want[j].Hour) {
			return want[i].Hour.Before(want[j].Hour)
		}
		return want[i].Interface < want[j].Interface
	})
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestTrafficFromTo(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	sum := func(rows []row) flowgen.Count {
		var c flowgen.Count
		for _, r := range rows {
			c.Records += i64(t, r, "records")
			c.Packets += i64(t, r, "packets")
			c.Bytes += i64(t, r, "bytes")
		}
		return c
	}
	// Every address of the heavy pair and the planted attackers, plus one of each family.
	addrs := []string{truth.HeavyTalker.Src, truth.HeavyTalker.Dst, flowgen.SSHAttackers[0], flowgen.SSHAttackers[3]}
	for _, a := range addrs {
		if got, want := sum(run(t, sess, "traffic-from", map[string]string{"cidr": a, "limit": "100000"})), truth.BySource[a]; got != want {
			t.Errorf("traffic-from %s: %+v, want %+v", a, got, want)
		}
		if got, want := sum(run(t, sess, "traffic-to", map[string]string{"cidr": a, "limit": "100000"})), truth.ByDest[a]; got != want {
			t.Errorf("traffic-to %s: %+v, want %+v", a, got, want)
		}
	}
	// A CIDR: the scanner's /24 holds only the scanner (its 120 probes); port narrows to one.
	if got := sum(run(t, sess, "traffic-from", map[string]string{"cidr": "162.142.125.0/24", "limit": "1000"})); got.Records != int64(flowgen.ScanPorts) {
		t.Errorf("scanner /24: %+v", got)
	}
	rows := run(t, sess, "traffic-from", map[string]string{"cidr": "162.142.125.0/24", "port": "23"})
	if len(rows) != 1 || i64(t, rows[0], "dst_port") != 23 || str(rows[0], "action") != "REJECT" {
		t.Errorf("scanner port 23: %v", rows)
	}
	// An IPv6 CIDR: the attacker's /64 is exactly its 12 attempts.
	rows = run(t, sess, "traffic-from", map[string]string{"cidr": "2a03:b0c0:3:d0::/64"})
	if got := sum(rows); got.Records != 12 {
		t.Errorf("IPv6 /64: %+v", got)
	}
	// Everything from 0.0.0.0/0 is every IPv4 source.
	if got := sum(run(t, sess, "traffic-from", map[string]string{"cidr": "0.0.0.0/0", "limit": "10000000"})); got != truth.IPv4 {
		t.Errorf("0.0.0.0/0: %+v, want %+v", got, truth.IPv4)
	}
	if _, err := tryRun(sess, lookup(t, "traffic-to"), nil); err == nil || !strings.Contains(err.Error(), "cidr is required") {
		t.Errorf("traffic-to without cidr: %v", err)
	}
}

type asymKey struct {
	Kind, Src, Dst string
	Proto, DstPort int
	Windows        int
}

func TestAsymmetricFlows(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	rows := run(t, sess, "asymmetric-flows", map[string]string{"limit": "1000"})
	got := map[asymKey]row{}
	var flagged []asymKey
	for _, r := range rows {
		k := asymKey{str(r, "kind"), str(r, "src"), str(r, "dst"), int(i64(t, r, "protocol")), int(i64(t, r, "dst_port")), int(i64(t, r, "windows"))}
		if r["skipdata"] == true {
			flagged = append(flagged, k)
			continue
		}
		got[k] = r
	}
	// A request REJECTed at its destination with no reply is why's sg-deny, a plain deny: the
	// truth counts it as one-sided (no reverse records), the report must not list it.
	denied := map[[3]string]bool{}
	for _, w := range truth.Why {
		for _, ph := range w.Phases {
			if ph.Verdict == "sg-deny" {
				denied[[3]string{w.Src, w.Dst, fmt.Sprint(w.DstPort)}] = true
			}
		}
	}
	want := map[asymKey]flowgen.AsymPair{}
	nDenied := 0
	for _, a := range truth.Asymmetric {
		if denied[[3]string{a.Src, a.Dst, fmt.Sprint(a.DstPort)}] {
			nDenied++
			for _, r := range rows {
				if str(r, "src") == a.Src && str(r, "dst") == a.Dst && i64(t, r, "dst_port") == int64(a.DstPort) {
					t.Errorf("%s: a request REJECTed at the destination listed as %s (why says sg-deny)", a.Where, str(r, "kind"))
				}
			}
			continue
		}
		want[asymKey{a.Kind, a.Src, a.Dst, a.Proto, a.DstPort, a.Windows}] = a
	}
	if nDenied < 2 {
		t.Errorf("truth plants %d sg-deny pairs, want the why cases sg-deny and mixed", nDenied)
	}
	if len(want) < 5 {
		t.Fatalf("truth plants only %d one-sided pairs", len(want))
	}
	for k, a := range want {
		r, ok := got[k]
		if !ok {
			t.Errorf("missing %s (%+v)", a.Where, k)
			continue
		}
		legs := str(r, "request_legs")
		if !strings.Contains(legs, a.SrcENI+":ACCEPT") {
			t.Errorf("%s: request legs %q lack %s:ACCEPT", a.Where, legs, a.SrcENI)
		}
		// Both legs by hand for the scenarios whose every record is known.
		sorted := func(xs ...string) string { sort.Strings(xs); return strings.Join(xs, " ") }
		wantLegs := map[string][2]string{
			"why:path-loss":   {a.SrcENI + ":ACCEPT", ""},
			"why:nacl-return": {sorted(a.SrcENI+":ACCEPT", a.DstENI+":ACCEPT"), a.DstENI + ":REJECT"},
			"asym-vpc":        {sorted(a.SrcENI+":ACCEPT", a.DstENI+":ACCEPT"), sorted(a.SrcENI+":REJECT", a.DstENI+":ACCEPT")},
			"asym-internet":   {a.SrcENI + ":ACCEPT", a.SrcENI + ":REJECT"},
		}
		if w, ok := wantLegs[a.Where]; ok && (legs != w[0] || str(r, "reply_legs") != w[1]) {
			t.Errorf("%s: legs %q / %q, want %q / %q", a.Where, legs, str(r, "reply_legs"), w[0], w[1])
		}
		if a.Kind == "reverse-missing" && str(r, "reply_legs") != "" {
			t.Errorf("%s: reverse-missing with reply legs %q", a.Where, str(r, "reply_legs"))
		}
		if a.Kind == "reverse-rejected" && !strings.Contains(str(r, "reply_legs"), ":REJECT") {
			t.Errorf("%s: reverse-rejected with reply legs %q", a.Where, str(r, "reply_legs"))
		}
		if c := i64(t, r, "conversations"); c != int64(a.Windows) {
			t.Errorf("%s: %d conversations, want %d (one per window)", a.Where, c, a.Windows)
		}
	}
	for k, r := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected one-sided conversation %+v: %v", k, r)
		}
	}
	var wantFlagged []asymKey
	for _, a := range truth.SkipdataOneSide {
		wantFlagged = append(wantFlagged, asymKey{a.Kind, a.Src, a.Dst, a.Proto, a.DstPort, a.Windows})
	}
	if len(wantFlagged) == 0 || !reflect.DeepEqual(flagged, wantFlagged) {
		t.Errorf("skipdata-flagged %+v, want %+v", flagged, wantFlagged)
	}
	// Flagged rows sort last, and skipdata=exclude drops them.
	if rows[len(rows)-1]["skipdata"] != true {
		t.Errorf("flagged rows do not sort last")
	}
	for _, r := range run(t, sess, "asymmetric-flows", map[string]string{"skipdata": "exclude", "limit": "1000"}) {
		if r["skipdata"] == true {
			t.Errorf("skipdata=exclude kept %v", r)
		}
	}
}
