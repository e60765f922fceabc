package flowgen

import (
	"math"
	"math/rand/v2"
)

// jobGen generates the background traffic of one flow log in one delivery window.
type jobGen struct {
	w      *world
	fl     *flowLog
	r      *rand.Rand
	ws     int64 // window start, Unix seconds
	wlen   int64 // window length in seconds
	gapped map[int]bool
	out    []rec
}

// times picks a start and end inside the window: at most a minute apart, as on Nitro ENIs.
func (g *jobGen) times() (start, end int64) { return windowTimes(g.r, g.ws, g.wlen) }

func windowTimes(r *rand.Rand, ws, wlen int64) (start, end int64) {
	span := max(wlen-60, 1)
	start = ws + r.Int64N(span)
	end = min(start+1+r.Int64N(59), ws+wlen-1)
	return start, end
}

// logUniform draws from [lo, hi) with a log-uniform distribution, like transfer sizes.
func logUniform(r *rand.Rand, lo, hi float64) int64 {
	return int64(math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo))))
}

func packetsFor(bytes int64, mtu int64) int64 { return bytes/mtu + 1 }

// tcpFlags picks the OR-ed flags of a conversation's request and reply directions: a short
// connection (SYN+FIN / SYN-ACK+FIN), one still open, one in mid-flow or one closing.
func tcpFlags(r *rand.Rand) (req, rep int) {
	switch x := r.IntN(100); {
	case x < 70:
		return 3, 19
	case x < 85:
		return 2, 18
	case x < 95:
		return 0, 0
	default:
		return 1, 1
	}
}

// egressPath is the traffic-path of an egress record towards dst.
func (w *world) egressPath(dst int) int {
	a := w.addrs[dst]
	switch {
	case !a.public:
		return 1
	case a.svc == "S3" || a.svc == "DYNAMODB":
		return 7 // gateway endpoint
	default:
		return 8 // internet gateway
	}
}

// conv is one healthy conversation: a request and its reply, logged by every ENI it touches.
type conv struct {
	client, server   *eni // nil when that side is outside the VPC
	caddr, saddr     int
	proto            int
	sport, dport     int
	reqPk, reqBy     int64
	repPk, repBy     int64
	reqFlag, repFlag int
	start, end       int64
}

// records appends the conversation's records: on the client ENI the request leaves (egress)
// and the reply arrives (ingress); on the server ENI the reverse. skip drops one ENI's records
// (a SKIPDATA window).
func (w *world) records(out []rec, c conv, skip func(*eni) bool) []rec {
	req := rec{src: c.caddr, dst: c.saddr, sport: c.sport, dport: c.dport, proto: c.proto, packets: c.reqPk,
		bytes: c.reqBy, start: c.start, end: c.end, flags: c.reqFlag, action: actAccept}
	rep := rec{src: c.saddr, dst: c.caddr, sport: c.dport, dport: c.sport, proto: c.proto, packets: c.repPk,
		bytes: c.repBy, start: c.start, end: c.end, flags: c.repFlag, action: actAccept}
	if c.proto != 6 {
		req.flags, rep.flags = 0, 0
	}
	if c.client != nil && (skip == nil || !skip(c.client)) {
		a, b := req, rep
		a.eni, a.dir, a.path = c.client, dirEgress, w.egressPath(c.saddr)
		b.eni, b.dir, b.path = c.client, dirIngress, -1
		out = append(out, a, b)
	}
	if c.server != nil && (skip == nil || !skip(c.server)) {
		a, b := req, rep
		a.eni, a.dir, a.path = c.server, dirIngress, -1
		b.eni, b.dir, b.path = c.server, dirEgress, w.egressPath(c.caddr)
		out = append(out, a, b)
	}
	return out
}

func (g *jobGen) skip(e *eni) bool { return g.gapped[e.idx] }

func ephemeral(r *rand.Rand) int { return 32768 + r.IntN(28232) }

