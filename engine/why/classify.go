package why

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// sessionGap splits one 5-tuple's records into separate connections: flow logs aggregate over
// at most 10 minutes, so records of one connection are never further apart than that.
const sessionGap = 15 * 60

// conv is one connection: the records of one 5-tuple, both directions, every ENI, close in time.
type conv struct {
	client, server string
	cport, sport   int
	proto          int
	clientOnSrc    bool
	recs           []*rec
	start, end     int64

	verdict    Verdict
	variant    string // nacl-return: "dst-out" or "src-in"; no-listener: "rst"
	flagsKnown bool
	unknownDir int // records whose direction could not be told
}

// endpoint is an address and port.
type endpoint struct {
	addr string
	port int
}

func isICMP(proto int) bool { return proto == 1 || proto == 58 }

func family(addr string) int {
	if strings.Contains(addr, ":") {
		return 1
	}
	return 0
}

// build works out directions, connections and their verdicts.
func (a *analysis) build() {
	a.settleTies()
	for _, r := range a.recs {
		r.fwd = a.src.contains(r.srcaddr) && a.dst.contains(r.dstaddr) && (a.q.Port == 0 || r.dport == a.q.Port)
		if r.flowDir != "" {
			r.dir = r.flowDir
			continue
		}
		r.inferred = true
		own := a.enis[r.eni].own[family(r.srcaddr)]
		switch {
		case own != "" && r.srcaddr == own:
			r.dir = "egress"
		case own != "" && r.dstaddr == own:
			r.dir = "ingress"
		default:
			r.dir = "unknown"
		}
	}
	a.sides()

	// Group by unordered 5-tuple, keeping time order.
	type key struct {
		lo, hi endpoint
		proto  int
	}
	groups := map[key][]*rec{}
	var order []key
	for _, r := range a.recs {
		s, d := endpoint{r.srcaddr, r.sport}, endpoint{r.dstaddr, r.dport}
		if isICMP(r.proto) {
			// ICMP "ports" hold type and code where logged: a reply's differ from its request's.
			s.port, d.port = 0, 0
		}
		if d.addr < s.addr || d.addr == s.addr && d.port < s.port {
			s, d = d, s
		}
		k := key{s, d, r.proto}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	for _, k := range order {
		rs := groups[k]
		client := a.client(rs)
		var cur *conv
		for _, r := range rs {
			if cur == nil || r.start > cur.end+sessionGap {
				cur = &conv{client: client.addr, cport: client.port, proto: k.proto, start: r.start, end: r.end}
				if client == k.lo {
					cur.server, cur.sport = k.hi.addr, k.hi.port
				} else {
					cur.server, cur.sport = k.lo.addr, k.lo.port
				}
				cur.clientOnSrc = a.src.contains(cur.client)
				a.convs = append(a.convs, cur)
			}
			r.request = r.srcaddr == client.addr && (r.sport == client.port || isICMP(r.proto))
			cur.recs = append(cur.recs, r)
			cur.start, cur.end = min(cur.start, r.start), max(cur.end, r.end)
		}
	}
	sort.SliceStable(a.convs, func(i, j int) bool {
		x, y := a.convs[i], a.convs[j]
		if x.start != y.start {
			return x.start < y.start
		}
		return x.end < y.end
	})
	for _, c := range a.convs {
		c.classify()
	}
	// The question is about the source reaching the destination: connections the destination
	// opened count only when there are no others.
	for _, c := range a.convs {
		if c.clientOnSrc {
			a.considered = append(a.considered, c)
		}
	}
	if len(a.considered) == 0 {
		a.considered = a.convs
	}
}

// client picks the connection's client among a 5-tuple's records. With a port in the question
// the requests are the records to that port. Otherwise: the sender of a bare SYN, the receiver
// of a SYN-ACK, the side with the higher (ephemeral) port, else the question's source.
func (a *analysis) client(rs []*rec) endpoint {
	from := func(r *rec) endpoint { return endpoint{r.srcaddr, r.sport} }
	to := func(r *rec) endpoint { return endpoint{r.dstaddr, r.dport} }
	if isICMP(rs[0].proto) {
		// No ports to go by: the question's source pings.
		r := rs[0]
		if r.fwd {
			return endpoint{r.srcaddr, 0}
		}
		return endpoint{r.dstaddr, 0}
	}
	if a.q.Port > 0 {
		if rs[0].fwd {
			return from(rs[0])
		}
		return to(rs[0])
	}
	for _, r := range rs {
		if r.proto == 6 && r.hasFlags && r.flags&2 != 0 && r.flags&16 == 0 {
			return from(r)
		}
	}
	for _, r := range rs {
		if r.proto == 6 && r.hasFlags && r.flags&18 == 18 {
			return to(r)
		}
	}
	r := rs[0]
	switch {
	case r.dport < r.sport:
		return from(r)
	case r.sport < r.dport:
		return to(r)
	case r.fwd:
		return from(r)
	}
	return to(r)
}

// sides places each ENI on the source side, the destination side or neither: by its own address
// when that is on exactly one side, else by how it saw the records (sending requests, receiving
// them).
func (a *analysis) sides() {
	votes := map[string][2]int{}
	for _, r := range a.recs {
		v := votes[r.eni]
		switch {
		case r.dir == "egress" && r.fwd, r.dir == "ingress" && !r.fwd:
			v[0]++
		case r.dir == "ingress" && r.fwd, r.dir == "egress" && !r.fwd:
			v[1]++
		}
		votes[r.eni] = v
	}
	for id, e := range a.enis {
		onSrc, onDst := false, false
		for _, own := range e.own {
			if own != "" {
				onSrc = onSrc || a.src.contains(own)
				onDst = onDst || a.dst.contains(own)
			}
		}
		v := votes[id]
		switch {
		case onSrc && !onDst:
			e.side = "source"
		case onDst && !onSrc:
			e.side = "destination"
		case v[0] > v[1]:
			e.side = "source"
		case v[1] > v[0]:
			e.side = "destination"
		default:
			e.side = "other"
		}
	}
	for _, r := range a.recs {
		r.eniSide = a.enis[r.eni].side
	}
}

// tally counts a connection's records by direction and action.
type tally struct {
	reqOut, reqIn, reqUnk [2]int64 // [ACCEPT, REJECT]
	repOut, repIn, repUnk [2]int64
	reqENIs               map[string]bool
	reqFlags, repFlags    int
	repFlagsKnown         bool
}

func (c *conv) tally() tally {
	t := tally{reqENIs: map[string]bool{}}
	for _, r := range c.recs {
		act := 0
		if r.action == "REJECT" {
			act = 1
		}
		if r.hasFlags {
			c.flagsKnown = true
		}
		if r.dir == "unknown" {
			c.unknownDir++
		}
		if r.request {
			t.reqENIs[r.eni] = true
			if r.hasFlags {
				t.reqFlags |= r.flags
			}
			switch r.dir {
			case "egress":
				t.reqOut[act]++
			case "ingress":
				t.reqIn[act]++
			default:
				t.reqUnk[act]++
			}
			continue
		}
		if r.hasFlags {
			t.repFlags |= r.flags
			t.repFlagsKnown = true
		}
		switch r.dir {
		case "egress":
			t.repOut[act]++
		case "ingress":
			t.repIn[act]++
		default:
			t.repUnk[act]++
		}
	}
	return t
}

// classify names the connection's verdict from where its requests and replies were seen.
func (c *conv) classify() {
	t := c.tally()
	switch {
	case t.reqOut[1] > 0 && t.reqOut[0] == 0 && t.reqIn == [2]int64{}:
		c.verdict = EgressDeny
	case t.reqIn[1] > 0 && t.reqIn[0] == 0:
		c.verdict = SGDeny
	case t.repOut[1] > 0 && t.repOut[0] == 0:
		c.verdict, c.variant = NACLReturn, "dst-out"
	case t.repIn[1] > 0 && t.repIn[0] == 0:
		c.verdict, c.variant = NACLReturn, "src-in"
	case t.repOut[0]+t.repIn[0]+t.repUnk[0] > 0:
		c.verdict = Healthy
		// A reply that is only a reset, never a SYN-ACK, refuses the connection.
		if c.proto == 6 && t.repFlagsKnown && t.repFlags&2 == 0 && t.repFlags&4 != 0 {
			c.verdict, c.variant = NoListener, "rst"
		}
	case t.repUnk[1] > 0:
		c.verdict, c.variant = NACLReturn, "unknown"
	case t.reqIn[0] > 0:
		c.verdict = NoListener
	case t.reqOut[0] > 0:
		c.verdict = PathLoss
	case t.reqUnk[1] > 0 && t.reqUnk[0] == 0:
		c.verdict = SGDeny
	case len(t.reqENIs) > 1:
		// Seen by two interfaces without knowing which is which: it left and arrived.
		c.verdict = NoListener
	default:
		c.verdict = PathLoss
	}
}

// phases merges consecutive connections with the same verdict.
func phases(cs []*conv) []Phase {
	var out []Phase
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].Verdict == c.verdict {
			p := &out[n-1]
			p.Conversations++
			p.Records += int64(len(c.recs))
			if t := unix(c.end); t.After(p.Last) {
				p.Last = t
			}
			continue
		}
		out = append(out, Phase{Verdict: c.verdict, First: unix(c.start), Last: unix(c.end), Conversations: 1, Records: int64(len(c.recs))})
	}
	return out
}

