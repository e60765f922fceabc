package main

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// table is one Markdown table with a title and notes below it.
type table struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
	text   bool // every column is text (left-aligned)
}

// markdown renders the table with padded columns, so it reads well on a terminal too: text
// columns left-aligned, figures right-aligned.
func (t *table) markdown() string {
	w := make([]int, len(t.header))
	for i, h := range t.header {
		w[i] = max(3, utf8.RuneCountInString(h))
	}
	for _, r := range t.rows {
		for i := 0; i < len(r) && i < len(w); i++ {
			w[i] = max(w[i], utf8.RuneCountInString(r[i]))
		}
	}
	pad := func(s string, n int, left bool) string {
		fill := strings.Repeat(" ", n-utf8.RuneCountInString(s))
		if left {
			return s + fill
		}
		return fill + s
	}
	var b strings.Builder
	if t.title != "" {
		b.WriteString("### " + t.title + "\n\n")
	}
	line := func(cells []string) {
		b.WriteString("|")
		for i := range w {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(" " + pad(c, w[i], t.left(i)) + " |")
		}
		b.WriteString("\n")
	}
	line(t.header)
	b.WriteString("|")
	for i := range w {
		if t.left(i) {
			b.WriteString(" " + strings.Repeat("-", w[i]) + " |")
		} else {
			b.WriteString(" " + strings.Repeat("-", w[i]-1) + ": |")
		}
	}
	b.WriteString("\n")
	for _, r := range t.rows {
		line(r)
	}
	if len(t.notes) > 0 {
		b.WriteString("\n")
		for _, n := range t.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return b.String()
}

// left reports whether column i is text (left-aligned): the first and any "note" column.
func (t *table) left(i int) bool { return t.text || i == 0 || t.header[i] == "note" }

// median of durations (the mean of the middle two for an even count); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// fit is the least-squares line y = a + slope·x and its R².
func fit(xs, ys []float64) (a, slope, r2 float64) {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return 0, 0, 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, 0, 0
	}
	slope = (n*sxy - sx*sy) / den
	a = (sy - slope*sx) / n
	mean := sy / n
	var ssr, sst float64
	for i := range xs {
		e := ys[i] - (a + slope*xs[i])
		ssr += e * e
		d := ys[i] - mean
		sst += d * d
	}
	r2 = 1
	if sst > 0 {
		r2 = 1 - ssr/sst
	}
	return a, slope, r2
}

// count writes a number of records compactly: 950, 12.3 k, 10.0 M.
func count(n int64) string {
	f := float64(n)
	switch {
	case f >= 1e6:
		return fmt.Sprintf("%.2f M", f/1e6)
	case f >= 1e4:
		return fmt.Sprintf("%.1f k", f/1e3)
	}
	return fmt.Sprint(n)
}

// rate writes a per-second figure compactly.
func rate(f float64) string {
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return "–"
	case f >= 1e6:
		return fmt.Sprintf("%.2f M/s", f/1e6)
	case f >= 1e4:
		return fmt.Sprintf("%.0f k/s", f/1e3)
	case f >= 100:
		return fmt.Sprintf("%.0f/s", f)
	}
	return fmt.Sprintf("%.1f/s", f)
}

// mib writes bytes in MiB or GiB.
func mib(n int64) string {
	f := float64(n) / (1 << 20)
	if f >= 1024 {
		return fmt.Sprintf("%.2f GiB", f/1024)
	}
	if f >= 10 {
		return fmt.Sprintf("%.0f MiB", f)
	}
	return fmt.Sprintf("%.1f MiB", f)
}

// dur writes a duration in ms below 10 s, else in seconds.
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// ratio writes a/b as "1.23×"; "–" when either is unknown.
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return "–"
	}
	r := a / b
	if r >= 100 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// rssCell writes a peak RSS: "–" unknown, "≤ N" when only a bound is known (negative).
