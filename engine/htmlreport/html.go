package htmlreport

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/flowq/flowq/engine/output"
)

//go:embed page.html.tmpl
var pageText string

// page is parsed once; html/template escapes every value written into it.
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"int": func(v any) string {
		n, _ := asInt64(v)
		return Int(n)
	},
	"bytes":  output.Bytes,
	"tokens": tokens,
	"time":   Time,
	"pct": func(part, whole int64) string {
		if whole == 0 {
			return "0%"
		}
		return Float(100*float64(part)/float64(whole)) + "%"
	},
}).Parse(pageText))

// Chart sizes in the page; the SVGs scale down on narrow screens and paper.
const (
	trafficWidth  = 1100
	trafficHeight = 300
	rejectHeight  = 170
)

type trafficRow struct {
	Time               string
	Accepted, Rejected int64
}

// pageData is what the template sees.
type pageData struct {
	*Report
	RangeText    string
	BucketWord   string
	TrafficChart template.HTML
	RejectChart  template.HTML
	TrafficRows  []trafficRow
}

// WriteHTML writes the report as one self-contained HTML document.
func (r *Report) WriteHTML(w io.Writer) error {
	d := pageData{Report: r, BucketWord: durationWord(r.Traffic.Bucket), RangeText: r.rangeText()}
	if len(r.Traffic.Times) > 0 {
		d.TrafficChart = r.Traffic.Chart(trafficWidth, trafficHeight)
		d.RejectChart = r.Traffic.RejectedChart(trafficWidth, rejectHeight)
	}
	for i, t := range r.Traffic.Times {
		d.TrafficRows = append(d.TrafficRows, trafficRow{Time: t.UTC().Format(timeLayout), Accepted: r.Traffic.Accepted[i], Rejected: r.Traffic.Rejected[i]})
	}
	if err := page.Execute(w, d); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}

// rangeText says which records the report covers.
func (r *Report) rangeText() string {
	f := func(t time.Time) string { return Time(t) }
	switch {
	case r.Since.IsZero() && r.Until.IsZero():
		return "all loaded data"
	case r.Until.IsZero():
		return "since " + f(r.Since)
	case r.Since.IsZero():
		return "before " + f(r.Until)
	}
	return f(r.Since) + " to " + f(r.Until)
}
