package htmlreport

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/cost/costtest"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/store"
)

// The cost section over flowgen.GenerateCost's planted flows: the charges are the hand-priced
// ones of engine/cost's tests (us-east-1, 2^30-byte GB): NAT processing a 50 GiB × 0.045 = 2.25,
// c 32 GiB × 0.045 = 1.44; cross-AZ a → NAT 40 GiB × 0.02 = 0.80; S3 via NAT 1.44; internet
// 203.0.113.7 40 GiB × 0.09 = 3.60.
func TestCostSection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	truth, err := flowgen.GenerateCost(ctx, flowgen.DirSink(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, []string{src}, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sess := costtest.Session(t, st)
	rep, err := Build(ctx, sess.DB, Options{Now: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	charge := func(id string, match map[string]string) float64 {
		t.Helper()
		p := panel(t, rep, id)
		if p.Err != "" || p.Table == nil {
			t.Fatalf("%s: %s", id, p.Err)
		}
		if !strings.Contains(p.Note, "Estimated from flow logs") || !strings.Contains(p.Note, "SKIPDATA") || p.Table.Col("caveat") >= 0 || p.Table.Col("rate_used") < 0 {
			t.Errorf("%s: note %q, columns %v", id, p.Note, p.Table.Columns)
		}
	rows:
		for _, v := range p.Table.Values {
			for col, want := range match {
				if s, _ := v[p.Table.Col(col)].(string); s != want {
					continue rows
				}
			}
			c, _ := output.Float(v[p.Table.Col("charge")])
			return c
		}
		t.Fatalf("%s: no row %v in %v", id, match, p.Table.Values)
		return 0
	}
	for _, c := range []struct {
		id    string
		match map[string]string
		cents int64
	}{
		{"cost-nat", map[string]string{"address": truth.Addr["a"]}, 225},
		{"cost-nat", map[string]string{"address": truth.Addr["c"]}, 144},
		{"cost-cross-az", map[string]string{"src": truth.Addr["a"], "dst": truth.NATIP}, 80},
		{"cost-services-via-nat", map[string]string{"service": "S3"}, 144},
		{"cost-internet-egress", map[string]string{"destination": truth.Internet}, 360},
		{"cost-summary", map[string]string{"item": "nat-processing"}, 369},
	} {
		if got := int64(math.Round(charge(c.id, c.match) * 100)); got != c.cents {
			t.Errorf("%s %v: %d cents, want %d", c.id, c.match, got, c.cents)
		}
	}
	if p := panel(t, rep, "cost-summary"); p.Chart == "" {
		t.Error("cost-summary: no chart")
	}
	var html bytes.Buffer
	if err := rep.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	s := section(t, html.String(), "cost-nat")
	if !strings.Contains(s, "Estimated from flow logs") || !strings.Contains(s, `<td class="num">2.25</td>`) ||
		!strings.Contains(s, `<span class="nw">USD/GB</span>`) || !strings.Contains(s, `<span class="nw">2026-12-02)</span>`) {
		t.Errorf("cost-nat section:\n%s", s)
	}
}
