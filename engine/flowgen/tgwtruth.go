package flowgen

import (
	"sort"
	"strings"
	"time"
)

// TGWTruth is what GenerateTGW planted and wrote. Observed totals are tallied from the records
// as written and count log-status OK rows only. "Ingress" totals count each flow once, on the
// record of the attachment it entered by (the egress record repeats the delivered part).
type TGWTruth struct {
	Seed      int64     `json:"seed"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Window    string    `json:"window"`
	TGW       string    `json:"tgw"`
	Account   string    `json:"account"` // owner of the gateway and the flow log
	Region    string    `json:"region"`
	FlowLogID string    `json:"flow_log_id"`
	Layout    Layout    `json:"layout"`
	Header    string    `json:"header"`

	Attachments []TGWAttachment `json:"attachments"`
	Routes      []TGWRoute      `json:"routes"` // the gateway's route table (10.20.0.0/16 has none)
	Losses      []TGWLoss       `json:"losses"` // planted, with what was written

	Records      int64            `json:"records"` // every row, OK and SKIPDATA
	Objects      int              `json:"objects"`
	Files        map[string]int64 `json:"files"` // object key → records
	SkipdataRows int64            `json:"skipdata_rows"`

	Bytes           int64                  `json:"bytes"`            // OK rows, both legs
	IngressBytes    int64                  `json:"ingress_bytes"`    // each flow once
	LostByCause     map[string]int64       `json:"lost_by_cause"`    // packets, every cause (0 for ttl-expired)
	LossBuckets     []TGWLossBucket        `json:"loss_buckets"`     // by hour, cause and attachment
	AttachmentBytes map[string]TGWDirBytes `json:"attachment_bytes"` // tgw-attachment-id → bytes by direction
	VPCPairs        []TGWPair              `json:"vpc_pairs"`        // ingress bytes by (src VPC, dst VPC), "-" for no VPC
	AttachmentPairs []TGWPair              `json:"attachment_pairs"` // ingress bytes by (attachment, pair attachment)
	CrossAZ         []TGWPair              `json:"cross_az"`         // ingress bytes by (src AZ, dst AZ) where both are known and differ
	CrossAccount    []TGWPair              `json:"cross_account"`    // ingress bytes by (src account, dst account), both known and different
	Talkers         []TGWTalker            `json:"talkers"`          // ingress by srcaddr → dstaddr, most bytes first
	byBucket        map[tgwBucketKey]*TGWLossBucket
	pairs           map[string]map[[2]string]*TGWPair
	talkers         map[[2]string]*TGWTalker
}

// TGWAttachment is one attachment of the hub.
type TGWAttachment struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"` // "vpc:NAME" or "vpn"
	VPC     string   `json:"vpc,omitempty"`
	Account string   `json:"account,omitempty"`
	CIDR    string   `json:"cidr"`
	AZs     []string `json:"azs,omitempty"`
	Hosts   []string `json:"hosts"`
	MTU     int64    `json:"mtu"`
}

// TGWRoute is one route of the gateway's route table.
type TGWRoute struct {
	CIDR       string `json:"cidr"`
	Attachment string `json:"attachment,omitempty"`
	Blackhole  bool   `json:"blackhole,omitempty"`
}

// TGWLoss is one planted loss: traffic from Src to Dst entering at Attachment, dropped for
// Cause. Pair is the attachment the packets were too big for (MTU exceeded). FromHour and
// ToHour (exclusive) are hours since Start; Records, Packets (lost) and the start times are
// what was written.
type TGWLoss struct {
	Cause      string `json:"cause"`
	TGW        string `json:"tgw"`
	Attachment string `json:"attachment"`
	Pair       string `json:"pair,omitempty"`
	Src        string `json:"src"`
	Dst        string `json:"dst"`
	Proto      int    `json:"proto"`
	DstPort    int    `json:"dst_port"`
	DstCIDR    string `json:"dst_cidr"`
	FromHour   int    `json:"from_hour"`
	ToHour     int    `json:"to_hour"`
	Records    int64  `json:"records"`
	Packets    int64  `json:"packets"`
	Sent       int64  `json:"sent"` // packets the source sent in those records
	FirstStart int64  `json:"first_start"`
	LastEnd    int64  `json:"last_end"`
}

