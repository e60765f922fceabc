package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
	"golang.org/x/sync/errgroup"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
)

// measure is one timed ingest of the data set.
type measure struct {
	name    string
	wall    time.Duration
	records int64 // records the method handled
	size    int64 // compressed bytes read
	raw     int64 // decompressed bytes
	rss     int64 // peak resident set of the process, bytes; 0 when not measured
	note    string
}

func (m measure) rps() float64 { return float64(m.records) / m.wall.Seconds() }

// tail returns the last few lines of a child's output for an error message.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

// loadSummary is the part of `flowq load --json` the benchmark reads.
type loadSummary struct {
	Files    int     `json:"files"`
	Loaded   int     `json:"loaded"`
	Failed   int     `json:"failed"`
	Partial  int     `json:"partial"`
	Rows     int64   `json:"rows"`
	Rejected int64   `json:"rejected"`
	Seconds  float64 `json:"seconds"`
}

// flowqLoad runs `flowq --data-dir DIR load --json PATHS` and measures it from outside.
func (b *bench) flowqLoad(ctx context.Context, dataDir string, paths []string) (measure, loadSummary, error) {
	args := append([]string{"--data-dir", dataDir, "load", "--json"}, paths...)
	var out, errb bytes.Buffer
	wall, rss, err := b.measuredRun(ctx, nil, &out, &errb, b.cfg.flowqBin, args...)
	m := measure{name: "flowq load", wall: wall, rss: rss}
	var sum loadSummary
	if err != nil {
		return m, sum, fmt.Errorf("flowq load %s: %w\n%s", strings.Join(paths, " "), err, tail(errb.Bytes()))
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return m, sum, fmt.Errorf("flowq load: reading its --json summary: %w\n%s", err, tail(out.Bytes()))
	}
	return m, sum, nil
}

// runIngest measures flowq's load of the data set beside the DuckDB-only load and the
// decompression floors, on the same files.
func (b *bench) runIngest(ctx context.Context) error {
	d := b.data
	records, size, raw := d.totals()
	paths := d.paths()
	b.logf("ingest: %d files, %s records, %s compressed, %s text", len(paths), count(records), mib(size), mib(raw))
	warm(paths) // every method then reads from the page cache

	var ms []measure
	if b.cfg.baselines {
		b.logf("ingest: Go gzip floor")
		gm, err := goFloor(ctx, d.pathsBySize(), b.cfg.threads)
		if err != nil {
			return err
		}
		ms = append(ms, gm)

		b.logf("ingest: gzip -dc floor")
		zm, err := b.gzipFloor(ctx, d, b.cfg.threads)
		if err != nil {
			return err
		}
		ms = append(ms, zm)

		for _, mem := range b.cfg.duckTargets() {
			b.logf("ingest: DuckDB-only load (in memory: %t)", mem)
			dm, err := b.duckLoad(ctx, groups(d.Root, d.Files), mem)
			if err != nil {
				return err
			}
			ms = append(ms, dm)
		}
	}

	b.logf("ingest: flowq load")
	dataDir := filepath.Join(b.tmp, "flowq-data")
	fm, sum, err := b.flowqLoad(ctx, dataDir, []string{d.Root})
	if err != nil {
		return err
	}
	fm.note = loadNote(sum, records)
	b.logf("ingest: flowq loaded %d rows in %.1fs (its own clock %.1fs)", sum.Rows, fm.wall.Seconds(), sum.Seconds)
	ms = append([]measure{fm}, ms...)
	b.loaded = dataDir
	b.ingest = &fm

	for i := range ms {
		ms[i].size, ms[i].raw = size, raw
		if ms[i].records == 0 {
			ms[i].records = records
		}
	}
	ms[0].records = records // same files; a shortfall is in the note
	t := ingestTable(ms, records, size, raw)
	if b.cfg.bigRecords > 0 {
		if err := b.bigObject(ctx, t); err != nil {
			return err
		}
	}
	b.tables = append(b.tables, t)
	return nil
}

// bigConfig is one flow log delivering a whole day in a single object: the memory test of a
// loader that must stream rather than hold an object.
func bigConfig(records int) flowgen.Config {
	c := flowgen.Bench(records)
	c.Seed = 11
	c.Window = c.Span
	c.Accounts = c.Accounts[:1]
	c.Regions = c.Regions[:1]
	c.Layouts = []flowgen.Layout{flowgen.LayoutDefault}
	c.Formats = []flowgen.Format{flowgen.FormatV5}
	c.FlowLogWeights = nil
	c.MaxObjectRecords = 2 * records
	c.Scenarios = false
	return c
}