// report assembles the answer.
func (a *analysis) report() *Report {
	rep := &Report{Question: a.q, Records: int64(len(a.recs)), Conversations: len(a.convs), Truncated: a.truncated,
		Phases: phases(a.considered), Evidence: []Group{}, Interfaces: []Interface{}, Timeline: []Hour{}}
	rep.Question.Src, rep.Question.Dst = a.src.text, a.dst.text
	for i, r := range a.recs {
		if i == 0 || unix(r.start).Before(rep.First) {
			rep.First = unix(r.start)
		}
		if unix(r.end).After(rep.Last) {
			rep.Last = unix(r.end)
		}
	}
	if len(rep.Phases) == 0 {
		rep.Phases = []Phase{}
		rep.Verdict = NoCoverage
	} else {
		rep.Verdict = rep.Phases[len(rep.Phases)-1].Verdict
	}
	rep.Title = rep.Verdict.Title()

	// The latest phase's connections are the evidence.
	var latest []*conv
	if n := len(rep.Phases); n > 0 {
		latest = a.considered[len(a.considered)-rep.Phases[n-1].Conversations:]
	}
	rep.Evidence = evidence(latest)

	for i, p := range rep.Phases[:max(len(rep.Phases)-1, 0)] {
		if i == 8 && len(rep.Phases)-1 > 9 {
			rep.Earlier = append(rep.Earlier, fmt.Sprintf("… and %d more earlier phases", len(rep.Phases)-1-i))
			break
		}
		rep.Earlier = append(rep.Earlier, fmt.Sprintf("%s from %s to %s (%s, %s)", p.Verdict, stamp(p.First), stamp(p.Last),
			plural(p.Conversations, "connection"), plural(int(p.Records), "record")))
	}
	for _, c := range a.considered {
		if c.verdict == Healthy {
			t := unix(c.end)
			if rep.LastWorked == nil || t.After(*rep.LastWorked) {
				rep.LastWorked = &t
			}
		}
	}
	if rep.Verdict != Healthy && rep.Verdict != NoCoverage {
		i := len(rep.Phases) - 1
		for i > 0 && rep.Phases[i-1].Verdict != Healthy {
			i--
		}
		t := rep.Phases[i].First
		rep.FailingSince = &t
	}

	rep.Interfaces = a.interfaces()
	rep.Timeline = a.timeline(rep.Interfaces)
	a.explain(rep, latest)
	return rep
}

