package why

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// Gateway is what transit gateway flow logs say about a question's pair: whether the source's
// packets crossed the gateway towards the destination and, where it dropped them, why. It
// stands beside the VPC verdict (the evidence on each side): see AnalyzeWithGateway.
type Gateway struct {
	Table     bool          `json:"table"`   // transit_gateway_flow_logs exists
	Covered   bool          `json:"covered"` // its records cover the pair (either direction)
	Crossed   bool          `json:"crossed"` // some source→destination packets left the gateway
	Replied   bool          `json:"replied"` // some destination→source packets left the gateway
	TGWs      []string      `json:"tgws,omitempty"`
	Entered   []string      `json:"entered,omitempty"` // attachments the requests entered by
	Left      []string      `json:"left,omitempty"`    // attachments they left by
	Sent      int64         `json:"sent"`              // request packets that entered the gateway
	Delivered int64         `json:"delivered"`         // request packets that left it
	Losses    []GatewayLoss `json:"losses,omitempty"`  // most packets first
	Records   int64         `json:"records"`
	Summary   string        `json:"summary"`
}

// GatewayLoss is packets the gateway dropped between the pair for one cause at one attachment.
type GatewayLoss struct {
	Cause      string    `json:"cause"` // no-route, blackhole, mtu-exceeded, ttl-expired
	TGW        string    `json:"tgw"`
	Attachment string    `json:"attachment"`     // the record's attachment
	Pair       string    `json:"pair,omitempty"` // the attachment on the far side, when known
	Reply      bool      `json:"reply"`          // lost on the way back (destination → source)
	Dsts       []string  `json:"dsts"`           // destination addresses of the lost packets
	Packets    int64     `json:"packets"`
	Records    int64     `json:"records"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Text       string    `json:"text"`
}

// gwRow is one transit gateway record between the pair.
type gwRow struct {
	tgw, att, pair, dir string
	src, dst            string
	packets             int64
	lost                [4]int64
	start, end          int64
	fwd                 bool
}

var gwCauses = [4]string{"no-route", "blackhole", "mtu-exceeded", "ttl-expired"}

// AnalyzeGateway answers q from the transit_gateway_flow_logs table of db, when there is one.
// CIDR sides need the compat functions registered, as for Analyze.
func AnalyzeGateway(ctx context.Context, db *sql.DB, q Question) (*Gateway, error) {
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
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = ?`, flowlog.TGWTable).Scan(&n); err != nil {
		return nil, fmt.Errorf("why: looking up %s: %w", flowlog.TGWTable, err)
	}
	if n == 0 {
		return &Gateway{Summary: "no transit gateway flow logs loaded"}, nil
	}
	a := &analysis{q: q, src: src, dst: dst, protos: protos}
	var w where
	w.add("log_status = 'OK'")
	a.timeRange(&w)
	a.pairCond(&w)
	fwdCond, fwdArgs := match("srcaddr", src)
	query := `SELECT coalesce(tgw_id, '-'), coalesce(tgw_attachment_id, '-'), coalesce(tgw_pair_attachment_id, '-'),
	coalesce(flow_direction, '-'), srcaddr, dstaddr, coalesce(packets, 0),
	coalesce(packets_lost_no_route, 0), coalesce(packets_lost_blackhole, 0), coalesce(packets_lost_mtu_exceeded, 0),
	coalesce(packets_lost_ttl_expired, 0), start, "end", ` + fwdCond + `
FROM ` + flowlog.TGWTable + ` WHERE ` + w.sql() + ` ORDER BY start, "end", tgw_attachment_id, srcaddr, dstaddr LIMIT ` + fmt.Sprint(MaxRecords+1)
	rows, err := db.QueryContext(ctx, query, append(fwdArgs, w.args...)...)
	if err != nil {
		return nil, fmt.Errorf("why: reading %s: %w", flowlog.TGWTable, err)
	}
	defer rows.Close()
	var rs []gwRow
	for rows.Next() {
		var r gwRow
		var start, end sql.NullInt64
		if err := rows.Scan(&r.tgw, &r.att, &r.pair, &r.dir, &r.src, &r.dst, &r.packets,
			&r.lost[0], &r.lost[1], &r.lost[2], &r.lost[3], &start, &end, &r.fwd); err != nil {
			return nil, fmt.Errorf("why: reading %s: %w", flowlog.TGWTable, err)
		}
		r.start, r.end = start.Int64, end.Int64
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("why: reading %s: %w", flowlog.TGWTable, err)
	}
	g := gatewayVerdict(rs, q)
	g.Table = true
	return g, nil
}

