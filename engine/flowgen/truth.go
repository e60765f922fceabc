package flowgen

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// Truth is what the generator planted and what it actually wrote. Planted scenario answers come
// from the plan; every count under "observed" is tallied while records are written. Only
// log-status OK rows count in the traffic aggregates (NODATA/SKIPDATA rows carry no addresses).
// Times are Unix seconds, as in the records' start and end fields.
type Truth struct {
	Seed     int64         `json:"seed"`
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Window   string        `json:"window"`
	FlowLogs []FlowLogInfo `json:"flow_logs"`

	// Planted scenarios.
	SSHBruteForce   []SourceStat `json:"ssh_brute_force"`   // TCP 22 REJECT by public source
	SSHAdmin        []AccessStat `json:"ssh_admin"`         // TCP 22 ACCEPT: public admin, plus a CGNAT (100.64/10, not public) source
	RDPProbes       []RDPProbe   `json:"rdp_probes"`        // TCP 3389 from the internet
	PortScan        *PortScan    `json:"port_scan"`         // one source, many REJECTed ports
	HeavyTalker     *Heavy       `json:"heavy_talker"`      // the clear top src→dst pair by bytes
	Asymmetric      []AsymPair   `json:"asymmetric"`        // every one-sided conversation, including the why cases
	SkipdataGaps    []Gap        `json:"skipdata_gaps"`     // SKIPDATA rows per ENI and hour (as written)
	SkipdataOneSide []AsymPair   `json:"skipdata_one_side"` // one-sided only because the ENI skipped records (false positive)
	Why             []WhyCase    `json:"why"`

	// Observed totals.
	Records   int64               `json:"records"`
	Objects   int                 `json:"objects"`
	ByAction  map[string]int64    `json:"by_action"`     // ACCEPT, REJECT, "-"
	ByStatus  map[string]int64    `json:"by_log_status"` // OK, NODATA, SKIPDATA
	ByDate    map[string]int64    `json:"by_date"`       // key date "2006-01-02" → records
	ByAccount map[string]int64    `json:"by_account"`
	ByRegion  map[string]int64    `json:"by_region"`
	ByFormat  map[string]int64    `json:"by_format"` // format name → records
	Files     map[string]FileStat `json:"files"`     // object key → what it holds

	Bytes      int64         `json:"bytes"`   // OK rows
	Packets    int64         `json:"packets"` // OK rows
	IPv4       Count         `json:"ipv4"`    // OK rows by address family of srcaddr
	IPv6       Count         `json:"ipv6"`
	ByProtocol map[int]Count `json:"by_protocol"`

	RejectedTCP        int64            `json:"rejected_tcp"` // OK rows, protocol 6, REJECT
	RejectedByDstPort  map[int]int64    `json:"rejected_by_dst_port"`
	RejectedBySource   map[string]int64 `json:"rejected_by_source"`   // REJECT rows by srcaddr
	SSHRejects         []SourceStat     `json:"ssh_rejects"`          // every source of TCP 22 REJECTs, most first
	RDPRejects         []SourceStat     `json:"rdp_rejects"`          // every source of TCP 3389 REJECTs, most first
	AcceptedFromPublic []AccessStat     `json:"accepted_from_public"` // TCP 22/3389 ACCEPT rows with a public srcaddr
	PortScanners       []ScanStat       `json:"port_scanners"`        // sources with ≥ ScanThreshold distinct REJECTed dstports
	TopPairs           []PairStat       `json:"top_pairs"`            // top 20 src→dst by bytes
	TopSources         []AddrStat       `json:"top_sources"`          // top 20 srcaddr by bytes
	TopDestinations    []AddrStat       `json:"top_destinations"`     // top 20 dstaddr by bytes
	HTTPSDestinations  []AddrStat       `json:"https_destinations"`   // dstport 443 (any protocol) by dstaddr, most packets first
	PublicDestinations []AddrStat       `json:"public_destinations"`  // public dstaddr (IPv6 GUA ENI addresses are public too) by bytes, all actions, most first
	UDPSources         []AddrStat       `json:"udp_sources"`          // protocol 17 by srcaddr, most bytes first (all)
	ByPktSource        map[string]Count `json:"by_pkt_source"`        // pkt-srcaddr → OK rows, only rows whose format has pkt-srcaddr
	BySource           map[string]Count `json:"by_source"`            // srcaddr → OK rows (every address)
	ByDest             map[string]Count `json:"by_dest"`              // dstaddr → OK rows (every address)
	// By the logging ENI, counting only rows whose file format has the column (a default-format
	// row has no instance-id: the table shows NULL there).
	Interfaces map[string]Count `json:"interfaces"` // interface-id → OK rows
	Instances  map[string]Count `json:"instances"`  // instance-id → OK rows (not "-")
	Subnets    map[string]Count `json:"subnets"`    // subnet-id → OK rows
}