// bigObject loads the single-object day and adds its row and RSS verdict to the ingest table.
func (b *bench) bigObject(ctx context.Context, t *table) error {
	d, err := prepare(ctx, b.cfg.cacheDir, fmt.Sprintf("big%d", b.cfg.bigRecords), bigConfig(b.cfg.bigRecords), b.logf)
	if err != nil {
		return err
	}
	records, size, raw := d.totals()
	b.logf("ingest: flowq load of %d object(s), %s gzip, %s text", len(d.Files), mib(size), mib(raw))
	m, sum, err := b.flowqLoad(ctx, filepath.Join(b.tmp, "big-data"), []string{d.Root})
	if err != nil {
		return err
	}
	os.RemoveAll(filepath.Join(b.tmp, "big-data"))
	m.records, m.size, m.raw = records, size, raw
	m.note = loadNote(sum, records)
	s := m.wall.Seconds()
	name := fmt.Sprintf("flowq load, one %s gzip object", mib(size))
	if len(d.Files) != 1 {
		name = fmt.Sprintf("flowq load, %d objects of %s gzip", len(d.Files), mib(size/int64(max(1, len(d.Files)))))
	}
	t.rows = append(t.rows, []string{name,
		dur(m.wall), rate(m.rps()), fmt.Sprintf("%.1f", float64(size)/1e6/s), fmt.Sprintf("%.1f", float64(raw)/1e6/s),
		rssCell(m.rss), "–", m.note})
	t.notes = append(t.notes, fmt.Sprintf("target peak RSS < 1.5 GiB whatever the object sizes: %s for %s records, %s of text in %d object%s (%s)",
		rssCell(m.rss), count(records), mib(raw), len(d.Files), plural(len(d.Files)), verdict(m.rss != 0 && abs(m.rss) < 1536<<20)))
	return nil
}

// loadNote flags a load that did not take every record.
func loadNote(s loadSummary, want int64) string {
	var notes []string
	if s.Rows != want {
		notes = append(notes, fmt.Sprintf("loaded %d of %d rows", s.Rows, want))
	}
	if s.Failed > 0 || s.Partial > 0 || s.Rejected > 0 {
		notes = append(notes, fmt.Sprintf("%d files failed, %d partial, %d lines rejected", s.Failed, s.Partial, s.Rejected))
	}
	return strings.Join(notes, "; ")
}

// warm reads every file once so no method pays for the first read from disk.
func warm(paths []string) {
	buf := make([]byte, 1<<20)
	for _, p := range paths {
		if f, err := os.Open(p); err == nil {
			for {
				if _, err := f.Read(buf); err != nil {
					break
				}
			}
			f.Close()
		}
	}
}

// goFloor decompresses every file to io.Discard with klauspost's gzip, one file per worker,
// in the order given (largest first balances the workers).
func goFloor(ctx context.Context, paths []string, threads int) (measure, error) {
	start := time.Now()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(threads)
	for _, p := range paths {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			r, err := openText(f, p)
			if err != nil {
				return err
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				return fmt.Errorf("decompress %s: %w", p, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return measure{}, err
	}
	return measure{name: "floor: Go gzip (klauspost)", wall: time.Since(start), note: fmt.Sprintf("%d workers, to io.Discard", threads)}, nil
}

// gzipFloor runs `gzip -dcf` over the files with xargs -P, output to /dev/null.
func (b *bench) gzipFloor(ctx context.Context, d *dataset, threads int) (measure, error) {
	m := measure{name: "floor: gzip -dc (xargs -P)"}
	gz, err := exec.LookPath("gzip")
	if err != nil {
		m.note = "gzip not installed"
		return m, nil
	}
	xargs, err := exec.LookPath("xargs")
	if err != nil {
		m.note = "xargs not installed"
		return m, nil
	}
	var list bytes.Buffer
	for _, p := range d.pathsBySize() {
		list.WriteString(p)
		list.WriteByte(0)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return m, err
	}
	defer null.Close()
	var errb bytes.Buffer
	wall, rss, err := b.measuredRun(ctx, &list, null, &errb, xargs, "-0", "-P", fmt.Sprint(threads), "-n", "4", gz, "-dcf")
	if err != nil {
		return m, fmt.Errorf("xargs gzip -dcf: %w\n%s", err, tail(errb.Bytes()))
	}
	m.wall, m.rss = wall, rss
	m.note = fmt.Sprintf("%d processes, to /dev/null", threads)
	return m, nil
}

// duckLoadCmd is the hidden sub-command that runs the DuckDB-only load in a child process.
const duckLoadCmd = "__duckload"

// duckSpec is what the parent hands the DuckDB-load child (as a JSON file).
type duckSpec struct {
	DB      string  `json:"db"`
	Threads int     `json:"threads"`
	Groups  []group `json:"groups"`
}

// duckResult is what the child prints.
type duckResult struct {
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
}

// duckLoad runs the DuckDB-only load in a child process (this binary, re-executed) and measures
// its wall time and peak RSS from outside, like flowq's.
func (b *bench) duckLoad(ctx context.Context, gs []group, memory bool) (measure, error) {
	m := measure{name: "DuckDB read_csv → database file"}
	if memory {
		m.name = "DuckDB read_csv → in-memory table"
	}
	dir := filepath.Join(b.tmp, "duckdb-load")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return m, err
	}
	defer os.RemoveAll(dir)
	spec := duckSpec{DB: filepath.Join(dir, "load.duckdb"), Threads: b.cfg.threads, Groups: gs}
	if memory {
		spec.DB = ""
	}
	sb, err := json.Marshal(spec)
	if err != nil {
		return m, err
	}
	specPath := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specPath, sb, 0o644); err != nil {
		return m, err
	}
	self, err := os.Executable()
	if err != nil {
		return m, err
	}
	var out, errb bytes.Buffer
	m.wall, m.rss, err = b.measuredRun(ctx, nil, &out, &errb, self, duckLoadCmd, specPath)
	if err != nil {
		return m, fmt.Errorf("DuckDB load child: %w\n%s", err, tail(errb.Bytes()))
	}
	var res duckResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return m, fmt.Errorf("DuckDB load child output: %w\n%s", err, tail(out.Bytes()))
	}
	m.records = res.Rows
	m.note = fmt.Sprintf("%d header groups, threads=%d", len(gs), b.cfg.threads)
	return m, nil
}

