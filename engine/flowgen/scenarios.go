package flowgen

import (
	"math/rand/v2"
	"sort"
	"time"
)

// Public addresses the scenarios use; interned before the random pools so no background
// traffic shares them.
const (
	adminSSH      = "81.2.69.160"
	adminSSHTrap  = "172.32.9.9"  // public, though it looks like 172.16/12
	internalSSH   = "100.64.12.7" // RFC 6598 shared space: not public
	rdpRejected1  = "89.248.165.74"
	rdpTooOpen    = "194.165.16.11"
	rdpRejected2  = "92.63.197.153"
	scanner       = "162.142.125.33"
	asymRejected  = "34.195.77.12"
	asymMissing   = "52.94.133.131"
	skipOneSided  = "13.32.99.10"
	noCoverageDst = "10.0.200.250"
)

// SSHAttackers are the planted SSH brute-force sources, most attempts first.
var SSHAttackers = []string{"45.227.254.17", "193.32.162.29", "218.92.0.107", "2a03:b0c0:3:d0::1a2b:1001"}

var (
	sshAttempts = []int{60, 36, 20, 12}
	sshTargets  = []int{5, 3, 2, 2}
)

var scenarioPublic = append([]string{adminSSH, adminSSHTrap, rdpRejected1, rdpTooOpen, rdpRejected2, scanner,
	asymRejected, asymMissing, skipOneSided}, SSHAttackers...)

// plan holds the planted records by job, and the ENIs whose records a job skips.
type plan struct {
	jobs map[int][]rec
	gaps map[int][]*eni
}

type planner struct {
	w        *world
	r        *rand.Rand
	p        *plan
	t        *Truth
	excluded map[int]bool // ENIs no scenario may target (SKIPDATA gaps, jump host)
}

func (pl *planner) add(win int, r rec) {
	j := win*len(pl.w.fls) + r.eni.fl
	pl.p.jobs[j] = append(pl.p.jobs[j], r)
}

func (pl *planner) times(win int) (int64, int64) {
	ws := pl.w.cfg.Start.Unix() + int64(win)*int64(pl.w.cfg.Window.Seconds())
	return windowTimes(pl.r, ws, int64(pl.w.cfg.Window.Seconds()))
}

// win maps a fraction of the span to a window.
func (pl *planner) win(f float64) int {
	return min(max(int(f*float64(pl.w.windows)), 0), pl.w.windows-1)
}

// spread picks k windows evenly between fractions from and to, in time order.
func (pl *planner) spread(k int, from, to float64) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = pl.win(from + (to-from)*float64(i)/float64(k))
	}
	return out
}

func (pl *planner) fl(i int) *flowLog { return pl.w.fls[i%len(pl.w.fls)] }

func (pl *planner) special(fl *flowLog, v6 bool) *eni {
	e := pl.w.newENI(pl.r, fl, "special", v6)
	fl.special = append(fl.special, e)
	return e
}

// one is a single planted record.
func one(e *eni, src, dst, sport, dport, proto int, pk, by int64, flags int, act uint8, dir int8, path int, start, end int64) rec {
	return rec{eni: e, src: src, dst: dst, sport: sport, dport: dport, proto: proto, packets: pk, bytes: by,
		start: start, end: end, flags: flags, path: path, action: act, dir: dir}
}

// plant lays out every scenario and records the planted answers in t.
func (w *world) plant(t *Truth) *plan {
	p := &plan{jobs: map[int][]rec{}, gaps: map[int][]*eni{}}
	if !w.cfg.Scenarios {
		return p
	}
	pl := &planner{w: w, r: rand.New(rand.NewPCG(uint64(w.cfg.Seed), 0x5ce7a210)), p: p, t: t, excluded: map[int]bool{}}
	pl.gaps()
	pl.ssh()
	pl.rdp()
	pl.portScan()
	pl.heavy()
	pl.asymmetric()
	pl.why()
	return p
}