// evidence groups the connections' records by ENI, request/reply and direction, in path order:
// the request leaving the source, crossing, arriving; then the reply back.
func evidence(cs []*conv) []Group {
	type gk struct{ eni, flow, dir string }
	groups := map[gk]*Group{}
	var recs []*rec
	for _, c := range cs {
		recs = append(recs, c.recs...)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].sampleKey > recs[j].sampleKey }) // newest first
	for _, r := range recs {
		flow := "reply"
		if r.request {
			flow = "request"
		}
		k := gk{r.eni, flow, r.dir}
		g := groups[k]
		if g == nil {
			g = &Group{Interface: r.eni, Side: r.eniSide, Direction: r.dir, Inferred: r.inferred, Flow: flow,
				First: unix(r.start), Last: unix(r.end), Samples: []Record{}}
			groups[k] = g
		}
		g.Records++
		if r.action == "REJECT" {
			g.Rejected++
		} else {
			g.Accepted++
		}
		g.Packets += r.packets
		g.Bytes += r.bytes
		if t := unix(r.start); t.Before(g.First) {
			g.First = t
		}
		if t := unix(r.end); t.After(g.Last) {
			g.Last = t
		}
		if r.proto == 6 && r.hasFlags {
			f := DecodeFlags(r.flags)
			if !slices.Contains(g.Flags, f) {
				g.Flags = append(g.Flags, f)
			}
		}
		if len(g.Samples) < maxSamples {
			g.Samples = append(g.Samples, record(r))
		}
	}
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g.Flags)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if a, b := pathRank(x), pathRank(y); a != b {
			return a < b
		}
		if x.Interface != y.Interface {
			return x.Interface < y.Interface
		}
		return x.Direction < y.Direction
	})
	return out
}

