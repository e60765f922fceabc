// Package s3sync mirrors flow-log objects from an S3 bucket to a local folder that keeps the key
// layout: pruned parallel listing, parallel verified downloads, atomic files and a sync journal.
package s3sync

import (
	"context"
	"errors"
	"fmt"
	"github.com/flowq/flowq/engine/awsconf"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flowq/flowq/engine/atomicfile"
)

// DefaultConcurrency suits many small objects: each GET is mostly round-trip latency, so
// 64 in flight hide it (measured: 5,000 objects at 20 ms, 32 workers 5.1 s, 64 workers 3.6 s).
const DefaultConcurrency = 64

// API is the part of *s3.Client the sync uses, so tests and callers can wrap it.
type API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Options says what to mirror and how.
type Options struct {
	Bucket    string
	Prefix    string // folder in the bucket ("" for all); flow-log layouts are found below it
	MirrorDir string // local root; an object KEY is stored at MirrorDir/KEY

	Accounts []string  // keep only these account ids (empty: all)
	Regions  []string  // keep only these flow-log regions (empty: all)
	From, To time.Time // partitions meeting the half-open range [From, To) (timespec.Range); zero means open (To defaults to now when From is set)

	Concurrency     int           // parallel downloads (default DefaultConcurrency)
	ListConcurrency int           // parallel list calls (default 16)
	Attempts        int           // requests per object at most (default 8); the SDK does not retry GETs on its own
	RetryBudget     int           // retries the whole run may spend (default 100 + objects to fetch)
	RetryBase       time.Duration // first backoff between download attempts (default 200ms), doubled each time, full jitter
	AttemptTimeout  time.Duration // limit for one GET including its body (default 2m)
	DryRun          bool          // list and plan only; Result.Plan says what would be downloaded

	// OnProgress is called after listing and after each object; calls are serialised.
	OnProgress func(Progress)
	// Now is the clock for an open-ended range (default time.Now).
	Now func() time.Time

	// Debug receives the sync's decisions (pruning, retries, adoptions), never secrets; one
	// Write per line (see ClientOptions.Debug on sharing a writer).
	Debug io.Writer
	// OnRetry hears of each list retry the sync makes on top of the SDK's (a line to show on
	// a terminal); nil for none. Object retries go to Debug only.
	OnRetry func(awsconf.Retry)

	// refetch makes the run fetch exactly these keys again (Refetch), journal or not.
	refetch bool
	keys    []string

	// wrapFile lets tests put a failing writer (disk full) between a body and its temp file.
	wrapFile func(io.Writer) io.Writer
	// syncDir fsyncs a folder (default atomicfile.SyncDir); tests count and check the calls.
	syncDir func(dir string) error
}

// Progress is a snapshot for a progress bar.
type Progress struct {
	Listed     int   // objects selected by the listing
	Total      int   // objects to download
	Done       int   // objects finished (downloaded or failed)
	Failed     int   // objects failed so far
	Bytes      int64 // bytes downloaded so far
	TotalBytes int64 // bytes to download
}

// Result sums up one run. Errors name the key of every failed or refused object.
type Result struct {
	Listed     int
	Downloaded int
	Skipped    int // unchanged since the last sync
	Failed     int
	Refused    int // unsafe keys, never written
	Bytes      int64
	Duration   time.Duration
	ListCalls  int64
	Files      []string // local paths written in this run
	Plan       []Object // with DryRun: the objects that would be downloaded
	Errors     []error
	// Failures are the failed objects' keys with their errors, all of them; the mirror's
	// FailedFile lists them too, one "KEY<TAB>ERROR" line each.
	Failures []Failure
}

// Failure is one object the run could not mirror.
type Failure struct {
	Key string
	Err error
}