// gaps plants SKIPDATA windows: the ENI's records of the window are dropped and a SKIPDATA row
// written instead. One request in the first gap is kept without its reply, a one-sided
// conversation that only the gap explains.
func (pl *planner) gaps() {
	w := pl.w
	type gap struct {
		fl, bg  int
		f       float64
		windows int
	}
	for gi, g := range []gap{{0, 1, 0.25, 1}, {2, 2, 0.5, 2}, {5, 3, 0.75, 1}} {
		fl := pl.fl(g.fl)
		e := fl.bg[g.bg%len(fl.bg)]
		start := pl.win(g.f)
		n := g.windows
		// Keep a two-window gap inside one hour when windows are short enough.
		if n > 1 {
			for start+1 < w.windows && w.cfg.Start.Add(time.Duration(start)*w.cfg.Window).Hour() != w.cfg.Start.Add(time.Duration(start+1)*w.cfg.Window).Hour() {
				start++
			}
		}
		for k := 0; k < n && start+k < w.windows; k++ {
			j := (start+k)*len(w.fls) + fl.idx
			p := pl.p
			dup := false
			for _, x := range p.gaps[j] {
				dup = dup || x == e
			}
			if !dup {
				p.gaps[j] = append(p.gaps[j], e)
			}
		}
		pl.excluded[e.idx] = true
		if gi == 0 {
			s, en := pl.times(start)
			dst := w.addrIdx[skipOneSided]
			pl.add(start, one(e, e.v4, dst, ephemeral(pl.r), 443, 6, 3, 180, 2, actAccept, dirEgress, 8, s, en))
			pl.t.SkipdataOneSide = append(pl.t.SkipdataOneSide, AsymPair{Kind: "reverse-missing", Src: w.addrs[e.v4].s,
				Dst: skipOneSided, Proto: 6, DstPort: 443, SrcENI: e.id, Where: "skipdata", Windows: 1})
		}
	}
}

// targets picks n distinct background ENIs (across all flow logs) that scenarios may hit.
func (pl *planner) targets(n int, v6 bool) []*eni {
	var pool []*eni
	for _, fl := range pl.w.fls {
		for _, e := range fl.bg {
			if pl.excluded[e.idx] || (v6 && (e.v6 < 0 || !pl.w.addrs[e.v6].public)) {
				continue
			}
			pool = append(pool, e)
		}
	}
	pl.r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return pool[:min(n, len(pool))]
}

// ssh plants brute-force attempts (TCP 22 REJECTed at the target ENI) and SSH sessions that a
// security group lets in.
func (pl *planner) ssh() {
	w := pl.w
	planted := map[int]*srcAgg{}
	for a, src := range SSHAttackers {
		srcIdx := w.addrIdx[src]
		v6 := w.addrs[srcIdx].v6
		tg := pl.targets(sshTargets[a], v6)
		first := pl.win(0.05 + 0.2*float64(a))
		agg := &srcAgg{}
		for i := 0; i < sshAttempts[a]; i++ {
			e := tg[i%len(tg)]
			dst := e.v4
			per := int64(60)
			if v6 {
				dst, per = e.v6, 80
			}
			win := min(first+i*6/sshAttempts[a], w.windows-1)
			s, en := pl.times(win)
			pk := int64(1 + pl.r.IntN(3))
			r := one(e, srcIdx, dst, ephemeral(pl.r), 22, 6, pk, pk*per, 2, actReject, dirIngress, -1, s, en)
			pl.add(win, r)
			agg.add(&r)
		}
		planted[srcIdx] = agg
	}
	pl.t.SSHBruteForce = w.sourceStats(planted)

	bastion := pl.fl(0).bg[0]
	pl.excluded[bastion.idx] = true
	for i, a := range []struct {
		src     string
		public  bool
		windows int
	}{{adminSSH, true, 3}, {adminSSHTrap, true, 2}, {internalSSH, false, 2}} {
		srcIdx := w.intern(a.src, a.public, "")
		for _, win := range pl.spread(a.windows, 0.2+0.1*float64(i), 0.9) {
			s, en := pl.times(win)
			by := logUniform(pl.r, 5_000, 200_000)
			c := conv{server: bastion, caddr: srcIdx, saddr: bastion.v4, proto: 6, sport: ephemeral(pl.r), dport: 22,
				reqBy: by, reqPk: packetsFor(by, 1400), repBy: by * 3, repPk: packetsFor(by*3, 1400), reqFlag: 3, repFlag: 19, start: s, end: en}
			for _, r := range w.records(nil, c, nil) {
				pl.add(win, r)
			}
		}
		pl.t.SSHAdmin = append(pl.t.SSHAdmin, AccessStat{Source: w.addrs[srcIdx].s, Dest: w.addrs[bastion.v4].s, Port: 22,
			Public: a.public, Records: int64(a.windows)})
	}
}

