package flowgen

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowq/flowq/engine/flowlog"
)

// TGWConfig says what GenerateTGW writes: the deliveries of one transit gateway flow log (the
// whole gateway, resource-type TransitGateway) over a fixed hub of four VPCs in three accounts
// and a VPN, with the planted losses recorded in TGWTruth. Zero fields take the defaults.
type TGWConfig struct {
	Seed   int64
	Start  time.Time     // first delivery window; default 2026-01-15T00:00Z
	Span   time.Duration // default 3h
	Window time.Duration // delivery interval of one object; default 5m
	Flows  int           // background conversations per window; default 30
	Layout Layout
	Prefix string   // bucket prefix before AWSLogs/
	Org    string   // organisation segment after AWSLogs/, if any
	Fields []string // header field names; default the transit gateway default format
	Plain  bool     // write .log objects instead of .log.gz
	Losses bool     // plant the losses (no route, blackhole route, MTU exceeded) and a SKIPDATA row
}

// SmallTGW is three hours of a busy hub with every planted loss: for tests.
func SmallTGW() TGWConfig {
	return TGWConfig{Seed: 3, Start: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), Span: 3 * time.Hour,
		Flows: 30, Prefix: "tgw", Losses: true}
}

func (c TGWConfig) withDefaults() TGWConfig {
	if c.Start.IsZero() {
		c.Start = defaultStart
	}
	if c.Window <= 0 {
		c.Window = 5 * time.Minute
	}
	c.Start = c.Start.UTC().Truncate(c.Window)
	if c.Span <= 0 {
		c.Span = 3 * time.Hour
	}
	if c.Flows <= 0 {
		c.Flows = 30
	}
	if len(c.Fields) == 0 {
		c.Fields = strings.Fields(flowlog.TGWDefaultHeader().Names())
	}
	return c
}

// Loss causes, as the saved queries and `why` name them.
const (
	CauseNoRoute     = "no-route"
	CauseBlackhole   = "blackhole"
	CauseMTUExceeded = "mtu-exceeded"
	CauseTTLExpired  = "ttl-expired"
)

// tgwAttach is one attachment of the hub: a VPC (two AZs) or a VPN (no VPC-side fields).
type tgwAttach struct {
	id, kind, vpc, account, cidr string
	subnets, enis, azs           []string // per AZ; empty for a VPN
	hosts                        []string // addresses behind the attachment
	mtu                          int64
}

type tgwHub struct {
	cfg       TGWConfig
	account   string // owner of the gateway and of the flow log
	region    string
	tgw, flID string
	atts      []*tgwAttach
	routes    []TGWRoute
	fieldIdx  []int // header position → index in flowlog.TGWFields()
	windows   int
}

// TGW field positions in flowlog.TGWFields() order.
const (
	tVersion = iota
	tResourceType
	tAccount
	tTGW
	tAttachment
	tSrcAccount
	tDstAccount
	tSrcVPC
	tDstVPC
	tSrcSubnet
	tDstSubnet
	tSrcENI
	tDstENI
	tSrcAZ
	tDstAZ
	tPair
	tSrcAddr
	tDstAddr
	tSrcPort
	tDstPort
	tProtocol
	tPackets
	tBytes
	tStart
	tEnd
	tLogStatus
	tType
	tLostNoRoute
	tLostBlackhole
	tLostMTU
	tLostTTL
	tTCPFlags
	tRegion
	tFlowDirection
	tPktSrcSvc
	tPktDstSvc
	tFieldCount
)

