package cost

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbedded(t *testing.T) {
	p, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if p.Date != "2026-12-02" || p.BytesPerGB != 1<<30 || p.Currency != "USD" || !strings.Contains(p.Source, "aws.amazon.com/vpc/pricing") {
		t.Errorf("embedded table %+v", p)
	}
	r, region := p.For("us-east-1")
	if region != "us-east-1" || r.NATPerGB != 0.045 || r.InterAZPerGBEachDirection != 0.01 || r.InternetEgressTiers[0].PerGB != 0.09 {
		t.Errorf("us-east-1 %+v", r)
	}
	if _, region := p.For("xx-nowhere-9"); region != "us-east-1" {
		t.Errorf("unlisted region priced as %s", region)
	}
	if _, region := p.For(""); region != "us-east-1" {
		t.Errorf("unknown region priced as %s", region)
	}
}

// The tiers of us-east-1 (0.09 to 10 TB, 0.085 to 50 TB, 0.07 to 150 TB, 0.05 above), by hand.
func TestEgressCharge(t *testing.T) {
	p, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := p.For("us-east-1")
	for _, c := range []struct{ gb, want float64 }{
		{0, 0},
		{100, 9},
		{10240, 921.6},
		{20240, 921.6 + 10000*0.085},
		{51200, 921.6 + 40960*0.085},
		{200000, 921.6 + 40960*0.085 + 102400*0.07 + 46400*0.05},
	} {
		if got := r.EgressCharge(c.gb); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%g GB: %g, want %g", c.gb, got, c.want)
		}
	}
}

func TestOverlayAndErrors(t *testing.T) {
	base, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	good := `{"date": "2027-01-01", "source": "our EDP contract", "regions": {"us-east-1": {"nat_per_gb": 0.03,
		"inter_az_per_gb_each_direction": 0.005, "inter_region_per_gb": 0.01, "internet_egress_tiers": [{"per_gb": 0.05}]}}}`
	p, err := base.Overlay([]byte(good), "prices.json")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := p.For("us-east-1"); r.NATPerGB != 0.03 || p.Date != "2027-01-01" || p.Source != "our EDP contract" {
		t.Errorf("overlay %+v", p)
	}
	if r, _ := p.For("eu-west-1"); r.NATPerGB != 0.048 {
		t.Errorf("eu-west-1 kept from the shipped table: %+v", r)
	}
	for _, c := range []struct{ name, text, want string }{
		{"syntax", `{"regions": `, "prices.json"},
		{"unknown key", `{"regoins": {}}`, "unknown field"},
		{"bad date", `{"date": "1 Jan"}`, "date"},
		{"negative", `{"regions": {"x-1": {"nat_per_gb": -1, "internet_egress_tiers": [{"per_gb": 1}]}}}`, "negative"},
		{"no tiers", `{"regions": {"x-1": {"nat_per_gb": 1}}}`, "no internet_egress_tiers"},
		{"open tier first", `{"regions": {"x-1": {"internet_egress_tiers": [{"per_gb": 1}, {"per_gb": 2}]}}}`, "tier 1 needs an up_to_gb"},
		{"closed last tier", `{"regions": {"x-1": {"internet_egress_tiers": [{"up_to_gb": 10, "per_gb": 1}]}}}`, "last tier"},
		{"tiers out of order", `{"regions": {"x-1": {"internet_egress_tiers": [{"up_to_gb": 10, "per_gb": 1}, {"up_to_gb": 5, "per_gb": 1}, {"per_gb": 2}]}}}`, "tier 2"},
		{"default without rates", `{"default_region": "mars-1"}`, "default_region"},
	} {
		_, err := base.Overlay([]byte(c.text), "prices.json")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "prices.json") {
			t.Errorf("%s: %v, want an error naming prices.json and %q", c.name, err, c.want)
		}
	}
}

func TestLoadUserFile(t *testing.T) {
	dir := t.TempDir()
	p, err := Load(dir)
	if err != nil || p.Date != "2026-12-02" {
		t.Fatalf("no user file: %+v %v", p, err)
	}
	if err := os.WriteFile(filepath.Join(dir, UserFile), []byte(`{"regions": {"us-east-1": {"nat_per_gb": 0.5, "internet_egress_tiers": [{"per_gb": 0.1}]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := p.For("us-east-1"); r.NATPerGB != 0.5 || !strings.Contains(p.File, UserFile) {
		t.Errorf("user file not applied: %+v", p)
	}
	if err := os.WriteFile(filepath.Join(dir, UserFile), []byte(`{`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, UserFile)) {
		t.Errorf("a broken user file: %v", err)
	}
}