// OK reports whether every listed object is now in the mirror.
func (r Result) OK() bool { return r.Failed == 0 && r.Refused == 0 }

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o *Options) defaults() error {
	if o.Bucket == "" {
		return errors.New("sync: no bucket")
	}
	if o.MirrorDir == "" {
		return errors.New("sync: no mirror dir")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.ListConcurrency <= 0 {
		o.ListConcurrency = 16
	}
	if o.Attempts <= 0 {
		// 8 requests with backoff from 200ms doubling to the 10s cap wait at most ~23s in
		// all: one object answering 503 forever fails in seconds, not the ~10 minutes that
		// 5 attempts of 10 SDK retries each took.
		o.Attempts = 8
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 200 * time.Millisecond
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 2 * time.Minute
	}
	return nil
}

// NormalizePrefix turns a user prefix into a folder prefix: no leading "/", one trailing "/".
func NormalizePrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// Sync mirrors the selected objects into opts.MirrorDir. Objects already synced with the same
// size and ETag, whose file is still in place, are skipped without a request. A failing object
// does not stop the others; the error return is for failures of the run itself (listing,
// the mirror folder, cancellation, or ErrStopped: credentials rejected, disk full).
//
// Besides the objects (MirrorDir/KEY) the mirror holds only dot-files, which loaders skip:
// ".flowq-sync-state.jsonl" (the journal of synced key, size and ETag), ".flowq-sync-running"
// (present while a run writes, or after one was killed), ".flowq-sync-failed.tsv" (FailedFile)
// and ".NAME.flowq-tmp-*" temp downloads, removed by the next run after a kill (or by
// CleanInterrupted). Keys that would collide with these are refused.
func Sync(ctx context.Context, api API, opts Options) (Result, error) {
	start := time.Now()
	var res Result
	if err := opts.defaults(); err != nil {
		return res, err
	}
	dbg := awsconf.NewDebug(opts.Debug)
	mirror, err := filepath.Abs(opts.MirrorDir)
	if err != nil {
		return res, fmt.Errorf("mirror dir %s: %w", opts.MirrorDir, err)
	}
	opts.MirrorDir = mirror
	if !opts.DryRun {
		if err := os.MkdirAll(mirror, 0o700); err != nil {
			return res, fmt.Errorf("create mirror dir %s: %w", mirror, err)
		}
		// The marker outlives only a run that was killed; only then can temp files be left,
		// so only then is the whole mirror walked.
		marker := filepath.Join(mirror, runningFile)
		if _, err := os.Lstat(marker); err == nil {
			dbg.Printf("the last sync into %s did not finish: removing its temp files", mirror)
			if _, err := cleanTemps(mirror); err != nil {
				return res, err
			}
		}
		if err := os.WriteFile(marker, []byte("a flowq sync is running or was killed\n"), 0o600); err != nil {
			return res, fmt.Errorf("mark mirror %s: %w", mirror, err)
		}
		defer os.Remove(marker)
	}
	st, err := openState(mirror, opts.DryRun)
	if err != nil {
		return res, err
	}
	defer st.close()

	var objs []Object
	var calls int64
	if opts.refetch {
		objs, calls, err = relistKeys(ctx, api, &opts, &res)
	} else {
		objs, calls, err = listObjects(ctx, api, &opts, NormalizePrefix(opts.Prefix))
	}
	res.ListCalls = calls
	if err != nil {
		res.Duration = time.Since(start)
		return res, err
	}
	var todo []Object
	var todoBytes int64
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/") && o.Size == 0 {
			continue // folder marker made by consoles, not data
		}
		res.Listed++
		p, err := LocalPath(mirror, o.Key)
		if err != nil {
			res.Refused++
			res.Errors = append(res.Errors, err)
			continue
		}
		o.Path = p
		if e, ok := st.lookup(o.Key); ok && !opts.refetch && e.Size == o.Size && e.ETag == o.ETag && fileHasSize(p, o.Size) {
			res.Skipped++
			continue
		}
		todo = append(todo, o)
		todoBytes += o.Size
	}
	if opts.DryRun {
		res.Plan = todo
		res.Duration = time.Since(start)
		return res, nil
	}

	dbg.Printf("listed %d objects in %d list calls: %d to fetch (%d bytes), %d unchanged, %d refused",
		res.Listed, res.ListCalls, len(todo), todoBytes, res.Skipped, res.Refused)
	d := &downloader{api: api, opts: &opts, mirror: mirror, st: st, res: &res, dbg: dbg, prog: Progress{Listed: res.Listed, Total: len(todo), TotalBytes: todoBytes},
		root: sync.OnceValues(func() (string, error) { return filepath.EvalSymlinks(mirror) }), gate: newFolderGate(todo)}
	budget := opts.RetryBudget
	if budget <= 0 {
		budget = 100 + len(todo)
	}
	d.budget.Store(int64(budget))
	d.progress()
	err = d.run(ctx, todo)
	if ferr := st.close(); err == nil && ferr != nil {
		err = ferr
	}
	if ferr := writeFailed(mirror, res.Failures); err == nil && ferr != nil {
		err = ferr
	}
	res.Duration = time.Since(start)
	return res, err
}

