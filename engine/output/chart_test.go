package output

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func chartString(t *testing.T, d ChartData, o ChartOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := Chart(&b, d, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func services() ChartData {
	return ChartData{XName: "svc", Labels: []string{"ssh", "rdp", "http", "dns", "null"},
		Series: []Series{{Name: "n", Values: []float64{100, 50, 25, 0, math.NaN()}}}}
}

// Hand-computed: width 40 minus label 4, space, axis, gutter and value width 4
// ("NULL") leaves 29 cells; 50/100 of 29 = 14.5 cells = 14 full + ▌;
// 25/100 of 29 = 7.25 = 7 full + ▎.
func TestBarChartExact(t *testing.T) {
	got := chartString(t, services(), ChartOptions{Width: 40, Unicode: true, Title: "by service"})
	want := "by service\n" +
		"ssh  │" + strings.Repeat("█", 29) + " 100\n" +
		"rdp  │" + strings.Repeat("█", 14) + "▌ 50\n" +
		"http │" + strings.Repeat("█", 7) + "▎ 25\n" +
		"dns  │ 0\n" +
		"null │ NULL\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// ASCII: whole cells only, round(14.5)=15 (round half away from zero), round(7.25)=7.
	got = chartString(t, services(), ChartOptions{Width: 40})
	want = "ssh  |" + strings.Repeat("#", 29) + " 100\n" +
		"rdp  |" + strings.Repeat("#", 15) + " 50\n" +
		"http |" + strings.Repeat("#", 7) + " 25\n" +
		"dns  | 0\n" +
		"null | NULL\n"
	if got != want {
		t.Errorf("ascii got\n%s\nwant\n%s", got, want)
	}
}

func twoSeries() ChartData {
	d := services()
	d.Series = append(d.Series, Series{Name: "m", Values: []float64{10, 60, 5, 1, 2}})
	return d
}

func hourly() ChartData {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	d := ChartData{XName: "hour", Series: []Series{{Name: "accepted"}, {Name: "rejected"}}}
	for i := 0; i < 48; i++ {
		ts := t0.Add(time.Duration(i) * time.Hour)
		d.Times = append(d.Times, ts)
		d.Labels = append(d.Labels, ts.Format("2006-01-02 15:04:05"))
		// A triangle wave peaking at hours 12 and 36, and a ramp.
		tri := float64(12 - abs(i%24-12))
		d.Series[0].Values = append(d.Series[0].Values, 100*tri)
		d.Series[1].Values = append(d.Series[1].Values, float64(i*20))
	}
	d.Series[0].Values[20] = math.NaN() // a NULL hour leaves a gap
	return d
}

func TestGoldenCharts(t *testing.T) {
	one := hourly()
	one.Series = one.Series[:1]
	cases := []struct {
		name string
		d    ChartData
		o    ChartOptions
	}{
		{"bar-two-ascii", twoSeries(), ChartOptions{Width: 40}},
		{"bar-two-unicode-height6", twoSeries(), ChartOptions{Width: 40, Height: 6, Unicode: true}},
		{"bar-two-color", twoSeries(), ChartOptions{Width: 40, Unicode: true, Color: true}},
		{"line-braille", one, ChartOptions{Width: 60, Height: 12, Unicode: true, Title: "records per hour"}},
		{"line-two-ascii", hourly(), ChartOptions{Width: 60, Height: 12}},
		{"line-two-color", hourly(), ChartOptions{Width: 60, Height: 12, Unicode: true, Color: true}},
		{"line-labels", ChartData{XName: "k", Labels: []string{"a", "b", "c", "d"},
			Series: []Series{{Name: "v", Values: []float64{-2, 3, 1, 4}}}},
			ChartOptions{Kind: ChartLine, Width: 30, Height: 8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := chartString(t, c.d, c.o)
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if c.o.Height > 0 && len(lines) > c.o.Height {
				t.Errorf("%d lines, height %d", len(lines), c.o.Height)
			}
			for _, l := range lines {
				if w := widthCond.StringWidth(stripANSI(l)); w > c.o.Width {
					t.Errorf("line %q is %d wide, width %d", l, w, c.o.Width)
				}
			}
			checkGolden(t, "chart-"+c.name+".txt", got)
		})
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Plotted points land where hand arithmetic puts them: on an 11x5 ASCII grid
// with y from 0 to 4, value v sits on row round((4-v)/4*4) = 4-v and x=i*10/2.
func TestLineChartPlacement(t *testing.T) {
	d := ChartData{XName: "k", Labels: []string{"a", "b", "c"},
		Series: []Series{{Name: "v", Values: []float64{0, 4, 2}}}}
	got := chartString(t, d, ChartOptions{Kind: ChartLine, Width: 13, Height: 7})
	lines := strings.Split(got, "\n")
	// Rows 0..4 are the plot; the y labels are "4", "2", "0" (width 1) then the axis char.
	grid := make([]string, 5)
	for r := 0; r < 5; r++ {
		grid[r] = (lines[r] + strings.Repeat(" ", 13))[2:13]
	}
	at := func(x, y int) byte { return grid[y][x] }
	if at(0, 4) != '*' || at(5, 0) != '*' || at(10, 2) != '*' {
		t.Errorf("points misplaced:\n%s", got)
	}
	if !strings.HasPrefix(lines[0], "4+") || !strings.HasPrefix(lines[2], "2+") || !strings.HasPrefix(lines[4], "0+") {
		t.Errorf("y labels wrong:\n%s", got)
	}
	if lines[6] != "  a    b    c" {
		t.Errorf("x labels = %q", lines[6])
	}
}

func TestSparkline(t *testing.T) {
	cases := []struct {
		vals []float64
		gaps []bool
		want string
	}{
		// Levels: ceil(v/max*8)-1 → 1/8 of max is ▁, all of max █.
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, nil, "▁▂▃▄▅▆▇█"},
		{[]float64{0, 100, 50, 12.5, 13}, []bool{true}, "·█▄▁▂"},
		{[]float64{0, 0}, nil, "▁▁"},
		{[]float64{5, math.NaN(), 10}, nil, "▄·█"},
		{nil, nil, ""},
	}
	for _, c := range cases {
		if got := Sparkline(c.vals, c.gaps); got != c.want {
			t.Errorf("Sparkline(%v, %v) = %q, want %q", c.vals, c.gaps, got, c.want)
		}
	}
}

func TestChartFromRows(t *testing.T) {
	db := openDB(t)
	rows, err := db.Query(`SELECT h, sum(n::BIGINT) AS total, avg(n)::DECIMAL(10,2) AS mean
		FROM (SELECT TIMESTAMP '2024-03-01 00:00:00' + INTERVAL (x % 3) HOUR AS h, x AS n FROM range(9) t(x))
		GROUP BY h ORDER BY h`)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ChartFromRows(rows)
	rows.Close() // one connection: free it for the next query
	if err != nil {
		t.Fatal(err)
	}
	// Hour 0: 0+3+6=9, mean 3; hour 1: 1+4+7=12, mean 4; hour 2: 2+5+8=15, mean 5.
	if len(d.Times) != 3 || !d.Times[1].Equal(time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("times %v", d.Times)
	}
	if d.Labels[2] != "2024-03-01 02:00:00" || d.XName != "h" {
		t.Errorf("labels %v, x %q", d.Labels, d.XName)
	}
	want := [][]float64{{9, 12, 15}, {3, 4, 5}}
	for i, s := range d.Series {
		for j, v := range s.Values {
			if v != want[i][j] {
				t.Errorf("series %s[%d] = %v, want %v", s.Name, j, v, want[i][j])
			}
		}
	}

	rows2, err := db.Query(`SELECT 'a' AS k, 'x' AS v`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ChartFromRows(rows2)
	rows2.Close()
	if err == nil || !strings.Contains(err.Error(), `column "v" is VARCHAR`) {
		t.Errorf("text value column: err = %v", err)
	}

	rows3, err := db.Query(`SELECT 'tcp' AS proto, NULL::INTEGER AS n`)
	if err != nil {
		t.Fatal(err)
	}
	d, err = ChartFromRows(rows3)
	rows3.Close()
	if err != nil || d.Times != nil || d.Labels[0] != "tcp" || !math.IsNaN(d.Series[0].Values[0]) {
		t.Errorf("label chart: %+v, %v", d, err)
	}
}

func TestCompactNumber(t *testing.T) {
	cases := map[float64]string{0: "0", 950: "950", 1234: "1.2k", 1_000_000: "1M", 2.5e9: "2.5G",
		-1500: "-1.5k", 12.25: "12.2", 0.5: "0.5", 7: "7"}
	for in, want := range cases {
		if got := compactNumber(in); got != want {
			t.Errorf("compactNumber(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestChartEdges(t *testing.T) {
	if got := chartString(t, ChartData{Series: []Series{{Name: "n"}}}, ChartOptions{}); got != "(no rows to chart)\n" {
		t.Errorf("empty chart = %q", got)
	}
	if err := Chart(&bytes.Buffer{}, ChartData{Labels: []string{"a"}}, ChartOptions{}); err == nil {
		t.Error("chart without series: no error")
	}
	// A negative value draws no bar but keeps its number; the positive one fills the width.
	d := ChartData{Labels: []string{"up", "down"}, Series: []Series{{Name: "v", Values: []float64{3, -1}}}}
	got := chartString(t, d, ChartOptions{Width: 12})
	if got != "up   |### 3\ndown | -1\n" { // 12 - label 4 - " |" - " " - value 2 = 3 cells
		t.Errorf("negative bar:\n%q", got)
	}
}

// TestBarChartScalePerSeries: bytes beside packets each get their own scale. Hand-computed:
// width 50 minus label 1, space, axis, gutter and value width 7 ("2.0 KiB") leaves 39 cells;
// 1024/2048 and 5/10 of 39 = 19.5, rounded to 20. On one scale the packets would be 1 cell.
func TestBarChartScalePerSeries(t *testing.T) {
	d := ChartData{XName: "k", Labels: []string{"a", "b"}, Series: []Series{
		{Name: "bytes", Values: []float64{2048, 1024}},
		{Name: "packets", Values: []float64{10, 5}},
	}}
	got := chartString(t, d, ChartOptions{Width: 50, Unicode: true})
	want := "██ bytes  ▓▓ packets  (bars scaled per column)\n" +
		"a │" + strings.Repeat("█", 39) + " 2.0 KiB\n" +
		"  │" + strings.Repeat("▓", 39) + " 10\n" +
		"b │" + strings.Repeat("█", 20) + " 1.0 KiB\n" +
		"  │" + strings.Repeat("▓", 20) + " 5\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestBarChartMoreNote: rows left out for lack of height are counted, with how to see them.
func TestBarChartMoreNote(t *testing.T) {
	cases := []struct {
		o    ChartOptions
		want string
	}{
		// Height 4: three bars and the note.
		{ChartOptions{Width: 80, Height: 4}, "~ 2 more rows not drawn: drop the chart to see all"},
		{ChartOptions{Width: 40, Height: 4, MoreHint: "run it without --chart"}, "~ 2 more rows: run it without --chart"},
		{ChartOptions{Width: 24, Height: 4}, "~ 2 more rows not drawn"},
	}
	for _, c := range cases {
		got := chartString(t, services(), c.o)
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) != 4 || lines[3] != c.want {
			t.Errorf("%+v: got\n%s\nwant last line %q", c.o, got, c.want)
		}
	}
}
