package main

// The month-scale benchmark (issue 22, `make bench-scale`): a busy day, a month and a
// scanner-heavy month from flowgen, loaded and queried by the flowq binary as a user would.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/queries"
)

// monthSizes are the record counts of the month benchmark at scale 1 (issue 22), multiplied by
// -bench-scale (BENCH_SCALE) for smoke runs.
const (
	monthDayRecords     = 60_000_000
	monthMonthRecords   = 300_000_000
	monthSampleRecords  = 10_000_000
	monthIncrementalMin = 10
)

// monthStore is one loaded data set of the month benchmark.
type monthStore struct {
	name    string
	data    *dataset
	dir     string // flowq data dir
	load    measure
	sum     loadSummary
	bytes   int64 // Parquet bytes under DATA/tables
	records int64
	gzip    int64
}

func (b *bench) scaled(n int) int { return max(1000, int(float64(n)*b.cfg.benchScale)) }

// runMonth runs the whole month benchmark and adds its tables.
func (b *bench) runMonth(ctx context.Context) error {
	dayN, monthN, sampleN := b.scaled(monthDayRecords), b.scaled(monthMonthRecords), b.scaled(monthSampleRecords)
	b.logf("month: scale %g: busy day %s, month %s, scanner month %s, sample %s records", b.cfg.benchScale,
		count(int64(dayN)), count(int64(monthN)), count(int64(monthN)), count(int64(sampleN)))
	dayCfg := flowgen.Bench(dayN)
	monthCfg := flowgen.Month(monthN)
	scanCfg := flowgen.ScannerMonth(monthN)
	var stores []*monthStore
	for _, s := range []struct {
		name string
		cfg  flowgen.Config
	}{{"busy day", dayCfg}, {"month", monthCfg}, {"scanner month", scanCfg}} {
		d, err := prepare(ctx, b.cfg.cacheDir, strings.ReplaceAll(s.name, " ", "")+fmt.Sprint(s.cfg.Records), s.cfg, b.logf)
		if err != nil {
			return err
		}
		stores = append(stores, &monthStore{name: s.name, data: d})
	}
	next, err := prepare(ctx, b.cfg.cacheDir, fmt.Sprintf("next%d", monthN), flowgen.NextMinutes(monthCfg, monthIncrementalMin*time.Minute), b.logf)
	if err != nil {
		return err
	}

	// Load: each store, then the DuckDB in-memory load and flowq's of a sample of the month.
	lt := &table{title: "Month scale: load", header: []string{"data", "files", "records", "gzip", "load", "records/s", "peak RSS", "store", "B/record", "store ÷ gzip", "note"}}
	for _, s := range stores {
		s.records, s.gzip, _ = s.data.totals()
		warm(s.data.paths())
		s.dir = filepath.Join(b.tmp, "month-"+strings.ReplaceAll(s.name, " ", "-"))
		b.logf("month: flowq load of the %s (%d files, %s records)", s.name, len(s.data.Files), count(s.records))
		if s.load, s.sum, err = b.flowqLoad(ctx, s.dir, []string{s.data.Root}); err != nil {
			return err
		}
		if s.bytes, err = treeBytes(filepath.Join(s.dir, "tables")); err != nil {
			return err
		}
		s.load.records = s.records
		lt.rows = append(lt.rows, []string{s.name, fmt.Sprint(len(s.data.Files)), count(s.records), mib(s.gzip), dur(s.load.wall),
			rate(s.load.rps()), rssCell(s.load.rss), mib(s.bytes), fmt.Sprintf("%.1f", float64(s.bytes)/float64(s.records)),
			fmt.Sprintf("%.2f", float64(s.bytes)/float64(s.gzip)), loadNote(s.sum, s.records)})
	}
	day, month, scan := stores[0], stores[1], stores[2]
	if err := b.monthSample(ctx, month, sampleN, lt); err != nil {
		return err
	}
	// Incremental: ten more minutes of deliveries into the month store.
	warm(next.paths())
	nrec, _, _ := next.totals()
	b.logf("month: incremental load of %d minutes (%d files, %s records)", monthIncrementalMin, len(next.Files), count(nrec))
	im, isum, err := b.flowqLoad(ctx, month.dir, []string{next.Root})
	if err != nil {
		return err
	}
	im.records = nrec
	lt.rows = append(lt.rows, []string{fmt.Sprintf("+%d minutes into the month store", monthIncrementalMin), fmt.Sprint(len(next.Files)), count(nrec), mib(sumSize(next)),
		dur(im.wall), rate(im.rps()), rssCell(im.rss), "–", "–", "–", loadNote(isum, nrec)})
	var worstRSS int64
	maxBPR, maxRatio := 0.0, 0.0
	for _, s := range stores {
		worstRSS = max(worstRSS, abs(s.load.rss))
		maxRatio = max(maxRatio, float64(s.bytes)/float64(s.gzip))
	}
	maxBPR = float64(day.bytes) / float64(day.records)
	lt.notes = append(lt.notes,
		fmt.Sprintf("target peak RSS of a load < 1.5 GiB: %s (%s)", rssCell(worstRSS), verdict(worstRSS < 1536<<20)),
		fmt.Sprintf("target incremental %d minutes < 5 s: %s (%s); the files were already on disk (the sync's download is not in it)", monthIncrementalMin, dur(im.wall), verdict(im.wall < 5*time.Second)),
		fmt.Sprintf("target store ≤ 15 B/record on the bench data (busy day): %.1f (%s); never larger than the gzip source: largest store ÷ gzip %.2f (%s)",
			maxBPR, verdict(maxBPR <= 15), maxRatio, verdict(maxRatio <= 1)))
	b.tables = append(b.tables, lt)

	if err := b.monthCardinality(ctx, month, scan); err != nil {
		return err
	}
	if err := b.monthQueries(ctx, day, month, scan, monthCfg); err != nil {
		return err
	}
	if err := b.monthReport(ctx, month); err != nil {
		return err
	}
	return b.monthSlope(ctx, month)
}

