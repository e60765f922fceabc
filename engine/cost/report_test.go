package cost_test

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/cost"
	"github.com/flowq/flowq/engine/cost/costtest"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/queries"
)

// The planted flows of flowgen.GenerateCost, priced by hand at the shipped us-east-1 rates:
// NAT processing 0.045/GB (both directions), inter-AZ 0.01/GB each direction, internet egress
// 0.09/GB (first tier), GB = 2^30 bytes. The figures below are written out, not computed by
// the code under test:
//
//	nat-internet  a (use1-az1) → NAT (use1-az2) → 203.0.113.7: 40 GiB out, 10 GiB back
//	              NAT 50 × 0.045 = 2.25; cross-AZ a↔NAT 50 × 0.02 = 1.00; egress 40 × 0.09 = 3.60
//	s3-via-nat    c (use1-az2) → NAT → S3 us-east-1: 2 GiB out, 30 GiB back
//	              NAT 32 × 0.045 = 1.44, all saved by a gateway endpoint; no egress charge
//	cross-az      a → b (use1-az3) 5 GiB (0.10), b → a 1 GiB (0.02)
//	same-az       a → d 3 GiB, no charge
//	direct        e → 198.51.100.20 through the internet gateway, 7 GiB: 7 × 0.09 = 0.63

type row map[string]any

func load(t *testing.T, fields []string) (*flowgen.CostTruth, *store.Session) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	truth, err := flowgen.GenerateCost(ctx, flowgen.DirSink(src), fields)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Load(ctx, []string{src}, store.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != int64(truth.Records) {
		t.Fatalf("loaded %d rows, planted %d", sum.Rows, truth.Records)
	}
	return truth, costtest.Session(t, st)
}

