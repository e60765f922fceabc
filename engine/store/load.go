package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flowq/flowq/engine/atomicfile"
	"github.com/flowq/flowq/engine/flowlog"
	"golang.org/x/sync/errgroup"
)

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
	old    *SourceEntry // previous load of the same path, when the file changed
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
	var sum LoadSummary
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BatchFiles <= 0 {
		opts.BatchFiles = 2000
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 512 << 20
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opts.Held == nil {
		lock, err := s.LockWriter(ctx, opts.Wait, "flowq load")
		if err != nil {
			return sum, err
		}
		defer lock.Unlock()
	}

	ledgerPath := filepath.Join(s.dir, ledgerFile)
	led, err := readLedger(ledgerPath)
	if err != nil {
		return sum, err
	}
	if err := s.recover(led); err != nil {
		return sum, err
	}

	files, ferrs := collectFiles(ctx, paths, s.dir)
	sum.Files = len(files) + len(ferrs)
	for _, fe := range ferrs {
		sum.Failed++
		sum.Failures = append(sum.Failures, fe)
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}

	todo, err := s.plan(ctx, led, files, opts.Workers, &sum)
	if err != nil {
		return sum, err
	}
	logf("load: %d candidate files, %d to load (planned in %v)", len(files), len(todo), time.Since(start))

	var total int64
	for _, c := range todo {
		total += c.size
	}
	prog := LoadProgress{FilesTotal: len(todo), BytesTotal: total}
	report := func() {
		if opts.Progress != nil {
			opts.Progress(prog)
		}
	}
	report()

	db, err := openLoaderDB(ctx, filepath.Join(s.dir, stagingDir, "duckdb-tmp"))
	if err != nil {
		return sum, err
	}
	defer db.Close()

	for len(todo) > 0 {
		n, size := 0, int64(0)
		for n < len(todo) && n < opts.BatchFiles && (n == 0 || size+todo[n].size <= opts.BatchBytes) {
			size += todo[n].size
			n++
		}
		batch := todo[:n]
		todo = todo[n:]
		if err := s.loadBatch(ctx, db, led, batch, opts, &sum, &prog, report, logf); err != nil {
			sum.Elapsed = time.Since(start)
			return sum, err
		}
	}
	if err := s.compact(ctx, db, led, compactMinParts, logf); err != nil {
		sum.Elapsed = time.Since(start)
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// collectFiles expands folders into the flow-log files under them, skipping hidden entries.
func collectFiles(ctx context.Context, paths []string, dataDir string) ([]string, []FileError) {
	var out []string
	var errs []FileError
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			errs = append(errs, FileError{p, err})
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			errs = append(errs, FileError{p, err})
			continue
		}
		if !info.IsDir() {
			add(abs)
			continue
		}
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, FileError{path, err})
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			name := d.Name()
			if path != abs && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				// Never load the store's own tables as sources.
				if path == filepath.Join(dataDir, tablesDir) || path == filepath.Join(dataDir, stagingDir) {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && looksLikeDelivery(name) {
				add(path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, FileError{p, err})
		}
	}
	sort.Strings(out)
	return out, errs
}

