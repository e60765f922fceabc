package why

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store/storetest"
)

// The gateway's part of a pair, on flowgen's planted losses.
func TestAnalyzeGatewayPlanted(t *testing.T) {
	ctx := context.Background()
	truth, sess := storetest.LoadTGW(t, flowgen.SmallTGW())
	att := map[string]string{}
	for _, a := range truth.Attachments {
		att[a.Kind] = a.ID
	}
	for _, cause := range []string{flowgen.CauseNoRoute, flowgen.CauseBlackhole, flowgen.CauseMTUExceeded} {
		l, ok := truth.FindLoss(cause)
		if !ok {
			t.Fatalf("no planted %s", cause)
		}
		for _, dst := range []string{l.Dst, l.DstCIDR} {
			g, err := AnalyzeGateway(ctx, sess.DB, Question{Src: l.Src, Dst: dst, Port: l.DstPort, Proto: "tcp"})
			if err != nil {
				t.Fatal(err)
			}
			if !g.Table || !g.Covered || len(g.Losses) != 1 || !reflect.DeepEqual(g.TGWs, []string{truth.TGW}) {
				t.Fatalf("%s → %s: %+v", l.Src, dst, g)
			}
			got := g.Losses[0]
			if got.Cause != cause || got.TGW != truth.TGW || got.Attachment != l.Attachment || got.Pair != l.Pair ||
				got.Packets != l.Packets || got.Records != l.Records || got.Reply || !reflect.DeepEqual(got.Dsts, []string{l.Dst}) ||
				got.First.Unix() != l.FirstStart || got.Last.Unix() != l.LastEnd {
				t.Errorf("%s → %s: loss %+v\nplanted %+v", l.Src, dst, got, l)
			}
			if g.Sent != l.Sent || !reflect.DeepEqual(g.Entered, []string{l.Attachment}) {
				t.Errorf("%s: sent %d by %v, planted %d by %s", cause, g.Sent, g.Entered, l.Sent, l.Attachment)
			}
			if !strings.Contains(g.Summary, got.Text) || !strings.HasPrefix(got.Text, plural(int(l.Packets), "packet")+" dropped at "+truth.TGW+" attachment "+l.Attachment+": ") {
				t.Errorf("%s: text %q\nsummary %q", cause, got.Text, g.Summary)
			}
			switch cause {
			case flowgen.CauseNoRoute, flowgen.CauseBlackhole:
				want := map[string]string{flowgen.CauseNoRoute: "no route — the transit gateway route table has no route to " + l.Dst,
					flowgen.CauseBlackhole: "blackhole route — the transit gateway route table sends " + l.Dst + " to a blackhole"}[cause]
				if g.Crossed || g.Delivered != 0 || len(g.Left) != 0 || !strings.Contains(got.Text, want) ||
					!strings.HasPrefix(g.Summary, "none of ") {
					t.Errorf("%s: crossed %v, delivered %d, left %v, text %q", cause, g.Crossed, g.Delivered, g.Left, got.Text)
				}
			case flowgen.CauseMTUExceeded:
				// Small packets got through to the VPN: crossed, with a loss.
				if !g.Crossed || g.Delivered != l.Sent-l.Packets || !reflect.DeepEqual(g.Left, []string{att["vpn"]}) ||
					!strings.Contains(got.Text, "MTU exceeded") || !strings.Contains(got.Text, att["vpn"]) {
					t.Errorf("mtu: crossed %v, delivered %d (want %d), left %v, text %q", g.Crossed, g.Delivered, l.Sent-l.Packets, g.Left, got.Text)
				}
			}
		}
	}

	// A healthy pair: the top talker crossed both ways without loss.
	var healthy flowgen.TGWTalker
	for _, tk := range truth.Talkers {
		if tk.Lost == 0 && tk.Out != "-" {
			healthy = tk
			break
		}
	}
	g, err := AnalyzeGateway(ctx, sess.DB, Question{Src: healthy.Src, Dst: healthy.Dst})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Covered || !g.Crossed || !g.Replied || len(g.Losses) != 0 || !reflect.DeepEqual(g.Entered, []string{healthy.In}) ||
		!reflect.DeepEqual(g.Left, []string{healthy.Out}) || g.Sent != healthy.Packets || g.Delivered != healthy.Packets ||
		!strings.Contains(g.Summary, "with no loss") {
		t.Errorf("healthy %+v: %+v", healthy, g)
	}

	// A pair the gateway never saw.
	g, err = AnalyzeGateway(ctx, sess.DB, Question{Src: "10.99.0.1", Dst: "10.98.0.1"})
	if err != nil || g.Covered || g.Crossed || !g.Table || !strings.HasPrefix(g.Summary, "no transit gateway records") {
		t.Errorf("uncovered pair: %+v %v", g, err)
	}
}

func TestAnalyzeGatewayNoTable(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := AnalyzeGateway(context.Background(), db, Question{Src: "10.0.0.1", Dst: "10.0.0.2"})
	if err != nil || g.Table || g.Covered || g.Summary != "no transit gateway flow logs loaded" {
		t.Errorf("%+v %v", g, err)
	}
	if _, err := AnalyzeGateway(context.Background(), db, Question{Src: "nonsense", Dst: "10.0.0.2"}); err == nil {
		t.Error("a bad source was accepted")
	}
}

// A flow log on the entering attachment only: no egress records, so what crossed is what the
// ingress records passed on to their pair attachment.
func TestGatewayVerdictIngressOnly(t *testing.T) {
	rows := []gwRow{
		{tgw: "tgw-1", att: "tgw-attach-a", pair: "tgw-attach-b", dir: "ingress", src: "10.1.0.1", dst: "10.2.0.1", packets: 10, lost: [4]int64{0, 0, 4, 0}, start: 100, end: 160, fwd: true},
		{tgw: "tgw-1", att: "tgw-attach-a", pair: "tgw-attach-b", dir: "ingress", src: "10.1.0.1", dst: "10.2.0.1", packets: 5, start: 200, end: 260, fwd: true},
		{tgw: "tgw-1", att: "tgw-attach-a", pair: "-", dir: "ingress", src: "10.2.0.1", dst: "10.1.0.1", packets: 3, lost: [4]int64{0, 0, 0, 3}, start: 200, end: 230},
	}
	g := gatewayVerdict(rows, Question{Src: "10.1.0.1", Dst: "10.2.0.1"})
	if !g.Crossed || g.Replied || g.Sent != 15 || g.Delivered != 11 || !reflect.DeepEqual(g.Left, []string{"tgw-attach-b"}) || len(g.Losses) != 2 {
		t.Fatalf("%+v", g)
	}
	if l := g.Losses[0]; l.Cause != "mtu-exceeded" || l.Packets != 4 || l.Pair != "tgw-attach-b" || l.Reply {
		t.Errorf("first loss %+v", l)
	}
	if l := g.Losses[1]; l.Cause != "ttl-expired" || !l.Reply || !strings.Contains(l.Text, "(on the way back)") {
		t.Errorf("reply loss %+v", l)
	}
}