// noisePorts are what internet background probes hit: never 22 or 3389 (planted scenarios own
// those) and fewer than ScanThreshold, so no background source looks like a port scanner.
var noisePorts = []int{23, 25, 81, 88, 111, 135, 139, 445, 1433, 2323, 5900, 6379, 8080, 9200}

// background appends one random conversation (2 to 4 records) or internet probe (1 record).
func (g *jobGen) background() {
	w, r, fl := g.w, g.r, g.fl
	bg := fl.bg
	client := bg[r.IntN(len(bg))]
	start, end := g.times()
	c := conv{client: client, caddr: client.v4, sport: ephemeral(r), start: start, end: end, proto: 6}
	c.reqFlag, c.repFlag = tcpFlags(r)
	x := r.IntN(100)
	if share := g.w.cfg.ScannerShare; share > 0 {
		// A second draw only when configured, so the default stream of draws is unchanged.
		if r.IntN(100) < share {
			x = 99
		} else {
			x = r.IntN(95)
		}
	}
	switch {
	case x < 40: // in-VPC TCP to a service port
		server := bg[r.IntN(len(bg))]
		if server == client {
			server = bg[(client.idx-bg[0].idx+1)%len(bg)]
		}
		c.server, c.saddr = server, server.v4
		if client.v6 >= 0 && server.v6 >= 0 && r.IntN(10) == 0 {
			c.caddr, c.saddr = client.v6, server.v6
		}
		c.dport = map[string]int{"db": 5432, "cache": 6379, "app": 8080, "web": 443, "lb": 443, "nat": 8443}[server.role]
		if server.role == "db" && server.idx%2 == 1 {
			c.dport = 3306
		}
		c.reqBy = logUniform(r, 200, 50_000)
		c.repBy = logUniform(r, 200, 500_000)
	case x < 48: // ping inside the VPC
		server := bg[r.IntN(len(bg))]
		if server == client {
			server = bg[(client.idx-bg[0].idx+1)%len(bg)]
		}
		c.server, c.saddr, c.proto, c.sport, c.dport = server, server.v4, 1, 0, 0
		if client.v6 >= 0 && server.v6 >= 0 && r.IntN(3) == 0 {
			c.caddr, c.saddr, c.proto = client.v6, server.v6, 58
		}
		n := int64(1 + r.IntN(10))
		c.reqBy, c.repBy = n*84, n*84
	case x < 54: // UDP: DNS to a public resolver, or QUIC
		c.proto = 17
		if r.IntN(2) == 0 {
			c.saddr, c.dport = w.dns[r.IntN(len(w.dns))], 53
			c.reqBy, c.repBy = logUniform(r, 60, 600), logUniform(r, 100, 1500)
		} else {
			c.saddr, c.dport = w.services[r.IntN(len(w.services))], 443
			c.reqBy, c.repBy = logUniform(r, 1_000, 40_000), logUniform(r, 2_000, 2_000_000)
		}
	case x < 79-natShare: // HTTPS/HTTP to the internet or an AWS service
		c.saddr, c.dport = w.services[r.IntN(len(w.services))], 443
		if r.IntN(8) == 0 {
			c.dport = 80
		}
		c.reqBy, c.repBy = logUniform(r, 300, 20_000), logUniform(r, 1_000, 2_000_000)
	case x < 79+natShare && fl.nat != nil: // to the internet through the VPC's NAT gateway
		g.viaNAT(client, start, end)
		return
	case x < 84: // IPv6 to the internet (not from the ULA VPC, which has no internet route)
		if client.v6 < 0 || !w.addrs[client.v6].public {
			c.saddr, c.dport = w.services[r.IntN(len(w.services))], 443
		} else {
			c.caddr, c.saddr, c.dport = client.v6, w.svc6[r.IntN(len(w.svc6))], 443
		}
		c.reqBy, c.repBy = logUniform(r, 300, 20_000), logUniform(r, 1_000, 2_000_000)
	case x < 95: // an internet client reaching a public-facing server
		server := bg[0] // a "web" role ENI
		if len(bg) > 5 && r.IntN(2) == 0 {
			server = bg[5] // an "lb" role ENI
		}
		c.client, c.server = nil, server
		c.caddr, c.saddr = w.inbound[r.IntN(len(w.inbound))], server.v4
		c.dport = 443
		if r.IntN(6) == 0 {
			c.dport = 80
		}
		c.reqBy, c.repBy = logUniform(r, 300, 20_000), logUniform(r, 1_000, 2_000_000)
	default: // an internet probe REJECTed by a security group: one ingress record
		target := bg[r.IntN(len(bg))]
		if g.skip(target) {
			return
		}
		src := w.noise[r.IntN(len(w.noise))]
		port := noisePorts[r.IntN(len(noisePorts))]
		pk := int64(1 + r.IntN(3))
		proto, flags := 6, 2
		if port == 111 {
			proto, flags = 17, 0
		}
		g.out = append(g.out, rec{eni: target, src: src, dst: target.v4, sport: ephemeral(r), dport: port, proto: proto,
			packets: pk, bytes: pk * 44, start: start, end: end, flags: flags, path: -1, action: actReject, dir: dirIngress})
		return
	}
	mtu := int64(1400)
	c.reqPk, c.repPk = packetsFor(c.reqBy, mtu), packetsFor(c.repBy, mtu)
	if c.proto == 1 || c.proto == 58 {
		c.reqPk, c.repPk = c.reqBy/84, c.repBy/84
	}
	g.out = g.w.records(g.out, c, g.skip)
}

