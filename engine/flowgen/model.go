package flowgen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
)

// addr is one interned address; records refer to addresses by index so that the truth maps
// can use integer keys on the hot path.
type addr struct {
	s      string
	v6     bool
	public bool
	svc    string // AWS service name for pkt-src/dst-aws-service, or ""
}

// eni is one network interface in a flow log's VPC.
type eni struct {
	idx      int // index in world.enis
	fl       int // flow log index
	id       string
	instance string // "-" for interfaces without an instance (NAT gateway, load balancer)
	subnet   string
	az       string
	v4       int // address index
	v6       int // address index, or -1
	role     string
}

// flowLog is one VPC flow log: one account, region, VPC, format and key layout.
type flowLog struct {
	idx     int
	id      string
	account string
	region  string
	vpc     string
	layout  Layout
	format  Format
	fields  []fieldID
	version int
	hasPkt  bool // the format has pkt-srcaddr
	host    int  // next free host number for a new ENI
	weight  float64
	v4base  [2]byte // first two octets of the VPC's IPv4 CIDR (/16)
	v6base  string  // IPv6 /56 prefix: four groups, the last one two hex digits short
	bg      []*eni  // ENIs that carry background traffic
	nat     *eni    // the first of bg with role "nat" (the VPC's NAT gateway), or nil
	idle    []*eni  // ENIs with no traffic: NODATA rows every window
	special []*eni  // ENIs dedicated to scenarios
	subnets []string
	azs     []string
}

// world is everything fixed before records are generated: read-only once the scenarios are
// planted.
type world struct {
	cfg      Config
	addrs    []addr
	addrIdx  map[string]int
	fls      []*flowLog
	enis     []*eni
	windows  int
	inbound  []int // public client addresses that reach web servers
	noise    []int // public addresses that probe closed ports
	services []int // public IPv4 destinations (websites, AWS services)
	svc6     []int // public IPv6 destinations
	dns      []int // public resolvers (UDP 53)
}

func (w *world) intern(s string, public bool, svc string) int {
	a, err := netip.ParseAddr(s)
	if err != nil {
		panic(fmt.Sprintf("flowgen: bad address %q", s)) // only literal or generated addresses reach here
	}
	s = a.String()
	if i, ok := w.addrIdx[s]; ok {
		return i
	}
	w.addrs = append(w.addrs, addr{s: s, v6: a.Is6(), public: public, svc: svc})
	w.addrIdx[s] = len(w.addrs) - 1
	return len(w.addrs) - 1
}

