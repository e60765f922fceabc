package htmlreport

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/summary"
	"github.com/flowq/flowq/engine/timespec"
	"github.com/flowq/flowq/queries"
)

// Options say what the report covers.
type Options struct {
	Since, Until time.Time // records with Since <= start < Until; a zero value is unbounded
	Title        string    // default "flowq report"
	// Catalog supplies the saved queries shown as tables in the "Saved queries" section; nil
	// leaves that section out. The fixed panels always use the built-in queries, whose columns
	// they chart.
	Catalog *savedquery.Catalog
	Now     time.Time // clock for relative parameter defaults and the "generated" line; default time.Now()
	MaxRows int       // rows shown per table; default 100
}

// Report is a built report, ready to write.
type Report struct {
	Title     string
	Generated time.Time
	Since     time.Time
	Until     time.Time
	Summary   Summary
	Traffic   Traffic
	Panels    []*Panel // the fixed panels, in page order
	Saved     []*Panel // one per saved query, by name
	Warnings  []string // catalog files that did not parse, and the like
	// Hint says where the data is when the range holds no records, and how to widen it.
	Hint string
}

// Summary is the headline numbers.
type Summary struct {
	Records, Bytes, Packets int64
	Accepted, Rejected      int64
	NoData, SkipData        int64
	First, Last             time.Time // earliest start, latest end; zero without records
	Accounts, Regions, ENIs int64
	Interval                time.Duration // the aggregation interval the records show (summary.Summary.Interval)
	SQL                     string
}

// Traffic is records per time bucket, accepted and rejected.
type Traffic struct {
	Bucket   time.Duration
	Times    []time.Time
	Accepted []int64
	Rejected []int64
	SQL      string
}

// Panel is one section of the report: an optional chart, a table, and the SQL behind them.
type Panel struct {
	ID           string
	Title        string
	Description  string
	Note         string // e.g. why a saved query was not run
	SQL          string // Athena SQL with the parameter values written in
	Chart        template.HTML
	Table        *Table
	Err          string // the query failed; the rest of the report still stands
	SeeAlso      string // id of the fixed panel showing this saved query's answer
	SeeAlsoTitle string // and its title
	SeeAlsoWith  string // the parameters that panel sets, when not the query's defaults ("limit=10")
	Fold         bool   // the table is folded away until asked for (the saved-queries appendix)
}

// Table is a query result as text.
type Table struct {
	Columns []string
	Numeric []bool   // per column: right-aligned
	Rows    [][]Cell // at most Options.MaxRows
	Values  [][]any  // the scanned values of Rows, for callers and tests
	Total   int      // rows the query returned
}

