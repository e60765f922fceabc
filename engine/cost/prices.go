// Package cost turns flow-log bytes into estimated charges: a dated price table per region (NAT
// gateway processing, inter-AZ and inter-region transfer, internet egress tiers) and SQL for sessions.
//
// The table shipped inside flowq is data/prices-DATE.json (the newest name wins), with its date and
// source; DATA_DIR/prices.json, when present, replaces regions of it (and its default region).
// RegisterSession gives a query session the prices (cost_prices, cost_egress_tiers, rate macros)
// and cost_flows, the flow records classified for the cost reports (queries/*cost*, nat-*, ...).
// Everything it yields is an estimate from flow logs, never a bill.
package cost

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed data/prices-*.json
var dataFS embed.FS

// UserFile is the name, in the data dir, of the user's price file.
const UserFile = "prices.json"

// Tier is one band of the monthly internet egress: per_gb up to up_to_gb (cumulative GB in the
// month); the last band has no up_to_gb.
type Tier struct {
	UpToGB *float64 `json:"up_to_gb,omitempty"`
	PerGB  float64  `json:"per_gb"`
}

// Region holds one region's rates, in the table's currency per GB.
type Region struct {
	NATPerGB                  float64 `json:"nat_per_gb"`
	InterAZPerGBEachDirection float64 `json:"inter_az_per_gb_each_direction"`
	InterRegionPerGB          float64 `json:"inter_region_per_gb"`
	InternetEgressTiers       []Tier  `json:"internet_egress_tiers"`
}

// Prices is a price table: rates per region, the region whose rates stand in for records of an
// unknown or unlisted region, and where the figures come from.
type Prices struct {
	Date          string            `json:"date"`
	Currency      string            `json:"currency"`
	BytesPerGB    int64             `json:"bytes_per_gb"`
	Source        string            `json:"source"`
	DefaultRegion string            `json:"default_region"`
	Regions       map[string]Region `json:"regions"`
	// File is where the table (or the user's part of it) was read from; not in the JSON.
	File string `json:"-"`
}

// Embedded returns the newest price table shipped inside flowq.
func Embedded() (*Prices, error) {
	names, err := fs.Glob(dataFS, "data/prices-*.json")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no embedded price table: %v", err)
	}
	sort.Strings(names)
	name := names[len(names)-1]
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	p, err := Parse(b, "embedded "+name)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Parse reads a price table and checks it; name is used in errors.
func Parse(b []byte, name string) (*Prices, error) {
	var p Prices
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("price table %s: %w", name, err)
	}
	p.File = name
	if err := p.check(name, true); err != nil {
		return nil, err
	}
	return &p, nil
}

// check validates the table; full asks for every top-level field (a user file may give regions only).
func (p *Prices) check(name string, full bool) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("price table %s: %s", name, fmt.Sprintf(format, args...))
	}
	if full {
		if _, err := time.Parse("2006-01-02", p.Date); err != nil {
			return bad("date %q is not YYYY-MM-DD", p.Date)
		}
		if p.Source == "" {
			return bad("no source: say where the rates come from")
		}
		if p.BytesPerGB <= 0 {
			return bad("bytes_per_gb must be positive")
		}
		if _, ok := p.Regions[p.DefaultRegion]; !ok {
			return bad("default_region %q has no rates", p.DefaultRegion)
		}
	} else if p.Date != "" {
		if _, err := time.Parse("2006-01-02", p.Date); err != nil {
			return bad("date %q is not YYYY-MM-DD", p.Date)
		}
	}
	for name2, r := range p.Regions {
		if name2 == "" || strings.ContainsAny(name2, "'\" ") {
			return bad("region name %q", name2)
		}
		if r.NATPerGB < 0 || r.InterAZPerGBEachDirection < 0 || r.InterRegionPerGB < 0 {
			return bad("region %s: negative rate", name2)
		}
		if len(r.InternetEgressTiers) == 0 {
			return bad("region %s: no internet_egress_tiers", name2)
		}
		prev := 0.0
		for i, t := range r.InternetEgressTiers {
			last := i == len(r.InternetEgressTiers)-1
			switch {
			case t.PerGB < 0:
				return bad("region %s: tier %d has a negative rate", name2, i+1)
			case last && t.UpToGB != nil:
				return bad("region %s: the last tier must have no up_to_gb (it takes the rest)", name2)
			case !last && (t.UpToGB == nil || *t.UpToGB <= prev):
				return bad("region %s: tier %d needs an up_to_gb above %g", name2, i+1, prev)
			}
			if t.UpToGB != nil {
				prev = *t.UpToGB
			}
		}
	}
	return nil
}

// Load returns the embedded table with DATA_DIR/prices.json laid over it: the user's regions
// replace (or add to) the shipped ones, and its date, source, currency and default region, when
// given, replace the shipped ones. No user file: the embedded table.
func Load(dataDir string) (*Prices, error) {
	p, err := Embedded()
	if err != nil {
		return nil, err
	}
	if dataDir == "" {
		return p, nil
	}
	path := filepath.Join(dataDir, UserFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("price table %s: %w", path, err)
	}
	return p.Overlay(b, path)
}

// Overlay lays a user's table (JSON text from name) over p and returns the result.
func (p *Prices) Overlay(b []byte, name string) (*Prices, error) {
	var u Prices
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		return nil, fmt.Errorf("price table %s: %w", name, err)
	}
	if err := u.check(name, false); err != nil {
		return nil, err
	}
	out := *p
	out.Regions = map[string]Region{}
	for k, v := range p.Regions {
		out.Regions[k] = v
	}
	for k, v := range u.Regions {
		out.Regions[k] = v
	}
	if u.Date != "" {
		out.Date = u.Date
	}
	if u.Source != "" {
		out.Source = u.Source
	}
	if u.Currency != "" {
		out.Currency = u.Currency
	}
	if u.BytesPerGB != 0 {
		out.BytesPerGB = u.BytesPerGB
	}
	if u.DefaultRegion != "" {
		out.DefaultRegion = u.DefaultRegion
	}
	out.File = name + " over " + p.File
	if err := out.check(name, true); err != nil {
		return nil, err
	}
	return &out, nil
}

// For returns the rates of a region and the region they belong to: the default region's for an
// unknown or unlisted one.
func (p *Prices) For(region string) (Region, string) {
	if r, ok := p.Regions[region]; ok {
		return r, region
	}
	return p.Regions[p.DefaultRegion], p.DefaultRegion
}

// EgressCharge is the tiered internet egress charge of gb in one month of a region's rates.
func (r Region) EgressCharge(gb float64) float64 {
	total, from := 0.0, 0.0
	for _, t := range r.InternetEgressTiers {
		to := gb
		if t.UpToGB != nil && *t.UpToGB < gb {
			to = *t.UpToGB
		}
		if to > from {
			total += (to - from) * t.PerGB
		}
		if t.UpToGB == nil || *t.UpToGB >= gb {
			break
		}
		from = *t.UpToGB
	}
	return total
}