// gatewayVerdict works out the gateway's part from the pair's records. A request crossed when a
// record shows it leaving by another attachment: an egress record, or an ingress record naming a
// pair attachment with packets beyond those it lost.
func gatewayVerdict(rs []gwRow, q Question) *Gateway {
	g := &Gateway{Records: int64(len(rs)), Covered: len(rs) > 0}
	tgws, entered, left := map[string]bool{}, map[string]bool{}, map[string]bool{}
	type lk struct {
		cause, tgw, att string
		reply           bool
	}
	losses := map[lk]*GatewayLoss{}
	var egressSeen bool
	var ingressThrough int64
	for _, r := range rs {
		tgws[r.tgw] = true
		lost := r.lost[0] + r.lost[1] + r.lost[2] + r.lost[3]
		switch r.dir {
		case "egress":
			if r.packets > 0 {
				if r.fwd {
					g.Crossed = true
					egressSeen = true
					g.Delivered += r.packets
					left[r.att] = true
				} else {
					g.Replied = true
				}
			}
		default: // ingress, or a format without flow-direction
			if r.fwd {
				g.Sent += r.packets
				entered[r.att] = true
			}
			if r.pair != "-" && r.packets > lost {
				if r.fwd {
					g.Crossed = true
					ingressThrough += r.packets - lost
					left[r.pair] = true
				} else {
					g.Replied = true
				}
			}
		}
		for i, n := range r.lost {
			if n == 0 {
				continue
			}
			k := lk{gwCauses[i], r.tgw, r.att, !r.fwd}
			l := losses[k]
			if l == nil {
				l = &GatewayLoss{Cause: gwCauses[i], TGW: r.tgw, Attachment: r.att, Reply: !r.fwd}
				losses[k] = l
			}
			if l.Pair == "" && r.pair != "-" {
				l.Pair = r.pair
			}
			if !slices.Contains(l.Dsts, r.dst) {
				l.Dsts = append(l.Dsts, r.dst)
			}
			l.Packets += n
			l.Records++
			st, en := time.Unix(r.start, 0).UTC(), time.Unix(r.end, 0).UTC()
			if l.First.IsZero() || st.Before(l.First) {
				l.First = st
			}
			if en.After(l.Last) {
				l.Last = en
			}
		}
	}
	if !egressSeen {
		// Only the entering attachment logs (a flow log on one attachment): what it passed on.
		g.Delivered = ingressThrough
	}
	g.TGWs, g.Entered, g.Left = gwKeys(tgws), gwKeys(entered), gwKeys(left)
	for _, l := range losses {
		sort.Strings(l.Dsts)
		l.Text = lossText(*l)
		g.Losses = append(g.Losses, *l)
	}
	sort.Slice(g.Losses, func(i, j int) bool {
		a, b := g.Losses[i], g.Losses[j]
		if a.Packets != b.Packets {
			return a.Packets > b.Packets
		}
		return a.Cause+a.Attachment < b.Cause+b.Attachment
	})
	g.Summary = gatewaySummary(g, q)
	return g
}

func gwKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		if k != "-" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// lossText says where and why, e.g. "dropped at tgw-… attachment tgw-attach-…: no route — the
// transit gateway route table has no route to 10.20.0.5".
func lossText(l GatewayLoss) string {
	to := strings.Join(l.Dsts, ", ")
	var why string
	switch l.Cause {
	case "no-route":
		why = "no route — the transit gateway route table has no route to " + to
	case "blackhole":
		why = "blackhole route — the transit gateway route table sends " + to + " to a blackhole"
	case "mtu-exceeded":
		why = "MTU exceeded — packets to " + to + " were larger than the MTU of the next attachment"
		if l.Pair != "" {
			why += " (" + l.Pair + ")"
		}
		why += "; smaller packets got through, so look for PMTUD or MSS clamping, e.g. 8500-byte VPC packets towards a 1500-byte VPN"
	case "ttl-expired":
		why = "TTL expired — packets to " + to + " ran out of time-to-live (a routing loop, or a TTL too small)"
	}
	dir := ""
	if l.Reply {
		dir = " (on the way back)"
	}
	return fmt.Sprintf("%s dropped at %s attachment %s%s: %s (%s between %s and %s)", plural(int(l.Packets), "packet"), l.TGW, l.Attachment, dir,
		why, plural(int(l.Records), "record"), stamp(l.First), stamp(l.Last))
}

func gatewaySummary(g *Gateway, q Question) string {
	if !g.Covered {
		return fmt.Sprintf("no transit gateway records between %s and %s: the traffic did not reach a logged transit gateway", q.Src, q.Dst)
	}
	var parts []string
	switch {
	case g.Crossed && len(g.Losses) == 0:
		parts = append(parts, fmt.Sprintf("packets from %s crossed %s (in by %s, out by %s) with no loss",
			q.Src, strings.Join(g.TGWs, ", "), strings.Join(g.Entered, ", "), strings.Join(g.Left, ", ")))
	case g.Crossed:
		parts = append(parts, fmt.Sprintf("%d of %d packets from %s crossed %s; the gateway dropped some", g.Delivered, g.Sent, q.Src, strings.Join(g.TGWs, ", ")))
	case g.Sent > 0:
		parts = append(parts, fmt.Sprintf("none of %d packets from %s crossed %s", g.Sent, q.Src, strings.Join(g.TGWs, ", ")))
	default:
		parts = append(parts, fmt.Sprintf("the gateway saw no packets from %s, only traffic from %s", q.Src, q.Dst))
	}
	for _, l := range g.Losses {
		parts = append(parts, l.Text)
	}
	return strings.Join(parts, "; ")
}