// Col returns the index of a column, or -1.
func (t *Table) Col(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// dropNullColumns removes the columns that are NULL in every row.
func (t *Table) dropNullColumns() {
	if len(t.Values) == 0 {
		return
	}
	var keep []int
	for i := range t.Columns {
		for _, v := range t.Values {
			if v[i] != nil {
				keep = append(keep, i)
				break
			}
		}
	}
	if len(keep) == len(t.Columns) {
		return
	}
	pick := func(row []Cell) []Cell {
		out := make([]Cell, len(keep))
		for j, i := range keep {
			out[j] = row[i]
		}
		return out
	}
	cols := make([]string, len(keep))
	num := make([]bool, len(keep))
	for j, i := range keep {
		cols[j], num[j] = t.Columns[i], t.Numeric[i]
	}
	for r := range t.Rows {
		t.Rows[r] = pick(t.Rows[r])
		vals := make([]any, len(keep))
		for j, i := range keep {
			vals[j] = t.Values[r][i]
		}
		t.Values[r] = vals
	}
	t.Columns, t.Numeric = cols, num
}

// Querier is what Build needs of the database: a *sql.DB, or a store session, whose
// QueryContext refuses anything but a SELECT when it is read-only.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// builder carries the options through the panels.
type builder struct {
	db       Querier
	opts     Options
	builtin  *savedquery.Catalog
	answered map[string]*Panel // built-in query name → the first fixed panel showing its answer
	with     map[string]string // and the parameters that panel sets, when not the defaults
}

// Build runs every panel's query on db (a session with the vpc_flow_logs view) and returns the
// report. A failing fixed panel (summary, traffic) is an error; a failing saved query is shown
// in its panel.
func Build(ctx context.Context, db Querier, opts Options) (*Report, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.MaxRows <= 0 {
		opts.MaxRows = 100
	}
	if opts.Title == "" {
		opts.Title = "flowq report"
	}
	builtin, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		return nil, err
	}
	b := &builder{db: db, opts: opts, builtin: builtin, answered: map[string]*Panel{}, with: map[string]string{}}
	r := &Report{Title: opts.Title, Generated: opts.Now.UTC(), Since: opts.Since, Until: opts.Until}
	if err := b.summary(ctx, r); err != nil {
		return nil, err
	}
	if err := b.traffic(ctx, r); err != nil {
		return nil, err
	}
	if err := b.fixedPanels(ctx, r); err != nil {
		return nil, err
	}
	b.costPanels(ctx, r) // cost.go
	if opts.Catalog != nil {
		for _, e := range opts.Catalog.Errors() {
			r.Warnings = append(r.Warnings, "saved query skipped: "+e.Error())
		}
		b.savedPanels(ctx, r)
	}
	return r, nil
}

// rangeParams are the since/until parameters for a query that declares them.
func (b *builder) rangeParams(q savedquery.Query) (map[string]string, string) {
	p := map[string]string{}
	var missing []string
	if !b.opts.Since.IsZero() {
		if _, ok := q.Param("since"); ok {
			p["since"] = strconv.FormatInt(b.opts.Since.Unix(), 10)
		} else {
			missing = append(missing, "since")
		}
	}
	if !b.opts.Until.IsZero() {
		if _, ok := q.Param("until"); ok {
			p["until"] = strconv.FormatInt(b.opts.Until.Unix(), 10)
		} else {
			missing = append(missing, "until")
		}
	}
	note := ""
	if len(missing) > 0 {
		note = "This query has no " + strings.Join(missing, "/") + " parameter: it covers all loaded data, not the report's range."
	}
	return p, note
}

// run binds, rewrites and runs q; it returns the result and the SQL to show (Athena text
// with the values written in).
func (b *builder) run(ctx context.Context, q savedquery.Query, params map[string]string, maxRows int) (*Table, string, error) {
	shown, err := savedquery.Render(q, params, b.opts.Now)
	if err != nil {
		return nil, q.SQL, fmt.Errorf("query %s: %w", q.Name, err)
	}
	stmt, args, err := savedquery.PrepareAt(q, params, b.opts.Now)
	if err != nil {
		return nil, shown, fmt.Errorf("query %s: %w", q.Name, err)
	}
	rows, err := b.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, shown, fmt.Errorf("query %s: %w", q.Name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, shown, fmt.Errorf("query %s: %w", q.Name, err)
	}
	t := &Table{Columns: cols, Numeric: make([]bool, len(cols))}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, shown, fmt.Errorf("query %s: row %d: %w", q.Name, t.Total+1, err)
		}
		t.Total++
		if len(t.Rows) >= maxRows {
			continue
		}
		cells := make([]Cell, len(cols))
		for i, v := range vals {
			cells[i] = formatValue(v, cols[i])
			if cells[i].Num {
				t.Numeric[i] = true
			}
		}
		t.Rows = append(t.Rows, cells)
		t.Values = append(t.Values, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, shown, fmt.Errorf("query %s: %w", q.Name, err)
	}
	return t, shown, nil
}

// rng is the report's range as the summary package takes it.
func (b *builder) rng() timespec.Range {
	return timespec.Range{From: b.opts.Since, To: b.opts.Until}
}