// rdp plants RDP probes: mostly REJECTed, but one jump host's security group lets the internet in.
func (pl *planner) rdp() {
	w := pl.w
	jfl := pl.fl(1)
	jump := jfl.bg[3%len(jfl.bg)]
	pl.excluded[jump.idx] = true
	for i, p := range []struct {
		src              string
		rejected, accept int
		targets          int
	}{{rdpRejected1, 10, 0, 3}, {rdpTooOpen, 6, 4, 2}, {rdpRejected2, 8, 0, 2}} {
		srcIdx := w.addrIdx[p.src]
		tg := pl.targets(p.targets, false)
		wins := pl.spread(p.rejected+p.accept, 0.1+0.15*float64(i), 0.95)
		probe := RDPProbe{Source: p.src, Rejected: int64(p.rejected), Accepted: int64(p.accept)}
		for k := 0; k < p.rejected; k++ {
			e := tg[k%len(tg)]
			s, en := pl.times(wins[k])
			pk := int64(1 + pl.r.IntN(2))
			pl.add(wins[k], one(e, srcIdx, e.v4, ephemeral(pl.r), 3389, 6, pk, pk*52, 2, actReject, dirIngress, -1, s, en))
		}
		for k := 0; k < p.accept; k++ {
			win := wins[p.rejected+k]
			s, en := pl.times(win)
			by := logUniform(pl.r, 2_000, 40_000)
			c := conv{server: jump, caddr: srcIdx, saddr: jump.v4, proto: 6, sport: ephemeral(pl.r), dport: 3389,
				reqBy: by, reqPk: packetsFor(by, 1400), repBy: by * 2, repPk: packetsFor(by*2, 1400), reqFlag: 3, repFlag: 19, start: s, end: en}
			for _, r := range w.records(nil, c, nil) {
				pl.add(win, r)
			}
		}
		if p.accept > 0 {
			probe.AcceptedTargets = []string{w.addrs[jump.v4].s}
		}
		pl.t.RDPProbes = append(pl.t.RDPProbes, probe)
	}
}

// ScanPorts is how many distinct ports the planted scanner probes.
const ScanPorts = 120

func (pl *planner) portScan() {
	w := pl.w
	target := pl.targets(1, false)[0]
	pl.excluded[target.idx] = true
	srcIdx := w.addrIdx[scanner]
	first := pl.win(0.6)
	n := 0
	for port := 1; n < ScanPorts; port++ {
		if port == 22 || port == 80 || port == 443 || port == 3389 {
			continue
		}
		win := min(first+n*3/ScanPorts, w.windows-1)
		s, en := pl.times(win)
		pl.add(win, one(target, srcIdx, target.v4, 40000+pl.r.IntN(20000), port, 6, 1, 44, 2, actReject, dirIngress, -1, s, en))
		n++
	}
	pl.t.PortScan = &PortScan{Source: scanner, Target: w.addrs[target.v4].s, Ports: ScanPorts, Records: ScanPorts}
}

// heavy plants a backup job copying gigabytes between two ENIs in every window.
func (pl *planner) heavy() {
	w := pl.w
	fl := pl.fl(1)
	a, b := pl.special(fl, false), pl.special(fl, false)
	h := &Heavy{Src: w.addrs[a.v4].s, Dst: w.addrs[b.v4].s, Port: 873}
	scale := w.cfg.Window.Seconds() / 300
	sport := ephemeral(pl.r)
	for win := 0; win < w.windows; win++ {
		s, en := pl.times(win)
		by := int64((1e9 + pl.r.Float64()*1e9) * scale)
		pk := packetsFor(by, 8949) // jumbo frames inside the VPC
		reqF, repF := 0, 0
		switch {
		case win == 0:
			reqF, repF = 2, 18
		case win == w.windows-1:
			reqF, repF = 1, 1
		}
		c := conv{client: a, server: b, caddr: a.v4, saddr: b.v4, proto: 6, sport: sport, dport: 873, reqBy: by, reqPk: pk,
			repPk: pk / 2, repBy: pk / 2 * 52, reqFlag: reqF, repFlag: repF, start: s, end: en}
		for _, r := range w.records(nil, c, nil) {
			pl.add(win, r)
			if r.src == a.v4 {
				h.Records++
				h.Bytes += r.bytes
				h.Packets += r.packets
			} else {
				h.ReverseBytes += r.bytes
			}
		}
	}
	pl.t.HeavyTalker = h
}

