package flowgen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// probeStats counts the records of a generated set that are internet probes (REJECTed, from
// a public address, to one of noisePorts) and their distinct (src, dst) pairs.
func probeStats(t *testing.T, cfg Config) (records, probes, pairs int) {
	t.Helper()
	sink := NewMemSink()
	if _, err := Generate(context.Background(), cfg, sink); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range sink.Keys() {
		data, _ := sink.Get(k)
		var r io.Reader = bytes.NewReader(data)
		if strings.HasSuffix(k, ".gz") {
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			r = zr
		}
		sc := bufio.NewScanner(r)
		var idx map[string]int
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if idx == nil {
				idx = map[string]int{}
				for i, n := range f {
					idx[n] = i
				}
				continue
			}
			if f[idx["log-status"]] != "OK" {
				continue
			}
			records++
			src, err := netip.ParseAddr(f[idx["srcaddr"]])
			if err != nil || src.IsPrivate() || f[idx["action"]] != "REJECT" {
				continue
			}
			port := 0
			for _, c := range f[idx["dstport"]] {
				port = port*10 + int(c-'0')
			}
			if !slices.Contains(noisePorts, port) {
				continue
			}
			probes++
			seen[f[idx["srcaddr"]]+" "+f[idx["dstaddr"]]] = true
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	return records, probes, len(seen)
}

// TestScannerMonth checks the scanner knobs against what they plant: the default month keeps
// the usual few probes (5% of conversations, each of 2-4 records otherwise: under 3% of the
// records), the scanner-heavy one is mostly probes (70% of conversations: over 35% of the
// records) from a pool so large that most of its pairs are distinct.
func TestScannerMonth(t *testing.T) {
	day := func(c Config) Config { c.Span = 24 * time.Hour; c.Scenarios = false; return c }
	tests := []struct {
		name               string
		cfg                Config
		minShare, maxShare float64
		minDistinct        float64
	}{
		{"month", day(Month(20000)), 0.005, 0.03, 0},
		{"scanner month", day(ScannerMonth(20000)), 0.35, 0.8, 0.8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			records, probes, pairs := probeStats(t, tc.cfg)
			share := float64(probes) / float64(records)
			t.Logf("%d records, %d probes, %d pairs", records, probes, pairs)
			if share < tc.minShare || share > tc.maxShare {
				t.Errorf("probes are %.3f of %d records, want %.3f to %.3f", share, records, tc.minShare, tc.maxShare)
			}
			if d := float64(pairs) / float64(probes); d < tc.minDistinct {
				t.Errorf("%d distinct pairs in %d probes (%.2f), want at least %.2f", pairs, probes, d, tc.minDistinct)
			}
		})
	}
}

// TestNextMinutes checks the incremental preset starts where the month ends and keeps its rate.
func TestNextMinutes(t *testing.T) {
	m := Month(30 * 24 * 6 * 100) // 100 records per 10 minutes
	n := NextMinutes(m, 10*time.Minute)
	if want := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC); !n.Start.Equal(want) {
		t.Errorf("start %v, want %v", n.Start, want)
	}
	if n.Records != 100 || n.Span != 10*time.Minute {
		t.Errorf("records %d over %v, want 100 over 10m", n.Records, n.Span)
	}
}
