package flowgen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// row is one record as an independent reader sees it: values by column name.
type row struct {
	key  string
	k    flowlog.Key
	vals map[string]string
}

func (r row) s(col string) string { return r.vals[col] }

func (r row) n(t *testing.T, col string) int64 {
	t.Helper()
	v, ok := r.vals[col]
	if !ok || v == "-" {
		return -1
	}
	x, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: column %s: %v", r.key, col, err)
	}
	return x
}

type object struct {
	key    string
	gz     bool
	header bool
	head   flowlog.Header
	rows   []row
}

// readAll parses every object with the flowlog package's header and record checks, counting
// lines: nothing here uses the generator's own tallies.
func readAll(t *testing.T, m *MemSink) []object {
	t.Helper()
	var objs []object
	for _, key := range m.Keys() {
		data, _ := m.Get(key)
		o := object{key: key}
		var rd io.Reader = bytes.NewReader(data)
		if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
			zr, err := gzip.NewReader(rd)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			rd, o.gz = zr, true
		}
		if o.gz != strings.HasSuffix(key, ".log.gz") || !o.gz && !strings.HasSuffix(key, ".log") {
			t.Errorf("%s: gzip=%v does not match the name", key, o.gz)
		}
		k, ok := flowlog.ParseKey(key)
		if !ok {
			t.Fatalf("key does not parse: %s", key)
		}
		sc := bufio.NewScanner(rd)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			if line == 1 {
				if flowlog.LooksLikeHeader(sc.Bytes()) {
					h, err := flowlog.ParseHeader(sc.Text())
					if err != nil {
						t.Fatalf("%s: header: %v", key, err)
					}
					o.head, o.header = h, true
					continue
				}
				o.head = flowlog.DefaultHeader()
			}
			vals := flowlog.SplitFields(sc.Bytes(), nil)
			if err := o.head.Check(vals); err != nil {
				t.Fatalf("%s:%d: %v", key, line, err)
			}
			r := row{key: key, k: k, vals: map[string]string{}}
			for i, f := range o.head.Fields {
				r.vals[f.Column] = string(vals[i])
			}
			o.rows = append(o.rows, r)
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		objs = append(objs, o)
	}
	return objs
}