// TGWLossBucket is the packets lost for one cause at one attachment in one UTC hour.
type TGWLossBucket struct {
	Hour       time.Time `json:"hour"`
	Cause      string    `json:"cause"`
	Attachment string    `json:"attachment"`
	Packets    int64     `json:"packets"`
	Records    int64     `json:"records"`
}

type tgwBucketKey struct {
	hour       int64
	cause, att string
}

// TGWDirBytes is bytes through an attachment by flow direction.
type TGWDirBytes struct {
	Ingress int64 `json:"ingress"`
	Egress  int64 `json:"egress"`
}

// TGWPair is bytes, packets and records of ingress rows between two keys.
type TGWPair struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Bytes   int64  `json:"bytes"`
	Packets int64  `json:"packets"`
	Records int64  `json:"records"`
}

// TGWTalker is one src → dst pair as the gateway saw it enter.
type TGWTalker struct {
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	In      string `json:"in"`  // attachment it entered by
	Out     string `json:"out"` // attachment it left by, "-" when nothing left
	Bytes   int64  `json:"bytes"`
	Packets int64  `json:"packets"`
	Lost    int64  `json:"lost"`
	Records int64  `json:"records"`
}

// FindLoss returns the planted loss of a cause.
func (t *TGWTruth) FindLoss(cause string) (TGWLoss, bool) {
	for _, l := range t.Losses {
		if l.Cause == cause {
			return l, true
		}
	}
	return TGWLoss{}, false
}

func newTGWTruth(h *tgwHub) *TGWTruth {
	t := &TGWTruth{Seed: h.cfg.Seed, Start: h.cfg.Start, End: h.cfg.Start.Add(time.Duration(h.windows) * h.cfg.Window),
		Window: h.cfg.Window.String(), TGW: h.tgw, Account: h.account, Region: h.region, FlowLogID: h.flID,
		Layout: h.cfg.Layout, Routes: h.routes, Files: map[string]int64{},
		LostByCause:     map[string]int64{CauseNoRoute: 0, CauseBlackhole: 0, CauseMTUExceeded: 0, CauseTTLExpired: 0},
		AttachmentBytes: map[string]TGWDirBytes{}, byBucket: map[tgwBucketKey]*TGWLossBucket{},
		pairs: map[string]map[[2]string]*TGWPair{}, talkers: map[[2]string]*TGWTalker{}}
	t.Header = strings.Join(h.cfg.Fields, " ")
	for _, a := range h.atts {
		t.Attachments = append(t.Attachments, TGWAttachment{ID: a.id, Kind: a.kind, VPC: a.vpc, Account: a.account, CIDR: a.cidr,
			AZs: a.azs, Hosts: a.hosts, MTU: a.mtu})
	}
	if h.cfg.Losses {
		t.Losses = h.plannedLosses()
	}
	return t
}

var lossCauses = [4]string{CauseNoRoute, CauseBlackhole, CauseMTUExceeded, CauseTTLExpired}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (t *TGWTruth) pair(kind, from, to string, by, pk int64) {
	m := t.pairs[kind]
	if m == nil {
		m = map[[2]string]*TGWPair{}
		t.pairs[kind] = m
	}
	p := m[[2]string{from, to}]
	if p == nil {
		p = &TGWPair{From: from, To: to}
		m[[2]string{from, to}] = p
	}
	p.Bytes += by
	p.Packets += pk
	p.Records++
}