// summary reads the headline numbers through the summary package `flowq status` shares.
func (b *builder) summary(ctx context.Context, r *Report) error {
	sm, err := summary.Read(ctx, b.db, b.rng(), b.opts.Now)
	if err != nil {
		return fmt.Errorf("report summary: %w", err)
	}
	r.Summary = Summary{
		Records: sm.Records, Bytes: sm.Bytes, Packets: sm.Packets,
		Accepted: sm.Accepted, Rejected: sm.Rejected, NoData: sm.NoData, SkipData: sm.SkipData,
		First: sm.First, Last: sm.Last,
		Accounts: int64(len(sm.Accounts)), Regions: int64(len(sm.Regions)), ENIs: sm.ENIs,
		Interval: sm.Interval, SQL: sm.SQL,
	}
	if sm.Records == 0 {
		return b.emptyHint(ctx, r)
	}
	return nil
}

// emptyHint fills r.Hint for a range without records: zeros alone do not say whether the range
// missed the data or there is none.
func (b *builder) emptyHint(ctx context.Context, r *Report) error {
	if b.opts.Since.IsZero() && b.opts.Until.IsZero() {
		r.Hint = "No records loaded: run flowq load PATH or flowq sync s3://BUCKET/PREFIX first."
		return nil
	}
	all, err := summary.Read(ctx, b.db, timespec.Range{}, b.opts.Now)
	if err != nil {
		return fmt.Errorf("report summary of all data: %w", err)
	}
	if all.Records == 0 {
		r.Hint = "No records in this range, nor in the whole store: run flowq load PATH or flowq sync s3://BUCKET/PREFIX first."
		return nil
	}
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	widen := "--since " + day(all.First)
	if !b.opts.Until.IsZero() {
		widen += " --until " + day(all.Last.AddDate(0, 0, 1))
	}
	r.Hint = fmt.Sprintf("No records in this range. The loaded data (%s records) runs from %s to %s: widen the range (%s) or leave --since/--until out.",
		Int(all.Records), Time(all.First), Time(all.Last), widen)
	return nil
}

// bucketSizes are the traffic chart's bucket widths, finest first.
var bucketSizes = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
}

// maxBuckets bounds the points of the traffic chart.
const maxBuckets = 100

// pickBucket is the finest bucket that keeps the span within maxBuckets points and holds a
// whole number of aggregation intervals: 5-minute buckets over 10-minute records alternate
// between full and empty (a sawtooth), and 15-minute ones between two records and one.
func pickBucket(span, interval time.Duration) time.Duration {
	sizes := bucketSizes
	if interval > 0 && !slices.Contains(sizes, interval) {
		sizes = append(slices.Clone(sizes), interval)
		slices.Sort(sizes)
	}
	for _, d := range sizes {
		if d >= interval && (interval <= 0 || d%interval == 0) && span/d < maxBuckets {
			return d
		}
	}
	return sizes[len(sizes)-1]
}

func (b *builder) traffic(ctx context.Context, r *Report) error {
	bucket := pickBucket(r.Summary.Last.Sub(r.Summary.First), r.Summary.Interval)
	// Buckets are counted from the first with records to the last; the span of start times is
	// within the chosen one's maxBuckets, plus the partial buckets at either end.
	act, err := summary.ReadActivity(ctx, b.db, b.rng(), bucket, maxBuckets+2, b.opts.Now)
	if err != nil {
		return fmt.Errorf("report traffic: %w", err)
	}
	r.Traffic = Traffic{Bucket: bucket, Times: act.Times(), Accepted: act.Accepted, Rejected: act.Rejected, SQL: act.SQL}
	return nil
}

// Chart draws the traffic over time at the given size.
func (tr Traffic) Chart(width, height int) template.HTML {
	acc := make([]float64, len(tr.Accepted))
	rej := make([]float64, len(tr.Rejected))
	for i := range tr.Accepted {
		acc[i], rej[i] = float64(tr.Accepted[i]), float64(tr.Rejected[i])
	}
	return LineChart{
		Title:  "Records per " + durationWord(tr.Bucket) + ", accepted and rejected",
		Width:  width,
		Height: height,
		X:      tr.Times,
		YLabel: "records per " + durationWord(tr.Bucket),
		Series: []Series{
			{Name: "accepted", Color: "#2e7d32", Values: acc},
			{Name: "rejected", Color: "#c62828", Dashed: true, Values: rej},
		},
	}.SVG()
}