// natShare is the percentage of conversations that reach the internet through a NAT gateway.
const natShare = 5

// viaNAT appends a private instance's HTTPS request to the internet through the NAT gateway.
// The instance's ENI logs the real peer; the NAT gateway's ENI logs its own address as srcaddr
// or dstaddr with the original addresses in pkt-srcaddr/pkt-dstaddr, as AWS documents.
func (g *jobGen) viaNAT(client *eni, start, end int64) {
	w, r := g.w, g.r
	nat := g.fl.nat
	if client == nat {
		client = g.fl.bg[0]
	}
	pub := w.services[r.IntN(len(w.services))]
	sp, np := ephemeral(r), 1024+r.IntN(64000)
	reqBy, repBy := logUniform(r, 300, 20_000), logUniform(r, 1_000, 2_000_000)
	reqPk, repPk := packetsFor(reqBy, 1400), packetsFor(repBy, 1400)
	reqF, repF := tcpFlags(r)
	base := rec{proto: 6, start: start, end: end, action: actAccept}
	mk := func(e *eni, src, dst, sport, dport int, pk, by int64, flags int, dir int8, path int) rec {
		x := base
		x.eni, x.src, x.dst, x.sport, x.dport, x.packets, x.bytes, x.flags, x.dir, x.path = e, src, dst, sport, dport, pk, by, flags, dir, path
		return x
	}
	if !g.skip(client) {
		g.out = append(g.out,
			mk(client, client.v4, pub, sp, 443, reqPk, reqBy, reqF, dirEgress, 1),
			mk(client, pub, client.v4, 443, sp, repPk, repBy, repF, dirIngress, -1))
	}
	if !g.skip(nat) {
		in := mk(nat, client.v4, nat.v4, sp, 443, reqPk, reqBy, reqF, dirIngress, -1)
		in.pdst = pub + 1
		back := mk(nat, nat.v4, client.v4, 443, sp, repPk, repBy, repF, dirEgress, 1)
		back.psrc = pub + 1
		g.out = append(g.out, in,
			mk(nat, nat.v4, pub, np, 443, reqPk, reqBy, reqF, dirEgress, 8),
			mk(nat, pub, nat.v4, 443, np, repPk, repBy, repF, dirIngress, -1),
			back)
	}
}