// monthSample loads a sample of the month's files by DuckDB alone (in-memory table) and by flowq.
func (b *bench) monthSample(ctx context.Context, month *monthStore, n int, lt *table) error {
	files := subset(month.data.Files, int64(n))
	sample := &dataset{Root: month.data.Root, Files: files}
	recs, size, _ := sample.totals()
	src := filepath.Join(b.tmp, "month-sample-src")
	if err := linkTree(month.data.Root, src, files); err != nil {
		return err
	}
	defer os.RemoveAll(src)
	b.logf("month: DuckDB in-memory load of a %s-record sample", count(recs))
	dm, err := b.duckLoad(ctx, groups(month.data.Root, files), true)
	if err != nil {
		return err
	}
	b.logf("month: flowq load of the same sample")
	dir := filepath.Join(b.tmp, "month-sample")
	fm, sum, err := b.flowqLoad(ctx, dir, []string{src})
	if err != nil {
		return err
	}
	os.RemoveAll(dir)
	fm.records = recs
	if dm.records == 0 {
		dm.records = recs
	}
	lt.rows = append(lt.rows,
		[]string{"sample of the month: flowq load", fmt.Sprint(len(files)), count(recs), mib(size), dur(fm.wall), rate(fm.rps()), rssCell(fm.rss), "–", "–", "–", loadNote(sum, recs)},
		[]string{"sample of the month: DuckDB read_csv → in-memory table", fmt.Sprint(len(files)), count(dm.records), mib(size), dur(dm.wall), rate(dm.rps()), rssCell(dm.rss), "–", "–", "–", dm.note})
	lt.notes = append(lt.notes, fmt.Sprintf("target flowq load ≥ 1.0× the DuckDB in-memory load of the same sample: %s (%s)",
		ratio(fm.rps(), dm.rps()), verdict(fm.rps() >= dm.rps())))
	return nil
}

