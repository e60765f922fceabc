package why

import (
	"context"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store/storetest"
)

// On flowgen's planted losses, loaded by the store's loader, the report carries the gateway's
// part and its text names the drop; a pair the gateway never saw gets none.
func TestAnalyzeWithGatewayPlanted(t *testing.T) {
	ctx := context.Background()
	truth, sess := storetest.LoadTGW(t, flowgen.SmallTGW())
	for _, cause := range []string{flowgen.CauseNoRoute, flowgen.CauseBlackhole, flowgen.CauseMTUExceeded} {
		l, _ := truth.FindLoss(cause)
		rep, err := AnalyzeWithGateway(ctx, sess.DB, Question{Src: l.Src, Dst: l.Dst, Port: l.DstPort, Proto: "tcp"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Gateway == nil || len(rep.Gateway.Losses) != 1 || rep.Gateway.Losses[0].Packets != l.Packets || rep.Gateway.Losses[0].Attachment != l.Attachment {
			t.Fatalf("%s: gateway %+v, planted %+v", cause, rep.Gateway, l)
		}
		var b strings.Builder
		if err := rep.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		want := plural(int(l.Packets), "packet") + " dropped at " + truth.TGW + " attachment " + l.Attachment + ": "
		if !strings.Contains(b.String(), "\nTransit gateway ("+truth.TGW+", ") || !strings.Contains(b.String(), "  - "+want) ||
			!strings.HasPrefix(b.String(), "Verdict: ") {
			t.Errorf("%s: text lacks the gateway's part %q:\n%s", cause, want, b.String())
		}
		if next := strings.Join(rep.Next, " "); strings.Contains(next, noFlowLogsNext) || !strings.Contains(next, "No VPC flow logs are loaded") {
			t.Errorf("%s: next %q", cause, rep.Next)
		}
		flat := strings.Join(strings.Fields(b.String()), " ") // the text wraps at 100 columns
		if cause == flowgen.CauseNoRoute && !strings.Contains(flat, "no route — the transit gateway route table has no route to "+l.Dst) {
			t.Errorf("no route not named:\n%s", b.String())
		}
	}
	rep, err := AnalyzeWithGateway(ctx, sess.DB, Question{Src: "192.0.2.1", Dst: "192.0.2.2"})
	if err != nil || rep.Gateway != nil || strings.Contains(rep.Summary, "transit gateway") {
		t.Errorf("uncovered pair: gateway %+v, %v", rep.Gateway, err)
	}
}
