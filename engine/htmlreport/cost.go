package htmlreport

import (
	"context"
	"html/template"

	"github.com/flowq/flowq/engine/output"
)

// The cost section (issue 19): estimated charges from the cost saved queries, after the fixed
// panels. Its panels are kept apart from Build's own so that a session without the cost SQL
// (engine/cost.RegisterSession) shows the error in the panel instead of failing the report.

// costPanel is one panel of the cost section.
type costPanel struct {
	id, title, query string
	params           map[string]string
	chart            func(*Table) template.HTML
}

// costNote is said under every cost panel: the figures are estimates, and which rates.
const costNote = "Estimated from flow logs, not a bill: traffic that was not logged (interfaces outside the flow logs, " +
	"records skipped in SKIPDATA windows, NODATA intervals) is not counted, and hourly, per-address and endpoint charges " +
	"and the monthly free allowance are left out. The rate_used column names the rate and the price table's date; " +
	"DATA_DIR/prices.json overrides the shipped table (docs/cost.md)."

func (b *builder) costPanels(ctx context.Context, r *Report) {
	charge := func(title, label string) func(*Table) template.HTML {
		return barsOf(title, label, "charge", "#ef6c00", func(v []any, t *Table) string {
			c, _ := output.Float(v[t.Col("charge")])
			return Float(c)
		})
	}
	panels := []costPanel{
		{id: "cost-summary", title: "Estimated cost per day", query: "cost-summary",
			chart: func(t *Table) template.HTML {
				bars := make([]Bar, 0, len(t.Values))
				for _, v := range t.Values {
					c, _ := output.Float(v[t.Col("charge")])
					label := formatValue(v[t.Col("day")], "day").Text + " " + formatValue(v[t.Col("item")], "item").Text
					bars = append(bars, Bar{Label: label, Value: c, Text: Float(c)})
				}
				return BarChart{Title: "Estimated charge per day and item", Width: 640, Color: "#ef6c00", Bars: bars}.SVG()
			}},
		{id: "cost-nat", title: "NAT gateway: top contributors", query: "nat-gateway-top-contributors", params: map[string]string{"limit": "10"},
			chart: charge("NAT processing charge per address behind the gateway", "address")},
		{id: "cost-cross-az", title: "Cross-AZ traffic", query: "cross-az-traffic", params: map[string]string{"scope": "cross-az", "limit": "10"}},
		{id: "cost-services-via-nat", title: "S3 and DynamoDB through a NAT gateway", query: "aws-services-via-nat", params: map[string]string{"limit": "10"}},
		{id: "cost-internet-egress", title: "Internet egress", query: "internet-egress", params: map[string]string{"limit": "10"},
			chart: charge("Internet egress charge per destination", "destination")},
	}
	for _, cp := range panels {
		p := &Panel{ID: cp.id, Title: cp.title, Note: costNote}
		r.Panels = append(r.Panels, p)
		q, ok := b.builtin.Lookup(cp.query)
		if !ok {
			p.Err = "no built-in query " + cp.query
			continue
		}
		p.Description = q.Description
		params, note := b.rangeParams(q)
		if note != "" {
			p.Note = note + " " + costNote
		}
		for k, v := range cp.params {
			params[k] = v
		}
		t, shown, err := b.run(ctx, q, params, b.opts.MaxRows)
		p.SQL = shown
		if err != nil {
			p.Err = err.Error()
			continue
		}
		t.dropColumn("caveat") // said once, in the note
		p.Table = t
		if cp.chart != nil && len(t.Values) > 0 {
			p.Chart = cp.chart(t)
		}
	}
}

// dropColumn removes a column by name, if present.
func (t *Table) dropColumn(name string) {
	i := t.Col(name)
	if i < 0 {
		return
	}
	t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
	t.Numeric = append(t.Numeric[:i:i], t.Numeric[i+1:]...)
	for r := range t.Rows {
		t.Rows[r] = append(t.Rows[r][:i:i], t.Rows[r][i+1:]...)
	}
	for r := range t.Values {
		t.Values[r] = append(t.Values[r][:i:i], t.Values[r][i+1:]...)
	}
}