func fileHasSize(p string, size int64) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Size() == size
}

// runningFile marks a mirror while a sync writes to it.
const runningFile = ".flowq-sync-running"

// cleanTemps removes temp files left by a killed run; they never carry a final name.
func cleanTemps(mirror string) ([]string, error) {
	var removed []string
	err := filepath.WalkDir(mirror, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable corners are not ours to fix
		}
		if !de.IsDir() && strings.Contains(de.Name(), tmpMarker) {
			if rerr := os.Remove(p); rerr != nil && !os.IsNotExist(rerr) {
				return fmt.Errorf("remove leftover temp file %s: %w", p, rerr)
			}
			removed = append(removed, p)
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("clean mirror %s: %w", mirror, err)
	}
	return removed, nil
}

// downloader runs the worker pool and gathers the outcome.
type downloader struct {
	api    API
	opts   *Options
	mirror string
	root   func() (string, error) // mirror with symlinks resolved, once per run (not per folder)
	st     *state
	mu     sync.Mutex
	res    *Result
	prog   Progress
	dirs   sync.Map // folders already checked to lie inside the mirror
	gate   *folderGate
	dbg    *awsconf.Debug
	stop   context.CancelFunc
	fatal  error        // first ErrStopped failure
	budget atomic.Int64 // retries left for the run (Options.RetryBudget)
}

func (d *downloader) progress() {
	if d.opts.OnProgress != nil {
		d.opts.OnProgress(d.prog)
	}
}

func (d *downloader) run(parent context.Context, todo []Object) error {
	ctx, stop := context.WithCancel(parent)
	defer stop()
	d.stop = stop
	jobs := make(chan Object)
	var wg sync.WaitGroup
	stopFlush := make(chan struct{})
	flushed := make(chan error, 1)
	go func() { // group commit of the journal, so each object does not pay an fsync
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		var ferr error
		for {
			select {
			case <-t.C:
				if err := d.st.flush(); err != nil && ferr == nil {
					ferr = err
				}
			case <-stopFlush:
				flushed <- ferr
				return
			}
		}
	}()
	finishRelease := d.startReleaser()
	for range min(d.opts.Concurrency, max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range jobs {
				d.one(ctx, o)
			}
		}()
	}