// monthCardinality states the realism figures of the two months: distinct (src, dst) pairs per
// hour and the share of records from internet scanners, measured on the loaded data.
func (b *bench) monthCardinality(ctx context.Context, stores ...*monthStore) error {
	t := &table{title: "Month scale: cardinality of the generated months (measured on one day, 2026-01-15)",
		header: []string{"data", "records that day", "distinct (src, dst) pairs per hour", "records per pair", "internet scanner records"}}
	for _, s := range stores {
		sess, err := openFlowq(ctx, s.dir)
		if err != nil {
			return err
		}
		// Scanner records: REJECTed, from an address outside the private ranges flowgen uses.
		var recs int64
		var pairs, scanners float64
		err = sess.DB.QueryRowContext(ctx, `
			WITH d AS (SELECT start, srcaddr, dstaddr, action FROM vpc_flow_logs WHERE "date" = DATE '2026-01-15' AND log_status = 'OK'),
			h AS (SELECT count(DISTINCT (srcaddr, dstaddr)) AS n FROM d GROUP BY start // 3600)
			SELECT (SELECT count(*) FROM d), (SELECT avg(n) FROM h),
			       (SELECT avg(CASE WHEN action = 'REJECT' AND NOT regexp_matches(srcaddr, '^(10\.|172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.|f[cd])') THEN 1 ELSE 0 END) FROM d)`).Scan(&recs, &pairs, &scanners)
		sess.Close()
		if err != nil {
			return fmt.Errorf("cardinality of the %s: %w", s.name, err)
		}
		t.rows = append(t.rows, []string{s.name, count(recs), count(int64(pairs)), fmt.Sprintf("%.1f", float64(recs)/24/max(pairs, 1)), fmt.Sprintf("%.1f%%", 100*scanners)})
	}
	t.notes = append(t.notes, "internet scanner records: REJECTed records from a public address (probes of closed ports)")
	b.tables = append(b.tables, t)
	return nil
}

// flowqQuery is a saved query as `flowq run` arguments.
type flowqQuery struct {
	name string
	args []string
}

// monthQueryList is every built-in saved query with its required CIDR bound to benchCIDR.
func monthQueryList() ([]flowqQuery, error) {
	c, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		return nil, fmt.Errorf("built-in queries: %w", err)
	}
	var out []flowqQuery
	for _, q := range c.List() {
		fq := flowqQuery{name: q.Name}
		ok := true
		for _, p := range q.Params {
			if p.Required && p.Default == "" {
				if p.Type != savedquery.TypeCIDR {
					ok = false
				}
				fq.args = append(fq.args, "-p", p.Name+"="+benchCIDR)
			}
		}
		if ok {
			out = append(out, fq)
		}
	}
	return out, nil
}

// hasRawFlag reports whether `flowq run` takes --raw (the raw-table form of a saved query).
func (b *bench) hasRawFlag(ctx context.Context) bool {
	out, _ := exec.CommandContext(ctx, b.cfg.flowqBin, "run", "--help").CombinedOutput()
	return bytes.Contains(out, []byte("--raw"))
}

// queryRun is a query's median wall time, peak RSS and answer over its runs.
type queryRun struct {
	median time.Duration
	rss    int64
	runs   int
	rows   int
	sum    [32]byte
	err    string
}