// ScanThreshold is the number of distinct REJECTed destination ports that makes a source a
// port scanner in Truth.PortScanners. Background noise probes far fewer ports.
const ScanThreshold = 20

// Count is records, packets and bytes.
type Count struct {
	Records int64 `json:"records"`
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
}

// FlowLogInfo describes one flow log (one VPC) and its interfaces.
type FlowLogInfo struct {
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	Region     string    `json:"region"`
	VPC        string    `json:"vpc"`
	Layout     Layout    `json:"layout"`
	Format     string    `json:"format"`
	Header     string    `json:"header"`
	Interfaces []ENIInfo `json:"interfaces"`
}

// ENIInfo describes one interface.
type ENIInfo struct {
	ID       string `json:"id"`
	Instance string `json:"instance"`
	Subnet   string `json:"subnet"`
	AZ       string `json:"az"`
	IPv4     string `json:"ipv4"`
	IPv6     string `json:"ipv6,omitempty"`
	Role     string `json:"role"`
}

// FileStat is what one object holds.
type FileStat struct {
	FlowLog string `json:"flow_log"`
	Format  string `json:"format"`
	Records int64  `json:"records"`
	Size    int    `json:"size"` // object bytes as written
	Gzip    bool   `json:"gzip"`
	Header  bool   `json:"header"`
	Date    string `json:"date"`
}

// SourceStat is rejected attempts from one source.
type SourceStat struct {
	Source     string   `json:"source"`
	Public     bool     `json:"public"`
	Records    int64    `json:"records"`
	Packets    int64    `json:"packets"`
	Targets    []string `json:"targets"` // distinct dstaddr, sorted
	FirstStart int64    `json:"first_start"`
	LastStart  int64    `json:"last_start"`
	LastEnd    int64    `json:"last_end"`
}

// AccessStat is ACCEPTed records from one source to one destination port.
type AccessStat struct {
	Source  string `json:"source"`
	Dest    string `json:"dest"`
	Port    int    `json:"port"`
	Public  bool   `json:"public"`
	Records int64  `json:"records"`
}

// RDPProbe is one planted RDP source.
type RDPProbe struct {
	Source          string   `json:"source"`
	Rejected        int64    `json:"rejected"`
	Accepted        int64    `json:"accepted"` // inbound requests ACCEPTed (replies not counted)
	AcceptedTargets []string `json:"accepted_targets"`
}

// PortScan is the planted scanner.
type PortScan struct {
	Source  string `json:"source"`
	Target  string `json:"target"`
	Ports   int    `json:"ports"` // distinct REJECTed dstports
	Records int64  `json:"records"`
}

// Heavy is the planted heavy talker. Bytes and packets sum every record from Src to Dst (both
// ENIs log it, so each transfer counts twice, as a query over the table sees it).
type Heavy struct {
	Src          string `json:"src"`
	Dst          string `json:"dst"`
	Port         int    `json:"port"`
	Records      int64  `json:"records"`
	Bytes        int64  `json:"bytes"`
	Packets      int64  `json:"packets"`
	ReverseBytes int64  `json:"reverse_bytes"`
}

// AsymPair is a one-sided conversation. Kind is "reverse-rejected" (the reverse 5-tuple is
// REJECTed) or "reverse-missing" (never seen).
type AsymPair struct {
	Kind    string `json:"kind"`
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	Proto   int    `json:"proto"`
	DstPort int    `json:"dst_port"`
	SrcENI  string `json:"src_eni"`
	DstENI  string `json:"dst_eni,omitempty"` // empty when the destination is outside the VPC
	Where   string `json:"where"`             // the scenario that planted it
	Windows int    `json:"windows"`           // how many delivery windows it occurs in
}