func newTGWHub(cfg TGWConfig) (*tgwHub, error) {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7467))
	h := &tgwHub{cfg: cfg, account: "111122223333", region: "us-east-1"}
	h.tgw = hexID(r, "tgw-", 17)
	h.flID = hexID(r, "fl-", 17)
	known := flowlog.TGWFields()
	if len(known) != tFieldCount {
		return nil, fmt.Errorf("flowgen: %d transit gateway fields, generator knows %d", len(known), tFieldCount)
	}
	for _, name := range cfg.Fields {
		i := slices.IndexFunc(known, func(f flowlog.Field) bool { return f.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("flowgen: %q is not a transit gateway field", name)
		}
		h.fieldIdx = append(h.fieldIdx, i)
	}
	vpc := func(name, account string, n int) *tgwAttach {
		a := &tgwAttach{id: hexID(r, "tgw-attach-", 17), kind: "vpc:" + name, vpc: hexID(r, "vpc-", 17), account: account,
			cidr: fmt.Sprintf("10.%d.0.0/16", n), mtu: 8500}
		for az := 1; az <= 2; az++ {
			a.azs = append(a.azs, fmt.Sprintf("%s-az%d", azPrefix(h.region), az))
			a.subnets = append(a.subnets, hexID(r, "subnet-", 17))
			a.enis = append(a.enis, hexID(r, "eni-", 17))
			for k := 0; k < 3; k++ {
				a.hosts = append(a.hosts, fmt.Sprintf("10.%d.%d.%d", n, az, 10+10*k))
			}
		}
		return a
	}
	h.atts = []*tgwAttach{
		vpc("app", h.account, 1),
		vpc("db", "444455556666", 2),
		vpc("shared", h.account, 3),
		vpc("edge", "777788889999", 4),
		{id: hexID(r, "tgw-attach-", 17), kind: "vpn", cidr: "192.168.0.0/16", mtu: 1500,
			hosts: []string{"192.168.10.4", "192.168.10.5", "192.168.20.7"}},
	}
	for _, a := range h.atts {
		h.routes = append(h.routes, TGWRoute{CIDR: a.cidr, Attachment: a.id})
	}
	// 10.20.0.0/16 has no route at all; 10.30.0.0/16 is routed to a blackhole.
	h.routes = append(h.routes, TGWRoute{CIDR: "10.30.0.0/16", Blackhole: true})
	h.windows = int(cfg.Span / cfg.Window)
	return h, nil
}

// tgwFlow is traffic of one 5-tuple in one interval, entering at in and leaving by out (nil when
// the gateway dropped it all), with the packets lost by cause.
type tgwFlow struct {
	in, out             *tgwAttach
	inAZ, outAZ         int
	src, dst            string
	sport, dport, proto int
	packets, bytes      int64
	start, end          int64
	flags               int
	lost                [4]int64 // no route, blackhole, MTU, TTL
	delivered, delivBy  int64    // packets and bytes that left by out
}

func (h *tgwHub) record(f *tgwFlow, egress bool) [tFieldCount]string {
	var v [tFieldCount]string
	for i := range v {
		v[i] = "-"
	}
	v[tVersion] = "6"
	v[tResourceType] = "TransitGateway"
	v[tAccount] = h.account
	v[tTGW] = h.tgw
	v[tRegion] = h.region
	v[tLogStatus] = "OK"
	side := func(a *tgwAttach, az int, acct, vpc, subnet, eni, azf int) {
		if a == nil || a.vpc == "" {
			return
		}
		v[acct], v[vpc], v[subnet], v[eni], v[azf] = a.account, a.vpc, a.subnets[az], a.enis[az], a.azs[az]
	}
	side(f.in, f.inAZ, tSrcAccount, tSrcVPC, tSrcSubnet, tSrcENI, tSrcAZ)
	side(f.out, f.outAZ, tDstAccount, tDstVPC, tDstSubnet, tDstENI, tDstAZ)
	v[tSrcAddr], v[tDstAddr] = f.src, f.dst
	v[tSrcPort], v[tDstPort], v[tProtocol] = strconv.Itoa(f.sport), strconv.Itoa(f.dport), strconv.Itoa(f.proto)
	v[tStart], v[tEnd] = strconv.FormatInt(f.start, 10), strconv.FormatInt(f.end, 10)
	v[tType] = "IPv4"
	if f.proto == 6 {
		v[tTCPFlags] = strconv.Itoa(f.flags)
	}
	if egress {
		v[tAttachment], v[tPair], v[tFlowDirection] = f.out.id, f.in.id, "egress"
		v[tPackets], v[tBytes] = strconv.FormatInt(f.delivered, 10), strconv.FormatInt(f.delivBy, 10)
		for i := range 4 {
			v[tLostNoRoute+i] = "0"
		}
	} else {
		v[tAttachment], v[tFlowDirection] = f.in.id, "ingress"
		if f.out != nil {
			v[tPair] = f.out.id
		}
		v[tPackets], v[tBytes] = strconv.FormatInt(f.packets, 10), strconv.FormatInt(f.bytes, 10)
		for i := range 4 {
			v[tLostNoRoute+i] = strconv.FormatInt(f.lost[i], 10)
		}
	}
	return v
}