// timeFlowqRun runs `flowq run` up to `runs` times as a child process (stdout is the CSV
// answer), stopping early once the runs took the query budget.
func (b *bench) timeFlowqRun(ctx context.Context, dir string, args []string, runs int) queryRun {
	var r queryRun
	var ds []time.Duration
	var spent time.Duration
	for range runs {
		var out, errb bytes.Buffer
		rctx, cancel := context.WithTimeout(ctx, b.cfg.rawTimeout)
		wall, rss, err := b.measuredRun(rctx, nil, &out, &errb, b.cfg.flowqBin, append([]string{"--data-dir", dir, "run", "--format", "csv"}, args...)...)
		timedOut := rctx.Err() != nil
		cancel()
		if timedOut && ctx.Err() == nil {
			r.err = "> " + dur(b.cfg.rawTimeout)
			return r
		}
		if err != nil {
			r.err = "error: " + brief(fmt.Errorf("%w: %s", err, tail(errb.Bytes())))
			return r
		}
		ds = append(ds, wall)
		r.rss = max(r.rss, abs(rss))
		r.rows = max(0, bytes.Count(out.Bytes(), []byte("\n"))-1)
		r.sum = sha256.Sum256(out.Bytes())
		if spent += wall; spent > b.cfg.queryBudget {
			break
		}
	}
	r.median, r.runs = median(ds), len(ds)
	return r
}

func (r queryRun) cell() string {
	if r.err != "" {
		return r.err
	}
	return dur(r.median)
}

// monthQueries times every saved query (child processes, median of -month-runs) on the busy day,
// the month, one day of the month and the scanner month; the raw form beside the summary form
// when flowq has --raw.
func (b *bench) monthQueries(ctx context.Context, day, month, scan *monthStore, monthCfg flowgen.Config) error {
	qs, err := monthQueryList()
	if err != nil {
		return err
	}
	raw := b.hasRawFlag(ctx)
	oneDay := monthCfg.Start.Add(14 * 24 * time.Hour)
	dayArgs := []string{"-p", "since=" + oneDay.Format("2006-01-02"), "-p", "until=" + oneDay.Add(24*time.Hour).Format("2006-01-02")}
	for _, c := range []struct {
		s      *monthStore
		label  string
		extra  []string
		target time.Duration
	}{
		{day, "the busy day", nil, time.Second},
		{month, "one day of the month (since/until " + oneDay.Format("2006-01-02") + ")", dayArgs, 300 * time.Millisecond},
		{month, "the month", nil, 2 * time.Second},
		{scan, "the scanner-heavy month", nil, 5 * time.Second},
	} {
		header := []string{"query", "median", "peak RSS", "rows"}
		if raw {
			header = []string{"query", "summary form", "peak RSS", "raw form (--raw)", "peak RSS", "rows", "same answer"}
		}
		t := &table{title: fmt.Sprintf("Month scale: saved queries on %s (%s records; flowq run, median of %d)", c.label, count(c.s.records), b.cfg.monthRuns), header: header}
		var met, ran int
		var worst int64
		for _, q := range qs {
			b.logf("month: %s on %s", q.name, c.label)
			args := append(append([]string{q.name}, q.args...), c.extra...)
			r := b.timeFlowqRun(ctx, c.s.dir, args, b.cfg.monthRuns)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ran++
			if r.err == "" && r.median < c.target && r.rss < 2<<30 {
				met++
			}
			worst = max(worst, r.rss)
			row := []string{q.name, r.cell(), rssCell(r.rss)}
			if raw {
				rr := b.timeFlowqRun(ctx, c.s.dir, append([]string{"--raw"}, args...), b.cfg.monthRuns)
				same := "–"
				if r.err == "" && rr.err == "" {
					same = "NO"
					if r.sum == rr.sum {
						same = "yes"
					}
				}
				worst = max(worst, rr.rss)
				row = append(row, rr.cell(), rssCell(rr.rss))
				row = append(row, fmt.Sprint(r.rows), same)
			} else {
				row = append(row, fmt.Sprint(r.rows))
			}
			t.rows = append(t.rows, row)
		}
		t.notes = append(t.notes, fmt.Sprintf("target every saved query < %s and peak RSS < 2 GiB: %d of %d (%s); largest peak RSS %s",
			dur(c.target), met, ran, verdict(met == ran), rssCell(worst)))
		if !raw {
			t.notes = append(t.notes, "this flowq has no `run --raw`: the saved queries ran in their one (raw-table) form")
		}
		t.notes = append(t.notes, "times are of the whole `flowq run` process (start, session, query, CSV output), as a user sees them")
		b.tables = append(b.tables, t)
	}
	return nil
}