func runQuery(t *testing.T, sess *store.Session, name string, params map[string]string) []row {
	t.Helper()
	c, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := c.Lookup(name)
	if !ok {
		t.Fatalf("no query %s", name)
	}
	stmt, args, err := savedquery.Prepare(q, params)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sess.DB.QueryContext(context.Background(), stmt, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []row
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := row{}
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func num(t *testing.T, r row, col string) float64 {
	t.Helper()
	switch x := r[col].(type) {
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float64:
		return x
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	}
	t.Fatalf("column %s = %v (%T), want a number; row %v", col, r[col], r[col], r)
	return 0
}

func cents(x float64) int64 { return int64(math.Round(x * 100)) }

// checkMoney compares a charge to the cent and checks the rate column says the rate and the
// caveat says it is an estimate.
func checkMoney(t *testing.T, what string, r row, wantCents int64, rate string) {
	t.Helper()
	if got := cents(num(t, r, "charge")); got != wantCents {
		t.Errorf("%s: charge %d cents, want %d; row %v", what, got, wantCents, r)
	}
	if ru, _ := r["rate_used"].(string); !strings.HasPrefix(ru, rate+" USD/GB") || !strings.Contains(ru, "us-east-1 prices of 2026-12-02") {
		t.Errorf("%s: rate_used %q, want %s USD/GB (us-east-1 prices of 2026-12-02)", what, r["rate_used"], rate)
	}
	if c, _ := r["caveat"].(string); !strings.Contains(c, "estimated from flow logs") || !strings.Contains(c, "SKIPDATA") || !strings.Contains(c, "NODATA") {
		t.Errorf("%s: caveat %q", what, r["caveat"])
	}
}

func TestNATGatewayTopContributors(t *testing.T) {
	truth, sess := load(t, nil)
	rows := runQuery(t, sess, "nat-gateway-top-contributors", nil)
	if len(rows) != 2 {
		t.Fatalf("want the two addresses behind the NAT gateway, got %v", rows)
	}
	want := []struct {
		addr          string
		out, in       int64
		chargeInCents int64
	}{
		{truth.Addr["a"], 40 * flowgen.GiB, 10 * flowgen.GiB, 225},
		{truth.Addr["c"], 2 * flowgen.GiB, 30 * flowgen.GiB, 144},
	}
	for i, w := range want {
		r := rows[i]
		if r["nat_gateway"] != truth.NATInterface || r["address"] != w.addr {
			t.Errorf("row %d: %v, want %s behind %s", i, r, w.addr, truth.NATInterface)
		}
		if int64(num(t, r, "bytes_out")) != w.out || int64(num(t, r, "bytes_in")) != w.in || int64(num(t, r, "bytes_processed")) != w.out+w.in {
			t.Errorf("row %d bytes: %v, want out %d in %d", i, r, w.out, w.in)
		}
		checkMoney(t, "nat "+w.addr, r, w.chargeInCents, "0.045")
	}
}

func TestAWSServicesViaNAT(t *testing.T) {
	truth, sess := load(t, nil)
	rows := runQuery(t, sess, "aws-services-via-nat", nil)
	if len(rows) != 1 {
		t.Fatalf("want the S3 traffic of c only, got %v", rows)
	}
	r := rows[0]
	if r["service"] != "S3" || r["service_region"] != "us-east-1" || r["address"] != truth.Addr["c"] || r["nat_gateway"] != truth.NATInterface {
		t.Errorf("row %v", r)
	}
	if int64(num(t, r, "bytes_out")) != 2*flowgen.GiB || int64(num(t, r, "bytes_in")) != 30*flowgen.GiB {
		t.Errorf("bytes %v", r)
	}
	checkMoney(t, "s3 via nat", r, 144, "0.045")
	if cents(num(t, r, "endpoint_saving")) != 144 {
		t.Errorf("saving %v, want 1.44", r["endpoint_saving"])
	}
}

func TestCrossAZTraffic(t *testing.T) {
	truth, sess := load(t, nil)
	rows := runQuery(t, sess, "cross-az-traffic", nil)
	a, b, c, d := truth.Addr["a"], truth.Addr["b"], truth.Addr["c"], truth.Addr["d"]
	type key struct{ src, dst, scope string }
	want := map[key]struct {
		bytes int64
		cents int64
	}{
		{a, truth.NATIP, "cross-az"}: {40 * flowgen.GiB, 80},
		{truth.NATIP, a, "cross-az"}: {10 * flowgen.GiB, 20},
		{a, b, "cross-az"}:           {5 * flowgen.GiB, 10},
		{b, a, "cross-az"}:           {1 * flowgen.GiB, 2},
		{a, d, "same-az"}:            {3 * flowgen.GiB, 0},
		{c, truth.NATIP, "same-az"}:  {2 * flowgen.GiB, 0},
		{truth.NATIP, c, "same-az"}:  {30 * flowgen.GiB, 0},
	}
	got := map[key]bool{}
	for _, r := range rows {
		k := key{fmt.Sprint(r["src"]), fmt.Sprint(r["dst"]), fmt.Sprint(r["scope"])}
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected row %v", r)
			continue
		}
		got[k] = true
		if int64(num(t, r, "bytes")) != w.bytes {
			t.Errorf("%v: bytes %v, want %d", k, r["bytes"], w.bytes)
		}
		checkMoney(t, fmt.Sprint(k), r, w.cents, "0.01")
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing %v", k)
		}
	}
	if rows := runQuery(t, sess, "cross-az-traffic", map[string]string{"scope": "same-az"}); len(rows) != 3 {
		t.Errorf("scope=same-az: %v", rows)
	}
}

func TestInternetEgress(t *testing.T) {
	truth, sess := load(t, nil)
	rows := runQuery(t, sess, "internet-egress", nil)
	type key struct{ src, dst, kind string }
	want := map[key]struct {
		bytes int64
		cents int64
		rate  string
	}{
		{truth.NATInterface, truth.Internet, "internet"}:        {40 * flowgen.GiB, 360, "0.09"},
		{truth.Addr["e"], truth.InternetDirect, "internet"}:     {7 * flowgen.GiB, 63, "0.09"},
		{truth.NATInterface, "S3 us-east-1", "aws-same-region"}: {2 * flowgen.GiB, 0, "0"},
	}
	if len(rows) != len(want) {
		t.Errorf("rows %v", rows)
	}
	for _, r := range rows {
		k := key{fmt.Sprint(r["source"]), fmt.Sprint(r["destination"]), fmt.Sprint(r["kind"])}
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected row %v", r)
			continue
		}
		if int64(num(t, r, "bytes")) != w.bytes {
			t.Errorf("%v: bytes %v, want %d", k, r["bytes"], w.bytes)
		}
		checkMoney(t, fmt.Sprint(k), r, w.cents, w.rate)
	}
}