func rssCell(n int64) string {
	switch {
	case n == 0:
		return "–"
	case n < 0:
		return "≤ " + mib(-n)
	}
	return mib(n)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// verdict marks a target as met or missed.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ingestTable(ms []measure, records, size, raw int64) *table {
	t := &table{
		title:  fmt.Sprintf("Ingest: %s records, %s gzip, %s text", count(records), mib(size), mib(raw)),
		header: []string{"method", "wall", "records/s", "MB/s gzip", "MB/s text", "peak RSS", "flowq ÷ this (records/s)", "note"},
	}
	flowq := ms[0]
	for _, m := range ms {
		if m.wall <= 0 {
			t.rows = append(t.rows, []string{m.name, "–", "–", "–", "–", "–", "–", m.note})
			continue
		}
		s := m.wall.Seconds()
		t.rows = append(t.rows, []string{m.name, dur(m.wall), rate(m.rps()),
			fmt.Sprintf("%.1f", float64(m.size)/1e6/s), fmt.Sprintf("%.1f", float64(m.raw)/1e6/s),
			rssCell(m.rss), ratio(flowq.rps(), m.rps()), m.note})
	}
	// Targets (issue 7): ≥ 80% of the floor, never slower than DuckDB, RSS < 1.5 GiB.
	var floor float64
	var ducks []string
	for _, m := range ms[1:] {
		if m.wall <= 0 {
			continue
		}
		if strings.HasPrefix(m.name, "floor") && m.rps() > floor {
			floor = m.rps()
		}
		if where, ok := strings.CutPrefix(m.name, "DuckDB read_csv → "); ok {
			ducks = append(ducks, fmt.Sprintf("%s %s (%s)", where, ratio(flowq.rps(), m.rps()), verdict(flowq.rps() >= m.rps())))
		}
	}
	if floor > 0 {
		t.notes = append(t.notes, fmt.Sprintf("target flowq ≥ 0.80× the faster decompression floor: %s (%s)", ratio(flowq.rps(), floor), verdict(flowq.rps() >= 0.8*floor)))
	}
	if len(ducks) > 0 {
		t.notes = append(t.notes, "target flowq ≥ 1.00× the DuckDB-only load: "+strings.Join(ducks, ", "))
	}
	if flowq.rss != 0 {
		t.notes = append(t.notes, fmt.Sprintf("target flowq peak RSS < 1.5 GiB: %s (%s)", rssCell(flowq.rss), verdict(abs(flowq.rss) < 1536<<20)))
	}
	return t
}

// renderReport is the whole result: machine, then each table.
func renderReport(m machine, tables []*table, took time.Duration, cfg config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	mt := &table{text: true, header: []string{"machine", ""}, rows: [][]string{
		{"CPU", m.cpu},
		{"cores", fmt.Sprint(m.cores)},
		{"RAM", m.ram},
		{"Go", m.goVersion},
		{"DuckDB", m.duckdb},
		{"working tree", m.commit},
		{"flowq binary", m.flowq},
		{"command", m.command},
		{"benchmark took", fmt.Sprintf("%.0f s", took.Seconds())},
		{"load average", fmt.Sprintf("%s at the start, %s at the end (1 min; other work on the machine adds noise)", m.loadStart, loadAvg())},
	}}
	b.WriteString(mt.markdown())
	for _, t := range tables {
		b.WriteString("\n")
		b.WriteString(t.markdown())
	}
	return b.String()
}

const (
	beginMark = "<!-- bench:begin -->"
	endMark   = "<!-- bench:end -->"
)

// replaceSection puts body between the bench markers of doc, adding the markers (at the end)
// when doc has none. Text outside the markers is kept as is.
func replaceSection(doc, body string) (string, error) {
	return replaceNamedSection(doc, "bench", body)
}

// replaceNamedSection is replaceSection for the markers <!-- NAME:begin --> and <!-- NAME:end -->.
func replaceNamedSection(doc, name, body string) (string, error) {
	beginMark, endMark := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
	block := beginMark + "\n" + strings.TrimRight(body, "\n") + "\n" + endMark
	i := strings.Index(doc, beginMark)
	j := strings.Index(doc, endMark)
	switch {
	case i < 0 && j < 0:
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		if doc != "" {
			doc += "\n"
		}
		return doc + block + "\n", nil
	case i < 0 || j < 0 || j < i:
		return "", fmt.Errorf("the %s and %s markers are unbalanced", beginMark, endMark)
	}
	return doc[:i] + block + doc[j+len(endMark):], nil
}

// writeSection replaces the bench section of the Markdown file at path, creating the file from
// the skeleton when missing.
func writeSection(path, name, body string) error {
	doc, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		doc, err = []byte(skeleton), nil
	}
	if err != nil {
		return err
	}
	out, err := replaceNamedSection(string(doc), name, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// skeleton is BENCHMARKS.md before anyone wrote the prose.
const skeleton = `# flowq benchmarks

Measured by ` + "`make bench`" + ` (cmd/flowbench). The latest results replace the section between the
markers below; the prose around it is written by hand.

` + beginMark + `
` + endMark + `
`