// monthReport times `flowq report --html` and `flowq status` over the month.
func (b *bench) monthReport(ctx context.Context, month *monthStore) error {
	t := &table{title: fmt.Sprintf("Month scale: report and status over the month (%s records)", count(month.records)),
		header: []string{"command", "wall", "peak RSS", "target", "verdict"}}
	html := filepath.Join(b.tmp, "month-report.html")
	b.logf("month: flowq report --html")
	var errb bytes.Buffer
	wall, rss, err := b.measuredRun(ctx, nil, io.Discard, &errb, b.cfg.flowqBin, "--data-dir", month.dir, "report", "--html", html)
	if err != nil {
		t.rows = append(t.rows, []string{"flowq report --html", "error", "–", "< 20 s", "MISSED"})
		t.notes = append(t.notes, "report: "+brief(fmt.Errorf("%w: %s", err, tail(errb.Bytes()))))
	} else {
		t.rows = append(t.rows, []string{"flowq report --html", dur(wall), rssCell(rss), "< 20 s", verdict(wall < 20*time.Second)})
	}
	var ds []time.Duration
	var srss int64
	for range 3 {
		errb.Reset()
		w, r, err := b.measuredRun(ctx, nil, io.Discard, &errb, b.cfg.flowqBin, "--data-dir", month.dir, "status")
		if err != nil {
			return fmt.Errorf("flowq status: %w: %s", err, tail(errb.Bytes()))
		}
		ds = append(ds, w)
		srss = max(srss, abs(r))
	}
	t.rows = append(t.rows, []string{"flowq status (median of 3)", dur(median(ds)), rssCell(srss), "< 0.5 s", verdict(median(ds) < 500*time.Millisecond)})
	b.tables = append(b.tables, t)
	return nil
}

// monthSlope loads the first 1, 2 and 4 days of the month and times one query on each.
func (b *bench) monthSlope(ctx context.Context, month *monthStore) error {
	days := map[string]bool{}
	for _, f := range month.data.Files {
		days[f.Date] = true
	}
	var dates []string
	for d := range days {
		dates = append(dates, d)
	}
	sort.Strings(dates)
	var pts []scalePoint
	for _, n := range []int{1, 2, 4} {
		if n > len(dates) {
			break
		}
		var files []fileInfo
		var recs int64
		for _, f := range month.data.Files {
			if f.Date <= dates[n-1] {
				files = append(files, f)
				recs += f.Records
			}
		}
		dir := filepath.Join(b.tmp, fmt.Sprintf("month-slope-%dd", n))
		src := filepath.Join(dir, "src")
		if err := linkTree(month.data.Root, src, files); err != nil {
			return err
		}
		b.logf("month: slope: %d day(s), %s records", n, count(recs))
		m, _, err := b.flowqLoad(ctx, filepath.Join(dir, "data"), []string{src})
		if err != nil {
			return err
		}
		r := b.timeFlowqRun(ctx, filepath.Join(dir, "data"), []string{b.cfg.scaleQuery}, b.cfg.monthRuns)
		if r.err != "" {
			return fmt.Errorf("%s on %d days: %s", b.cfg.scaleQuery, n, r.err)
		}
		pts = append(pts, scalePoint{label: fmt.Sprintf("%d× (%d day%s)", n, n, plural(n)), files: len(files), records: recs, load: m, query: r.median})
		os.RemoveAll(dir)
	}
	t := scaleTable(pts, b.cfg.scaleQuery, 1, nil)
	t.title = fmt.Sprintf("Month scale: cost against size (the month's first 1, 2, 4 days; flowq load, then %s via flowq run)", b.cfg.scaleQuery)
	b.tables = append(b.tables, t)
	return nil
}

// treeBytes is the total size of the regular files below dir.
func treeBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

func sumSize(d *dataset) int64 { _, s, _ := d.totals(); return s }
