package why

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

var protoNames = map[int]string{1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}

func protoName(p int) string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return fmt.Sprintf("protocol %d", p)
}

// service describes what was asked for or, without a port, the server ports of the latest
// connections: "port 3306/tcp", "ports 22, 80/tcp", "udp", "any port".
func (a *analysis) service(latest []*conv) string {
	proto := ""
	if len(a.protos) > 0 {
		proto = protoName(a.protos[0])
	} else if len(latest) > 0 {
		seen := map[int]bool{}
		for _, c := range latest {
			seen[c.proto] = true
		}
		if len(seen) == 1 {
			proto = protoName(latest[0].proto)
		}
	}
	if a.q.Port > 0 {
		if proto != "" {
			return fmt.Sprintf("port %d/%s", a.q.Port, proto)
		}
		return fmt.Sprintf("port %d", a.q.Port)
	}
	if proto == "tcp" || proto == "udp" {
		var ports []int
		for _, c := range latest {
			if !slices.Contains(ports, c.sport) {
				ports = append(ports, c.sport)
			}
		}
		sort.Ints(ports)
		switch {
		case len(ports) == 1:
			return fmt.Sprintf("port %d/%s", ports[0], proto)
		case len(ports) <= 5:
			ps := make([]string, len(ports))
			for i, p := range ports {
				ps[i] = fmt.Sprint(p)
			}
			return fmt.Sprintf("ports %s/%s", strings.Join(ps, ", "), proto)
		}
	}
	if proto != "" {
		return proto
	}
	return "any port"
}

// name is a side as the explanation calls it: a CIDR side whose latest connections all use one
// address is named by that address (the question line shows the CIDR).
func name(s side, latest []*conv, client bool) string {
	if s.exact || len(latest) == 0 {
		return s.text
	}
	addr := ""
	for _, c := range latest {
		x := c.server
		if client {
			x = c.client
		}
		if addr != "" && x != addr {
			return s.text
		}
		addr = x
	}
	return addr
}