// asymmetric plants conversations with one working direction: a reply REJECTed by an inbound
// network ACL (to the internet and inside the VPC), and a request whose reply never comes back.
func (pl *planner) asymmetric() {
	w := pl.w
	fl3, fl4 := pl.fl(3), pl.fl(4)

	a := pl.special(fl3, false)
	x := w.addrIdx[asymRejected]
	wins := pl.spread(3, 0.3, 0.45)
	for _, win := range wins {
		s, en := pl.times(win)
		sp := ephemeral(pl.r)
		pl.add(win, one(a, a.v4, x, sp, 443, 6, 3, 180, 2, actAccept, dirEgress, 8, s, en))
		pl.add(win, one(a, x, a.v4, 443, sp, 6, 3, 180, 18, actReject, dirIngress, -1, s, en))
	}
	pl.t.Asymmetric = append(pl.t.Asymmetric, AsymPair{Kind: "reverse-rejected", Src: w.addrs[a.v4].s, Dst: asymRejected,
		Proto: 6, DstPort: 443, SrcENI: a.id, Where: "asym-internet", Windows: len(uniq(wins))})

	c, sv := pl.special(fl3, false), pl.special(fl3, false)
	wins = pl.spread(3, 0.4, 0.55)
	for _, win := range wins {
		s, en := pl.times(win)
		sp := ephemeral(pl.r)
		pl.add(win, one(c, c.v4, sv.v4, sp, 8443, 6, 2, 120, 2, actAccept, dirEgress, 1, s, en))
		pl.add(win, one(sv, c.v4, sv.v4, sp, 8443, 6, 2, 120, 2, actAccept, dirIngress, -1, s, en))
		pl.add(win, one(sv, sv.v4, c.v4, 8443, sp, 6, 2, 120, 18, actAccept, dirEgress, 1, s, en))
		pl.add(win, one(c, sv.v4, c.v4, 8443, sp, 6, 2, 120, 18, actReject, dirIngress, -1, s, en))
	}
	pl.t.Asymmetric = append(pl.t.Asymmetric, AsymPair{Kind: "reverse-rejected", Src: w.addrs[c.v4].s, Dst: w.addrs[sv.v4].s,
		Proto: 6, DstPort: 8443, SrcENI: c.id, DstENI: sv.id, Where: "asym-vpc", Windows: len(uniq(wins))})

	m := pl.special(fl4, false)
	y := w.addrIdx[asymMissing]
	wins = pl.spread(3, 0.55, 0.7)
	for _, win := range wins {
		s, en := pl.times(win)
		pl.add(win, one(m, m.v4, y, ephemeral(pl.r), 443, 6, 3, 180, 2, actAccept, dirEgress, 8, s, en))
	}
	pl.t.Asymmetric = append(pl.t.Asymmetric, AsymPair{Kind: "reverse-missing", Src: w.addrs[m.v4].s, Dst: asymMissing,
		Proto: 6, DstPort: 443, SrcENI: m.id, Where: "asym-missing", Windows: len(uniq(wins))})
}