// Gap is SKIPDATA rows of one ENI in one hour.
type Gap struct {
	Interface string    `json:"interface"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	Hour      time.Time `json:"hour"`
	Rows      int64     `json:"rows"`
}

// WhyCase is a planted `flowq why` scenario between two addresses.
type WhyCase struct {
	Name    string  `json:"name"`    // nacl-return, sg-deny, path-loss, no-listener, healthy, no-coverage, mixed
	Verdict string  `json:"verdict"` // the latest phase's verdict
	Src     string  `json:"src"`
	Dst     string  `json:"dst"`
	Proto   int     `json:"proto"`
	DstPort int     `json:"dst_port"`
	SrcENI  string  `json:"src_eni"`
	DstENI  string  `json:"dst_eni,omitempty"`
	Records int64   `json:"records"` // records between the two addresses, both directions
	Phases  []Phase `json:"phases"`  // in time order; empty for no-coverage
}

// Phase is a stretch of time with one verdict.
type Phase struct {
	Verdict    string `json:"verdict"`
	FirstStart int64  `json:"first_start"`
	LastEnd    int64  `json:"last_end"`
	Records    int64  `json:"records"`
}

// ScanStat is a source's distinct REJECTed ports.
type ScanStat struct {
	Source  string `json:"source"`
	Ports   int    `json:"ports"`
	Records int64  `json:"records"`
}

// PairStat is traffic from Src to Dst.
type PairStat struct {
	Src string `json:"src"`
	Dst string `json:"dst"`
	Count
}

// AddrStat is traffic of one address.
type AddrStat struct {
	Addr   string `json:"addr"`
	Public bool   `json:"public"`
	Count
}

// WriteJSON writes the truth as indented JSON.
func (t *Truth) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return fmt.Errorf("flowgen: write truth: %w", err)
	}
	return nil
}

// ReadTruth reads a truth.json written by WriteJSON.
func ReadTruth(r io.Reader) (*Truth, error) {
	var t Truth
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("flowgen: read truth: %w", err)
	}
	return &t, nil
}

// FindWhy returns the planted why case with the given name.
func (t *Truth) FindWhy(name string) (WhyCase, bool) {
	for _, c := range t.Why {
		if c.Name == name {
			return c, true
		}
	}
	return WhyCase{}, false
}

// SSHRejectsFrom returns the observed TCP 22 REJECT stats of one source.
func (t *Truth) SSHRejectsFrom(src string) (SourceStat, bool) {
	for _, s := range t.SSHRejects {
		if s.Source == src {
			return s, true
		}
	}
	return SourceStat{}, false
}

// srcAgg accumulates rejected attempts from one source.
type srcAgg struct {
	records, packets               int64
	targets                        map[int]struct{}
	firstStart, lastStart, lastEnd int64
}

func (a *srcAgg) add(r *rec) {
	if a.records == 0 || r.start < a.firstStart {
		a.firstStart = r.start
	}
	if r.start > a.lastStart {
		a.lastStart = r.start
	}
	if r.end > a.lastEnd {
		a.lastEnd = r.end
	}
	a.records++
	a.packets += r.packets
	if a.targets == nil {
		a.targets = map[int]struct{}{}
	}
	a.targets[r.dst] = struct{}{}
}

func (a *srcAgg) merge(b *srcAgg) {
	if b.records == 0 {
		return
	}
	if a.records == 0 || b.firstStart < a.firstStart {
		a.firstStart = b.firstStart
	}
	a.lastStart = max(a.lastStart, b.lastStart)
	a.lastEnd = max(a.lastEnd, b.lastEnd)
	a.records += b.records
	a.packets += b.packets
	if a.targets == nil {
		a.targets = map[int]struct{}{}
	}
	for t := range b.targets {
		a.targets[t] = struct{}{}
	}
}

type accessKey struct{ src, dst, port int }
type gapKey struct {
	eni  int
	hour int64
}

// acc tallies what one worker wrote; accs are merged when all objects are written.
type acc struct {
	records, objects int64
	byAction         [3]int64
	byStatus         [3]int64
	byDate           map[string]int64
	byAccount        map[string]int64
	byRegion         map[string]int64
	byFormat         map[string]int64
	files            map[string]FileStat
	fam              [2]Count
	proto            [256]Count
	rejectedTCP      int64
	rejPort          map[int]int64
	ssh, rdp         map[int]*srcAgg
	access           map[accessKey]int64
	rejPorts         map[int]map[int]struct{} // source → distinct REJECTed dstports
	rejBySrc         map[int]int64
	pairs            map[uint64]*Count
	pktSrc           map[int]*Count
	udp              map[int]*Count
	https            map[int]*Count
	iface            []Count
	gaps             map[gapKey]int64
}

func newAcc(nENI int) *acc {
	return &acc{
		byDate: map[string]int64{}, byAccount: map[string]int64{}, byRegion: map[string]int64{},
		byFormat: map[string]int64{}, files: map[string]FileStat{}, rejPort: map[int]int64{},
		ssh: map[int]*srcAgg{}, rdp: map[int]*srcAgg{}, access: map[accessKey]int64{},
		rejPorts: map[int]map[int]struct{}{}, rejBySrc: map[int]int64{}, pairs: map[uint64]*Count{}, pktSrc: map[int]*Count{},
		udp: map[int]*Count{}, https: map[int]*Count{}, iface: make([]Count, nENI), gaps: map[gapKey]int64{},
	}
}

// add counts one record.
func (c *Count) add(r *rec) {
	c.Records++
	c.Packets += r.packets
	c.Bytes += r.bytes
}

// countAt returns m's count under k, adding a zero one when missing.
func countAt[K comparable](m map[K]*Count, k K) *Count {
	c := m[k]
	if c == nil {
		c = &Count{}
		m[k] = c
	}
	return c
}

// add tallies one written record.
func (a *acc) add(w *world, r *rec) {
	a.records++
	a.byAction[r.action]++
	a.byStatus[r.status]++
	if r.status == stSkipData {
		a.gaps[gapKey{r.eni.idx, r.start - r.start%3600}]++
	}
	if r.status != stOK {
		return
	}
	a.iface[r.eni.idx].add(r)
	fam := 0
	if w.addrs[r.src].v6 {
		fam = 1
	}
	a.fam[fam].add(r)
	a.proto[r.proto].add(r)
	countAt(a.pairs, uint64(r.src)<<32|uint64(r.dst)).add(r)
	if r.proto == 17 {
		countAt(a.udp, r.src).add(r)
	}
	if w.fls[r.eni.fl].hasPkt {
		countAt(a.pktSrc, r.pktSrc()).add(r)
	}
	if r.dport == 443 {
		countAt(a.https, r.dst).add(r)
	}
	switch r.action {
	case actReject:
		a.rejPort[r.dport]++
		a.rejBySrc[r.src]++
		ports := a.rejPorts[r.src]
		if ports == nil {
			ports = map[int]struct{}{}
			a.rejPorts[r.src] = ports
		}
		ports[r.dport] = struct{}{}
		if r.proto == 6 {
			a.rejectedTCP++
			if r.dport == 22 || r.dport == 3389 {
				m := a.ssh
				if r.dport == 3389 {
					m = a.rdp
				}
				s := m[r.src]
				if s == nil {
					s = &srcAgg{}
					m[r.src] = s
				}
				s.add(r)
			}
		}
	case actAccept:
		if r.proto == 6 && (r.dport == 22 || r.dport == 3389) {
			a.access[accessKey{r.src, r.dst, r.dport}]++
		}
	}
}

func mergeCounts[K comparable](dst, src map[K]*Count) {
	for k, v := range src {
		c := countAt(dst, k)
		*c = addC(*c, *v)
	}
}

func mergeStr(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// merge adds b into a. Every tally is a sum, min, max or union, so the order of merges (and
// of the workers' objects) cannot change the result.
func (a *acc) merge(b *acc) {
	a.records += b.records
	a.objects += b.objects
	for i := range a.byAction {
		a.byAction[i] += b.byAction[i]
		a.byStatus[i] += b.byStatus[i]
	}
	mergeStr(a.byDate, b.byDate)
	mergeStr(a.byAccount, b.byAccount)
	mergeStr(a.byRegion, b.byRegion)
	mergeStr(a.byFormat, b.byFormat)
	for k, v := range b.files {
		a.files[k] = v
	}
	for i := range a.fam {
		a.fam[i] = addC(a.fam[i], b.fam[i])
	}
	for i := range a.proto {
		a.proto[i] = addC(a.proto[i], b.proto[i])
	}
	a.rejectedTCP += b.rejectedTCP
	for k, v := range b.rejPort {
		a.rejPort[k] += v
	}
	for k, v := range b.rejBySrc {
		a.rejBySrc[k] += v
	}
	for _, pair := range [][2]map[int]*srcAgg{{a.ssh, b.ssh}, {a.rdp, b.rdp}} {
		for k, v := range pair[1] {
			s := pair[0][k]
			if s == nil {
				s = &srcAgg{}
				pair[0][k] = s
			}
			s.merge(v)
		}
	}
	for k, v := range b.access {
		a.access[k] += v
	}
	for k, v := range b.rejPorts {
		ports := a.rejPorts[k]
		if ports == nil {
			a.rejPorts[k] = v
			continue
		}
		for p := range v {
			ports[p] = struct{}{}
		}
	}
	mergeCounts(a.pairs, b.pairs)
	mergeCounts(a.udp, b.udp)
	mergeCounts(a.pktSrc, b.pktSrc)
	mergeCounts(a.https, b.https)
	for i := range a.iface {
		a.iface[i] = addC(a.iface[i], b.iface[i])
	}
	for k, v := range b.gaps {
		a.gaps[k] += v
	}
}

func addC(a, b Count) Count {
	return Count{a.Records + b.Records, a.Packets + b.Packets, a.Bytes + b.Bytes}
}

// fill writes the tallies into t, sorting every list with a total order so that the JSON is
// byte-identical for a seed.
func (a *acc) fill(w *world, t *Truth) {
	t.Records = a.records
	t.Objects = int(a.objects)
	t.ByAction = map[string]int64{}
	t.ByStatus = map[string]int64{}
	for i := range a.byAction {
		if a.byAction[i] > 0 {
			t.ByAction[actionText[i]] = a.byAction[i]
		}
		if a.byStatus[i] > 0 {
			t.ByStatus[statusText[i]] = a.byStatus[i]
		}
	}
	t.ByDate, t.ByAccount, t.ByRegion, t.ByFormat, t.Files = a.byDate, a.byAccount, a.byRegion, a.byFormat, a.files
	t.IPv4, t.IPv6 = a.fam[0], a.fam[1]
	t.Bytes = a.fam[0].Bytes + a.fam[1].Bytes
	t.Packets = a.fam[0].Packets + a.fam[1].Packets
	t.ByProtocol = map[int]Count{}
	for p, c := range a.proto {
		if c.Records > 0 {
			t.ByProtocol[p] = c
		}
	}
	t.RejectedTCP = a.rejectedTCP
	t.RejectedByDstPort = map[int]int64{}
	for p, n := range a.rejPort {
		t.RejectedByDstPort[p] = n
	}
	t.RejectedBySource = map[string]int64{}
	for src, n := range a.rejBySrc {
		t.RejectedBySource[w.addrs[src].s] = n
	}
	t.SSHRejects = w.sourceStats(a.ssh)
	t.RDPRejects = w.sourceStats(a.rdp)
	t.AcceptedFromPublic = nil
	for k, n := range a.access {
		if w.addrs[k.src].public {
			t.AcceptedFromPublic = append(t.AcceptedFromPublic, AccessStat{Source: w.addrs[k.src].s,
				Dest: w.addrs[k.dst].s, Port: k.port, Public: true, Records: n})
		}
	}
	sort.Slice(t.AcceptedFromPublic, func(i, j int) bool {
		x, y := t.AcceptedFromPublic[i], t.AcceptedFromPublic[j]
		if x.Records != y.Records {
			return x.Records > y.Records
		}
		if x.Source != y.Source {
			return x.Source < y.Source
		}
		if x.Dest != y.Dest {
			return x.Dest < y.Dest
		}
		return x.Port < y.Port
	})
	t.PortScanners = nil
	for src, ports := range a.rejPorts {
		if len(ports) >= ScanThreshold {
			t.PortScanners = append(t.PortScanners, ScanStat{Source: w.addrs[src].s, Ports: len(ports), Records: a.rejBySrc[src]})
		}
	}
	sort.Slice(t.PortScanners, func(i, j int) bool {
		x, y := t.PortScanners[i], t.PortScanners[j]
		if x.Ports != y.Ports {
			return x.Ports > y.Ports
		}
		return x.Source < y.Source
	})

	var pairs []PairStat
	srcs, dsts := map[int]*Count{}, map[int]*Count{}
	for k, c := range a.pairs {
		s, d := int(k>>32), int(k&0xffffffff)
		pairs = append(pairs, PairStat{Src: w.addrs[s].s, Dst: w.addrs[d].s, Count: *c})
		sc, dc := countAt(srcs, s), countAt(dsts, d)
		*sc, *dc = addC(*sc, *c), addC(*dc, *c)
	}
	sort.Slice(pairs, func(i, j int) bool {
		x, y := pairs[i], pairs[j]
		if x.Bytes != y.Bytes {
			return x.Bytes > y.Bytes
		}
		if x.Src != y.Src {
			return x.Src < y.Src
		}
		return x.Dst < y.Dst
	})
	t.TopPairs = pairs[:min(20, len(pairs))]
	t.TopSources = w.addrStats(srcs, 20, false)
	t.TopDestinations = w.addrStats(dsts, 20, false)
	t.HTTPSDestinations = w.addrStats(a.https, 0, true)
	t.UDPSources = w.addrStats(a.udp, 0, false)
	pub := map[int]*Count{}
	for k, v := range dsts {
		if w.addrs[k].public {
			pub[k] = v
		}
	}
	t.PublicDestinations = w.addrStats(pub, 0, false)
	t.ByPktSource = map[string]Count{}
	for k, v := range a.pktSrc {
		t.ByPktSource[w.addrs[k].s] = *v
	}
	t.BySource, t.ByDest = map[string]Count{}, map[string]Count{}
	for k, v := range srcs {
		t.BySource[w.addrs[k].s] = *v
	}
	for k, v := range dsts {
		t.ByDest[w.addrs[k].s] = *v
	}

	t.SkipdataGaps = nil
	for k, n := range a.gaps {
		e := w.enis[k.eni]
		fl := w.fls[e.fl]
		t.SkipdataGaps = append(t.SkipdataGaps, Gap{Interface: e.id, Account: fl.account, Region: fl.region,
			Hour: time.Unix(k.hour, 0).UTC(), Rows: n})
	}
	sort.Slice(t.SkipdataGaps, func(i, j int) bool {
		x, y := t.SkipdataGaps[i], t.SkipdataGaps[j]
		if !x.Hour.Equal(y.Hour) {
			return x.Hour.Before(y.Hour)
		}
		return x.Interface < y.Interface
	})

	t.Interfaces, t.Instances, t.Subnets = map[string]Count{}, map[string]Count{}, map[string]Count{}
	for i, c := range a.iface {
		if c.Records == 0 {
			continue
		}
		e := w.enis[i]
		fl := w.fls[e.fl]
		if fl.has(fInterface) {
			t.Interfaces[e.id] = addC(t.Interfaces[e.id], c)
		}
		if e.instance != "-" && fl.has(fInstance) {
			t.Instances[e.instance] = addC(t.Instances[e.instance], c)
		}
		if fl.has(fSubnet) {
			t.Subnets[e.subnet] = addC(t.Subnets[e.subnet], c)
		}
	}
}

func (w *world) sourceStats(m map[int]*srcAgg) []SourceStat {
	out := make([]SourceStat, 0, len(m))
	for src, s := range m {
		st := SourceStat{Source: w.addrs[src].s, Public: w.addrs[src].public, Records: s.records, Packets: s.packets,
			FirstStart: s.firstStart, LastStart: s.lastStart, LastEnd: s.lastEnd}
		for t := range s.targets {
			st.Targets = append(st.Targets, w.addrs[t].s)
		}
		sort.Strings(st.Targets)
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Records != out[j].Records {
			return out[i].Records > out[j].Records
		}
		return out[i].Source < out[j].Source
	})
	return out
}

// addrStats lists addresses by bytes (or packets), most first; limit 0 means all.
func (w *world) addrStats(m map[int]*Count, limit int, byPackets bool) []AddrStat {
	out := make([]AddrStat, 0, len(m))
	for k, c := range m {
		out = append(out, AddrStat{Addr: w.addrs[k].s, Public: w.addrs[k].public, Count: *c})
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		a, b := x.Bytes, y.Bytes
		if byPackets {
			a, b = x.Packets, y.Packets
		}
		if a != b {
			return a > b
		}
		return x.Addr < y.Addr
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