// enisOf lists the evidence ENIs of one side (and flow, when given), comma-separated.
func enisOf(gs []Group, side, flow, dir string) string {
	var ids []string
	for _, g := range gs {
		if g.Side == side && (flow == "" || g.Flow == flow) && (dir == "" || g.Direction == dir) && !slices.Contains(ids, g.Interface) {
			ids = append(ids, g.Interface)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return strings.Join(ids, ", ")
}

// count sums the evidence records matching flow, direction and action ("" = any).
func count(gs []Group, flow, dir, action string) int64 {
	var n int64
	for _, g := range gs {
		if (flow == "" || g.Flow == flow) && (dir == "" || g.Direction == dir) {
			switch action {
			case "ACCEPT":
				n += g.Accepted
			case "REJECT":
				n += g.Rejected
			default:
				n += g.Records
			}
		}
	}
	return n
}

func lastOf(gs []Group, flow, dir, action string) time.Time {
	var t time.Time
	for _, g := range gs {
		if (flow == "" || g.Flow == flow) && (dir == "" || g.Direction == dir) {
			for _, s := range g.Samples {
				if (action == "" || s.Action == action) && s.End.After(t) {
					t = s.End
				}
			}
		}
	}
	return t
}

// ephemeralRange gives the client ports seen, to show the return rule the ACL needs.
func ephemeralRange(cs []*conv) string {
	lo, hi := 0, 0
	for i, c := range cs {
		if i == 0 || c.cport < lo {
			lo = c.cport
		}
		if c.cport > hi {
			hi = c.cport
		}
	}
	if len(cs) == 0 {
		return ""
	}
	if lo == hi {
		return fmt.Sprintf("the client port seen was %d", lo)
	}
	return fmt.Sprintf("the client ports seen were %d–%d", lo, hi)
}

// explain writes the summary, what to check next, the confidence and its notes: one function
// per verdict writes the summary and next steps, then notes qualify the confidence.
func (a *analysis) explain(rep *Report, latest []*conv) {
	p := a.newProse(rep, latest)
	rep.Confidence = ConfidenceHigh
	switch rep.Verdict {
	case Healthy:
		p.healthy()
	case SGDeny:
		p.sgDeny()
	case EgressDeny:
		p.egressDeny()
	case NACLReturn:
		p.naclReturn()
	case PathLoss:
		p.pathLoss()
	case NoListener:
		p.noListener()
	case NoCoverage:
		rep.Summary = fmt.Sprintf("No flow-log records between %s and %s on %s%s: the loaded flow logs don't show this traffic, so they cannot explain it.", p.A, p.B, p.svc, rangeText(a.q))
	}
	a.qualify(p)
	if len(rep.Earlier) > 0 {
		rep.Summary += fmt.Sprintf(" Earlier: %s.", strings.Join(earlierVerdicts(rep.Phases), ", then "))
	}
}

// prose is what every verdict's explanation names: the two sides as the reader sees them, the
// service, and the interfaces that logged (or should have logged) the traffic.
type prose struct {
	rep    *Report
	ev     []Group
	latest []*conv
	// A opened the connections and B served them; cl and sv are their sides ("source",
	// "destination"), swapped when only the destination opened connections.
	A, B, cl, sv string
	reversed     bool
	svc          string // the service asked about or seen, also the port the rules must allow
	srcENI       string // A's interfaces in the evidence
	dstENI       string // B's interfaces in the evidence, else those owning B's addresses
	proto        string // of the latest connection; tcp without one
	variant      string // of the latest connection's verdict ("src-in", "rst", …)
}

func (a *analysis) newProse(rep *Report, latest []*conv) *prose {
	p := &prose{rep: rep, ev: rep.Evidence, latest: latest, cl: "source", sv: "destination", proto: "tcp"}
	p.A, p.B = name(a.src, latest, true), name(a.dst, latest, false)
	p.reversed = len(a.considered) > 0 && !a.considered[0].clientOnSrc
	if p.reversed {
		// Only the destination opened connections: explain them with the roles swapped.
		p.A, p.B = name(a.dst, latest, true), name(a.src, latest, false)
		p.cl, p.sv = p.sv, p.cl
	}
	p.svc = a.service(latest)
	p.srcENI = enisOf(p.ev, p.cl, "", "")
	p.dstENI = enisOf(p.ev, p.sv, "", "")
	if p.dstENI == "" {
		// The destination's interfaces that logged nothing of it: those owning the servers'
		// addresses.
		servers := map[string]bool{}
		for _, c := range latest {
			servers[c.server] = true
		}
		var ids []string
		for _, i := range rep.Interfaces {
			if i.Side == p.sv && servers[i.Address] {
				ids = append(ids, i.ID)
			}
		}
		p.dstENI = strings.Join(ids, ", ")
	}
	if len(latest) > 0 {
		p.proto = protoName(latest[0].proto)
		p.variant = latest[len(latest)-1].variant
	}
	return p
}

// at appends interface ids to "interface" in a sentence, or nothing.
func at(ids string) string {
	if ids == "" {
		return ""
	}
	return " " + ids
}

func (p *prose) healthy() {
	A, B, rep := p.A, p.B, p.rep
	rep.Summary = fmt.Sprintf("Traffic between %s and %s on %s flows both ways: requests and replies were ACCEPTed at every interface that logged them (%s, last at %s). The network is fine; look at the application.",
		A, B, p.svc, plural(len(p.latest), "connection"), stamp(rep.Last))
	rep.Next = []string{
		fmt.Sprintf("Check the application on %s: its logs, and whether it accepts %s's requests (authentication, TLS, HTTP status, connection limits).", B, A),
		fmt.Sprintf("Check the client on %s: DNS (does the name resolve to %s?), timeouts, proxy settings.", A, B),
		"If it fails only sometimes, compare the failure times with the timeline below.",
	}
}

func (p *prose) sgDeny() {
	A, B, ev := p.A, p.B, p.ev
	n := count(ev, "request", "ingress", "REJECT") + count(ev, "request", "unknown", "REJECT")
	p.rep.Summary = fmt.Sprintf("%s's interface%s REJECTed the requests from %s inbound (%s, last at %s): a security group or the inbound network ACL of %s's subnet denies %s. Flow logs cannot tell which of the two it was.",
		B, at(enisOf(ev, p.sv, "request", "ingress")), A, plural(int(n), "record"), stamp(lastOf(ev, "request", "", "REJECT")), B, p.svc)
	p.rep.Next = []string{
		fmt.Sprintf("Check the inbound rules of the security groups on%s: one must allow %s from %s (its CIDR, or a security group it belongs to).", orAny(p.dstENI, " "+B+"'s interface"), p.svc, A),
		fmt.Sprintf("Check the inbound rules of the network ACL of %s's subnet: the lowest-numbered rule matching %s and %s must be ALLOW.", B, A, p.svc),
		"To name the blocking rule, run the VPC Reachability Analyzer between the two interfaces (aws ec2 create-network-insights-path).",
	}
	if fromInternet(p.latest) {
		// Scanners and brute-forcers knock on every public address: advising to open the port
		// to them would be wrong.
		p.rep.Summary += fmt.Sprintf(" %s is a public internet address, so the block is probably intended.", A)
		p.rep.Next = []string{
			fmt.Sprintf("Nothing to fix if %s is not a client of yours: the rule refusing it is doing its job (flowq run rejected-traffic lists every source refused).", A),
			fmt.Sprintf("Only if %s is a client you expect (an office, a partner), allow %s from %s alone, never from 0.0.0.0/0, in the inbound rules of the security groups on%s.", A, p.svc, A, orAny(p.dstENI, " "+B+"'s interface")),
		}
	}
}

// fromInternet reports whether every latest connection came from a public address.
func fromInternet(latest []*conv) bool {
	cgnat := netip.MustParsePrefix("100.64.0.0/10") // shared address space, not the internet
	for _, c := range latest {
		a, err := netip.ParseAddr(c.client)
		a = a.Unmap()
		if err != nil || !a.IsGlobalUnicast() || a.IsPrivate() || cgnat.Contains(a) {
			return false
		}
	}
	return len(latest) > 0
}

func (p *prose) egressDeny() {
	A, B, ev := p.A, p.B, p.ev
	n := count(ev, "request", "egress", "REJECT")
	p.rep.Summary = fmt.Sprintf("%s's interface%s REJECTed its requests to %s outbound (%s, last at %s): the outbound rules of %s's security group or of its subnet's network ACL deny %s.",
		A, at(enisOf(ev, p.cl, "request", "egress")), B, plural(int(n), "record"), stamp(lastOf(ev, "request", "egress", "REJECT")), A, p.svc)
	p.rep.Next = []string{
		fmt.Sprintf("Check the outbound rules of the security groups on%s for %s and %s.", orAny(p.srcENI, " "+A+"'s interface"), B, p.svc),
		fmt.Sprintf("Check the outbound rules of the network ACL of %s's subnet.", A),
	}
}

// naclReturn explains replies REJECTed by a network ACL: inbound at the client ("src-in") or
// outbound at the server.
func (p *prose) naclReturn() {
	A, B, ev := p.A, p.B, p.ev
	eph := ephemeralRange(p.latest)
	if p.variant == "src-in" {
		n := count(ev, "reply", "ingress", "REJECT")
		p.rep.Summary = fmt.Sprintf("%s answered, but %s's interface%s REJECTed the replies inbound (%s, last at %s): security groups let replies in, so the inbound network ACL of %s's subnet is missing the return rule.",
			B, A, at(enisOf(ev, p.cl, "reply", "ingress")), plural(int(n), "record"), stamp(lastOf(ev, "reply", "ingress", "REJECT")), A)
		p.rep.Next = []string{
			fmt.Sprintf("Add an inbound rule to the network ACL of %s's subnet allowing %s from %s to the ephemeral ports 1024–65535 (%s).", A, p.proto, B, eph),
			fmt.Sprintf("Check the outbound network ACL of %s's subnet allows the replies out too.", B),
		}
		return
	}
	n := count(ev, "reply", "egress", "REJECT") + count(ev, "reply", "unknown", "REJECT")
	p.rep.Summary = fmt.Sprintf("%s's interface%s ACCEPTed the requests from %s but REJECTed its replies outbound (%s, last at %s): security groups are stateful and always let replies out, so a stateless network ACL is missing the return rule.",
		B, at(cmp.Or(enisOf(ev, p.sv, "reply", "egress"), p.dstENI)), A, plural(int(n), "record"), stamp(lastOf(ev, "reply", "", "REJECT")))
	p.rep.Next = []string{
		fmt.Sprintf("Add an outbound rule to the network ACL of %s's subnet allowing %s to %s on the ephemeral ports 1024–65535 (%s).", B, p.proto, A, eph),
		fmt.Sprintf("Check the inbound network ACL of %s's subnet lets the replies in as well (same ports).", A),
	}
}

func (p *prose) pathLoss() {
	A, B, ev, rep := p.A, p.B, p.ev, p.rep
	n := count(ev, "request", "", "ACCEPT")
	where := fmt.Sprintf("never arrived at %s's interface", B)
	if p.dstENI != "" {
		where = fmt.Sprintf("never arrived at %s's interface %s", B, p.dstENI)
	}
	rep.Summary = fmt.Sprintf("%s's requests to %s were ACCEPTed leaving its interface%s (%s, last at %s) but %s: something on the path drops them (route table, peering, transit gateway, firewall appliance), or %s is outside the logged scope.",
		A, B, at(enisOf(ev, p.cl, "request", "")), plural(int(n), "record"), stamp(lastOf(ev, "request", "", "")), where, B)
	rep.Next = []string{
		fmt.Sprintf("Check the route table of %s's subnet: a route to %s must exist (local, peering connection, transit gateway, VPN) and not be a blackhole; check the route back from %s's subnet as well.", A, B, B),
		"On a peering connection or transit gateway, check its route tables and attachments in both directions.",
		"A firewall appliance, NAT or Gateway Load Balancer on the path may drop the traffic: check its logs.",
		fmt.Sprintf("If %s is in another VPC or account, load that VPC's flow logs: they show whether the requests arrive.", B),
	}
	if p.dstENI == "" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s is not the address of any interface in the loaded flow logs: it may be outside their scope (another VPC, account or region), so the requests may have arrived unseen.", B))
	}
}

// noListener explains requests ACCEPTed at the server with no reply: a reset, UDP, ICMP or
// TCP silence each read differently.
func (p *prose) noListener() {
	A, B, ev, rep := p.A, p.B, p.ev, p.rep
	n := count(ev, "request", "ingress", "ACCEPT") + count(ev, "request", "unknown", "ACCEPT")
	flags := ""
	if p.proto == "tcp" && anyFlags(p.latest) {
		flags = ", " + strings.Join(flagsOf(ev, "request"), ", ") + " only"
	}
	reached := fmt.Sprintf("%s's requests reached %s's interface%s and were ACCEPTed", A, B, at(enisOf(ev, p.sv, "request", "")))
	switch {
	case p.variant == "rst":
		rep.Summary = fmt.Sprintf("%s (%s), but %s answered with a reset (RST): nothing listens on %s (connection refused).",
			reached, plural(int(n), "record"), B, p.svc)
	case p.proto == "udp":
		rep.Summary = fmt.Sprintf("%s (%s), but %s never answered: nothing listens on %s, a host firewall drops them, or the protocol sends no replies.",
			reached, plural(int(n), "record"), B, p.svc)
	case p.proto == "icmp" || p.proto == "icmpv6":
		rep.Summary = fmt.Sprintf("%s's packets reached %s's interface%s and were ACCEPTed (%s), but %s never answered: its host firewall drops ICMP or it does not reply.",
			A, B, at(enisOf(ev, p.sv, "request", "")), plural(int(n), "record"), B)
	default:
		rep.Summary = fmt.Sprintf("%s (%s%s), but %s never answered: nothing listens on %s, or a host firewall drops the requests.",
			reached, plural(int(n), "record"), flags, B, p.svc)
	}
	rep.Next = []string{
		fmt.Sprintf("On %s, check that the service listens on %s on the right address (ss -ltnp or netstat -an: 0.0.0.0 or %s, not 127.0.0.1).", B, p.svc, B),
		fmt.Sprintf("Check %s's host firewall (iptables/nftables, firewalld, Windows Firewall).", B),
		fmt.Sprintf("Check that %s is still the right target (a replaced instance or a load balancer may have another address).", B),
	}
	if p.proto == "tcp" && !anyFlags(p.latest) {
		rep.Confidence = ConfidenceMedium
		rep.Notes = append(rep.Notes, "The logs have no tcp-flags (default format): the verdict rests on the missing reply records alone, and cannot tell a bare SYN from an established connection whose replies were not logged. A custom format with tcp-flags and flow-direction gives a firmer answer.")
	}
}

// qualify adds the notes that hold for any verdict and lowers the confidence for each doubt:
// missing tcp-flags or flow-direction, SKIPDATA, a mixed latest hour, a truncated read.
func (a *analysis) qualify(p *prose) {
	rep, latest := p.rep, p.latest
	if rep.Verdict == Healthy && len(latest) > 0 && latest[0].proto == 6 && !anyFlags(latest) {
		rep.Notes = append(rep.Notes, "The logs have no tcp-flags (default format): \"both ways\" rests on reply records alone.")
		rep.Confidence = ConfidenceMedium
	}
	unknown := 0
	for _, c := range latest {
		unknown += c.unknownDir
	}
	if unknown > 0 && rep.Verdict == Healthy && count(p.ev, "", "", "REJECT") == 0 {
		// Replies came back and nothing was REJECTed: which interface is which does not matter.
		rep.Notes = append(rep.Notes, fmt.Sprintf("Which interface belongs to which side could not be told for %s (no flow-direction, and both interfaces see only this traffic); it does not change this verdict.", plural(unknown, "record")))
	} else if unknown > 0 {
		rep.Confidence = ConfidenceLow
		rep.Notes = append(rep.Notes, fmt.Sprintf("The direction of %s could not be told (no flow-direction, and the interface's own address is unclear): the verdict is a best guess.", plural(unknown, "record")))
	}
	if gaps := a.gapsDuring(rep); gaps != "" && rep.Verdict != NoCoverage {
		if rep.Confidence == ConfidenceHigh {
			rep.Confidence = ConfidenceMedium
		}
		rep.Notes = append(rep.Notes, gaps)
	}
	if mix := a.latestHourMix(); mix != "" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Connections in the latest hour disagree (%s): the verdict is the latest connection's; ask about one address pair or port to separate them.", mix))
		if rep.Confidence == ConfidenceHigh {
			rep.Confidence = ConfidenceMedium
		}
	}
	if a.truncated {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Only the latest %d records were read; narrow the time range or the addresses for the full picture.", MaxRecords))
	}
	if p.reversed {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Every connection between them was opened by %s towards %s: the verdict describes those.", p.A, p.B))
	} else if len(a.considered) < len(a.convs) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s opened by %s towards %s are in the timeline but not in the verdict.", plural(len(a.convs)-len(a.considered), "connection"), p.B, p.A))
	}
}