// maxSamples is how many records each evidence group lists.
const maxSamples = 10

// sideRank orders sides along the request's path.
var sideRank = map[string]int{"source": 0, "other": 1, "destination": 2}

func pathRank(g Group) int {
	rank := sideRank[g.Side]
	if g.Flow == "reply" {
		rank = 5 - rank
	}
	return rank
}

func record(r *rec) Record {
	out := Record{Interface: r.eni, Src: r.srcaddr, Dst: r.dstaddr, SrcPort: r.sport, DstPort: r.dport, Protocol: r.proto,
		Packets: r.packets, Bytes: r.bytes, Start: unix(r.start), End: unix(r.end), Action: r.action, Direction: r.dir}
	if r.proto == 6 && r.hasFlags {
		out.Flags = DecodeFlags(r.flags)
	}
	return out
}

// interfaces lists the ENIs that logged records between the two sides or own a side's address.
func (a *analysis) interfaces() []Interface {
	out := []Interface{}
	for _, e := range a.enis {
		if e.records == 0 && e.side == "other" {
			continue
		}
		if e.records == 0 {
			// Only the ENI of a side's exact address counts: a peer that merely talked to one
			// side does not, nor (as noise) every ENI inside a CIDR.
			onSide := false
			for _, own := range e.own {
				onSide = onSide || own != "" && (a.src.exact && a.src.contains(own) || a.dst.exact && a.dst.contains(own))
			}
			if !onSide {
				continue
			}
		}
		addr := e.own[0]
		if addr == "" || (e.own[1] != "" && (a.src.contains(e.own[1]) || a.dst.contains(e.own[1]))) {
			addr = e.own[1]
		}
		out = append(out, Interface{ID: e.id, Address: addr, Side: e.side, Records: e.records, OK: e.ok, NoData: e.nodata, SkipData: e.skipdata})
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		rx, ry := sideRank[x.Side], sideRank[y.Side]
		if rx != ry {
			return rx < ry
		}
		return x.ID < y.ID
	})
	return out
}