// RejectedChart draws the rejected records alone on their own scale: next to accepted traffic
// they are often a flat line at the bottom, yet their spikes are what an incident is about.
func (tr Traffic) RejectedChart(width, height int) template.HTML {
	rej := make([]float64, len(tr.Rejected))
	for i, v := range tr.Rejected {
		rej[i] = float64(v)
	}
	return LineChart{
		Title:  "Rejected records per " + durationWord(tr.Bucket) + ", on their own scale",
		Width:  width,
		Height: height,
		X:      tr.Times,
		YLabel: "rejected only, own scale",
		Series: []Series{{Name: "rejected", Color: "#c62828", Dashed: true, Values: rej}},
	}.SVG()
}

// durationWord names a bucket width: "minute", "5 minutes", "hour", "day".
func durationWord(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	case d == time.Hour:
		return "hour"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	case d == 24*time.Hour:
		return "day"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}

// fixedPanel describes one panel built from a built-in saved query.
type fixedPanel struct {
	id, title, query string
	desc             string // default the query's description
	params           map[string]string
	chart            func(*Table) template.HTML
	defaults         bool // runs the query with its default parameters, so it is that query's table
}

var protocolNames = map[int64]string{1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 51: "AH", 58: "ICMPv6", 132: "SCTP"}

func protoName(v any) string {
	n, ok := asInt64(v)
	if !ok {
		return "?"
	}
	if s, ok := protocolNames[n]; ok {
		return s
	}
	return "proto " + strconv.FormatInt(n, 10)
}

func (b *builder) fixedPanels(ctx context.Context, r *Report) error {
	panels := []fixedPanel{
		{id: "top-talkers", title: "Top talkers", query: "top-talkers", params: map[string]string{"limit": "10"},
			chart: barsOf("Bytes per source → destination pair", "talker", "bytes", "#1565c0", func(v []any, t *Table) string {
				n, _ := asInt64(v[t.Col("bytes")])
				return output.Bytes(n)
			})},
		{id: "rejected-sources", title: "Top rejected sources", query: "rejected-traffic",
			desc: "REJECTed records by source address, most first.", params: map[string]string{"by": "source", "limit": "10"},
			chart: barsOf("Rejected records per source", "source", "records", "#c62828", nil)},
		{id: "rejected-ports", title: "Top rejected destination ports", query: "rejected-traffic",
			desc: "REJECTed records by protocol and destination port, most first.", params: map[string]string{"by": "port", "limit": "10"},
			chart: func(t *Table) template.HTML {
				bars := make([]Bar, 0, len(t.Values))
				for _, v := range t.Values {
					n, _ := output.Float(v[t.Col("records")])
					port := formatValue(v[t.Col("dst_port")], "dst_port").Text
					bars = append(bars, Bar{Label: protoName(v[t.Col("protocol")]) + " " + port, Value: n})
				}
				return BarChart{Title: "Rejected records per protocol and destination port", Width: 640, Color: "#c62828", Bars: bars}.SVG()
			}},
		{id: "blocked-ssh", title: "Blocked SSH", query: "blocked-ssh", defaults: true},
		{id: "port-scans", title: "Port scans", query: "port-scans", defaults: true},
		{id: "asymmetric-flows", title: "Asymmetric flows", query: "asymmetric-flows", defaults: true},
		{id: "protocol-mix", title: "Protocol mix", query: "traffic-by-protocol", defaults: true,
			chart: func(t *Table) template.HTML {
				bars := make([]Bar, 0, len(t.Values))
				for _, v := range t.Values {
					n, _ := asInt64(v[t.Col("bytes")])
					pct, _ := output.Float(v[t.Col("pct_bytes")])
					name := protoName(v[t.Col("protocol")])
					bars = append(bars, Bar{Label: name, Value: float64(n), Text: output.Bytes(n) + " · " + Float(pct) + "%"})
				}
				return BarChart{Title: "Bytes per IP protocol", Width: 640, Color: "#6a1b9a", Bars: bars}.SVG()
			}},
	}
	for _, fp := range panels {
		q, ok := b.builtin.Lookup(fp.query)
		if !ok {
			return fmt.Errorf("report panel %s: no built-in query %s", fp.id, fp.query)
		}
		params, note := b.rangeParams(q)
		for k, v := range fp.params {
			params[k] = v
		}
		p := &Panel{ID: fp.id, Title: fp.title, Description: q.Description, Note: note}
		if fp.desc != "" {
			p.Description = fp.desc
		}
		t, shown, err := b.run(ctx, q, params, b.opts.MaxRows)
		p.SQL = shown
		if err != nil {
			return fmt.Errorf("report panel %s: %w", fp.id, err)
		}
		if !fp.defaults {
			t.dropNullColumns() // a grouping left unused by the chosen parameters (by=source: no port)
		}
		p.Table = t
		if fp.chart != nil && len(t.Values) > 0 {
			p.Chart = fp.chart(t)
		}
		if _, ok := b.answered[fp.query]; !ok {
			b.answered[fp.query] = p
			b.with[fp.query] = paramText(fp.params)
		}
		r.Panels = append(r.Panels, p)
	}
	return nil
}