// looksLikeDelivery picks flow-log files out of a folder walk by name; a file named on the
// command line is always tried.
func looksLikeDelivery(name string) bool {
	for _, ext := range []string{".log.gz", ".log", ".gz", ".parquet", ".txt"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// plan decides, per file, whether to skip it (loaded, unchanged), skip it as a duplicate of
// another loaded file, or load it (new or changed); and sniffs the files to load.
func (s *Store) plan(ctx context.Context, led *Ledger, files []string, workers int, sum *LoadSummary) ([]*candidate, error) {
	cands := make([]*candidate, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, p := range files {
		i, p := i, p
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			c := &candidate{path: p}
			cands[i] = c
			info, err := os.Stat(p)
			if err != nil {
				c.res.Fatal = err
				return nil
			}
			c.size, c.mtime = info.Size(), info.ModTime().UnixNano()
			if e := led.Sources[p]; e != nil && e.Size == c.size && e.ModTime == c.mtime {
				c.sha = e.SHA256 // unchanged: skip without reading
				return nil
			}
			c.sha, err = fileSHA256(p)
			if err != nil {
				c.res.Fatal = err
				return nil
			}
			// Sniffing (format, header) happens here, in parallel, for every file that may load.
			if e := led.Sources[p]; e == nil || e.SHA256 != c.sha || e.Size != c.size {
				c.sniffErr = sniff(c)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	bySHA := make(map[string]*SourceEntry, len(led.Sources))
	for _, e := range led.Sources {
		bySHA[e.SHA256+"/"+fmt.Sprint(e.Size)] = e
	}
	var todo []*candidate
	for _, c := range cands {
		if c.res.Fatal != nil {
			sum.Failed++
			sum.Failures = append(sum.Failures, FileError{c.path, c.res.Fatal})
			continue
		}
		prev := led.Sources[c.path]
		if prev != nil && prev.SHA256 == c.sha && prev.Size == c.size {
			prev.ModTime = c.mtime
			sum.Skipped++
			continue
		}
		if other := bySHA[c.sha+"/"+fmt.Sprint(c.size)]; other != nil && other.Path != c.path {
			sum.Duplicates++
			continue
		}
		bySHA[c.sha+"/"+fmt.Sprint(c.size)] = &SourceEntry{Path: c.path}
		c.old = prev
		if c.sniffErr != nil {
			sum.Failed++
			sum.Failures = append(sum.Failures, FileError{c.path, c.sniffErr})
			continue
		}
		todo = append(todo, c)
	}
	// Files of one column layout load together.
	sort.SliceStable(todo, func(i, j int) bool {
		return todo[i].group < todo[j].group
	})
	return todo, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sniff detects the file's format by content and reads its header.
func sniff(c *candidate) error {
	c.key, c.hasKey = flowlog.ParseKey(filepath.ToSlash(c.path))
	if c.size == 0 {
		return errors.New("empty file (0 bytes): not a flow-log delivery")
	}
	f, err := os.Open(c.path)
	if err != nil {
		return err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if n == 4 && string(magic) == "PAR1" {
		c.kind = "parquet"
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	lr, err := newSniffReader().open(f)
	if err != nil {
		return fmt.Errorf("not a readable flow-log file: %w", err)
	}
	c.kind = "text"
	if n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		c.kind = "gzip"
	}
	line, full, err := lr.next()
	if err != nil && err != io.EOF {
		return fmt.Errorf("line 1: %w", describeReadErr(err))
	}
	if full == 0 {
		return errors.New("no lines: not a flow-log delivery")
	}
	if full <= maxLine && flowlog.LooksLikeHeader(line) {
		h, err := flowlog.ParseHeader(string(bytes.TrimRight(line, "\r\n")))
		if err != nil {
			return fmt.Errorf("line 1: bad header: %w", err)
		}
		c.header, c.hasHdr = h, true
	} else {
		c.header = flowlog.DefaultHeader()
		// A header-less file must at least start with a default-format record; anything else
		// (an HTML error page, JSON) is not a flow log at all.
		if _, err := c.header.ParseLine(line, nil); full > maxLine || err != nil {
			return fmt.Errorf("line 1: not a flow-log header or default-format record: %q", rawText(line[:min(len(line), 80)]))
		}
	}
	c.cols = groupColumns(c.header)
	c.group = strings.Join(c.cols, ",")
	return nil
}

// loadBatch parses a batch of files into spools, turns them into Parquet parts in the staging
// folder, moves the parts into place and commits the ledger.
func (s *Store) loadBatch(ctx context.Context, db *sql.DB, led *Ledger, batch []*candidate, opts LoadOptions,
	sum *LoadSummary, prog *LoadProgress, report func(), logf func(string, ...any)) error {
	batchID := led.NextBatch
	t0 := time.Now()
	phase := func(name string) {
		logf("load: batch %d: %s done at %v", batchID, name, time.Since(t0))
	}
	stage := filepath.Join(s.dir, stagingDir, fmt.Sprintf("b%06d", batchID))
	spoolDir := filepath.Join(s.dir, stagingDir, "spool")
	if err := os.MkdirAll(stage, dirPerm); err != nil {
		return fmt.Errorf("creating staging folder: %w", err)
	}
	if err := os.MkdirAll(spoolDir, dirPerm); err != nil {
		return fmt.Errorf("creating staging folder: %w", err)
	}
	defer os.RemoveAll(filepath.Join(s.dir, stagingDir))

	nextID := led.NextSource
	for _, c := range batch {
		c.id = nextID
		nextID++
	}

	// Group by column layout; each group gets one spool per worker and date.
	groups := map[string][]*candidate{}
	var groupKeys []string
	for _, c := range batch {
		k := c.group
		if c.kind == "parquet" {
			k = "parquet"
		}
		if _, ok := groups[k]; !ok {
			groupKeys = append(groupKeys, k)
		}
		groups[k] = append(groups[k], c)
	}

	var mu sync.Mutex
	var lineErrs []LineError
	done := func(c *candidate) {
		mu.Lock()
		defer mu.Unlock()
		lineErrs = append(lineErrs, c.res.Errors...)
		prog.FilesDone++
		prog.BytesDone += c.size
		prog.Rows += c.res.Rows
		report()
	}

	// Go parses the next column group (or 1 GiB chunk of one) while DuckDB encodes the last, so
	// the two halves of the work overlap when a batch holds several formats.
	type encodeJob struct {
		spools, cols []string
		dst          string
		sources      []int64
	}
	// The source ids in each staged part, by staged path, or by file-name prefix for parts
	// DuckDB names itself (FILENAME_PATTERN): recorded as they are written, for the ledger.
	partSrc := map[string][]int64{}
	prefixSrc := map[string][]int64{}
	jobs := make(chan encodeJob, 1)
	encoded := make(chan error, 1)
	go func() {
		var first error
		for j := range jobs {
			if first == nil {
				first = copySpools(ctx, db, j.spools, j.cols, j.dst)
				partSrc[j.dst] = j.sources
				phase("Parquet " + filepath.Base(j.dst))
			}
			for _, sp := range j.spools {
				_ = os.Remove(sp)
			}
		}
		encoded <- first
	}()
	var parquet []*candidate
	parseErr := func() error {
		defer close(jobs)
		for gi, gk := range groupKeys {
			var text []*candidate
			for _, c := range groups[gk] {
				if c.kind == "parquet" {
					parquet = append(parquet, c)
				} else {
					text = append(text, c)
				}
			}
			for ci, chunk := range chunkFiles(text, encodeChunkBytes) {
				tag := fmt.Sprintf("g%d_c%d", gi, ci)
				spools, sources, err := s.parseGroup(ctx, spoolDir, tag, chunk, opts.Workers, done)
				if err != nil {
					return err
				}
				phase("parse " + tag)
				keys := make([]partKey, 0, len(spools))
				for k := range spools {
					keys = append(keys, k)
				}
				sort.Slice(keys, func(i, j int) bool {
					if keys[i].date != keys[j].date {
						return keys[i].date < keys[j].date
					}
					return !keys[i].other && keys[j].other
				})
				for _, k := range keys {
					dst := filepath.Join(stage, flowTable, "date="+k.date, fmt.Sprintf("b%06d_%s%s.parquet", batchID, tag, k.suffix()))
					select {
					case jobs <- encodeJob{spools[k], chunk[0].cols, dst, sources[k]}:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
			}
		}
		return nil
	}()
	if err := <-encoded; err != nil {
		return err
	}
	if parseErr != nil {
		return parseErr
	}
	for _, c := range parquet {
		prefix := fmt.Sprintf("b%06d_p%d_", batchID, c.id)
		if err := copyParquetSource(ctx, db, c, filepath.Join(stage, flowTable), prefix+"{i}"); err != nil {
			c.res.Fatal = err
		}
		prefixSrc[prefix] = []int64{c.id}
		mu.Lock()
		prog.FilesDone++
		prog.BytesDone += c.size
		prog.Rows += c.res.Rows
		report()
		mu.Unlock()
	}

	phase("parquet")
	// Account for each file, and build the ledger changes.
	var replacedIDs []int64
	for _, c := range batch {
		if c.res.Fatal != nil {
			lineErrs = append(lineErrs, LineError{File: c.path, Reason: c.res.Fatal.Error()})
		}
		if c.res.Fatal != nil && c.res.Rows == 0 {
			sum.Failed++
			sum.Failures = append(sum.Failures, FileError{c.path, c.res.Fatal})
			continue
		}
		if c.res.Rows == 0 && c.res.Rejected > 0 {
			sum.Failed++
			sum.Failures = append(sum.Failures, FileError{c.path, fmt.Errorf("no valid records; %d lines rejected (first: line %d: %s)", c.res.Rejected, c.res.Errors[0].Line, c.res.Errors[0].Reason)})
			continue
		}
		if c.res.Fatal != nil || c.res.Rejected > 0 {
			sum.Partial++
			reason := ""
			if c.res.Fatal != nil {
				reason = c.res.Fatal.Error()
			} else {
				reason = fmt.Sprintf("%d lines rejected (first: line %d: %s)", c.res.Rejected, c.res.Errors[0].Line, c.res.Errors[0].Reason)
			}
			sum.Failures = append(sum.Failures, FileError{c.path, fmt.Errorf("partly loaded: %s", reason)})
		}
		if c.old != nil {
			replacedIDs = append(replacedIDs, c.old.ID)
			sum.Replaced++
		}
		sum.Loaded++
		sum.Rows += c.res.Rows
		sum.Rejected += c.res.Rejected
		sum.Bytes += c.size
		led.Sources[c.path] = &SourceEntry{ID: c.id, Path: c.path, Size: c.size, ModTime: c.mtime, SHA256: c.sha,
			Rows: c.res.Rows, Rejected: c.res.Rejected, Batch: batchID, Format: c.kind, Header: c.res.Header, LoadedAt: nowUTC()}
		for _, col := range c.cols {
			if !contains(led.Columns, col) {
				led.Columns = append(led.Columns, col)
			}
		}
	}

	// Rewrite parts holding rows of replaced files, without those rows.
	var dropParts []string
	if len(replacedIDs) > 0 {
		var err error
		dropParts, err = s.rewriteParts(ctx, db, led, replacedIDs, filepath.Join(stage, flowTable), batchID, prefixSrc)
		if err != nil {
			return err
		}
	}

	if len(lineErrs) > 0 {
		if err := writeErrorPart(ctx, db, lineErrs, filepath.Join(stage, errorsTable, fmt.Sprintf("b%06d.parquet", batchID))); err != nil {
			return err
		}
	}

	// Move staged files into place; they stay invisible until the ledger names them.
	var moved []Part
	var movedErr []string
	err := filepath.WalkDir(stage, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(stage, path)
		dst := filepath.Join(s.dir, tablesDir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), dirPerm); err != nil {
			return err
		}
		if err := publish(path, dst); err != nil {
			return err
		}
		relData := filepath.ToSlash(filepath.Join(tablesDir, rel))
		if strings.HasPrefix(filepath.ToSlash(rel), errorsTable+"/") {
			movedErr = append(movedErr, relData)
		} else {
			moved = append(moved, Part{Path: relData, Batch: batchID, Sources: stagedSources(path, partSrc, prefixSrc)})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("moving batch %d into place: %w", batchID, err)
	}

	led.swapParts(dropParts, moved)
	led.ErrorParts = append(led.ErrorParts, movedErr...)
	led.NextSource = nextID
	led.NextBatch = batchID + 1
	if err := led.write(filepath.Join(s.dir, ledgerFile)); err != nil {
		return fmt.Errorf("committing batch %d: %w", batchID, err)
	}
	for _, p := range dropParts {
		_ = os.Remove(filepath.Join(s.dir, filepath.FromSlash(p)))
	}
	phase("commit")
	return nil
}

// publish moves a staged file into the data dir durably: permissions, fsync (DuckDB does not
// fsync what COPY writes; without it a power cut after the ledger commit could leave the ledger
// naming a part whose data never reached the disk), rename, fsync of the folder. The file
// stays invisible until the ledger names it.
func publish(staged, final string) error {
	if err := os.Chmod(staged, filePerm); err != nil {
		return err
	}
	if err := atomicfile.SyncFile(staged); err != nil {
		return err
	}
	if err := os.Rename(staged, final); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(final))
}

// partSpools is one worker's spool files of one group, one per part to be (date and action
// class), and the sources that wrote into each (they become the ledger's record of what a
// part holds).
type partSpools struct {
	dir, tag, worker string
	files            map[spoolKey]*os.File
	writers          map[spoolKey]*bufio.Writer
	sources          map[partKey]map[int64]bool // by part: the clusters of a part share them
}

func (d *partSpools) writer(k spoolKey, source int64) (*bufio.Writer, error) {
	if d.sources[k.partKey] == nil {
		d.sources[k.partKey] = map[int64]bool{}
	}
	d.sources[k.partKey][source] = true
	if w, ok := d.writers[k]; ok {
		return w, nil
	}
	// Named cluster first: the sorted list hands DuckDB one cluster of every worker after
	// another, which wrote Parquet ~20% faster than each worker's clusters in turn.
	path := filepath.Join(d.dir, fmt.Sprintf("spool_%s_k%d_%s_%s%s.tsv", d.tag, k.cluster, d.worker, k.date, k.suffix()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, filePerm)
	if err != nil {
		return nil, fmt.Errorf("creating spool: %w", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	d.files[k], d.writers[k] = f, w
	return w, nil
}

// close flushes and closes the spools, returning their paths by part.
func (d *partSpools) close() (map[spoolKey]string, error) {
	out := map[spoolKey]string{}
	var first error
	for k, w := range d.writers {
		if err := w.Flush(); err != nil && first == nil {
			first = fmt.Errorf("writing spool: %w", err)
		}
		if err := d.files[k].Close(); err != nil && first == nil {
			first = fmt.Errorf("writing spool: %w", err)
		}
		out[k] = d.files[k].Name()
	}
	return out, first
}

// parseGroup parses text files of one column layout in parallel, each worker into its own
// spool files (one per part), and returns the spool paths and the sources written, by part.
func (s *Store) parseGroup(ctx context.Context, stage string, tag string, files []*candidate, workers int, done func(*candidate)) (map[partKey][]string, map[partKey][]int64, error) {
	out := map[partKey][]string{}
	sources := map[partKey][]int64{}
	if len(files) == 0 {
		return out, sources, nil
	}
	if workers > len(files) {
		workers = len(files)
	}
	work := make(chan *candidate)
	results := make([]map[spoolKey]string, workers)
	sets := make([]*partSpools, workers)
	g, gctx := errgroup.WithContext(ctx)
	for w := 0; w < workers; w++ {
		w := w
		g.Go(func() error {
			sp := &partSpools{dir: stage, tag: tag, worker: fmt.Sprintf("w%d", w), files: map[spoolKey]*os.File{},
				writers: map[spoolKey]*bufio.Writer{}, sources: map[partKey]map[int64]bool{}}
			sets[w] = sp
			tr := newTextReader()
			var err error
			for c := range work {
				if err = gctx.Err(); err != nil {
					break
				}
				parseFile(c, tr, sp)
				done(c)
			}
			paths, cerr := sp.close()
			results[w] = paths
			if err != nil {
				return err
			}
			return cerr
		})
	}
	g.Go(func() error {
		defer close(work)
		for _, c := range files {
			select {
			case work <- c:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for _, r := range results {
		for k, p := range r {
			out[k.partKey] = append(out[k.partKey], p)
		}
	}
	for _, ps := range out {
		sort.Strings(ps)
	}
	for _, sp := range sets {
		for k, ids := range sp.sources {
			for id := range ids {
				sources[k] = append(sources[k], id) // a file is parsed by one worker: no repeats
			}
		}
	}
	for _, ids := range sources {
		slices.Sort(ids)
	}
	return out, sources, nil
}

func parseFile(c *candidate, tr *textReader, sp spoolSet) {
	f, err := os.Open(c.path)
	if err != nil {
		c.res.Fatal = err
		return
	}
	defer f.Close()
	lr, err := tr.open(f)
	if err != nil {
		c.res.Fatal = err
		return
	}
	rw := newRowWriter(sp, c.cols, c.id, c.key, c.hasKey)
	c.res = parseText(c.path, lr, rw, c.header, c.hasHdr)
}

// stagedSources are the source ids of a staged part: recorded under its path, or under the
// file-name prefix of a part DuckDB named.
func stagedSources(path string, byPath, byPrefix map[string][]int64) []int64 {
	if ids, ok := byPath[path]; ok {
		return ids
	}
	name := filepath.Base(path)
	for prefix, ids := range byPrefix {
		if strings.HasPrefix(name, prefix) {
			return ids
		}
	}
	return nil
}

// errorRow is one load_errors row as spooled to JSON.
type errorRow struct {
	File   string `json:"file"`
	Line   *int64 `json:"line"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
	At     string `json:"loaded_at"`
}

func writeErrorPart(ctx context.Context, db *sql.DB, errs []LineError, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), dirPerm); err != nil {
		return err
	}
	spool := dst + ".json"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	at := nowUTC().Format(time.RFC3339)
	for _, e := range errs {
		r := errorRow{File: e.File, Reason: e.Reason, Raw: e.Raw, At: at}
		if e.Line > 0 {
			l := e.Line
			r.Line = &l
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := os.WriteFile(spool, buf.Bytes(), filePerm); err != nil {
		return fmt.Errorf("writing load errors: %w", err)
	}
	defer os.Remove(spool)
	q := fmt.Sprintf(`COPY (SELECT file, line, reason, raw, CAST(loaded_at AS TIMESTAMP) AS loaded_at FROM read_json(%s, format='newline_delimited',
		columns={'file':'VARCHAR','line':'BIGINT','reason':'VARCHAR','raw':'VARCHAR','loaded_at':'VARCHAR'})) TO %s (FORMAT parquet)`,
		sqlString(spool), sqlString(dst))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("writing load errors: %w", err)
	}
	return nil
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlIdent quotes s as a SQL identifier.
func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// encodeChunkBytes is how much compressed input is parsed before its spools are handed to
// DuckDB. Measured on 10 M records (2 cores): 24 MiB chunks, which let parsing and encoding
// overlap within a column group, took 18 s against 11 s for whole groups — DuckDB's Parquet
// writer parallelises better over one large input than over many small ones, and on 2 cores
// there is no idle core for the overlap to use. Groups still overlap with each other.
const encodeChunkBytes = 1 << 30

// chunkFiles splits files into runs of about max compressed bytes (at least one file each).
func chunkFiles(files []*candidate, max int64) [][]*candidate {
	var out [][]*candidate
	var cur []*candidate
	var size int64
	for _, c := range files {
		if len(cur) > 0 && size+c.size > max {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, c)
		size += c.size
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