// timeline tallies records and connections per hour, with the gaps of the reported interfaces.
func (a *analysis) timeline(ifaces []Interface) []Hour {
	hours := map[int64]*Hour{}
	get := func(h int64) *Hour {
		x := hours[h]
		if x == nil {
			x = &Hour{Hour: unix(h), Conversations: map[Verdict]int{}}
			hours[h] = x
		}
		return x
	}
	for _, r := range a.recs {
		h := get(r.start - r.start%3600)
		h.Records++
		if r.action == "REJECT" {
			h.Rejected++
		} else {
			h.Accepted++
		}
	}
	for _, c := range a.considered {
		get(c.start - c.start%3600).Conversations[c.verdict]++
	}
	for _, iface := range ifaces {
		for hr, n := range a.enis[iface.ID].hours {
			if n[1] == 0 && n[2] == 0 {
				continue
			}
			if hours[hr] == nil && n[2] == 0 {
				continue // NODATA alone, outside the conversation's hours, says nothing
			}
			h := get(hr)
			h.NoData += n[1]
			h.SkipData += n[2]
		}
	}
	out := make([]Hour, 0, len(hours))
	for _, h := range hours {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Hour.Before(out[j].Hour) })
	return out
}

// DecodeFlags spells a tcp-flags value: SYN or SYN-ACK, then RST, then FIN, joined by "|";
// "none" when only flags flow logs don't report (ACK, PSH) were seen.
func DecodeFlags(f int) string {
	var parts []string
	switch {
	case f&18 == 18:
		parts = append(parts, "SYN-ACK")
	case f&2 != 0:
		parts = append(parts, "SYN")
	}
	if f&4 != 0 {
		parts = append(parts, "RST")
	}
	if f&1 != 0 {
		parts = append(parts, "FIN")
	}
	if f&32 != 0 {
		parts = append(parts, "URG")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// settleTies decides the own addresses of two interfaces that log nothing but traffic between
// the same two addresses X and Y (a tie no count can break, in a format without
// flow-direction), from causality: a packet seen arriving at the receiver's interface must have
// been ACCEPTed leaving the sender's. Of the two ways to place the interfaces, the one with fewer
// contradictions wins; with none either way (everything ACCEPTed both ways) the tie stays.
func (a *analysis) settleTies() {
	type pair struct {
		x, y string
		fam  int
	}
	tied := map[pair][]string{}
	for id, e := range a.enis {
		for fam, t := range e.tied {
			if e.own[fam] == "" && len(t) == 2 {
				x, y := min(t[0], t[1]), max(t[0], t[1])
				tied[pair{x, y, fam}] = append(tied[pair{x, y, fam}], id)
			}
		}
	}
	type flow struct {
		src, dst     string
		sport, dport int
		proto        int
	}
	for p, ids := range tied {
		if len(ids) != 2 {
			continue
		}
		sort.Strings(ids)
		e1, e2 := a.enis[ids[0]], a.enis[ids[1]]
		seen := map[flow]map[string]*[2]int{} // flow → ENI → [ACCEPT, REJECT] records
		for _, r := range a.recs {
			if (r.eni != e1.id && r.eni != e2.id) || !(r.srcaddr == p.x && r.dstaddr == p.y || r.srcaddr == p.y && r.dstaddr == p.x) {
				continue
			}
			f := flow{r.srcaddr, r.dstaddr, r.sport, r.dport, r.proto}
			if seen[f] == nil {
				seen[f] = map[string]*[2]int{}
			}
			c := seen[f][r.eni]
			if c == nil {
				c = &[2]int{}
				seen[f][r.eni] = c
			}
			if r.action == "REJECT" {
				c[1]++
			} else {
				c[0]++
			}
		}
		contradictions := func(ownerX, ownerY string) int {
			owner := map[string]string{p.x: ownerX, p.y: ownerY}
			n := 0
			for f, by := range seen {
				snd, rcv := by[owner[f.src]], by[owner[f.dst]]
				if rcv == nil {
					continue
				}
				if snd == nil || snd[0] == 0 {
					n++ // arrived without having left (or having been REJECTed leaving)
				}
			}
			return n
		}
		c1, c2 := contradictions(e1.id, e2.id), contradictions(e2.id, e1.id)
		switch {
		case c1 < c2:
			e1.own[p.fam], e2.own[p.fam] = p.x, p.y
		case c2 < c1:
			e1.own[p.fam], e2.own[p.fam] = p.y, p.x
		}
	}
}