func orAny(s, dflt string) string {
	if strings.TrimSpace(s) == "" {
		return dflt
	}
	if !strings.HasPrefix(s, " ") {
		return " " + s
	}
	return s
}

func anyFlags(cs []*conv) bool {
	for _, c := range cs {
		if c.flagsKnown {
			return true
		}
	}
	return false
}

func flagsOf(gs []Group, flow string) []string {
	var out []string
	for _, g := range gs {
		if g.Flow == flow {
			for _, f := range g.Flags {
				if !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// earlierVerdicts names the phases before the latest, oldest first, with when they ended.
func earlierVerdicts(ps []Phase) []string {
	var out []string
	for _, p := range ps[:len(ps)-1] {
		out = append(out, fmt.Sprintf("%s until %s", p.Verdict, stamp(p.Last)))
	}
	if len(out) > 4 {
		out = append(out[:2], fmt.Sprintf("%d more phases", len(out)-3), out[len(out)-1])
	}
	return out
}

// gapsDuring reports SKIPDATA on the involved interfaces in the latest phase's hours.
func (a *analysis) gapsDuring(rep *Report) string {
	if len(rep.Phases) == 0 {
		return ""
	}
	p := rep.Phases[len(rep.Phases)-1]
	from, to := p.First.Unix()-p.First.Unix()%3600, p.Last.Unix()
	var hit []string
	for _, i := range rep.Interfaces {
		var n int64
		for h, c := range a.enis[i.ID].hours {
			if h >= from && h <= to {
				n += c[2]
			}
		}
		if n > 0 {
			hit = append(hit, fmt.Sprintf("%s (%d)", i.ID, n))
		}
	}
	if len(hit) == 0 {
		return ""
	}
	sort.Strings(hit)
	return fmt.Sprintf("Interfaces logged SKIPDATA (records dropped) during the latest phase: %s; missing records may change the picture.", strings.Join(hit, ", "))
}

func rangeText(q Question) string {
	switch {
	case !q.Since.IsZero() && !q.Until.IsZero():
		return fmt.Sprintf(" between %s and %s UTC", stamp(q.Since), stamp(q.Until))
	case !q.Since.IsZero():
		return fmt.Sprintf(" since %s UTC", stamp(q.Since))
	case !q.Until.IsZero():
		return fmt.Sprintf(" before %s UTC", stamp(q.Until))
	}
	return ""
}

// noCoverageNext suggests what to try when nothing was found, from what the data does hold.
func noCoverageNext(rep *Report, cov *CoverageGap) []string {
	var next []string
	q := rep.Question
	if cov.PairTotal > 0 {
		next = append(next, fmt.Sprintf("There are %s between them outside the time range, from %s to %s UTC: widen --since.",
			plural(int(cov.PairTotal), "record"), stamp(cov.PairFirst), stamp(cov.PairLast)))
	}
	for _, s := range cov.Sides {
		who := s.Address
		switch {
		case s.InRange > 0:
			next = append(next, fmt.Sprintf("%s (%s) appears in %s in the range, but never with %s: the traffic never reached the network (is the client really connecting? does the name resolve to this address?), or the port or protocol differ.",
				who, s.Side, plural(int(s.InRange), "record"), other(q, s.Side)))
		case s.Total > 0:
			next = append(next, fmt.Sprintf("%s (%s) appears only outside the range, from %s to %s UTC: widen --since.", who, s.Side, stamp(s.First), stamp(s.Last)))
		default:
			next = append(next, fmt.Sprintf("%s (%s) appears in no record at all: check the address (a secondary IP, NAT, a load balancer in between?), or load the flow logs of its VPC, account and region.", who, s.Side))
		}
	}
	if n := len(cov.Quiet); n > 0 {
		var ids []string
		for i, qe := range cov.Quiet {
			if i == 10 {
				ids = append(ids, fmt.Sprintf("%d more", n-10))
				break
			}
			ids = append(ids, qe.ID)
		}
		next = append(next, fmt.Sprintf("%s logged no traffic at all in the range (NODATA/SKIPDATA only): %s. If one of them is the interface of either side, it sent and received nothing: is the instance running?",
			plural(n, "interface"), strings.Join(ids, ", ")))
	}
	if !cov.DataFirst.IsZero() {
		next = append(next, fmt.Sprintf("The loaded data covers %s to %s UTC; sync or load more if the failure is outside that.", stamp(cov.DataFirst), stamp(cov.DataLast)))
	} else {
		next = append(next, noFlowLogsNext)
	}
	return next
}

func other(q Question, side string) string {
	if side == "source" {
		return q.Dst
	}
	return q.Src
}

// latestHourMix lists the verdicts of the connections started in the last connection's hour
// when there is more than one: concurrent causes, not a change over time.
func (a *analysis) latestHourMix() string {
	if len(a.considered) == 0 {
		return ""
	}
	last := a.considered[len(a.considered)-1]
	hour := last.start - last.start%3600
	m := map[Verdict]int{}
	for _, c := range a.considered {
		if c.start-c.start%3600 == hour {
			m[c.verdict]++
		}
	}
	if len(m) < 2 {
		return ""
	}
	var parts []string
	for _, v := range sortedVerdicts(m) {
		parts = append(parts, fmt.Sprintf("%s %d", v, m[v]))
	}
	return strings.Join(parts, ", ")
}
