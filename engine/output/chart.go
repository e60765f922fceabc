package output

import (
	"database/sql"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ChartData is a result shaped for charting: an x column (times or labels)
// and one or more numeric series, one value per row.
type ChartData struct {
	XName  string
	Labels []string    // x as text, one per row (formatted times when Times is set)
	Times  []time.Time // x as times when the first column is a DATE or TIMESTAMP, else nil
	Series []Series
}

// Series is one numeric column; NaN marks NULL.
type Series struct {
	Name   string
	Values []float64
}

// ChartKind picks the picture.
type ChartKind string

// Chart kinds. ChartAuto draws a line for times (3 or more points) and bars otherwise.
const (
	ChartAuto ChartKind = ""
	ChartBar  ChartKind = "bar"
	ChartLine ChartKind = "line"
)

// ChartOptions size and style a chart.
type ChartOptions struct {
	Kind ChartKind
	// Width and Height of the whole chart in terminal cells, title and legend
	// included. Width 0 means 80; Height 0 means 20 for lines and every row
	// for bars.
	Width, Height int
	// Unicode allows block and braille characters; false draws plain ASCII.
	Unicode bool
	// Color allows ANSI colours, one per series.
	Color bool
	Title string
	// MoreHint says how to see the rows a bar chart leaves out for lack of height; the
	// default suits any caller ("drop the chart to see all").
	MoreHint string
}

// defaultMoreHint follows "… N more rows not drawn" when ChartOptions.MoreHint is empty.
const defaultMoreHint = "drop the chart to see all"

// MaxChartRows bounds ChartFromRows: a chart of more points than a terminal
// has cells says nothing more, and the values are held in memory.
const MaxChartRows = 1_000_000

// ChartFromRows reads a result whose first column is a time or a label and
// whose other columns are numbers. rows is read to the end but not closed.
func ChartFromRows(rows *sql.Rows) (ChartData, error) {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return ChartData{}, fmt.Errorf("reading result columns: %w", err)
	}
	if len(cts) < 2 {
		return ChartData{}, fmt.Errorf("a chart needs a label or time column and at least one numeric column, got %d column(s)", len(cts))
	}
	xt := parseType(cts[0].DatabaseTypeName())
	isTime := isTimeType(xt)
	d := ChartData{XName: cts[0].Name()}
	for _, ct := range cts[1:] {
		if !isNumericType(parseType(ct.DatabaseTypeName())) {
			return ChartData{}, fmt.Errorf("column %q is %s, not a number: a chart plots numeric columns after the first", ct.Name(), ct.DatabaseTypeName())
		}
		d.Series = append(d.Series, Series{Name: ct.Name()})
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		n++
		if n > MaxChartRows {
			return ChartData{}, fmt.Errorf("result has more than %d rows: aggregate it before charting", MaxChartRows)
		}
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return ChartData{}, fmt.Errorf("reading result row %d: %w", n, err)
		}
		if isTime {
			ts, _ := vals[0].(time.Time)
			d.Times = append(d.Times, ts)
		}
		d.Labels = append(d.Labels, formatText(vals[0], xt, textOpts{null: DefaultNull}))
		for i := range d.Series {
			d.Series[i].Values = append(d.Series[i].Values, toFloat(vals[i+1]))
		}
	}
	if err := rows.Err(); err != nil {
		return ChartData{}, fmt.Errorf("reading result after row %d: %w", n, err)
	}
	if isTime && d.Times == nil {
		d.Times = []time.Time{}
	}
	return d, nil
}

func isTimeType(t *typeNode) bool {
	switch t.name() {
	case "DATE", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return true
	}
	return false
}

// toFloat is Float with NaN for what is not a number (a gap in a chart).
func toFloat(v any) float64 {
	if f, ok := Float(v); ok {
		return f
	}
	return math.NaN()
}

