package htmlreport

import (
	"encoding/xml"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/internal/golden"
)

// checkGolden compares got with testdata/name (go test -update rewrites it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join("testdata", name), got)
}

// wellFormed parses the SVG as XML, so a golden file is also checked to open in any viewer.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
	}
}

func minutes(start time.Time, n int, step time.Duration) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(i) * step)
	}
	return out
}

func TestLineChartGolden(t *testing.T) {
	midnight := time.Date(2026, 1, 14, 23, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		chart LineChart
	}{
		{"line-two-series-640x240.svg", LineChart{
			Title: "Records per 5 minutes", Width: 640, Height: 240, YLabel: "records per 5 minutes",
			X: minutes(midnight, 24, 5*time.Minute), // across midnight: the date shows on both days
			Series: []Series{
				{Name: "accepted", Color: "#2e7d32", Values: []float64{140, 152, 130, 160, 171, 149, 138, 142, 155, 163, 170, 158, 0, 0, 120, 131, 144, 150, 162, 148, 139, 141, 150, 157}},
				{Name: "rejected", Color: "#c62828", Dashed: true, Values: []float64{10, 12, 9, 11, 40, 42, 12, 10, 9, 8, 11, 13, 0, 0, 7, 9, 10, 11, 12, 9, 8, 10, 9, 11}},
			},
		}},
		{"line-single-point-320x160.svg", LineChart{
			Title: "one bucket", Width: 320, Height: 160,
			X:      []time.Time{midnight},
			Series: []Series{{Name: "accepted", Color: "#2e7d32", Values: []float64{3}}},
		}},
		{"line-all-zero-week-480x200.svg", LineChart{
			Title: "a quiet week", Width: 480, Height: 200, YLabel: "records per 3 hours",
			X:      minutes(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 56, 3*time.Hour),
			Series: []Series{{Name: "a & <b>", Color: "#1565c0", Values: make([]float64, 56)}},
		}},
		{"line-empty-320x160.svg", LineChart{Title: "nothing", Width: 320, Height: 160}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svg := string(c.chart.SVG())
			wellFormed(t, svg)
			checkGolden(t, c.name, svg)
		})
	}
}

func TestBarChartGolden(t *testing.T) {
	cases := []struct {
		name  string
		chart BarChart
	}{
		{"bar-protocols-480.svg", BarChart{Title: "Bytes per IP protocol", Width: 480, Color: "#6a1b9a", Bars: []Bar{
			{Label: "TCP", Value: 70_000_000_000, Text: "65.2 GiB · 98.7%"},
			{Label: "UDP", Value: 900_000_000, Text: "858.3 MiB · 1.27%"},
			{Label: "ICMP", Value: 12_000, Text: "11.7 KiB · 0.02%"},
			{Label: "ICMPv6", Value: 0, Text: "0 B · 0%"},
		}}},
		{"bar-long-labels-400.svg", BarChart{Title: "talkers", Width: 400, Color: "#1565c0", Bars: []Bar{
			{Label: "2001:db8:1234:5678:9abc:def0:1234:5678 -> 2001:db8::1", Value: 1234567},
			{Label: "10.0.0.1 -> <10.0.0.2>", Value: 1000},
		}}},
		{"bar-empty-300.svg", BarChart{Title: "none", Width: 300, Color: "#000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svg := string(c.chart.SVG())
			wellFormed(t, svg)
			checkGolden(t, c.name, svg)
		})
	}
}

// TestChartGeometry checks by hand-computed numbers what the golden files only freeze.
func TestChartGeometry(t *testing.T) {
	for _, c := range []struct {
		max       float64
		top, step float64
	}{
		{0, 1, 1}, {3, 3, 1}, {7, 8, 2}, {66, 80, 20}, {171, 200, 50}, {1234, 1250, 250}, {9_999_999, 10_000_000, 2_000_000},
	} {
		top, step := niceScale(c.max, 5)
		if top != c.top || step != c.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", c.max, top, step, c.top, c.step)
		}
	}
	// 640x240 chart, plot area x 64..624, y 34..200: the value 171 (axis top 200) is at
	// y = 34 + 166 - 171/200*166 = 58.1, the first point at x = 64, the last at x = 624.
	svg := string(LineChart{Width: 640, Height: 240, X: minutes(time.Unix(0, 0), 3, time.Minute),
		Series: []Series{{Name: "s", Color: "#000", Values: []float64{0, 171, 50}}}}.SVG())
	if !strings.Contains(svg, `points="64.0,200.0 344.0,58.1 624.0,158.5"`) {
		t.Errorf("line points wrong:\n%s", svg)
	}
	// Bars: widest bar gets the whole bar area; half the value, half the width.
	bsvg := string(BarChart{Width: 400, Color: "#000", Bars: []Bar{{Label: "ab", Value: 10}, {Label: "cd", Value: 5}}}.SVG())
	// label column = max(2*7+8, 60) = 60; text "10" = 2 chars → bar area = 400-60-14-16 = 310.
	if !strings.Contains(bsvg, `width="310.0"`) || !strings.Contains(bsvg, `width="155.0"`) {
		t.Errorf("bar widths wrong:\n%s", bsvg)
	}
	for _, c := range []struct {
		in   int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {-1234567, "-1,234,567"}, {70939108672, "70,939,108,672"}} {
		if got := Int(c.in); got != c.want {
			t.Errorf("Int(%d) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{0, "0"}, {2.5, "2.5"}, {12345.678, "12,345.68"}, {-0.001, "0"}, {84.4835, "84.48"}} {
		if got := Float(c.in); got != c.want {
			t.Errorf("Float(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	const min, h = time.Minute, time.Hour
	for _, c := range []struct {
		span, interval time.Duration
		want           time.Duration
	}{
		{0, 0, min}, {99 * min, min, min}, {2 * h, min, 5 * min}, {7 * 24 * h, min, 3 * h}, {365 * 24 * h, min, 7 * 24 * h},
		// 10-minute aggregation: never finer than 10 minutes, and never 15 (2, 1, 2, 1 records).
		{99 * min, 10 * min, 10 * min}, {2 * h, 10 * min, 10 * min}, {20 * h, 10 * min, 30 * min}, {7 * 24 * h, 10 * min, 3 * h},
	} {
		if got := pickBucket(c.span, c.interval); got != c.want {
			t.Errorf("pickBucket(%v, %v) = %v, want %v", c.span, c.interval, got, c.want)
		}
	}
}