feed:
	for _, o := range todo {
		select {
		case jobs <- o:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	jerr := finishRelease()
	close(stopFlush)
	ferr := <-flushed
	if ferr == nil {
		ferr = jerr
	}
	slices.Sort(d.res.Files)
	if d.fatal != nil {
		return d.fatal
	}
	if err := parent.Err(); err != nil {
		return fmt.Errorf("sync s3://%s/%s cancelled: %w", d.opts.Bucket, d.opts.Prefix, err)
	}
	return ferr
}

func (d *downloader) one(ctx context.Context, o Object) {
	n, err := d.fetch(ctx, o)
	var entry *stateEntry
	if err == nil {
		entry = &stateEntry{Key: o.Key, Size: n.size, ETag: n.etag}
	}
	d.done(filepath.Dir(o.Path), entry) // journaled once its folder is durable
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil && errors.Is(err, ErrStopped) && d.fatal == nil {
		d.fatal = err
		d.stop()
	} else if ctx.Err() != nil && err != nil {
		return // cancelled: neither done nor failed; the next run picks it up
	}
	d.prog.Done++
	if err != nil {
		d.res.Failed++
		d.prog.Failed++
		d.res.Errors = append(d.res.Errors, err)
		d.res.Failures = append(d.res.Failures, Failure{Key: o.Key, Err: err})
	} else if n.adopted {
		d.res.Skipped++
	} else {
		d.res.Downloaded++
		d.res.Bytes += n.size
		d.prog.Bytes += n.size
		d.res.Files = append(d.res.Files, o.Path)
	}
	d.progress()
}

// FailedFile, at the mirror root, lists every object the last run failed to mirror, one
// "KEY<TAB>ERROR" line each (stderr names only the first few); removed by a run without failures.
const FailedFile = ".flowq-sync-failed.tsv"

func writeFailed(mirror string, fails []Failure) error {
	p := filepath.Join(mirror, FailedFile)
	if len(fails) == 0 {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove %s: %w", p, err)
		}
		return nil
	}
	fails = slices.Clone(fails)
	slices.SortFunc(fails, func(a, b Failure) int { return strings.Compare(a.Key, b.Key) })
	var b strings.Builder
	for _, f := range fails {
		b.WriteString(f.Key)
		b.WriteByte('\t')
		b.WriteString(strings.ReplaceAll(f.Err.Error(), "\n", " "))
		b.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(p, []byte(b.String()), 0o600, "."+FailedFile+tmpMarker+"*"); err != nil {
		return fmt.Errorf("write failed-objects list %s: %w", p, err)
	}
	return nil
}

// Refetch downloads the named keys again into opts.MirrorDir, whatever the journal says: for
// mirrored files that failed to load (a damaged file is re-fetched once; if it fails again
// the caller reports it). Keys no longer in the bucket are failures. The time range, account
// and region filters of opts do not apply.
func Refetch(ctx context.Context, api API, opts Options, keys []string) (Result, error) {
	opts.refetch, opts.keys = true, keys
	opts.DryRun = false
	return Sync(ctx, api, opts)
}

// relistKeys reads the named keys' sizes and ETags, one list call each; a key not found is
// recorded as a failure in res.
func relistKeys(ctx context.Context, api API, opts *Options, res *Result) ([]Object, int64, error) {
	d := &downloader{api: api, opts: opts}
	var objs []Object
	var calls int64
	for _, k := range opts.keys {
		calls++
		o, err := d.relist(ctx, Object{Key: k})
		if ctx.Err() != nil {
			return nil, calls, ctx.Err()
		}
		if err != nil {
			err = fmt.Errorf("s3://%s/%s: %w", opts.Bucket, k, err)
			if stopsRun(err) {
				return nil, calls, fmt.Errorf("%w: %w", ErrStopped, err)
			}
			res.Failed++
			res.Errors = append(res.Errors, err)
			res.Failures = append(res.Failures, Failure{Key: k, Err: err})
			continue
		}
		objs = append(objs, o)
	}
	return objs, calls, nil
}

// CleanInterrupted removes the temp files of killed syncs in every mirror folder directly
// under root (e.g. DATA/mirror/s3), not only the one about to be synced, so they do not wait
// for their own bucket's next sync. Only mirrors whose running marker says a run was killed
// are walked. Call it with the writer lock held. It returns the files removed.
func CleanInterrupted(root string) ([]string, error) {
	des, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read mirrors %s: %w", root, err)
	}
	var removed []string
	for _, de := range des {
		mirror := filepath.Join(root, de.Name())
		marker := filepath.Join(mirror, runningFile)
		if !de.IsDir() || !fileExists(marker) {
			continue
		}
		r, err := cleanTemps(mirror)
		removed = append(removed, r...)
		if err != nil {
			return removed, err
		}
		if err := os.Remove(marker); err != nil && !os.IsNotExist(err) {
			return removed, fmt.Errorf("remove %s: %w", marker, err)
		}
	}
	return removed, nil
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
