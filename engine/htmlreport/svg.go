package htmlreport

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// Series is one line of a LineChart: a value per X point.
type Series struct {
	Name   string
	Color  string // stroke colour, e.g. "#2e7d32"
	Dashed bool   // dashed stroke, so the series stays distinct when printed in grey
	Values []float64
}

// LineChart is a time-series chart: lines with a light area under them, axes, ticks and a
// legend. Rendered by SVG as a fixed-size inline <svg> that needs no script or font download.
type LineChart struct {
	Title  string // accessible name (<title>), not drawn
	Width  int
	Height int
	X      []time.Time // one per value, ascending
	Series []Series
	YLabel string // unit drawn above the Y axis, e.g. "records"
}

// Bar is one bar of a BarChart.
type Bar struct {
	Label string
	Value float64
	Text  string // drawn after the bar; default the value with thousands separators
}

// BarChart is a horizontal bar chart: a label, a bar proportional to the value, and a text.
type BarChart struct {
	Title string
	Width int
	Color string
	Bars  []Bar
}

const (
	fontStack = `system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`
	axisColor = "#555"
	gridColor = "#ddd"
	textColor = "#222"
)

// esc escapes text for an SVG text node or attribute value.
func esc(s string) string { return template.HTMLEscapeString(s) }

// f1 writes a coordinate with one decimal, so the output is stable across platforms.
func f1(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if s == "-0.0" {
		return "0.0"
	}
	return s
}

// niceScale picks a round axis maximum and tick step for data up to max, about n ticks.
func niceScale(max float64, n int) (top, step float64) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 1, 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		step = m * mag
		if step >= raw {
			break
		}
	}
	if step < 1 {
		step = 1 // counts: no fractional ticks
	}
	top = math.Ceil(max/step) * step
	return top, step
}

// tickLabel writes an axis value compactly: 1,200 / 15k / 2.5M.
func tickLabel(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return Float(v/1e9) + "G"
	case a >= 1e6:
		return Float(v/1e6) + "M"
	case a >= 1e4:
		return Float(v/1e3) + "k"
	}
	return Float(v)
}

// timeTickLayout chooses how X labels are written for a span of time.
func timeTickLayout(span time.Duration) string {
	switch {
	case span <= 36*time.Hour:
		return "15:04"
	case span <= 14*24*time.Hour:
		return "Jan 2 15:04"
	}
	return "Jan 2"
}

// SVG renders the chart.
func (c LineChart) SVG() template.HTML {
	w, h := float64(c.Width), float64(c.Height)
	const left, right, top, bottom = 64.0, 16.0, 34.0, 40.0
	pw, ph := w-left-right, h-top-bottom
	var b svgBuf
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="%s" font-size="12">`,
		c.Width, c.Height, c.Width, c.Height, esc(c.Title), fontStack)
	fmt.Fprintf(&b, "\n<title>%s</title>\n", esc(c.Title))

	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	// About one Y tick per 45 px, so a short chart does not crowd its axis.
	yTop, yStep := niceScale(maxV, min(max(int(ph/45), 2), 5))
	y := func(v float64) float64 { return top + ph - v/yTop*ph }
	n := len(c.X)
	x := func(i int) float64 {
		if n <= 1 {
			return left + pw/2
		}
		span := c.X[n-1].Sub(c.X[0]).Seconds()
		if span <= 0 {
			return left + pw*float64(i)/float64(n-1)
		}
		return left + pw*c.X[i].Sub(c.X[0]).Seconds()/span
	}

	// Grid and Y ticks.
	for v := 0.0; v <= yTop+yStep/2; v += yStep {
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", f1(left), f1(yy), f1(left+pw), f1(yy), gridColor)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`+"\n", f1(left-6), f1(yy+4), textColor, esc(tickLabel(v)))
	}
	if c.YLabel != "" {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="start" fill="%s">%s</text>`+"\n", f1(4), f1(top-14), axisColor, esc(c.YLabel))
	}

	// Axes.
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", f1(left), f1(top), f1(left), f1(top+ph), axisColor)
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", f1(left), f1(top+ph), f1(left+pw), f1(top+ph), axisColor)

	// X ticks at round UTC times (every 15 min, hour, 6 h, day, ...), at most about one label
	// per 90 px. The date is added to the first label and wherever the day changes, so a range
	// across midnight reads.
	if n > 0 {
		first, last := c.X[0].UTC(), c.X[n-1].UTC()
		span := last.Sub(first)
		layout := timeTickLayout(span)
		maxLabels := int(pw/90) + 1
		step := tickSteps[len(tickSteps)-1]
		for _, st := range tickSteps {
			if int(span/st)+1 <= maxLabels {
				step = st
				break
			}
		}
		tx := func(t time.Time) float64 {
			if span <= 0 {
				return left + pw/2
			}
			return left + pw*t.Sub(first).Seconds()/span.Seconds()
		}
		if step >= 24*time.Hour {
			layout = "Jan 2"
		}
		// Ticks start at a multiple of the step, or for steps of days at the first midnight,
		// so a week reads Mar 1, Mar 3, ... rather than wherever 48 h multiples fall.
		t0 := first.Truncate(step)
		if step >= 24*time.Hour {
			t0 = first.Truncate(24 * time.Hour)
		}
		lastDay := ""
		for t := t0; !t.After(last); t = t.Add(step) {
			if t.Before(first) {
				continue
			}
			lastDay = b.xTick(tx(t), top+ph, t, layout, lastDay)
		}
	}

	// Series: area first, then the line over it.
	for _, s := range c.Series {
		if len(s.Values) == 0 || n == 0 {
			continue
		}
		var pts []string
		for i, v := range s.Values {
			if i >= n {
				break
			}
			pts = append(pts, f1(x(i))+","+f1(y(v)))
		}
		if len(pts) == 1 {
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", f1(x(0)), f1(y(s.Values[0])), s.Color)
			continue
		}
		last := min(len(s.Values), n) - 1
		area := f1(x(0)) + "," + f1(top+ph) + " " + strings.Join(pts, " ") + " " + f1(x(last)) + "," + f1(top+ph)
		fmt.Fprintf(&b, `<polygon points="%s" fill="%s" fill-opacity="0.12" stroke="none"/>`+"\n", area, s.Color)
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 3"`
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s stroke-linejoin="round"/>`+"\n", strings.Join(pts, " "), s.Color, dash)
	}

	// Legend, top right.
	lx := left + pw
	for i := len(c.Series) - 1; i >= 0; i-- {
		s := c.Series[i]
		tw := float64(len([]rune(s.Name)))*7 + 8
		lx -= tw
		fmt.Fprintf(&b, `<text x="%s" y="%s" fill="%s">%s</text>`+"\n", f1(lx), f1(top-14), textColor, esc(s.Name))
		lx -= 28
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 3"`
		}
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`+"\n", f1(lx), f1(top-18), f1(lx+22), f1(top-18), s.Color, dash)
		lx -= 12
	}
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" fill="%s">no data</text>`+"\n", f1(left+pw/2), f1(top+ph/2), axisColor)
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// svgBuf collects SVG text.
type svgBuf struct{ strings.Builder }