func hexID(r *rand.Rand, prefix string, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, len(prefix)+n)
	copy(b, prefix)
	for i := len(prefix); i < len(b); i++ {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

// azPrefix gives the AZ-id prefix of a region ("use1" for us-east-1).
func azPrefix(region string) string {
	known := map[string]string{"us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1", "us-west-2": "usw2",
		"eu-west-1": "euw1", "eu-west-2": "euw2", "eu-central-1": "euc1", "ap-southeast-2": "apse2", "ap-northeast-1": "apne1"}
	if p, ok := known[region]; ok {
		return p
	}
	return "az"
}

// publicFirstOctets are /8s with no special-purpose ranges, for random public IPv4 addresses.
var publicFirstOctets = []int{3, 13, 18, 23, 31, 34, 35, 37, 41, 45, 50, 54, 62, 66, 77, 81, 89, 91, 103, 109, 118, 130, 141, 152, 176, 185, 193, 212, 217}

func randPublic4(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", publicFirstOctets[r.IntN(len(publicFirstOctets))], r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

// newWorld builds accounts, VPCs, subnets, ENIs and address pools from the seed.
func newWorld(cfg Config) *world {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	w := &world{cfg: cfg, addrIdx: map[string]int{}}
	w.windows = int(cfg.Span / cfg.Window)
	if w.windows < 1 {
		w.windows = 1
	}

	// Public destinations: AWS services, popular sites, and addresses just outside private
	// ranges (172.32/12 border, 100.128 above CGNAT) that string-prefix tests get wrong.
	for i := 0; i < 6; i++ {
		w.services = append(w.services, w.intern(fmt.Sprintf("52.216.%d.%d", 10+r.IntN(200), 1+r.IntN(254)), true, "S3"))
	}
	for i := 0; i < 3; i++ {
		w.services = append(w.services, w.intern(fmt.Sprintf("3.218.%d.%d", 180+r.IntN(4), 1+r.IntN(254)), true, "DYNAMODB"))
	}
	w.services = append(w.services, w.intern("54.239.28.85", true, "AMAZON"))
	for _, s := range []string{"140.82.112.3", "151.101.1.69", "104.16.132.229", "142.250.65.78", "172.217.3.110",
		"172.32.18.4", "100.128.7.9", "192.169.4.20", "13.107.42.14", "185.199.108.133"} {
		w.services = append(w.services, w.intern(s, true, ""))
	}
	for _, s := range []string{"2600:1f18:4a3:6902::25", "2606:4700::6810:84e5", "2a03:2880:f10c:83:face:b00c:0:25de", "2001:4860:4860::8888"} {
		w.svc6 = append(w.svc6, w.intern(s, true, ""))
	}
	w.dns = []int{w.intern("8.8.8.8", true, ""), w.intern("1.1.1.1", true, "")}

	nPool := 50 + cfg.Records/200
	if nPool > 1500 {
		nPool = 1500
	}
	// Scenario addresses are interned first so that no background pool reuses them: the
	// planted answers must stay exact.
	for _, s := range scenarioPublic {
		w.intern(s, true, "")
	}
	fresh := func() int {
		for {
			n := len(w.addrs)
			if i := w.intern(randPublic4(r), true, ""); i == n {
				return i
			}
		}
	}
	for len(w.inbound) < nPool {
		w.inbound = append(w.inbound, fresh())
	}
	nNoise := nPool
	if cfg.ScannerPool > 0 {
		nNoise = cfg.ScannerPool
	}
	for len(w.noise) < nNoise {
		w.noise = append(w.noise, fresh())
	}

	n := len(cfg.Accounts) * len(cfg.Regions)
	for i := 0; i < n; i++ {
		fl := &flowLog{
			idx:     i,
			id:      hexID(r, "fl-", 17),
			account: cfg.Accounts[i/len(cfg.Regions)],
			region:  cfg.Regions[i%len(cfg.Regions)],
			vpc:     hexID(r, "vpc-", 17),
			layout:  cfg.Layouts[i%len(cfg.Layouts)],
			format:  cfg.Formats[i%len(cfg.Formats)],
		}
		fl.fields = mustFieldIDs(fl.format)
		fl.version = formatVersion(fl.format)
		fl.hasPkt = fl.has(fPktSrcAddr)
		fl.host = 10
		if len(cfg.FlowLogWeights) > 0 {
			fl.weight = cfg.FlowLogWeights[i%len(cfg.FlowLogWeights)]
		} else {
			fl.weight = 1 / float64(i+1)
		}
		// Distinct private ranges per VPC, covering all three RFC 1918 blocks.
		switch i {
		case 0:
			fl.v4base = [2]byte{10, 0}
		case 1:
			fl.v4base = [2]byte{172, 31}
		case 2:
			fl.v4base = [2]byte{192, 168}
		default:
			fl.v4base = [2]byte{10, byte(i)}
		}
		if i == 2 {
			fl.v6base = fmt.Sprintf("fd00:%x:%x:%02x", 0xa00+i, r.IntN(0xffff), r.IntN(256)) // IPv6 ULA VPC
		} else {
			fl.v6base = fmt.Sprintf("2600:1f18:%x:%02x", 0x4000+r.IntN(0xbfff), r.IntN(256))
		}
		p := azPrefix(fl.region)
		for s := 0; s < 3; s++ {
			fl.subnets = append(fl.subnets, hexID(r, "subnet-", 17))
			fl.azs = append(fl.azs, fmt.Sprintf("%s-az%d", p, s+1))
		}
		w.fls = append(w.fls, fl)
	}

	for _, fl := range w.fls {
		for k := 0; k < cfg.ENIsPerVPC; k++ {
			role := []string{"web", "app", "db", "app", "cache", "lb", "app", "nat"}[k%8]
			e := w.newENI(r, fl, role, k%3 != 2)
			fl.bg = append(fl.bg, e)
			if role == "nat" && fl.nat == nil {
				fl.nat = e
			}
		}
		for k := 0; k < 2; k++ {
			fl.idle = append(fl.idle, w.newENI(r, fl, "idle", false))
		}
	}
	return w
}

// newENI adds an interface to a flow log's VPC, in one of three subnets/AZs in turn.
func (w *world) newENI(r *rand.Rand, fl *flowLog, role string, v6 bool) *eni {
	host := fl.host
	fl.host++
	s := host % 3
	e := &eni{idx: len(w.enis), fl: fl.idx, id: hexID(r, "eni-", 17), instance: hexID(r, "i-", 17),
		subnet: fl.subnets[s], az: fl.azs[s], role: role, v6: -1}
	if role == "nat" || role == "lb" {
		e.instance = "-"
	}
	e.v4 = w.intern(fmt.Sprintf("%d.%d.%d.%d", fl.v4base[0], fl.v4base[1], s+1+(host/250)*3, host%250+2), false, "")
	if v6 {
		e.v6 = w.intern(fmt.Sprintf("%s%02x::%x", fl.v6base, s+1, host), fl.idx != 2, "")
	}
	w.enis = append(w.enis, e)
	return e
}

// has reports whether the flow log's format carries a field.
func (fl *flowLog) has(id fieldID) bool {
	for _, f := range fl.fields {
		if f == id {
			return true
		}
	}
	return false
}
