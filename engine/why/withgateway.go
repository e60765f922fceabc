package why

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// AnalyzeWithGateway is Analyze with the transit gateway's part beside the VPC verdict: when
// transit gateway records cover the pair, Report.Gateway says whether the packets crossed the
// gateway and, where it dropped them, why. The VPC verdict itself is Analyze's.
func AnalyzeWithGateway(ctx context.Context, db *sql.DB, q Question) (*Report, error) {
	rep, err := Analyze(ctx, db, q)
	if err != nil {
		return nil, err
	}
	g, err := AnalyzeGateway(ctx, db, q)
	if err != nil {
		return nil, err
	}
	if g.Covered {
		rep.Gateway = g
		// Transit gateway flow logs are loaded even when VPC flow logs are not.
		for i, n := range rep.Next {
			if n == noFlowLogsNext {
				rep.Next[i] = "No VPC flow logs are loaded: the transit gateway's records are the only evidence; load the flow logs of both sides' VPCs to see each side."
			}
		}
	}
	return rep, nil
}

// noFlowLogsNext is the advice of a report over a store without VPC flow logs.
const noFlowLogsNext = "No flow logs are loaded: run flowq sync or flowq load first."

// writeGateway prints the gateway's part: its summary, then each loss on a line.
func (r *Report) writeGateway(b *bufio.Writer) {
	g := r.Gateway
	if g == nil {
		return
	}
	head := g.Summary
	for i := len(g.Losses) - 1; i >= 0; i-- {
		head = strings.TrimSuffix(head, "; "+g.Losses[i].Text) // the losses follow one per line
	}
	fmt.Fprintf(b, "\nTransit gateway (%s, %s): %s\n", strings.Join(g.TGWs, ", "), plural(int(g.Records), "record"), wrap(head, 80, "  "))
	for _, l := range g.Losses {
		fmt.Fprintf(b, "  - %s\n", wrap(l.Text, 96, "    "))
	}
}