// duckLoadChild is the child's side: one INSERT … SELECT FROM read_csv per header group.
func duckLoadChild(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s SPEC.json", duckLoadCmd)
	}
	sb, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec duckSpec
	if err := json.Unmarshal(sb, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	res, err := duckLoadRun(context.Background(), spec)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// duckLoadRun creates the Athena table in spec.DB and fills it group by group.
func duckLoadRun(ctx context.Context, spec duckSpec) (duckResult, error) {
	var res duckResult
	start := time.Now()
	db, err := sql.Open("duckdb", spec.DB)
	if err != nil {
		return res, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	cols := athenaFields()
	var defs []string
	for _, f := range cols {
		defs = append(defs, sqlIdent(f.Column)+" "+f.Type.SQL())
	}
	defs = append(defs, `"date" DATE`)
	stmts := []string{
		fmt.Sprintf("SET threads=%d", spec.Threads),
		"SET preserve_insertion_order=false",
		"CREATE TABLE vpc_flow_logs (" + strings.Join(defs, ", ") + ")",
	}
	for _, g := range spec.Groups {
		sel, err := groupSelect(g, cols)
		if err != nil {
			return res, err
		}
		stmts = append(stmts, "INSERT INTO vpc_flow_logs BY NAME "+sel)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return res, fmt.Errorf("%.300s: %w", s, err)
		}
	}
	if spec.DB != "" {
		if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
			return res, err
		}
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vpc_flow_logs").Scan(&res.Rows); err != nil {
		return res, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// athenaFields are the Athena table's columns in order (REFERENCE §3).
func athenaFields() []flowlog.Field {
	return flowlog.KnownFields()[:flowlog.AthenaColumns]
}

// readCSV is the fastest read_csv of one group: explicit columns in file order, no detection,
// "-" as NULL (groupSelect gives text columns their '-' back, as Athena keeps it in strings).
func readCSV(g group) (string, error) {
	fields, err := g.fields()
	if err != nil {
		return "", err
	}
	var cols []string
	for _, f := range fields {
		cols = append(cols, sqlString(f.Column)+": "+sqlString(f.Type.SQL()))
	}
	files := make([]string, len(g.Files))
	for i, p := range g.Files {
		files[i] = sqlString(p)
	}
	return fmt.Sprintf("read_csv([%s], columns={%s}, header=%t, delim=' ', quote='', escape='', auto_detect=false, nullstr='-')",
		strings.Join(files, ", "), strings.Join(cols, ", "), g.Header != ""), nil
}

// groupSelect selects the Athena columns (NULL for those the group's files lack) and the
// partition date of one group. Text columns read "-" back from NULL: read_csv's force_not_null
// would do it, but DuckDB 1.5.6 then fails on "-" in numeric columns when a query projects only
// some columns.
func groupSelect(g group, cols []flowlog.Field) (string, error) {
	fields, err := g.fields()
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, f := range fields {
		have[f.Column] = true
	}
	var sel []string
	for _, f := range cols {
		switch {
		case have[f.Column] && f.Type == flowlog.String:
			sel = append(sel, fmt.Sprintf("coalesce(%s, '-') AS %s", sqlIdent(f.Column), sqlIdent(f.Column)))
		case have[f.Column]:
			sel = append(sel, sqlIdent(f.Column))
		default:
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", f.Type.SQL(), sqlIdent(f.Column)))
		}
	}
	sel = append(sel, fmt.Sprintf(`DATE %s AS "date"`, sqlString(g.Date)))
	rc, err := readCSV(g)
	if err != nil {
		return "", err
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + rc, nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func sqlIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