// GenerateTGW writes the transit gateway deliveries of cfg to sink and returns their truth.
// Output bytes and truth depend only on cfg.
func GenerateTGW(ctx context.Context, cfg TGWConfig, sink Sink) (*TGWTruth, error) {
	cfg = cfg.withDefaults()
	h, err := newTGWHub(cfg)
	if err != nil {
		return nil, err
	}
	t := newTGWTruth(h)
	var raw, gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	header := strings.Join(cfg.Fields, " ")
	for win := 0; win < h.windows; win++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ws := cfg.Start.Add(time.Duration(win) * cfg.Window)
		r := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(win)+1))
		flows := h.background(r, ws)
		if cfg.Losses {
			flows = append(flows, h.losses(r, win, ws)...)
		}
		raw.Reset()
		raw.WriteString(header)
		raw.WriteByte('\n')
		var recs [][tFieldCount]string
		for i := range flows {
			f := &flows[i]
			recs = append(recs, h.record(f, false))
			if f.out != nil {
				recs = append(recs, h.record(f, true))
			}
			t.addFlow(h, f)
		}
		if cfg.Losses && win == h.windows/2 {
			// The flow log skipped records on the app attachment for one interval.
			var v [tFieldCount]string
			for i := range v {
				v[i] = "-"
			}
			v[tVersion], v[tResourceType], v[tAccount], v[tTGW], v[tAttachment] = "6", "TransitGateway", h.account, h.tgw, h.atts[0].id
			v[tStart], v[tEnd], v[tLogStatus], v[tRegion] = strconv.FormatInt(ws.Unix(), 10), strconv.FormatInt(ws.Unix()+59, 10), "SKIPDATA", h.region
			recs = append(recs, v)
			t.SkipdataRows++
		}
		for _, v := range recs {
			for i, fi := range h.fieldIdx {
				if i > 0 {
					raw.WriteByte(' ')
				}
				raw.WriteString(v[fi])
			}
			raw.WriteByte('\n')
		}
		hs := fnv.New64a()
		fmt.Fprintf(hs, "%d/%s/%d", cfg.Seed, h.flID, win)
		ext, data := ".log.gz", raw.Bytes()
		if cfg.Plain {
			ext = ".log"
		} else {
			gz.Reset()
			zw.Reset(&gz)
			if _, err := zw.Write(data); err != nil {
				return nil, fmt.Errorf("flowgen: gzip window %d: %w", win, err)
			}
			if err := zw.Close(); err != nil {
				return nil, fmt.Errorf("flowgen: gzip window %d: %w", win, err)
			}
			data = gz.Bytes()
		}
		name := flowlog.FileName(h.account, h.region, h.flID, ws, fmt.Sprintf("%08x", uint32(hs.Sum64())), ext)
		hour := -1
		if cfg.Layout.Hourly() {
			hour = ws.Hour()
		}
		day := time.Date(ws.Year(), ws.Month(), ws.Day(), 0, 0, 0, 0, time.UTC)
		key := flowlog.ObjectKey(cfg.Prefix, cfg.Org, h.account, h.region, day, hour, cfg.Layout.Hive(), name)
		if err := sink.Put(ctx, key, data); err != nil {
			return nil, err
		}
		t.Objects++
		t.Records += int64(len(recs))
		t.Files[key] = int64(len(recs))
	}
	t.finish()
	return t, nil
}

// background makes the window's ordinary conversations between attachments: a request and a
// larger reply, each entering at one attachment and leaving by the other. Packets stay below
// the VPN's MTU, so nothing is lost.
func (h *tgwHub) background(r *rand.Rand, ws time.Time) []tgwFlow {
	var out []tgwFlow
	for range h.cfg.Flows {
		a := h.atts[r.IntN(len(h.atts))]
		b := h.atts[r.IntN(len(h.atts))]
		for b == a {
			b = h.atts[r.IntN(len(h.atts))]
		}
		ai, bi := r.IntN(2), r.IntN(2)
		src, dst := h.host(r, a, ai), h.host(r, b, bi)
		ports := []int{443, 5432, 22, 8080, 53}
		dport := ports[r.IntN(len(ports))]
		proto := 6
		if dport == 53 {
			proto = 17
		}
		sport := 32768 + r.IntN(28232)
		start := ws.Unix() + int64(r.IntN(240))
		end := start + 1 + int64(r.IntN(59))
		req := logUniform(r, 200, 2e5)
		rep := logUniform(r, 1e3, 5e7)
		out = append(out,
			h.flow(a, ai, b, bi, src, dst, sport, dport, proto, req, start, end, 3),
			h.flow(b, bi, a, ai, dst, src, dport, sport, proto, rep, start, end, 19))
	}
	return out
}