// paramText writes parameters as name=value, sorted.
func paramText(params map[string]string) string {
	var out []string
	for k, v := range params {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// barsOf charts a label column against a numeric column.
func barsOf(title, labelCol, valueCol, color string, text func([]any, *Table) string) func(*Table) template.HTML {
	return func(t *Table) template.HTML {
		li, vi := t.Col(labelCol), t.Col(valueCol)
		bars := make([]Bar, 0, len(t.Values))
		for _, v := range t.Values {
			n, _ := output.Float(v[vi])
			bar := Bar{Label: formatValue(v[li], labelCol).Text, Value: n}
			if text != nil {
				bar.Text = text(v, t)
			}
			bars = append(bars, bar)
		}
		return BarChart{Title: title, Width: 640, Color: color, Bars: bars}.SVG()
	}
}

// savedPanels gives every saved query of the catalog a panel with its table, run with its
// defaults over the report's range and folded away: the appendix stays a list one can scan.
// A built-in query a fixed panel already shows only links there instead of repeating it.
func (b *builder) savedPanels(ctx context.Context, r *Report) {
	list := b.opts.Catalog.List()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	for _, q := range list {
		p := &Panel{ID: "q-" + q.Name, Title: q.Name, Description: q.Description, Fold: true}
		params, note := b.rangeParams(q)
		p.Note = note
		var needs []string
		for _, prm := range q.Params {
			if prm.Required {
				needs = append(needs, prm.Name)
			}
		}
		if fp, ok := b.answered[q.Name]; ok && q.Source == savedquery.BuiltinSource {
			p.SeeAlso, p.SeeAlsoTitle, p.SeeAlsoWith = fp.ID, fp.Title, b.with[q.Name]
			p.SQL, _ = savedquery.Render(q, params, b.opts.Now)
			r.Saved = append(r.Saved, p)
			continue
		}
		if len(needs) > 0 {
			p.Note = "Not run: this query needs " + strings.Join(needs, ", ") + " (flowq run " + q.Name + " --param " + needs[0] + "=...)."
			p.SQL = q.SQL
			r.Saved = append(r.Saved, p)
			continue
		}
		t, shown, err := b.run(ctx, q, params, b.opts.MaxRows)
		p.SQL = shown
		if err != nil {
			p.Err = err.Error()
		} else {
			p.Table = t
		}
		r.Saved = append(r.Saved, p)
	}
}
