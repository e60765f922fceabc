package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// The loader turns source files into Parquet parts in the steps docs/design.md describes, one
// file each: plan and sniff (load_plan.go), parse and spool (load_parse.go), encode
// (load_encode.go), commit (load_commit.go) and compact (compact.go).

// LoadOptions tune a load.
type LoadOptions struct {
	Wait       bool                 // wait for another writer instead of failing
	Workers    int                  // parallel file parsers; default GOMAXPROCS
	BatchFiles int                  // files per commit; default 2000
	BatchBytes int64                // compressed bytes per commit; default 512 MiB
	Progress   func(LoadProgress)   // called as files finish; may be nil
	Logf       func(string, ...any) // debug messages; may be nil
	// Held is the writer lock when the caller already holds it (sync holds it across its
	// download and load); nil makes Load take it.
	Held *Lock
}

// LoadProgress reports a running load.
type LoadProgress struct {
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	Rows                  int64
}

// LoadSummary is what a load did.
type LoadSummary struct {
	Files      int   // candidate files found
	Loaded     int   // files whose records were added (including replaced ones)
	Replaced   int   // changed files whose old rows were replaced
	Skipped    int   // already loaded, unchanged
	Duplicates int   // same content already loaded under another path
	Failed     int   // files from which nothing could be loaded
	Partial    int   // files loaded with some lines rejected or cut short
	LeftOut    int   // files in the folders that are not flow logs (listed in Failures, not failed)
	Rows       int64 // records added
	Rejected   int64 // lines rejected (see the load_errors table)
	Bytes      int64 // bytes of the loaded source files
	Failures   []FileError
	Elapsed    time.Duration
}

// FileError is a problem with one source file.
type FileError struct {
	Path string
	Err  error
}

func (e FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }

// candidate is a source file considered for loading.
type candidate struct {
	path   string
	size   int64
	mtime  int64
	sha    string
	kind   string // gzip, text, parquet
	header flowlog.Header
	hasHdr bool
	cols   []string // the Parquet part's columns (groupColumns); files with equal cols load together
	group  string   // cols joined: the key files are grouped and sorted by
	key    flowlog.Key
	hasKey bool
	typ    flowlog.LogType // which table the records go to
	old    *SourceEntry    // previous load of the same path, when the file changed
	id     int64
	res    fileResult
	// sniffErr says why the file cannot be loaded at all (empty, not a flow log, unreadable).
	sniffErr error
}