// Float reads a value scanned from DuckDB (any Go integer or float, HUGEINT as *big.Int,
// DECIMAL) as a float64; ok is false for NULL and anything that is not a number.
func Float(v any) (f float64, ok bool) {
	switch x := v.(type) {
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case *big.Int:
		if x == nil {
			return 0, false
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case duckdb.Decimal:
		if x.Value == nil {
			return 0, false
		}
		return x.Float64(), true
	}
	return 0, false
}

// Chart draws data as a bar chart or a time-series line.
func Chart(w io.Writer, data ChartData, o ChartOptions) error {
	if len(data.Series) == 0 {
		return fmt.Errorf("nothing to chart: no numeric column")
	}
	if o.Width <= 0 {
		o.Width = 80
	}
	if len(data.Labels) == 0 {
		_, err := io.WriteString(w, "(no rows to chart)\n")
		return err
	}
	kind := o.Kind
	if kind == ChartAuto {
		kind = ChartBar
		if data.Times != nil && len(data.Labels) >= 3 {
			kind = ChartLine
		}
	}
	var lines []string
	switch kind {
	case ChartBar:
		lines = barChart(data, o)
	case ChartLine:
		if o.Height <= 0 {
			o.Height = 20
		}
		lines = lineChart(data, o)
	default:
		return fmt.Errorf("unknown chart kind %q (want bar or line)", kind)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	if err != nil {
		return fmt.Errorf("writing chart: %w", err)
	}
	return nil
}

// palette: green, red, blue, yellow, magenta, cyan (ANSI SGR foreground),
// so that a typical "accepted, rejected" pair reads green then red.
var palette = []string{"32", "31", "34", "33", "35", "36"}

func paint(s string, series int, o ChartOptions) string {
	if !o.Color || series < 0 || s == "" {
		return s
	}
	return "\x1b[" + palette[series%len(palette)] + "m" + s + "\x1b[0m"
}

var (
	asciiBarFill   = []string{"#", "=", "*", "+", "o", "x"}
	unicodeShades  = []string{"█", "▓", "▒", "░"}
	asciiMarkers   = []string{"*", "+", "o", "x", "#", "@"}
	eighthBlocks   = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	chartEllipsis  = "…"
	asciiEllipsis  = "~"
	legendSpacing  = "  "
	barValueGutter = " "
)

// barFill returns the fill character of a series and whether partial
// (eighth) blocks may end its bars.
func barFill(series, nSeries int, o ChartOptions) (string, bool) {
	switch {
	case !o.Unicode:
		return asciiBarFill[series%len(asciiBarFill)], false
	case nSeries == 1 || o.Color:
		return "█", true
	default:
		return unicodeShades[series%len(unicodeShades)], false
	}
}

// chartHead returns the lines above a chart: the title, and a legend (series i drawn as
// mark(i)) when there is more than one series, ending in note when it is not empty.
func chartHead(data ChartData, o ChartOptions, mark func(i int) string, note string) []string {
	var out []string
	if o.Title != "" {
		out = append(out, fitText(sanitize(o.Title), o.Width, o))
	}
	if len(data.Series) > 1 {
		parts := make([]string, len(data.Series))
		plain := 0 // display width without colour escapes
		for i, s := range data.Series {
			parts[i] = paint(mark(i), i, o) + " " + sanitize(s.Name)
			plain += widthCond.StringWidth(mark(i)+" "+sanitize(s.Name)) + len(legendSpacing)
		}
		legend := strings.Join(parts, legendSpacing)
		if note != "" && plain+widthCond.StringWidth(note) <= o.Width {
			legend += legendSpacing + note
		}
		if !o.Color { // colour escapes would count as cells
			legend = fitText(legend, o.Width, o)
		}
		out = append(out, legend)
	}
	return out
}

// barChart draws one bar per row and series. Each series has its own scale (its largest value
// is a full bar), so that bytes beside packets and records stay readable: the value printed
// after each bar is what compares across series, and the legend says so.
func barChart(data ChartData, o ChartOptions) []string {
	ns := len(data.Series)
	out := chartHead(data, o, func(i int) string { f, _ := barFill(i, ns, o); return f + f }, "(bars scaled per column)")
	rowsAvail := len(data.Labels)
	if o.Height > 0 {
		// Lines left for bars after the header, keeping one for the "more" note if needed.
		avail := max(1, o.Height-len(out))
		if rowsAvail*ns > avail {
			rowsAvail = max(1, (avail-1)/ns)
		}
	}
	labels := make([]string, rowsAvail)
	labelW := 0
	for i := range labels {
		labels[i] = sanitize(data.Labels[i])
		labelW = max(labelW, widthCond.StringWidth(labels[i]))
	}
	labelW = min(labelW, max(4, o.Width/3))
	maxV := make([]float64, ns)
	valueText := make([]func(float64) string, ns)
	valW := 0
	for si, s := range data.Series {
		valueText[si] = chartValueFormat(s.Name)
		for _, v := range s.Values[:rowsAvail] {
			if !math.IsNaN(v) && v > maxV[si] {
				maxV[si] = v
			}
			valW = max(valW, len(valueText[si](v)))
		}
	}
	axis := "|"
	if o.Unicode {
		axis = "│"
	}
	barW := max(1, o.Width-labelW-1-widthCond.StringWidth(axis)-len(barValueGutter)-valW)
	for i := 0; i < rowsAvail; i++ {
		for si, s := range data.Series {
			label := ""
			if si == 0 {
				label = fitText(labels[i], labelW, o)
			}
			label += strings.Repeat(" ", labelW-widthCond.StringWidth(label))
			v := s.Values[i]
			bar := ""
			if !math.IsNaN(v) && v > 0 && maxV[si] > 0 {
				fill, partial := barFill(si, ns, o)
				units := v / maxV[si] * float64(barW)
				if partial {
					eighths := int(math.Round(units * 8))
					bar = strings.Repeat(fill, eighths/8) + eighthBlocks[eighths%8]
				} else {
					bar = strings.Repeat(fill, int(math.Round(units)))
				}
				if bar == "" { // a positive value never vanishes
					bar = eighthBlocks[1]
					if !partial {
						bar = fill
					}
				}
			}
			out = append(out, label+" "+axis+paint(bar, si, o)+barValueGutter+valueText[si](v))
		}
	}
	if more := len(data.Labels) - rowsAvail; more > 0 {
		unit := "rows"
		if more == 1 {
			unit = "row"
		}
		hint := o.MoreHint
		if hint == "" {
			hint = defaultMoreHint
		}
		head := fmt.Sprintf("%s %s more %s", ellipsis(o), Group(strconv.Itoa(more)), unit)
		note := head // the longest of these that fits
		for _, n := range []string{head + " not drawn: " + hint, head + ": " + hint, head + " not drawn"} {
			if widthCond.StringWidth(n) <= o.Width {
				note = n
				break
			}
		}
		out = append(out, fitText(note, o.Width, o))
	}
	return out
}

// chartValueFormat picks how a series' values are written beside its bars, by the column's
// name as in table mode: byte counts in binary units, codes and Unix times as plain digits.
func chartValueFormat(name string) func(float64) string {
	switch numberKind(name) {
	case numBytes:
		return func(v float64) string {
			if s, ok := humanBytes(v); ok {
				return s
			}
			return formatChartValue(v)
		}
	case numCode:
		return func(v float64) string {
			if !math.IsNaN(v) && v == math.Trunc(v) && math.Abs(v) < 1e15 {
				return strconv.FormatInt(int64(v), 10)
			}
			return formatChartValue(v)
		}
	}
	return formatChartValue
}

func ellipsis(o ChartOptions) string {
	if o.Unicode {
		return chartEllipsis
	}
	return asciiEllipsis
}

// fitText cuts s to w display cells, marking the cut.
func fitText(s string, w int, o ChartOptions) string {
	return widthCond.Truncate(s, w, ellipsis(o))
}

// formatChartValue prints a bar's value: whole numbers grouped, others with
// a few significant digits.
func formatChartValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return DefaultNull
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return Group(strconv.FormatInt(int64(v), 10))
	case math.Abs(v) >= 1:
		return Group(strconv.FormatFloat(v, 'f', 2, 64))
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// compactNumber prints an axis label in at most ~6 cells: 950, 1.2k, 3.4M.
func compactNumber(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		div float64
		sfx string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if a >= u.div {
			return trimZeros(strconv.FormatFloat(v/u.div, 'f', 1, 64)) + u.sfx
		}
	}
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// timeLayout picks how x-axis times read for the span they cover.
func timeLayout(ts []time.Time) string {
	if len(ts) == 0 {
		return "2006-01-02"
	}
	lo, hi := ts[0], ts[0]
	midnight := true
	for _, t := range ts {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 {
			midnight = false
		}
	}
	switch span := hi.Sub(lo); {
	case midnight:
		return "2006-01-02"
	case span < 24*time.Hour && lo.YearDay() == hi.YearDay():
		return "15:04"
	default:
		return "01-02 15:04"
	}
}

// lineChart plots every series against x (time-proportional when times are
// known, else evenly spaced), on a braille canvas when Unicode is allowed
// and the series can be told apart (one series, or colour), else with ASCII
// markers. NaN values leave gaps.
func lineChart(data ChartData, o ChartOptions) []string {
	ns := len(data.Series)
	braille := o.Unicode && (ns == 1 || o.Color)
	out := chartHead(data, o, func(i int) string {
		if braille {
			return "⣿"
		}
		return asciiMarkers[i%len(asciiMarkers)]
	}, "")
	plotH := max(2, o.Height-len(out)-2) // x axis and x labels below

	// y range: from zero when every value is non-negative, as counts should be.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range data.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if lo > 0 {
		lo = 0
	}
	if hi == lo {
		hi = lo + 1
	}
	yLabels := make([]string, plotH)
	yW := 0
	for r := 0; r < plotH; r++ {
		if r == 0 || r == plotH-1 || r == plotH/2 {
			yLabels[r] = compactNumber(hi - float64(r)*(hi-lo)/float64(plotH-1))
		}
		yW = max(yW, len(yLabels[r]))
	}
	plotW := max(2, o.Width-yW-1)

	// x positions in [0,1].
	n := len(data.Labels)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	xpos := make([]float64, n)
	if data.Times != nil && n > 0 {
		sort.SliceStable(order, func(a, b int) bool { return data.Times[order[a]].Before(data.Times[order[b]]) })
		t0, t1 := data.Times[order[0]], data.Times[order[n-1]]
		span := t1.Sub(t0)
		for i, t := range data.Times {
			if span > 0 {
				xpos[i] = float64(t.Sub(t0)) / float64(span)
			}
		}
	} else if n > 1 {
		for i := range xpos {
			xpos[i] = float64(i) / float64(n-1)
		}
	}

	sx, sy := 1, 1
	if braille {
		sx, sy = 2, 4
	}
	cv := newCanvas(plotW*sx, plotH*sy)
	for si, s := range data.Series {
		px, py := -1, -1
		for _, i := range order {
			v := s.Values[i]
			if math.IsNaN(v) {
				px = -1
				continue
			}
			x := int(math.Round(xpos[i] * float64(plotW*sx-1)))
			y := int(math.Round((hi - v) / (hi - lo) * float64(plotH*sy-1)))
			if px < 0 {
				cv.set(x, y, si)
			} else {
				cv.line(px, py, x, y, si)
			}
			px, py = x, y
		}
	}

	axisV, axisCorner, axisH, tick := "|", "+", "-", "+"
	if o.Unicode {
		axisV, axisCorner, axisH, tick = "│", "└", "─", "┤"
	}
	for r := 0; r < plotH; r++ {
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", yW-len(yLabels[r])) + yLabels[r])
		if yLabels[r] != "" {
			b.WriteString(tick)
		} else {
			b.WriteString(axisV)
		}
		// Runs of one series share one colour escape.
		run, runOwner := "", -1
		flush := func() {
			b.WriteString(paint(run, runOwner, o))
			run = ""
		}
		for c := 0; c < plotW; c++ {
			glyph, owner := " ", -1
			if braille {
				if bits, ow := cv.braille(c, r); bits != 0 {
					glyph, owner = string(rune(0x2800+int(bits))), ow
				}
			} else if ow := int(cv.owner[r*cv.w+c]); ow >= 0 {
				glyph, owner = asciiMarkers[ow%len(asciiMarkers)], ow
			}
			if owner != runOwner && owner >= 0 {
				flush()
				runOwner = owner
			}
			run += glyph
		}
		run = strings.TrimRight(run, " ")
		flush()
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	out = append(out, strings.Repeat(" ", yW)+axisCorner+strings.Repeat(axisH, plotW))
	out = append(out, xAxisLabels(data, order, yW+1, plotW))
	return out
}

// xAxisLabels puts the first and last x values at the plot's ends and the
// middle one when there is room.
func xAxisLabels(data ChartData, order []int, indent, plotW int) string {
	n := len(order)
	if n == 0 {
		return ""
	}
	layout := ""
	if data.Times != nil {
		layout = timeLayout(data.Times) // scans every time: once, not per label
	}
	label := func(i int) string {
		if data.Times != nil {
			return data.Times[i].Format(layout)
		}
		return sanitize(data.Labels[i])
	}
	line := []rune(strings.Repeat(" ", indent+plotW))
	put := func(pos int, s string) bool {
		rs := []rune(s)
		pos = max(indent, min(pos, len(line)-len(rs)))
		for i := max(0, pos-1); i < min(len(line), pos+len(rs)+1); i++ {
			if line[i] != ' ' {
				return false
			}
		}
		copy(line[pos:], rs)
		return true
	}
	first, last := label(order[0]), label(order[n-1])
	put(indent, first)
	if n > 1 {
		put(indent+plotW-len([]rune(last)), last)
	}
	if n > 2 {
		if data.Times != nil {
			t0, t1 := data.Times[order[0]], data.Times[order[n-1]]
			mid := t0.Add(t1.Sub(t0) / 2)
			s := mid.Format(layout)
			put(indent+plotW/2-len([]rune(s))/2, s)
		} else {
			m := order[n/2]
			s := label(m)
			put(indent+int(float64(n/2)/float64(n-1)*float64(plotW-1))-len([]rune(s))/2, s)
		}
	}
	return strings.TrimRight(string(line), " ")
}

// canvas is a dot grid; each dot remembers which series drew it last.
type canvas struct {
	w, h  int
	owner []int8
}

func newCanvas(w, h int) *canvas {
	c := &canvas{w: w, h: h, owner: make([]int8, w*h)}
	for i := range c.owner {
		c.owner[i] = -1
	}
	return c
}

func (c *canvas) set(x, y, series int) {
	if x >= 0 && y >= 0 && x < c.w && y < c.h {
		c.owner[y*c.w+x] = int8(series % 127)
	}
}

// line draws with Bresenham's algorithm.
func (c *canvas) line(x0, y0, x1, y1, series int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	stepX, stepY := 1, 1
	if x0 > x1 {
		stepX = -1
	}
	if y0 > y1 {
		stepY = -1
	}
	e := dx + dy
	for {
		c.set(x0, y0, series)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += stepX
		} else {
			e += dx
			y0 += stepY
		}
	}
}

// brailleBit maps a dot (dx 0-1, dy 0-3) inside a cell to its Unicode braille bit.
var brailleBit = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// braille returns the dots of one 2x4 cell and the series that owns most of them.
func (c *canvas) braille(cx, cy int) (uint8, int) {
	var bits uint8
	count := map[int8]int{}
	owner := -1
	for dy := 0; dy < 4; dy++ {
		for dx := 0; dx < 2; dx++ {
			if o := c.owner[(cy*4+dy)*c.w+cx*2+dx]; o >= 0 {
				bits |= brailleBit[dy][dx]
				count[o]++
				if owner < 0 || count[o] > count[int8(owner)] || (count[o] == count[int8(owner)] && int(o) > owner) {
					owner = int(o)
				}
			}
		}
	}
	return bits, owner
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// SparkGap marks an hour (or bucket) with no data, or with only SKIPDATA records.
const SparkGap = '·'

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws one character per value on a scale from zero to the
// largest value; gaps[i] (or a NaN value) draws SparkGap instead.
func Sparkline(values []float64, gaps []bool) string {
	maxV := 0.0
	for i, v := range values {
		if (i >= len(gaps) || !gaps[i]) && !math.IsNaN(v) && v > maxV {
			maxV = v
		}
	}
	var b strings.Builder
	for i, v := range values {
		switch {
		case (i < len(gaps) && gaps[i]) || math.IsNaN(v):
			b.WriteRune(SparkGap)
		case maxV <= 0 || v <= 0:
			b.WriteRune(sparkLevels[0])
		default:
			lvl := int(math.Ceil(v/maxV*float64(len(sparkLevels)))) - 1
			b.WriteRune(sparkLevels[max(0, min(lvl, len(sparkLevels)-1))])
		}
	}
	return b.String()
}
