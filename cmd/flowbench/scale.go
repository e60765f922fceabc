package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// scalePoint is one size of the scale runs.
type scalePoint struct {
	label   string
	files   int
	records int64
	load    measure
	query   time.Duration
}

// runScale loads nested subsets of the data set of 1×, 2× and 4× a base size and times one
// query on each, then fits seconds per million records.
func (b *bench) runScale(ctx context.Context) error {
	pqs, err := prepareQueries(dataEnd(b.cfg.records))
	if err != nil {
		return err
	}
	var qi = -1
	for i, pq := range pqs {
		if pq.name == b.cfg.scaleQuery && pq.skip == "" {
			qi = i
		}
	}
	if qi < 0 {
		return fmt.Errorf("-scale-query %q is not a saved query that runs without parameters", b.cfg.scaleQuery)
	}
	q := pqs[qi]
	total, _, _ := b.data.totals()
	base := int64(b.cfg.scaleRecords)
	var notes []string
	if 4*base > total {
		base = total / 4
		notes = append(notes, fmt.Sprintf("base cut to %s records: the data set has %s (raise -records)", count(base), count(total)))
	}
	var pts []scalePoint
	for _, mult := range []int64{1, 2, 4} {
		files := subset(b.data.Files, base*mult)
		var recs int64
		for _, f := range files {
			recs += f.Records
		}
		dir := filepath.Join(b.tmp, fmt.Sprintf("scale-%dx", mult))
		src := filepath.Join(dir, "src")
		if err := linkTree(b.data.Root, src, files); err != nil {
			return err
		}
		// The fastest of a few loads into fresh data dirs: on a busy machine noise only adds.
		var m measure
		var data string
		for i := range b.cfg.scaleRuns {
			b.logf("scale: %d× (%d files, %s records): load %d of %d", mult, len(files), count(recs), i+1, b.cfg.scaleRuns)
			d := filepath.Join(dir, fmt.Sprintf("data%d", i))
			mi, sum, err := b.flowqLoad(ctx, d, []string{src})
			if err != nil {
				return err
			}
			if n := loadNote(sum, recs); n != "" && i == 0 {
				notes = append(notes, fmt.Sprintf("%d×: %s", mult, n))
			}
			if i == 0 || mi.wall < m.wall {
				m = mi
			}
			if data != "" {
				os.RemoveAll(data)
			}
			data = d
		}
		sess, err := openFlowq(ctx, data)
		if err != nil {
			return err
		}
		tq, err := timeQuery(ctx, sess.DB, q.stmt, q.args, b.cfg.runs, b.cfg.queryBudget)
		sess.Close()
		if err != nil {
			return fmt.Errorf("%s at %d×: %w", q.name, mult, err)
		}
		pts = append(pts, scalePoint{label: fmt.Sprintf("%d×", mult), files: len(files), records: recs, load: m, query: tq.median})
		if !b.cfg.keep {
			os.RemoveAll(dir)
		}
	}
	// The whole data set, when the ingest and query sections measured it, is one more point.
	if b.ingest != nil && total > pts[len(pts)-1].records {
		pts = append(pts, scalePoint{label: fmt.Sprintf("%.1f× (ingest run)", float64(total)/float64(pts[0].records)),
			files: len(b.data.Files), records: total, load: *b.ingest, query: b.fullQuery})
	}
	b.tables = append(b.tables, scaleTable(pts, q.name, b.cfg.scaleRuns, notes))
	return nil
}

func scaleTable(pts []scalePoint, query string, runs int, notes []string) *table {
	t := &table{
		title:  fmt.Sprintf("Scale: flowq load (fastest of %d) and %s (median) on nested subsets of the data set", runs, query),
		header: []string{"size", "files", "records", "load", "load s per M", "peak RSS", query, "query ms per M"},
	}
	var xs, ls, qx, qs []float64
	for _, p := range pts {
		m := float64(p.records) / 1e6
		xs = append(xs, m)
		ls = append(ls, p.load.wall.Seconds())
		qms := "–"
		if p.query > 0 {
			qx = append(qx, m)
			qs = append(qs, float64(p.query)/1e6)
			qms = fmt.Sprintf("%.1f", float64(p.query)/1e6/m)
		}
		t.rows = append(t.rows, []string{p.label, fmt.Sprint(p.files), count(p.records), dur(p.load.wall),
			fmt.Sprintf("%.2f", p.load.wall.Seconds()/m), rssCell(p.load.rss), dur(p.query), qms})
	}
	if len(pts) > 3 {
		t.notes = append(t.notes, "the last row is the ingest section's single load of the whole data set")
	}
	if len(pts) >= 2 {
		a, slope, r2 := fit(xs, ls)
		last, first := pts[len(pts)-1], pts[0]
		grow := (last.load.wall.Seconds() / float64(last.records)) / (first.load.wall.Seconds() / float64(first.records))
		t.notes = append(t.notes, fmt.Sprintf("load: slope %.2f s per M records, intercept %.2f s, R² %.4f; cost per record at the largest ÷ smallest size: %.2f (1.00 = linear, above = superlinear)", slope, a, r2, grow))
		qa, qslope, qr2 := fit(qx, qs)
		t.notes = append(t.notes, fmt.Sprintf("%s: slope %.1f ms per M records, intercept %.1f ms, R² %.4f", query, qslope, qa, qr2))
	}
	t.notes = append(t.notes, notes...)
	return t
}