func uniq(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Why verdict names.
const (
	VerdictNACLReturn = "nacl-return"
	VerdictSGDeny     = "sg-deny"
	VerdictPathLoss   = "path-loss"
	VerdictNoListener = "no-listener"
	VerdictHealthy    = "healthy"
	VerdictNoCoverage = "no-coverage"
)

// why plants one address pair per `flowq why` verdict in the first flow log, plus a pair that
// worked and then started failing ("mixed").
func (pl *planner) why() {
	w := pl.w
	fl := pl.fl(0)
	type kase struct {
		name    string
		port    int
		phases  []string
		windows int
	}
	for _, k := range []kase{
		{VerdictHealthy, 5432, []string{VerdictHealthy}, 4},
		{VerdictNACLReturn, 8443, []string{VerdictNACLReturn}, 4},
		{VerdictSGDeny, 3306, []string{VerdictSGDeny}, 4},
		{VerdictPathLoss, 443, []string{VerdictPathLoss}, 4},
		{VerdictNoListener, 9200, []string{VerdictNoListener}, 4},
		{"mixed", 6379, []string{VerdictHealthy, VerdictSGDeny}, 6},
	} {
		src, dst := pl.special(fl, false), pl.special(fl, false)
		wc := WhyCase{Name: k.name, Verdict: k.phases[len(k.phases)-1], Src: w.addrs[src.v4].s, Dst: w.addrs[dst.v4].s,
			Proto: 6, DstPort: k.port, SrcENI: src.id, DstENI: dst.id}
		wins := pl.spread(k.windows, 0.1, 0.9)
		per := k.windows / len(k.phases)
		for pi, verdict := range k.phases {
			ph := Phase{Verdict: verdict}
			for i, win := range wins[pi*per : (pi+1)*per] {
				s, en := pl.times(win)
				sp := ephemeral(pl.r)
				var rs []rec
				switch verdict {
				case VerdictHealthy:
					by := logUniform(pl.r, 500, 100_000)
					rs = w.records(nil, conv{client: src, server: dst, caddr: src.v4, saddr: dst.v4, proto: 6, sport: sp, dport: k.port,
						reqBy: by, reqPk: packetsFor(by, 1400), repBy: by * 4, repPk: packetsFor(by*4, 1400), reqFlag: 3, repFlag: 19, start: s, end: en}, nil)
				case VerdictNACLReturn:
					rs = []rec{
						one(src, src.v4, dst.v4, sp, k.port, 6, 2, 120, 2, actAccept, dirEgress, 1, s, en),
						one(dst, src.v4, dst.v4, sp, k.port, 6, 2, 120, 2, actAccept, dirIngress, -1, s, en),
						one(dst, dst.v4, src.v4, k.port, sp, 6, 2, 120, 18, actReject, dirEgress, 1, s, en),
					}
				case VerdictSGDeny:
					rs = []rec{
						one(src, src.v4, dst.v4, sp, k.port, 6, 3, 180, 2, actAccept, dirEgress, 1, s, en),
						one(dst, src.v4, dst.v4, sp, k.port, 6, 3, 180, 2, actReject, dirIngress, -1, s, en),
					}
				case VerdictPathLoss:
					rs = []rec{one(src, src.v4, dst.v4, sp, k.port, 6, 3, 180, 2, actAccept, dirEgress, 1, s, en)}
				case VerdictNoListener:
					rs = []rec{
						one(src, src.v4, dst.v4, sp, k.port, 6, 3, 180, 2, actAccept, dirEgress, 1, s, en),
						one(dst, src.v4, dst.v4, sp, k.port, 6, 3, 180, 2, actAccept, dirIngress, -1, s, en),
					}
				}
				for _, r := range rs {
					pl.add(win, r)
				}
				if i == 0 || s < ph.FirstStart {
					ph.FirstStart = s
				}
				ph.LastEnd = max(ph.LastEnd, en)
				ph.Records += int64(len(rs))
			}
			wc.Records += ph.Records
			wc.Phases = append(wc.Phases, ph)
			kind := ""
			switch verdict {
			case VerdictNACLReturn:
				kind = "reverse-rejected"
			case VerdictSGDeny, VerdictPathLoss, VerdictNoListener:
				kind = "reverse-missing"
			}
			if kind != "" {
				pl.t.Asymmetric = append(pl.t.Asymmetric, AsymPair{Kind: kind, Src: wc.Src, Dst: wc.Dst, Proto: 6, DstPort: k.port,
					SrcENI: src.id, DstENI: dst.id, Where: "why:" + k.name, Windows: len(uniq(wins[pi*per : (pi+1)*per]))})
			}
		}
		pl.t.Why = append(pl.t.Why, wc)
	}
	idle := fl.idle[0]
	dstIdx := w.intern(noCoverageDst, false, "")
	pl.t.Why = append(pl.t.Why, WhyCase{Name: VerdictNoCoverage, Verdict: VerdictNoCoverage, Src: w.addrs[idle.v4].s,
		Dst: w.addrs[dstIdx].s, Proto: 6, DstPort: 443, SrcENI: idle.id})
	sort.SliceStable(pl.t.Asymmetric, func(i, j int) bool { return pl.t.Asymmetric[i].Where < pl.t.Asymmetric[j].Where })
}