// addFlow tallies the records one flow was written as.
func (t *TGWTruth) addFlow(h *tgwHub, f *tgwFlow) {
	t.Bytes += f.bytes
	t.IngressBytes += f.bytes
	in := t.AttachmentBytes[f.in.id]
	in.Ingress += f.bytes
	t.AttachmentBytes[f.in.id] = in
	outID := "-"
	if f.out != nil {
		outID = f.out.id
		t.Bytes += f.delivBy
		o := t.AttachmentBytes[f.out.id]
		o.Egress += f.delivBy
		t.AttachmentBytes[f.out.id] = o
	}
	srcVPC, dstVPC, srcAZ, dstAZ, srcAcct, dstAcct := orDash(f.in.vpc), "-", "-", "-", orDash(f.in.account), "-"
	if f.in.vpc != "" {
		srcAZ = f.in.azs[f.inAZ]
	}
	if f.out != nil && f.out.vpc != "" {
		dstVPC, dstAZ, dstAcct = f.out.vpc, f.out.azs[f.outAZ], f.out.account
	}
	t.pair("vpc", srcVPC, dstVPC, f.bytes, f.packets)
	t.pair("attachment", f.in.id, outID, f.bytes, f.packets)
	if srcAZ != "-" && dstAZ != "-" && srcAZ != dstAZ {
		t.pair("az", srcAZ, dstAZ, f.bytes, f.packets)
	}
	if srcAcct != "-" && dstAcct != "-" && srcAcct != dstAcct {
		t.pair("account", srcAcct, dstAcct, f.bytes, f.packets)
	}
	tk := t.talkers[[2]string{f.src, f.dst}]
	if tk == nil {
		tk = &TGWTalker{Src: f.src, Dst: f.dst, In: f.in.id, Out: outID}
		t.talkers[[2]string{f.src, f.dst}] = tk
	}
	tk.Bytes += f.bytes
	tk.Packets += f.packets
	tk.Records++
	hour := time.Unix(f.start-f.start%3600, 0).UTC()
	for i, n := range f.lost {
		tk.Lost += n
		t.LostByCause[lossCauses[i]] += n
		if n == 0 {
			continue
		}
		k := tgwBucketKey{hour.Unix(), lossCauses[i], f.in.id}
		b := t.byBucket[k]
		if b == nil {
			b = &TGWLossBucket{Hour: hour, Cause: lossCauses[i], Attachment: f.in.id}
			t.byBucket[k] = b
		}
		b.Packets += n
		b.Records++
		for j := range t.Losses {
			l := &t.Losses[j]
			if l.Cause == lossCauses[i] && l.Src == f.src && l.Dst == f.dst {
				l.Records++
				l.Packets += n
				l.Sent += f.packets
				if l.FirstStart == 0 || f.start < l.FirstStart {
					l.FirstStart = f.start
				}
				l.LastEnd = max(l.LastEnd, f.end)
			}
		}
	}
}

func (t *TGWTruth) finish() {
	for _, b := range t.byBucket {
		t.LossBuckets = append(t.LossBuckets, *b)
	}
	sort.Slice(t.LossBuckets, func(i, j int) bool {
		a, b := t.LossBuckets[i], t.LossBuckets[j]
		if !a.Hour.Equal(b.Hour) {
			return a.Hour.Before(b.Hour)
		}
		if a.Cause != b.Cause {
			return a.Cause < b.Cause
		}
		return a.Attachment < b.Attachment
	})
	list := func(kind string) []TGWPair {
		var out []TGWPair
		for _, p := range t.pairs[kind] {
			out = append(out, *p)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Bytes != out[j].Bytes {
				return out[i].Bytes > out[j].Bytes
			}
			return out[i].From+" "+out[i].To < out[j].From+" "+out[j].To
		})
		return out
	}
	t.VPCPairs, t.AttachmentPairs, t.CrossAZ, t.CrossAccount = list("vpc"), list("attachment"), list("az"), list("account")
	for _, tk := range t.talkers {
		t.Talkers = append(t.Talkers, *tk)
	}
	sort.Slice(t.Talkers, func(i, j int) bool {
		if t.Talkers[i].Bytes != t.Talkers[j].Bytes {
			return t.Talkers[i].Bytes > t.Talkers[j].Bytes
		}
		return t.Talkers[i].Src+" "+t.Talkers[i].Dst < t.Talkers[j].Src+" "+t.Talkers[j].Dst
	})
}
