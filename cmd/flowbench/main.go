// Command flowbench is flowq's benchmark (issue 7): ingest, saved queries, sync and scale,
// each beside its baseline, printed as tables and written into BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	only         map[string]bool
	records      int
	syncObjects  []int
	scaleRecords int
	scaleQuery   string
	scaleRuns    int
	bigRecords   int
	runs         int
	rawTimeout   time.Duration
	queryBudget  time.Duration
	latency      time.Duration
	cacheDir     string
	flowqBin     string
	tmpDir       string
	mdPath       string
	keep         bool
	baselines    bool
	duck         string
	profileDir   string
	threads      int
	benchScale   float64 // month section: sizes × this (BENCH_SCALE)
	monthRuns    int     // month section: runs per query
}

// sections run by default; "month" (make bench-scale) only when asked for, as it takes up to
// 45 minutes at full size.
var sections = []string{"ingest", "queries", "sync", "scale"}

var allSections = append(append([]string(nil), sections...), "month")

func main() {
	// The DuckDB-only baseline runs in a child process of this same binary, so its peak RSS is
	// its own.
	if len(os.Args) > 1 && os.Args[1] == rssCmd {
		code, err := rssChild(os.Args[2:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "flowbench:", err)
		}
		os.Exit(code)
	}
	if len(os.Args) > 1 && os.Args[1] == duckLoadCmd {
		if err := duckLoadChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "flowbench:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "flowbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "flowbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, errOut io.Writer) (config, error) {
	fs := flag.NewFlagSet("flowbench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var c config
	only := fs.String("only", strings.Join(sections, ","), "comma-separated sections to run: "+strings.Join(allSections, ", ")+" (month: the month-scale benchmark, make bench-scale)")
	fs.IntVar(&c.records, "records", 10_000_000, "records in the ingest and query data set (flowgen.Bench)")
	syncObjects := fs.String("sync-objects", "5000,20000", "comma-separated counts of small objects for the sync benchmark, one table each (flowgen.SyncBench; multiples of 20); the targets are stated for 5,000")
	fs.IntVar(&c.scaleRecords, "scale-records", 1_000_000, "base size of the scale runs (1x, 2x, 4x), taken as subsets of the ingest data")
	fs.StringVar(&c.scaleQuery, "scale-query", "top-talkers", "saved query timed in the scale runs")
	fs.IntVar(&c.bigRecords, "big-records", 2_000_000, "records in the single-object day loaded for peak RSS (0: skip)")
	fs.IntVar(&c.scaleRuns, "scale-runs", 2, "loads per scale size (the fastest is reported)")
	fs.IntVar(&c.runs, "runs", 5, "timed runs per flowq query (the median is reported)")
	fs.DurationVar(&c.queryBudget, "query-budget", 10*time.Second, "stop repeating a flowq query once its runs took this long")
	fs.DurationVar(&c.rawTimeout, "raw-timeout", 60*time.Second, "cut-off for one query of the DuckDB-on-raw-files baseline")
	fs.DurationVar(&c.latency, "latency", 20*time.Millisecond, "latency injected in every request of the sync benchmark's S3 server")
	fs.StringVar(&c.cacheDir, "cache", ".bench-cache", "folder for generated data, reused across runs")
	fs.StringVar(&c.flowqBin, "flowq", "bin/flowq", "flowq binary to benchmark (make build)")
	fs.StringVar(&c.tmpDir, "tmp", "", "parent folder for data directories and mirrors (default: the system's)")
	fs.StringVar(&c.mdPath, "md", "BENCHMARKS.md", "file whose bench section is replaced with the results (empty: none)")
	fs.BoolVar(&c.baselines, "baselines", true, "measure the baselines (DuckDB-only load, decompression floors, DuckDB on raw files); -baselines=false for quick flowq-only runs")
	fs.StringVar(&c.profileDir, "profile", "", "also write profiles into this folder: perf record of one more flowq load (with ingest), EXPLAIN ANALYZE of every query (with queries)")
	fs.StringVar(&c.duck, "duck", "both", "DuckDB-only loads to run: file (a database file, persisted like flowq's Parquet), memory (an in-memory table, the fastest), both")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary data directories")
	fs.IntVar(&c.threads, "threads", runtime.NumCPU(), "threads for the baselines (DuckDB, decompression)")
	defScale := 1.0
	if v := os.Getenv("BENCH_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return c, fmt.Errorf("BENCH_SCALE=%q: want a positive number such as 0.01", v)
		}
		defScale = f
	}
	fs.Float64Var(&c.benchScale, "bench-scale", defScale, "month section: multiply its sizes (60 M busy day, 300 M months, 10 M sample) by this; default $BENCH_SCALE or 1")
	fs.IntVar(&c.monthRuns, "month-runs", 3, "month section: runs per saved query (the median is reported)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.only, err = parseOnly(*only); err != nil {
		return c, err
	}
	if c.duck != "both" && c.duck != "file" && c.duck != "memory" {
		return c, fmt.Errorf("-duck: want file, memory or both, not %q", c.duck)
	}
	if c.bigRecords < 0 {
		return c, fmt.Errorf("-big-records must not be negative")
	}
	for _, f := range strings.Split(*syncObjects, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return c, fmt.Errorf("-sync-objects: %q is not a positive count", f)
		}
		c.syncObjects = append(c.syncObjects, n)
	}
	if c.records <= 0 || c.scaleRecords <= 0 || c.runs <= 0 || c.scaleRuns <= 0 || c.threads <= 0 || c.monthRuns <= 0 || c.benchScale <= 0 {
		return c, fmt.Errorf("-records, -scale-records, -runs, -scale-runs, -threads, -month-runs and -bench-scale must be positive")
	}
	return c, nil
}