func TestCostSummary(t *testing.T) {
	_, sess := load(t, nil)
	rows := runQuery(t, sess, "cost-summary", nil)
	// NAT: (50 + 32) × 0.045 = 3.69; cross-AZ: (50 + 6) × 0.02 = 1.12; S3 via NAT: 32 × 0.045 =
	// 1.44; internet: (40 + 7) × 0.09 = 4.23.
	want := map[string]struct {
		bytes int64
		cents int64
	}{
		"nat-processing":       {82 * flowgen.GiB, 369},
		"cross-az":             {56 * flowgen.GiB, 112},
		"aws-services-via-nat": {32 * flowgen.GiB, 144},
		"internet-egress":      {47 * flowgen.GiB, 423},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %v", rows)
	}
	for _, r := range rows {
		w, ok := want[fmt.Sprint(r["item"])]
		if !ok || int64(num(t, r, "bytes")) != w.bytes || cents(num(t, r, "charge")) != w.cents || r["region"] != "us-east-1" {
			t.Errorf("row %v, want %+v", r, w)
		}
		if d := fmt.Sprint(r["day"]); !strings.HasPrefix(d, "2026-03-10") {
			t.Errorf("day %s", d)
		}
	}
	// The alert threshold leaves the cheaper items out.
	rows = runQuery(t, sess, "cost-summary", map[string]string{"min_charge": "2"})
	if len(rows) != 2 {
		t.Errorf("min_charge=2: %v", rows)
	}
	if rows := runQuery(t, sess, "cost-summary", map[string]string{"min_charge": "5"}); len(rows) != 0 {
		t.Errorf("min_charge=5: %v", rows)
	}
}

// In the default format (no pkt fields, AZ ids, direction or traffic path) and without an
// inventory, no NAT gateway or AZ can be known: those reports are empty rather than wrong, and
// internet egress is still counted by the private sender.
func TestDefaultFormatDegrades(t *testing.T) {
	truth, sess := load(t, flowgen.FormatDefault.Fields)
	for _, q := range []string{"nat-gateway-top-contributors", "aws-services-via-nat", "cross-az-traffic"} {
		if rows := runQuery(t, sess, q, nil); len(rows) != 0 {
			t.Errorf("%s: %v", q, rows)
		}
	}
	rows := runQuery(t, sess, "internet-egress", nil)
	seen := false
	for _, r := range rows {
		if r["source"] == truth.Addr["e"] && r["destination"] == truth.InternetDirect {
			seen = true
			if int64(num(t, r, "bytes")) != 7*flowgen.GiB {
				t.Errorf("direct egress %v", r)
			}
		}
	}
	if !seen {
		t.Errorf("direct egress missing: %v", rows)
	}
}

// A user price file (DATA_DIR/prices.json) changes the charges and the rate the reports name:
// NAT at 0.10/GB, so a's 50 GiB cost 5.00 and c's 32 GiB 3.20.
func TestUserPrices(t *testing.T) {
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
	user := `{"date": "2027-01-15", "source": "test", "regions": {"us-east-1": {"nat_per_gb": 0.10,
		"inter_az_per_gb_each_direction": 0.01, "inter_region_per_gb": 0.02, "internet_egress_tiers": [{"per_gb": 0.09}]}}}`
	if err := os.WriteFile(filepath.Join(st.Dir(), cost.UserFile), []byte(user), 0o644); err != nil {
		t.Fatal(err)
	}
	sess := costtest.Session(t, st)
	rows := runQuery(t, sess, "nat-gateway-top-contributors", nil)
	if len(rows) != 2 || rows[0]["address"] != truth.Addr["a"] || cents(num(t, rows[0], "charge")) != 500 || cents(num(t, rows[1], "charge")) != 320 {
		t.Fatalf("rows %v", rows)
	}
	if ru := rows[0]["rate_used"]; ru != "0.1 USD/GB NAT gateway processing (us-east-1 prices of 2027-01-15)" {
		t.Errorf("rate_used %q", ru)
	}
}