// Load loads files and folders (recursively) into the store. Already-loaded files are skipped,
// changed files replace their rows, and each batch becomes visible atomically with its ledger
// commit.
func (s *Store) Load(ctx context.Context, paths []string, opts LoadOptions) (LoadSummary, error) {
	start := time.Now()
	opts = opts.withDefaults()
	if opts.Held == nil {
		lock, err := s.LockWriter(ctx, opts.Wait, "flowq load")
		if err != nil {
			return LoadSummary{}, err
		}
		defer lock.Unlock()
	}
	l, err := s.newLoader(opts)
	if err != nil {
		return LoadSummary{}, err
	}
	err = l.run(ctx, paths)
	l.sum.Elapsed = time.Since(start)
	return l.sum, err
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchFiles <= 0 {
		o.BatchFiles = 2000
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 512 << 20
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// loader is one Load call: the ledger it commits to, the DuckDB that encodes, and what it has
// done so far. Only Load's goroutine touches it, except where mu says.
type loader struct {
	s    *Store
	opts LoadOptions
	led  *Ledger
	db   *sql.DB
	logf func(string, ...any)

	mu   sync.Mutex // guards prog, for the parse workers
	prog LoadProgress
	sum  LoadSummary
}

// newLoader reads the ledger and removes what a crashed writer left. The writer lock is held.
func (s *Store) newLoader(opts LoadOptions) (*loader, error) {
	led, err := readLedger(filepath.Join(s.dir, ledgerFile))
	if err != nil {
		return nil, err
	}
	if err := s.recover(led); err != nil {
		return nil, err
	}
	return &loader{s: s, opts: opts, led: led, logf: opts.Logf}, nil
}

// run plans the load, loads the files in batches (each its own commit), then compacts.
func (l *loader) run(ctx context.Context, paths []string) error {
	t0 := time.Now()
	col := collectFiles(ctx, paths, l.s.dir)
	files := col.files
	l.sum.Files = len(files) + len(col.failed)
	for _, fe := range col.failed {
		l.fail(fe.Path, fe.Err)
	}
	// Files a folder walk left out are reported (with the failures) but do not fail the load.
	l.sum.LeftOut = len(col.leftOut)
	l.sum.Failures = append(l.sum.Failures, col.leftOut...)
	if err := ctx.Err(); err != nil {
		return err
	}
	todo, err := l.plan(ctx, files)
	if err != nil {
		return err
	}
	l.logf("load: %d candidate files, %d to load (planned in %v)", len(files), len(todo), time.Since(t0))
	l.prog = LoadProgress{FilesTotal: len(todo)}
	for _, c := range todo {
		l.prog.BytesTotal += c.size
	}
	l.report()

	l.db, err = openLoaderDB(ctx, filepath.Join(l.s.dir, stagingDir, "duckdb-tmp"))
	if err != nil {
		return err
	}
	defer l.db.Close()
	for len(todo) > 0 {
		n, size := 0, int64(0)
		for n < len(todo) && n < l.opts.BatchFiles && (n == 0 || size+todo[n].size <= l.opts.BatchBytes) {
			size += todo[n].size
			n++
		}
		if err := l.loadBatch(ctx, todo[:n]); err != nil {
			return err
		}
		todo = todo[n:]
	}
	if err := l.rebuildSummaries(ctx); err != nil {
		return err
	}
	return l.s.compact(ctx, l.db, l.led, compactMinParts, l.logf)
}

// loadBatch runs the steps of one batch: parse and encode text files, encode Parquet
// deliveries, account for every file, rewrite the parts of replaced files, commit.
func (l *loader) loadBatch(ctx context.Context, files []*candidate) error {
	b, err := l.newBatch(files)
	if err != nil {
		return err
	}
	defer b.cleanup()
	if err := l.parseAndEncode(ctx, b); err != nil {
		return err
	}
	l.encodeParquetSources(ctx, b)
	b.phase("parquet")
	before := l.sum
	l.account(b)
	if err := l.finishBatch(ctx, b); err != nil {
		// Nothing of the batch was committed, so the summary must not count it as loaded.
		l.sum = before
		return err
	}
	return nil
}

// finishBatch rewrites the parts of replaced files, writes the batch's load_errors part and
// commits.
func (l *loader) finishBatch(ctx context.Context, b *batch) error {
	if err := l.rewriteReplaced(ctx, b); err != nil {
		return err
	}
	if err := l.writeLineErrors(ctx, b); err != nil {
		return err
	}
	// Steps that add parts of their own (per-load summaries) stage them here and pass them on.
	extra, err := l.stageSummaries(ctx, b)
	if err != nil {
		return err
	}
	return l.commit(b, extra)
}

// fileDone counts a finished file in the progress report; parse workers call it concurrently.
func (l *loader) fileDone(c *candidate) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prog.FilesDone++
	l.prog.BytesDone += c.size
	l.prog.Rows += c.res.Rows
	l.report()
}

func (l *loader) report() {
	if l.opts.Progress != nil {
		l.opts.Progress(l.prog)
	}
}

// fail records a file from which nothing could be loaded.
func (l *loader) fail(path string, err error) {
	l.sum.Failed++
	l.sum.Failures = append(l.sum.Failures, FileError{path, err})
}

// batch is the state of one batch: its files with their new source ids, its staging folders,
// and what its steps produced for the commit.
type batch struct {
	id       int64
	files    []*candidate
	nextID   int64  // the ledger's next source id after this batch
	stage    string // staged parts, laid out as under DATA/tables
	spoolDir string
	t0       time.Time
	logf     func(string, ...any)

	mu       sync.Mutex // guards lineErrs, appended by parse workers
	lineErrs []LineError
	// The source ids in each staged part, by staged path, or by file-name prefix for parts
	// DuckDB names itself (FILENAME_PATTERN): recorded as they are written, for the ledger.
	partSrc   map[string][]int64
	prefixSrc map[string][]int64
	parquet   []*candidate // Parquet deliveries, encoded after the text files
	replaced  []int64      // old source ids of changed files, whose rows are dropped
	dropParts []string     // live parts replaced at commit
}

func (l *loader) newBatch(files []*candidate) (*batch, error) {
	b := &batch{id: l.led.NextBatch, files: files, t0: time.Now(), logf: l.logf,
		partSrc: map[string][]int64{}, prefixSrc: map[string][]int64{}}
	b.stage = filepath.Join(l.s.dir, stagingDir, fmt.Sprintf("b%06d", b.id))
	b.spoolDir = filepath.Join(l.s.dir, stagingDir, "spool")
	for _, d := range []string{b.stage, b.spoolDir} {
		if err := os.MkdirAll(d, dirPerm); err != nil {
			return nil, fmt.Errorf("creating staging folder: %w", err)
		}
	}
	b.nextID = l.led.NextSource
	for _, c := range files {
		c.id = b.nextID
		b.nextID++
	}
	return b, nil
}

// cleanup removes the staging folder (the batch's leftovers, if it failed).
func (b *batch) cleanup() { _ = os.RemoveAll(filepath.Dir(b.stage)) }

func (b *batch) phase(name string) {
	b.logf("load: batch %d: %s done at %v", b.id, name, time.Since(b.t0))
}

func (b *batch) addLineErrors(errs []LineError) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lineErrs = append(b.lineErrs, errs...)
}