func generateSmall(t *testing.T, cfg Config) (*Truth, *MemSink, []object) {
	t.Helper()
	m := NewMemSink()
	tr, err := Generate(context.Background(), cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	return tr, m, readAll(t, m)
}

var small struct {
	tr   *Truth
	m    *MemSink
	objs []object
}

func smallData(t *testing.T) (*Truth, *MemSink, []object) {
	t.Helper()
	if small.tr == nil {
		small.tr, small.m, small.objs = generateSmall(t, Small())
	}
	return small.tr, small.m, small.objs
}

func allRows(objs []object) []row {
	var rs []row
	for _, o := range objs {
		rs = append(rs, o.rows...)
	}
	return rs
}

func TestDeterministic(t *testing.T) {
	cfg := Small()
	cfg.Workers = 1
	a := NewMemSink()
	ta, err := Generate(context.Background(), cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 5
	b := NewMemSink()
	tb, err := Generate(context.Background(), cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	ka, kb := a.Keys(), b.Keys()
	if strings.Join(ka, "\n") != strings.Join(kb, "\n") {
		t.Fatalf("keys differ between runs: %d vs %d", len(ka), len(kb))
	}
	for _, k := range ka {
		x, _ := a.Get(k)
		y, _ := b.Get(k)
		if !bytes.Equal(x, y) {
			t.Fatalf("object %s differs between runs", k)
		}
	}
	ja, _ := json.Marshal(ta)
	jb, _ := json.Marshal(tb)
	if !bytes.Equal(ja, jb) {
		t.Fatal("truth differs between runs")
	}
	cfg.Seed = 2
	c := NewMemSink()
	if _, err := Generate(context.Background(), cfg, c); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Keys(), "\n") == strings.Join(ka, "\n") {
		t.Fatal("another seed gave the same keys")
	}
}

var nameRE = regexp.MustCompile(`^(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-f]{17})_(\d{8}T\d{4}Z)_([0-9a-f]{8})\.log(\.gz)?$`)

func TestKeysAndCoverage(t *testing.T) {
	tr, _, objs := smallData(t)
	layoutOf := map[string]Layout{}
	formatOf := map[string]FlowLogInfo{}
	for _, fl := range tr.FlowLogs {
		layoutOf[fl.ID] = fl.Layout
		formatOf[fl.ID] = fl
	}
	layouts := map[Layout]int{}
	formats := map[string]int{}
	plain, headerless := 0, 0
	perStamp := map[string]int{}
	for _, o := range objs {
		k, _ := flowlog.ParseKey(o.key)
		m := nameRE.FindStringSubmatch(k.Name)
		if m == nil {
			t.Fatalf("file name %q is not AWS-shaped", k.Name)
		}
		if m[1] != k.Account || m[2] != k.Region || k.Prefix != "flowlogs" || k.Org != "" {
			t.Errorf("%s: name or key parts disagree: %+v", o.key, k)
		}
		fl := formatOf[m[3]]
		lay := layoutOf[m[3]]
		if fl.Account != k.Account || fl.Region != k.Region {
			t.Errorf("%s: flow log %s belongs to %s/%s", o.key, m[3], fl.Account, fl.Region)
		}
		if k.Hive != lay.Hive() || (k.Hour >= 0) != lay.Hourly() {
			t.Errorf("%s: key does not follow layout %s", o.key, lay)
		}
		stamp, err := time.Parse("20060102T1504Z", m[4])
		if err != nil {
			t.Fatal(err)
		}
		if stamp.Minute()%5 != 0 || !k.Date.Equal(stamp.Truncate(24*time.Hour)) || (k.Hour >= 0 && k.Hour != stamp.Hour()) {
			t.Errorf("%s: stamp %s does not match the key's date/hour", o.key, stamp)
		}
		layouts[lay]++
		formats[fl.Format]++
		if !o.gz {
			plain++
		}
		if !o.header {
			headerless++
			if fl.Format != "default" {
				t.Errorf("%s: header-less object of a %s flow log", o.key, fl.Format)
			}
		} else if o.head.Names() != fl.Header {
			t.Errorf("%s: header %q, flow log format %q", o.key, o.head.Names(), fl.Header)
		}
		perStamp[m[3]+m[4]]++
		for _, r := range o.rows {
			st, en := r.n(t, "start"), r.n(t, "end")
			if st < stamp.Unix() || en >= stamp.Add(5*time.Minute).Unix() || en < st || en-st > 60 {
				t.Fatalf("%s: start %d end %d outside window %s", o.key, st, en, stamp)
			}
			if a, ok := r.vals["account_id"]; ok && a != k.Account {
				t.Fatalf("%s: account %s in a record under account %s", o.key, a, k.Account)
			}
			if a, ok := r.vals["region"]; ok && a != k.Region {
				t.Fatalf("%s: region %s under region %s", o.key, a, k.Region)
			}
		}
	}
	for _, l := range AllLayouts {
		if layouts[l] == 0 {
			t.Errorf("no object in layout %s", l)
		}
	}
	for _, f := range AllFormats {
		if formats[f.Name] == 0 {
			t.Errorf("no object in format %s", f.Name)
		}
	}
	if plain == 0 || headerless == 0 {
		t.Errorf("plain objects %d, header-less %d: want some of each", plain, headerless)
	}
	multi := 0
	for _, n := range perStamp {
		if n > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Error("no window has several objects")
	}
	// The shuffled format has no account-id: a loader must take it from the key.
	if strings.Contains(FormatShuffled.Header(), "account-id") || !strings.HasSuffix(FormatShuffled.Header(), "version") {
		t.Error("shuffled format changed")
	}
	if len(tr.ByDate) != 2 {
		t.Errorf("Small should cross midnight: dates %v", tr.ByDate)
	}
}

func TestOrgAndPrefix(t *testing.T) {
	cfg := Small()
	cfg.Records, cfg.Span, cfg.Scenarios = 200, 10*time.Minute, false
	cfg.Prefix, cfg.Org = "team/a", "o-a1b2c3d4e5"
	_, _, objs := generateSmall(t, cfg)
	if len(objs) == 0 {
		t.Fatal("no objects")
	}
	for _, o := range objs {
		k, _ := flowlog.ParseKey(o.key)
		if k.Prefix != "team/a" || k.Org != "o-a1b2c3d4e5" {
			t.Fatalf("%s: prefix %q org %q", o.key, k.Prefix, k.Org)
		}
	}
}

// TestTruthMatchesRecount compares every tally in Truth with a count over the written files.
func TestTruthMatchesRecount(t *testing.T) {
	tr, _, objs := smallData(t)
	rows := allRows(objs)
	if int64(len(rows)) != tr.Records || len(objs) != tr.Objects || len(tr.Files) != len(objs) {
		t.Fatalf("records %d objects %d, truth says %d and %d (%d files)", len(rows), len(objs), tr.Records, tr.Objects, len(tr.Files))
	}
	want := map[string]int64{}
	for _, o := range objs {
		fs := tr.Files[o.key]
		if fs.Records != int64(len(o.rows)) || fs.Gzip != o.gz || fs.Header != o.header {
			t.Errorf("%s: truth %+v, file has %d rows gzip=%v header=%v", o.key, fs, len(o.rows), o.gz, o.header)
		}
	}
	for _, r := range rows {
		want["action:"+r.s("action")]++
		want["status:"+r.s("log_status")]++
		want["date:"+r.k.Date.Format(time.DateOnly)]++
		want["account:"+r.k.Account]++
		want["region:"+r.k.Region]++
	}
	got := map[string]int64{}
	for k, v := range tr.ByAction {
		got["action:"+k] = v
	}
	for k, v := range tr.ByStatus {
		got["status:"+k] = v
	}
	for k, v := range tr.ByDate {
		got["date:"+k] = v
	}
	for k, v := range tr.ByAccount {
		got["account:"+k] = v
	}
	for k, v := range tr.ByRegion {
		got["region:"+k] = v
	}
	compareMaps(t, "totals", got, want)
	for _, st := range []string{"OK", "NODATA", "SKIPDATA"} {
		if tr.ByStatus[st] == 0 {
			t.Errorf("no %s rows", st)
		}
	}
	for _, a := range []string{"ACCEPT", "REJECT", "-"} {
		if tr.ByAction[a] == 0 {
			t.Errorf("no %s rows", a)
		}
	}

	// Traffic tallies over OK rows.
	var v4, v6 Count
	ssh := map[string]*SourceStat{}
	ports := map[string]map[int64]bool{}
	pairs := map[[2]string]int64{}
	gaps := map[string]int64{}
	rejTCP := int64(0)
	for _, r := range rows {
		if r.s("log_status") == "SKIPDATA" {
			st := r.n(t, "start")
			gaps[r.s("interface_id")+"@"+time.Unix(st-st%3600, 0).UTC().Format(time.RFC3339)]++
		}
		if r.s("log_status") != "OK" {
			for _, c := range []string{"srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"} {
				if v, ok := r.vals[c]; ok && v != "-" {
					t.Fatalf("%s: %s row has %s=%s", r.key, r.s("log_status"), c, v)
				}
			}
			continue
		}
		src, err := netip.ParseAddr(r.s("srcaddr"))
		if err != nil {
			t.Fatalf("%s: srcaddr %q", r.key, r.s("srcaddr"))
		}
		c := &v4
		if src.Is6() {
			c = &v6
			if ty, ok := r.vals["type"]; ok && ty != "IPv6" {
				t.Fatalf("%s: IPv6 record with type %s", r.key, ty)
			}
		}
		c.Records++
		c.Bytes += r.n(t, "bytes")
		c.Packets += r.n(t, "packets")
		pairs[[2]string{r.s("srcaddr"), r.s("dstaddr")}] += r.n(t, "bytes")
		if r.s("action") == "REJECT" {
			s := r.s("srcaddr")
			if ports[s] == nil {
				ports[s] = map[int64]bool{}
			}
			ports[s][r.n(t, "dstport")] = true
			if r.n(t, "protocol") == 6 {
				rejTCP++
			}
		}
		if r.s("action") == "REJECT" && r.n(t, "protocol") == 6 && r.n(t, "dstport") == 22 {
			s := ssh[r.s("srcaddr")]
			if s == nil {
				s = &SourceStat{Source: r.s("srcaddr"), FirstStart: r.n(t, "start")}
				ssh[s.Source] = s
			}
			s.Records++
			s.FirstStart = min(s.FirstStart, r.n(t, "start"))
			s.LastStart = max(s.LastStart, r.n(t, "start"))
			s.LastEnd = max(s.LastEnd, r.n(t, "end"))
			if !contains(s.Targets, r.s("dstaddr")) {
				s.Targets = append(s.Targets, r.s("dstaddr"))
			}
		}
		if fl, ok := r.vals["tcp_flags"]; ok && r.n(t, "protocol") == 6 {
			switch fl {
			case "0", "1", "2", "3", "18", "19":
			default:
				t.Fatalf("%s: unexpected tcp-flags %s", r.key, fl)
			}
		}
	}
	if v4 != tr.IPv4 || v6 != tr.IPv6 || v6.Records == 0 {
		t.Errorf("IPv4 %+v IPv6 %+v, truth %+v %+v", v4, v6, tr.IPv4, tr.IPv6)
	}
	if rejTCP != tr.RejectedTCP {
		t.Errorf("rejected TCP %d, truth %d", rejTCP, tr.RejectedTCP)
	}
	if len(ssh) != len(tr.SSHRejects) {
		t.Errorf("%d SSH reject sources, truth %d", len(ssh), len(tr.SSHRejects))
	}
	for _, s := range tr.SSHRejects {
		g := ssh[s.Source]
		if g == nil {
			t.Errorf("truth SSH source %s not in the files", s.Source)
			continue
		}
		sort.Strings(g.Targets)
		if g.Records != s.Records || strings.Join(g.Targets, ",") != strings.Join(s.Targets, ",") ||
			g.FirstStart != s.FirstStart || g.LastStart != s.LastStart || g.LastEnd != s.LastEnd {
			t.Errorf("SSH source %s: files %+v, truth %+v", s.Source, *g, s)
		}
	}
	var scanners []string
	for s, p := range ports {
		if len(p) >= ScanThreshold {
			scanners = append(scanners, s)
		}
	}
	if len(scanners) != 1 || len(tr.PortScanners) != 1 || scanners[0] != tr.PortScanners[0].Source ||
		len(ports[scanners[0]]) != tr.PortScanners[0].Ports {
		t.Errorf("port scanners in files %v, truth %+v", scanners, tr.PortScanners)
	}
	var top [2]string
	var topB, second int64
	for p, b := range pairs {
		if b > topB {
			top, topB, second = p, b, topB
		} else if b > second {
			second = b
		}
	}
	if tr.TopPairs[0].Src != top[0] || tr.TopPairs[0].Dst != top[1] || tr.TopPairs[0].Bytes != topB {
		t.Errorf("top pair in files %v %d, truth %+v", top, topB, tr.TopPairs[0])
	}
	// Per instance (only where the file has the column), per source, and public destinations.
	inst, bySrc, rejSrc, pktSrc := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	natRows := 0
	for _, r := range rows {
		if r.s("log_status") != "OK" {
			continue
		}
		if i, ok := r.vals["instance_id"]; ok && i != "-" {
			inst[i] += r.n(t, "bytes")
		}
		bySrc[r.s("srcaddr")] += r.n(t, "bytes")
		if p, ok := r.vals["pkt_srcaddr"]; ok {
			pktSrc[p] += r.n(t, "bytes")
			if p != r.s("srcaddr") || r.s("pkt_dstaddr") != r.s("dstaddr") {
				natRows++
			}
		}
		if r.s("action") == "REJECT" {
			rejSrc[r.s("srcaddr")]++
		}
	}
	gotInst, gotSrc := map[string]int64{}, map[string]int64{}
	for k, v := range tr.Instances {
		gotInst[k] = v.Bytes
	}
	for k, v := range tr.BySource {
		gotSrc[k] = v.Bytes
	}
	compareMaps(t, "instance bytes", gotInst, inst)
	compareMaps(t, "source bytes", gotSrc, bySrc)
	compareMaps(t, "rejects by source", tr.RejectedBySource, rejSrc)
	gotPkt := map[string]int64{}
	for k, v := range tr.ByPktSource {
		gotPkt[k] = v.Bytes
	}
	compareMaps(t, "pkt-srcaddr bytes", gotPkt, pktSrc)
	if natRows == 0 {
		t.Error("no NAT gateway rows with pkt-srcaddr/pkt-dstaddr different from srcaddr/dstaddr")
	}

	gotGaps := map[string]int64{}
	for _, g := range tr.SkipdataGaps {
		gotGaps[g.Interface+"@"+g.Hour.Format(time.RFC3339)] = g.Rows
	}
	compareMaps(t, "skipdata gaps", gotGaps, gaps)
}

// TestPlanted checks the planted scenarios against hand-set numbers and the written records.
func TestPlanted(t *testing.T) {
	tr, _, objs := smallData(t)
	rows := allRows(objs)

	// SSH brute force: the planted attempt counts, and nothing else is REJECTed on 22.
	wantSSH := map[string]int64{"45.227.254.17": 60, "193.32.162.29": 36, "218.92.0.107": 20, "2a03:b0c0:3:d0::1a2b:1001": 12}
	wantTargets := map[string]int{"45.227.254.17": 5, "193.32.162.29": 3, "218.92.0.107": 2, "2a03:b0c0:3:d0::1a2b:1001": 2}
	if len(tr.SSHRejects) != len(wantSSH) || len(tr.SSHBruteForce) != len(wantSSH) {
		t.Fatalf("SSH rejects %+v", tr.SSHRejects)
	}
	for i, s := range tr.SSHRejects {
		if s.Records != wantSSH[s.Source] || len(s.Targets) != wantTargets[s.Source] || !s.Public {
			t.Errorf("SSH source %+v: want %d attempts on %d targets", s, wantSSH[s.Source], wantTargets[s.Source])
		}
		p := tr.SSHBruteForce[i]
		if p.Source != s.Source || p.Records != s.Records || strings.Join(p.Targets, ",") != strings.Join(s.Targets, ",") ||
			p.FirstStart != s.FirstStart || p.LastEnd != s.LastEnd {
			t.Errorf("planted %+v, written %+v", p, s)
		}
	}
	if tr.SSHRejects[0].Source != "45.227.254.17" {
		t.Errorf("most attempts should come first: %s", tr.SSHRejects[0].Source)
	}

	// Port scan: ScanPorts distinct REJECTed ports from one source.
	if tr.PortScan.Ports != 120 || tr.PortScanners[0].Ports != 120 || tr.PortScanners[0].Source != "162.142.125.33" {
		t.Errorf("port scan %+v, scanners %+v", tr.PortScan, tr.PortScanners)
	}

	// Heavy talker: the top pair, by a wide margin.
	h := tr.HeavyTalker
	if tr.TopPairs[0].Src != h.Src || tr.TopPairs[0].Dst != h.Dst || tr.TopPairs[0].Bytes != h.Bytes || tr.TopPairs[0].Packets != h.Packets {
		t.Errorf("heavy %+v, top pair %+v", h, tr.TopPairs[0])
	}
	if tr.TopPairs[2].Bytes*10 > h.Bytes || h.Records != int64(2*24) {
		t.Errorf("heavy %+v not clearly on top of %+v", h, tr.TopPairs[2])
	}

	// Public/private by CIDR, including the traps.
	for _, a := range []struct {
		addr   string
		public bool
	}{{"172.32.9.9", true}, {"100.64.12.7", false}, {"81.2.69.160", true}} {
		if isPublic(netip.MustParseAddr(a.addr)) != a.public {
			t.Fatalf("isPublic(%s) wrong in test helper", a.addr)
		}
	}
	for _, list := range [][]AddrStat{tr.PublicDestinations, tr.TopSources, tr.UDPSources, tr.HTTPSDestinations} {
		for _, a := range list {
			if isPublic(netip.MustParseAddr(a.Addr)) != a.Public {
				t.Errorf("%s marked public=%v", a.Addr, a.Public)
			}
		}
	}
	acc := map[string]int64{}
	for _, a := range tr.AcceptedFromPublic {
		acc[a.Source] += a.Records
	}
	compareMaps(t, "SSH/RDP accepted from public", acc, map[string]int64{"81.2.69.160": 3, "172.32.9.9": 2, "194.165.16.11": 4})

	// Every ACCEPTed OK record has its reverse 5-tuple in the same window, except the planted
	// one-sided conversations.
	type tuple struct {
		src, dst, sp, dp, proto string
		win                     int64
	}
	seen := map[tuple]string{}
	for _, r := range rows {
		if r.s("log_status") == "OK" {
			seen[tuple{r.s("srcaddr"), r.s("dstaddr"), r.s("srcport"), r.s("dstport"), r.s("protocol"), r.n(t, "start") / 300}] += r.s("action") + " "
		}
	}
	oneSided := map[[2]string]string{}
	for _, a := range append(append([]AsymPair{}, tr.Asymmetric...), tr.SkipdataOneSide...) {
		oneSided[[2]string{a.Src, a.Dst}] = a.Kind
	}
	found := map[[2]string]string{}
	for tp, acts := range seen {
		if !strings.Contains(acts, "ACCEPT") {
			continue
		}
		rev, ok := seen[tuple{tp.dst, tp.src, tp.dp, tp.sp, tp.proto, tp.win}]
		kind := ""
		switch {
		case !ok:
			kind = "reverse-missing"
		case !strings.Contains(rev, "ACCEPT"):
			kind = "reverse-rejected"
		case strings.Contains(rev, "REJECT"):
			kind = "reverse-rejected"
		default:
			continue
		}
		pair := [2]string{tp.src, tp.dst}
		if oneSided[pair] == "" {
			t.Errorf("unplanted one-sided conversation %+v (%s, reverse %q)", tp, kind, rev)
		}
		found[pair] = kind
	}
	for p, k := range oneSided {
		if found[p] != k {
			t.Errorf("planted %s pair %v found as %q", k, p, found[p])
		}
	}

	// Why cases: records between the two addresses, both ways, by ENI and action.
	for _, c := range tr.Why {
		var between []row
		for _, r := range rows {
			s, d := r.s("srcaddr"), r.s("dstaddr")
			if s == c.Src && d == c.Dst || s == c.Dst && d == c.Src {
				between = append(between, r)
			}
		}
		if int64(len(between)) != c.Records {
			t.Errorf("why %s: %d records between %s and %s, truth %d", c.Name, len(between), c.Src, c.Dst, c.Records)
		}
		shape := map[string]int{}
		for _, r := range between {
			dir := "fwd"
			if r.s("srcaddr") == c.Dst {
				dir = "rev"
			}
			side := "src"
			if r.s("interface_id") == c.DstENI {
				side = "dst"
			}
			shape[side+"-"+dir+"-"+r.s("action")]++
		}
		n := 4 // windows per case
		want := map[string]map[string]int{
			VerdictHealthy:    {"src-fwd-ACCEPT": n, "src-rev-ACCEPT": n, "dst-fwd-ACCEPT": n, "dst-rev-ACCEPT": n},
			VerdictNACLReturn: {"src-fwd-ACCEPT": n, "dst-fwd-ACCEPT": n, "dst-rev-REJECT": n},
			VerdictSGDeny:     {"src-fwd-ACCEPT": n, "dst-fwd-REJECT": n},
			VerdictPathLoss:   {"src-fwd-ACCEPT": n},
			VerdictNoListener: {"src-fwd-ACCEPT": n, "dst-fwd-ACCEPT": n},
			VerdictNoCoverage: {},
			"mixed":           {"src-fwd-ACCEPT": 6, "src-rev-ACCEPT": 3, "dst-fwd-ACCEPT": 3, "dst-rev-ACCEPT": 3, "dst-fwd-REJECT": 3},
		}[c.Name]
		if !equalInts(shape, want) {
			t.Errorf("why %s: record shape %v, want %v", c.Name, shape, want)
		}
		if c.Name == VerdictNoListener {
			for _, r := range between {
				if r.s("tcp_flags") != "2" {
					t.Errorf("no-listener record with tcp-flags %s", r.s("tcp_flags"))
				}
			}
		}
		if c.Name == "mixed" && (len(c.Phases) != 2 || c.Phases[0].LastEnd >= c.Phases[1].FirstStart || c.Verdict != VerdictSGDeny) {
			t.Errorf("mixed phases %+v", c.Phases)
		}
	}
	if len(tr.Why) != 7 {
		t.Errorf("%d why cases", len(tr.Why))
	}
	nc, _ := tr.FindWhy(VerdictNoCoverage)
	nodata := 0
	for _, r := range rows {
		if r.s("interface_id") == nc.SrcENI && r.s("log_status") == "NODATA" {
			nodata++
		}
	}
	if nodata != 24 {
		t.Errorf("no-coverage source ENI has %d NODATA rows, want one per window (24)", nodata)
	}
}

func TestDirSink(t *testing.T) {
	dir := t.TempDir()
	s := DirSink(dir)
	key := "p/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/x.log.gz"
	if err := s.Put(context.Background(), key, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), key, []byte("abcd")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil || string(b) != "abcd" {
		t.Fatalf("read back %q, %v", b, err)
	}
	ents, _ := os.ReadDir(filepath.Dir(filepath.Join(dir, filepath.FromSlash(key))))
	if len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, "a/b", nil); err == nil {
		t.Fatal("Put ignored a cancelled context")
	}
}

func TestSyncBenchObjects(t *testing.T) {
	cfg := SyncBench(200)
	cfg.Records = 200 * 20 // keep the test fast; the object count does not depend on it
	m := NewMemSink()
	tr, err := Generate(context.Background(), cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 200 || tr.Objects != 200 {
		t.Fatalf("%d objects, want 200", m.Len())
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, Small(), NewMemSink()); err == nil {
		t.Fatal("Generate ignored a cancelled context")
	}
}

func isPublic(a netip.Addr) bool {
	for _, p := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
		"127.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128"} {
		if netip.MustParsePrefix(p).Contains(a) {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func equalInts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func compareMaps(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s: truth %d, files %d", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: truth %d, not in files", what, k, v)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"short account", func(c *Config) { c.Accounts = []string{"12345"} }},
		{"letters in account", func(c *Config) { c.Accounts = []string{"12345678901a"} }},
		{"unknown field", func(c *Config) { c.Formats = []Format{{Name: "x", Fields: []string{"version", "bogus"}}} }},
		{"too many flow logs", func(c *Config) {
			c.Accounts = nil
			for i := 0; i < 130; i++ {
				c.Accounts = append(c.Accounts, "1000000000"+strconv.Itoa(10 + i%90)[:2])
			}
			c.Regions = []string{"us-east-1", "eu-west-1"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Small()
			tc.mod(&cfg)
			m := NewMemSink()
			if _, err := Generate(context.Background(), cfg, m); err == nil || m.Len() != 0 {
				t.Fatalf("err %v, %d objects written", err, m.Len())
			}
		})
	}
}