// tickSteps are the X tick intervals tried, finest first.
var tickSteps = []time.Duration{
	time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
	91 * 24 * time.Hour, 365 * 24 * time.Hour,
}

// xTick draws one X tick and its label; it returns the day of the label so the next one
// knows whether to repeat the date.
func (b *svgBuf) xTick(xx, yAxis float64, t time.Time, layout, lastDay string) string {
	t = t.UTC()
	day := t.Format("2006-01-02")
	label := t.Format(layout)
	if layout == "15:04" && day != lastDay {
		// The first label and the first after midnight carry the date.
		label = t.Format("Jan 2 15:04")
	}
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", f1(xx), f1(yAxis), f1(xx), f1(yAxis+5), axisColor)
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", f1(xx), f1(yAxis+18), textColor, esc(label))
	return day
}

// SVG renders the chart: one row per bar, labels on the left, the text after each bar.
// labelWidth is the width of s in pixels at font-size 12 in the widest of the fonts the charts
// name (DejaVu Sans, the usual fallback on Linux): capitals are wider than digits and small
// letters, which a flat 7 px per character under-counts ("UDP 3389" is 57 px there).
func labelWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r == 'm', r == 'w', r == 'M', r == 'W':
			w += 9
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r == '>', r == '<', r == '-':
			w += 7.7
		case r == ' ', r == '.', r == ':', r == ',', r == 'i', r == 'l':
			w += 4
		default:
			w += 9
		}
	}
	return w
}

func (c BarChart) SVG() template.HTML {
	const rowH, barH, top, pad = 24.0, 16.0, 8.0, 8.0
	w := float64(c.Width)
	// Label column wide enough for the longest label as the widest common fonts draw it
	// (labelWidth), within limits; longer labels are cut with an ellipsis (the full text is in
	// the table and the <title>).
	maxW := 0.0
	for _, bar := range c.Bars {
		maxW = math.Max(maxW, labelWidth(bar.Label))
	}
	labelW := min(max(maxW+pad, 60), w*0.4)
	textW := 0
	texts := make([]string, len(c.Bars))
	maxV := 0.0
	for i, bar := range c.Bars {
		texts[i] = bar.Text
		if texts[i] == "" {
			texts[i] = Float(bar.Value)
		}
		textW = max(textW, len([]rune(texts[i])))
		maxV = math.Max(maxV, bar.Value)
	}
	barMax := w - labelW - float64(textW)*7 - 2*pad
	h := top*2 + rowH*float64(max(len(c.Bars), 1))
	var b svgBuf
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%d" height="%s" viewBox="0 0 %d %s" role="img" aria-label="%s" font-family="%s" font-size="12">`,
		c.Width, f1(h), c.Width, f1(h), esc(c.Title), fontStack)
	fmt.Fprintf(&b, "\n<title>%s</title>\n", esc(c.Title))
	if len(c.Bars) == 0 {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" fill="%s">no data</text>`+"\n", f1(w/2), f1(top+rowH/2+4), axisColor)
	}
	for i, bar := range c.Bars {
		yy := top + rowH*float64(i)
		label := bar.Label
		for r := []rune(label); labelWidth(label) > labelW-pad && len(r) > 2; {
			r = r[:len(r)-1] // keep dropping a rune while the label and its ellipsis overflow
			label = string(r[:len(r)-1]) + "…"
		}
		bw := 0.0
		if maxV > 0 && bar.Value > 0 {
			bw = math.Max(bar.Value/maxV*barMax, 1) // a non-zero value stays visible
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title>`, esc(bar.Label), esc(texts[i]))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`, f1(labelW-pad), f1(yy+barH/2+4), textColor, esc(label))
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, f1(labelW), f1(yy), f1(bw), f1(barH), c.Color)
		fmt.Fprintf(&b, `<text x="%s" y="%s" fill="%s">%s</text></g>`+"\n", f1(labelW+bw+pad/2), f1(yy+barH/2+4), textColor, esc(texts[i]))
	}
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", f1(labelW), f1(top-2), f1(labelW), f1(h-top+2), axisColor)
	b.WriteString("</svg>")
	return template.HTML(b.String())
}
