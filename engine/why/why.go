package why

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/compat"
)

// Question is what to explain: traffic from Src to Dst (addresses or CIDRs), optionally one
// destination port and protocol, within [Since, Until) (zero times are open ends).
type Question struct {
	Src   string    `json:"src"`
	Dst   string    `json:"dst"`
	Port  int       `json:"port,omitempty"`  // destination port; 0 = any
	Proto string    `json:"proto,omitempty"` // tcp, udp, icmp or "" = any
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Verdict names a cause. The strings match flowgen's planted verdict names.
type Verdict string

// The verdicts Analyze can reach.
const (
	// Traffic flows both ways: the network is fine, look at the application.
	Healthy Verdict = "healthy"
	// The request was REJECTed inbound at the destination ENI: security group or inbound NACL.
	SGDeny Verdict = "sg-deny"
	// The request was REJECTed outbound at the source ENI: security group egress or outbound NACL.
	EgressDeny Verdict = "egress-deny"
	// The request was ACCEPTed but the reply REJECTed: a stateless NACL lacks the return rule.
	NACLReturn Verdict = "nacl-return"
	// The request left the source ENI but never arrived at the destination ENI.
	PathLoss Verdict = "path-loss"
	// The request arrived and was ACCEPTed but never answered (or answered with a reset).
	NoListener Verdict = "no-listener"
	// No records between the two sides at all.
	NoCoverage Verdict = "no-coverage"
)

// Verdicts lists every verdict.
var Verdicts = []Verdict{Healthy, SGDeny, EgressDeny, NACLReturn, PathLoss, NoListener, NoCoverage}

// Title is the verdict in a few words.
func (v Verdict) Title() string {
	switch v {
	case Healthy:
		return "traffic flows both ways (network fine)"
	case SGDeny:
		return "blocked inbound at the destination (security group or network ACL)"
	case EgressDeny:
		return "blocked outbound at the source (security group or network ACL)"
	case NACLReturn:
		return "reply blocked: network ACL missing the return rule"
	case PathLoss:
		return "request lost on the way (routing or path)"
	case NoListener:
		return "request arrived but nothing answered (not listening or host firewall)"
	case NoCoverage:
		return "no flow-log records for this traffic"
	}
	return string(v)
}

// Confidence levels of a report.
const (
	ConfidenceHigh   = "high"
	ConfidenceMedium = "medium"
	ConfidenceLow    = "low"
)

// Report is the answer to a Question. The verdict is the latest phase's; Phases lists every
// stretch of time with one verdict, oldest first.
type Report struct {
	Question   Question `json:"question"`
	Verdict    Verdict  `json:"verdict"`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"` // one or two sentences
	Next       []string `json:"next"`    // what to check next
	Confidence string   `json:"confidence"`
	Notes      []string `json:"notes,omitempty"` // why the confidence is lower, caveats
	Earlier    []string `json:"earlier,omitempty"`

	Records       int64     `json:"records"`       // OK records between the two sides, every ENI
	Conversations int       `json:"conversations"` // connections rebuilt from them
	First         time.Time `json:"first,omitzero"`
	Last          time.Time `json:"last,omitzero"`
	Truncated     bool      `json:"truncated,omitempty"` // only the latest MaxRecords records were read

	Phases       []Phase      `json:"phases"`
	LastWorked   *time.Time   `json:"last_worked,omitempty"`   // end of the last healthy connection
	FailingSince *time.Time   `json:"failing_since,omitempty"` // start of the trailing failing phases
	Evidence     []Group      `json:"evidence"`                // the latest phase's records by ENI and direction
	Interfaces   []Interface  `json:"interfaces"`              // every ENI involved, with its coverage
	Timeline     []Hour       `json:"timeline"`
	Coverage     *CoverageGap `json:"coverage,omitempty"` // only for NoCoverage
	// Gateway is the transit gateway's part, beside the VPC evidence, when transit gateway
	// records cover the pair (AnalyzeWithGateway).
	Gateway *Gateway `json:"gateway,omitempty"`
}

// Phase is a stretch of consecutive connections with one verdict.
type Phase struct {
	Verdict       Verdict   `json:"verdict"`
	First         time.Time `json:"first"` // first record's start
	Last          time.Time `json:"last"`  // last record's end
	Conversations int       `json:"conversations"`
	Records       int64     `json:"records"`
}

// Group is the evidence of one ENI in one direction: request or reply records, as the ENI saw
// them (ingress or egress).
type Group struct {
	Interface string    `json:"interface"`
	Side      string    `json:"side"`      // source, destination or other
	Direction string    `json:"direction"` // ingress, egress or unknown
	Inferred  bool      `json:"inferred"`  // direction inferred from the ENI's own address (no flow-direction)
	Flow      string    `json:"flow"`      // request or reply
	Records   int64     `json:"records"`
	Accepted  int64     `json:"accepted"`
	Rejected  int64     `json:"rejected"`
	Packets   int64     `json:"packets"`
	Bytes     int64     `json:"bytes"`
	Flags     []string  `json:"flags,omitempty"` // distinct decoded tcp-flags, e.g. "SYN", "SYN-ACK|FIN"
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	Samples   []Record  `json:"samples"` // the latest records, newest first
}

// Record is one flow-log record of the evidence.
type Record struct {
	Interface string    `json:"interface"`
	Src       string    `json:"src"`
	Dst       string    `json:"dst"`
	SrcPort   int       `json:"src_port"`
	DstPort   int       `json:"dst_port"`
	Protocol  int       `json:"protocol"`
	Packets   int64     `json:"packets"`
	Bytes     int64     `json:"bytes"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Action    string    `json:"action"`
	Flags     string    `json:"flags,omitempty"` // decoded; empty when the format has no tcp-flags
	Direction string    `json:"direction"`
}

// Interface is an ENI involved in the question: one that logged records between the two sides
// or whose own address is one of them.
type Interface struct {
	ID       string `json:"id"`
	Address  string `json:"address,omitempty"` // the address seen most on it (its own)
	Side     string `json:"side"`              // source, destination or other
	Records  int64  `json:"records"`           // records between the two sides
	OK       int64  `json:"ok"`                // all its OK records in the range
	NoData   int64  `json:"nodata"`
	SkipData int64  `json:"skipdata"`
}

// Hour is one hour of the timeline (UTC).
type Hour struct {
	Hour          time.Time       `json:"hour"`
	Records       int64           `json:"records"`
	Accepted      int64           `json:"accepted"`
	Rejected      int64           `json:"rejected"`
	Conversations map[Verdict]int `json:"conversations"` // connections started this hour, by verdict
	SkipData      int64           `json:"skipdata"`      // SKIPDATA rows of the involved ENIs
	NoData        int64           `json:"nodata"`
}

// CoverageGap says what the data holds when nothing between the two sides was found.
type CoverageGap struct {
	DataFirst time.Time `json:"data_first,omitzero"` // every record loaded
	DataLast  time.Time `json:"data_last,omitzero"`
	// Records between the two sides at any time (the question's range held none).
	PairTotal int64          `json:"pair_total"`
	PairFirst time.Time      `json:"pair_first,omitzero"`
	PairLast  time.Time      `json:"pair_last,omitzero"`
	Sides     []SideSighting `json:"sides"`
	Quiet     []QuietENI     `json:"quiet"` // ENIs with only NODATA/SKIPDATA rows in the range
}

// SideSighting is where one side's address appears at all.
type SideSighting struct {
	Side    string    `json:"side"` // source or destination
	Address string    `json:"address"`
	InRange int64     `json:"in_range"` // OK records naming it within the question's range
	Total   int64     `json:"total"`    // at any time
	First   time.Time `json:"first,omitzero"`
	Last    time.Time `json:"last,omitzero"`
}

// QuietENI is an interface that logged no traffic in the range.
type QuietENI struct {
	ID       string `json:"id"`
	VPC      string `json:"vpc,omitempty"`
	Subnet   string `json:"subnet,omitempty"`
	NoData   int64  `json:"nodata"`
	SkipData int64  `json:"skipdata"`
}

// MaxRecords bounds the records read for one question; the latest are kept.
const MaxRecords = 200_000

// side is one end of the question: an address or a prefix.
type side struct {
	text   string // as normalised for display
	addr   netip.Addr
	prefix netip.Prefix
	exact  bool
	alts   []string // literal spellings to compare with srcaddr/dstaddr when exact
}

func parseSide(s string) (side, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return side{}, fmt.Errorf("empty address")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return side{}, notAddress(s)
		}
		p = p.Masked()
		if !p.IsSingleIP() {
			return side{text: p.String(), prefix: p}, nil
		}
		s = p.Addr().String()
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return side{}, notAddress(s)
	}
	if a.Zone() != "" {
		return side{}, fmt.Errorf("%q: zoned addresses never appear in flow logs", s)
	}
	a = a.Unmap()
	sd := side{text: a.String(), addr: a, exact: true, alts: []string{a.String()}}
	if a.Is6() && a.StringExpanded() != a.String() {
		// Flow logs write IPv6 compressed, but accept the fully expanded form as well.
		sd.alts = append(sd.alts, a.StringExpanded())
	}
	return sd, nil
}

// notAddress says what is wrong with a side that does not parse, in the user's terms (netip's
// own message, "ParseAddr(…): unexpected character", means nothing to them).
func notAddress(s string) error {
	if strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") && !strings.Contains(s, ":") && !strings.Contains(s, "/") {
		return fmt.Errorf("%q is not an IP address or CIDR: flow logs hold addresses, not host names (resolve it first, e.g. dig +short %s)", s, s)
	}
	return fmt.Errorf("%q is not an IP address or CIDR (like 10.0.1.5, 2600:1f18::5 or 10.0.2.0/24)", s)
}

// contains reports whether a record's address is on this side.
func (s side) contains(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	if s.exact {
		return a == s.addr
	}
	return s.prefix.Contains(a)
}

// protoNumbers maps a protocol name to its IANA numbers.
func protoNumbers(p string) ([]int, error) {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "", "any", "all":
		return nil, nil
	case "tcp", "6":
		return []int{6}, nil
	case "udp", "17":
		return []int{17}, nil
	case "icmp", "icmpv6", "1", "58":
		return []int{1, 58}, nil
	}
	return nil, fmt.Errorf("protocol %q: want tcp, udp or icmp", p)
}

// ParseTarget splits the command line's DST[:PORT]: an address or CIDR with an optional port,
// IPv6 in brackets when a port follows ("[2600:1f18::5]:443", "10.0.0.0/24:443").
func ParseTarget(s string) (dst string, port int, err error) {
	s = strings.TrimSpace(s)
	host, ps := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return "", 0, fmt.Errorf("target %q: missing ]", s)
		}
		host, ps = s[1:end], strings.TrimPrefix(s[end+1:], ":")
		if rest := s[end+1:]; rest != "" && !strings.HasPrefix(rest, ":") {
			return "", 0, fmt.Errorf("target %q: want [ADDRESS]:PORT", s)
		}
	case strings.Count(s, ":") == 1:
		i := strings.LastIndex(s, ":")
		host, ps = s[:i], s[i+1:]
	}
	if ps != "" {
		port, err = strconv.Atoi(ps)
		if err != nil || port < 1 || port > 65535 {
			return "", 0, fmt.Errorf("target %q: port %q is not 1-65535", s, ps)
		}
	}
	if _, err := parseSide(host); err != nil {
		return "", 0, fmt.Errorf("target %q: %w", s, err)
	}
	return host, port, nil
}

// Analyze answers q from the vpc_flow_logs view of db. CIDR sides need the compat functions
// (cidr_contains) registered on db's connection; plain addresses are matched exactly.
func Analyze(ctx context.Context, db *sql.DB, q Question) (*Report, error) {
	src, err := parseSide(q.Src)
	if err != nil {
		return nil, fmt.Errorf("why: source: %w", err)
	}
	dst, err := parseSide(q.Dst)
	if err != nil {
		return nil, fmt.Errorf("why: destination: %w", err)
	}
	protos, err := protoNumbers(q.Proto)
	if err != nil {
		return nil, fmt.Errorf("why: %w", err)
	}
	if q.Port < 0 || q.Port > 65535 {
		return nil, fmt.Errorf("why: port %d is not 0-65535", q.Port)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, fmt.Errorf("why: time range %s to %s is empty", q.Since.UTC().Format(time.RFC3339), q.Until.UTC().Format(time.RFC3339))
	}
	if !src.exact || !dst.exact {
		ok, err := compat.Registered(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("why: looking up cidr_contains: %w", err)
		}
		if !ok {
			return nil, fmt.Errorf("why: a CIDR side needs the compat functions (cidr_contains) registered on the session")
		}
	}
	a := &analysis{q: q, src: src, dst: dst, protos: protos}
	if err := a.gather(ctx, db); err != nil {
		return nil, err
	}
	a.build()
	rep := a.report()
	if rep.Verdict == NoCoverage {
		cov, err := a.coverageGap(ctx, db)
		if err != nil {
			return nil, err
		}
		rep.Coverage = cov
		rep.Next = noCoverageNext(rep, cov)
	}
	return rep, nil
}

// sortedVerdicts returns a count map's verdicts in the order of Verdicts.
func sortedVerdicts(m map[Verdict]int) []Verdict {
	var out []Verdict
	for _, v := range Verdicts {
		if m[v] > 0 {
			out = append(out, v)
		}
	}
	// Unknown verdicts (from a decoded JSON report) last, by name.
	var extra []Verdict
	for v, n := range m {
		if n > 0 && !slices.Contains(Verdicts, v) {
			extra = append(extra, v)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return append(out, extra...)
}