// duckTargets lists the DuckDB-only loads to run: false for a database file, true for memory.
func (c config) duckTargets() []bool {
	switch c.duck {
	case "file":
		return []bool{false}
	case "memory":
		return []bool{true}
	}
	return []bool{false, true}
}

// parseOnly reads the -only list.
func parseOnly(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		ok := false
		for _, k := range allSections {
			if k == w {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("-only: unknown section %q (want %s)", w, strings.Join(allSections, ", "))
		}
		out[w] = true
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-only: no section given")
	}
	return out, nil
}

// bench carries one run's shared state.
type bench struct {
	cfg    config
	log    io.Writer
	tmp    string // this run's temporary folder
	tables []*table
	data   *dataset // the ingest data set, generated or read from the cache
	loaded string   // a data dir holding the whole data set, once loaded
	ingest *measure // flowq's load of the whole data set, when measured

	fullQuery time.Duration // the scale query's median on the whole data set, when measured
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, cfg config, out, logw io.Writer) error {
	start := time.Now()
	if _, err := os.Stat(cfg.flowqBin); err != nil && (cfg.only["ingest"] || cfg.only["queries"] || cfg.only["scale"] || cfg.only["month"]) {
		return fmt.Errorf("flowq binary %s: %w (run make build)", cfg.flowqBin, err)
	}
	tmp, err := os.MkdirTemp(cfg.tmpDir, "flowbench-")
	if err != nil {
		return fmt.Errorf("temporary folder: %w", err)
	}
	if tmp, err = filepath.Abs(tmp); err != nil {
		return err
	}
	b := &bench{cfg: cfg, log: logw, tmp: tmp}
	defer func() {
		if cfg.keep {
			b.logf("kept %s", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()
	m := describeMachine(ctx)
	if cfg.only["ingest"] || cfg.only["queries"] || cfg.only["scale"] || cfg.only["month"] {
		if b.cfg.flowqBin, m.flowq, err = snapshotFlowq(cfg.flowqBin, tmp); err != nil {
			return err
		}
	}
	b.logf("machine: %s", m.oneLine())

	if cfg.only["ingest"] || cfg.only["queries"] || cfg.only["scale"] {
		if b.data, err = prepareBench(ctx, cfg.cacheDir, cfg.records, b.logf); err != nil {
			return err
		}
	}
	if cfg.only["ingest"] {
		if err := b.runIngest(ctx); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	if cfg.only["ingest"] && cfg.profileDir != "" {
		if err := b.profileLoad(ctx, cfg.profileDir); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	if cfg.only["queries"] {
		if err := b.runQueries(ctx); err != nil {
			return fmt.Errorf("queries: %w", err)
		}
	}
	if cfg.only["scale"] {
		if err := b.runScale(ctx); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	if cfg.only["sync"] {
		for _, n := range cfg.syncObjects {
			if err := b.runSync(ctx, n); err != nil {
				return fmt.Errorf("sync of %d objects: %w", n, err)
			}
		}
	}
	if cfg.only["month"] {
		if err := b.runMonth(ctx); err != nil {
			return fmt.Errorf("month: %w", err)
		}
	}
	doc := renderReport(m, b.tables, time.Since(start), cfg)
	fmt.Fprint(out, doc)
	if cfg.mdPath != "" {
		// The month benchmark has a section of its own, so make bench and make bench-scale
		// each keep the other's latest results.
		marker := "bench"
		if len(cfg.only) == 1 && cfg.only["month"] {
			marker = "bench-scale"
		}
		if err := writeSection(cfg.mdPath, marker, doc); err != nil {
			return err
		}
		b.logf("wrote the results into %s", cfg.mdPath)
	}
	return nil
}