func (h *tgwHub) host(r *rand.Rand, a *tgwAttach, az int) string {
	if a.vpc == "" {
		return a.hosts[r.IntN(len(a.hosts))]
	}
	return a.hosts[az*3+r.IntN(3)]
}

// flow is traffic that crosses the gateway whole.
func (h *tgwHub) flow(in *tgwAttach, inAZ int, out *tgwAttach, outAZ int, src, dst string, sport, dport, proto int, by, start, end int64, flags int) tgwFlow {
	pk := packetsFor(by, 1400)
	return tgwFlow{in: in, inAZ: inAZ, out: out, outAZ: outAZ, src: src, dst: dst, sport: sport, dport: dport, proto: proto,
		packets: pk, bytes: by, start: start, end: end, flags: flags, delivered: pk, delivBy: by}
}

// The planted losses, each in its own hours of the span, so "over time" has a shape:
//   - no route: app → 10.20.0.5:5432 (no route to 10.20.0.0/16) in the second hour;
//   - blackhole: db → 10.30.0.9:443 (10.30.0.0/16 routed to a blackhole) in every window;
//   - MTU exceeded: edge → VPN 192.168.10.4:445 with 8500-byte packets in the first hour.
func (h *tgwHub) plannedLosses() []TGWLoss {
	app, db, edge, vpn := h.atts[0], h.atts[1], h.atts[3], h.atts[4]
	return []TGWLoss{
		{Cause: CauseNoRoute, TGW: h.tgw, Attachment: app.id, Src: app.hosts[0], Dst: "10.20.0.5", Proto: 6, DstPort: 5432,
			DstCIDR: "10.20.0.0/16", FromHour: 1, ToHour: 2},
		{Cause: CauseBlackhole, TGW: h.tgw, Attachment: db.id, Src: db.hosts[1], Dst: "10.30.0.9", Proto: 6, DstPort: 443,
			DstCIDR: "10.30.0.0/16", FromHour: 0, ToHour: 1 << 30},
		{Cause: CauseMTUExceeded, TGW: h.tgw, Attachment: edge.id, Pair: vpn.id, Src: edge.hosts[2], Dst: vpn.hosts[0], Proto: 6, DstPort: 445,
			DstCIDR: vpn.cidr, FromHour: 0, ToHour: 1},
	}
}

func (h *tgwHub) losses(r *rand.Rand, win int, ws time.Time) []tgwFlow {
	hour := int(ws.Sub(h.cfg.Start) / time.Hour)
	var out []tgwFlow
	for _, l := range h.plannedLosses() {
		if hour < l.FromHour || hour >= l.ToHour {
			continue
		}
		in := h.attachment(l.Attachment)
		start := ws.Unix() + int64(r.IntN(200))
		f := tgwFlow{in: in, inAZ: 0, src: l.Src, dst: l.Dst, sport: 40000 + win, dport: l.DstPort, proto: l.Proto,
			start: start, end: start + 30 + int64(r.IntN(29)), flags: 2}
		if in.vpc != "" && slices.Index(in.hosts, l.Src) >= 3 {
			f.inAZ = 1
		}
		switch l.Cause {
		case CauseNoRoute, CauseBlackhole:
			// SYN retries that never get anywhere.
			f.packets = int64(3 + r.IntN(5))
			f.bytes = 60 * f.packets
			if l.Cause == CauseNoRoute {
				f.lost[0] = f.packets
			} else {
				f.lost[1] = f.packets
			}
		case CauseMTUExceeded:
			// The handshake and small segments get through; full 8500-byte segments do not fit
			// the VPN's 1500.
			f.out, f.outAZ = h.attachment(l.Pair), 0
			big := int64(4 + r.IntN(8))
			small := int64(6 + r.IntN(6))
			f.packets, f.bytes = big+small, big*8500+small*100
			f.lost[2] = big
			f.delivered, f.delivBy = small, small*100
			f.flags = 26
		}
		out = append(out, f)
	}
	return out
}

func (h *tgwHub) attachment(id string) *tgwAttach {
	for _, a := range h.atts {
		if a.id == id {
			return a
		}
	}
	panic("flowgen: no attachment " + id)
}
