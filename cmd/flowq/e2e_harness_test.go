package main

// End-to-end harness: the real flowq binary, built once in TestMain, driven as a user would
// drive it, against temp data dirs and the in-process S3 test server (engine/s3sync/s3test).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/s3sync/s3test"
	"github.com/flowq/flowq/engine/store"
)

// flowqBin is the binary under test.
var flowqBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flowq-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	flowqBin = filepath.Join(dir, "flowq")
	build := exec.Command("go", "build", "-o", flowqBin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building flowq: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if small != nil {
		os.RemoveAll(small.dir)
	}
	os.Exit(code)
}

// Test credentials: recognisable so a leak into any output is easy to find.
const (
	testAccessKey = "AKIAE2ELEAKCHECK0042"
	testSecretKey = "e2eSECRETleakcheckKEYvalue0000000000000042"
	testToken     = "E2ESESSIONTOKENleakcheck-FwoGZXIvYXdzEJr42"
)

// env is one isolated user: HOME, XDG dirs and the data dir under a temp folder, AWS
// credentials that only the fake S3 accepts, and nothing from the real environment but PATH.
type env struct {
	t    *testing.T
	root string
	data string
	vars []string
	wrap []string // a command that runs flowq, e.g. prlimit with its options
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, root: root, data: filepath.Join(root, "data")}
	e.vars = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(root, "home"),
		"XDG_DATA_HOME=" + filepath.Join(root, "xdg-data"),
		"XDG_CONFIG_HOME=" + filepath.Join(root, "xdg-config"),
		"XDG_CACHE_HOME=" + filepath.Join(root, "xdg-cache"),
		"FLOWQ_DATA_DIR=" + e.data,
		"AWS_ACCESS_KEY_ID=" + testAccessKey,
		"AWS_SECRET_ACCESS_KEY=" + testSecretKey,
		"AWS_SESSION_TOKEN=" + testToken,
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(root, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(root, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"NO_COLOR=1",
		"TERM=dumb",
	}
	// Every env starts as an empty store, as after a first `flowq load`: only load, sync and
	// demo create one, and the tests' reads must not meet "no flowq data".
	if _, err := store.Create(context.Background(), e.data); err != nil {
		t.Fatal(err)
	}
	return e
}

// result is one finished flowq run.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("flowq %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// command prepares flowq with the env; stdin is empty.
func (e *env) command(args ...string) *exec.Cmd {
	cmd := exec.Command(flowqBin, args...)
	if len(e.wrap) > 0 {
		cmd = exec.Command(e.wrap[0], append(append(append([]string{}, e.wrap[1:]...), flowqBin), args...)...)
	}
	cmd.Env = e.vars
	cmd.Dir = e.root
	return cmd
}

// run runs flowq to completion (at most a minute).
func (e *env) run(args ...string) result {
	e.t.Helper()
	cmd := e.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		e.t.Fatalf("flowq %v: %v", args, err)
	}
	return r
}

// ok runs flowq and fails the test unless it exits 0.
func (e *env) ok(args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("%s", r)
	}
	return r
}

// count runs a single-number query.
func (e *env) count(sql string) int64 {
	e.t.Helper()
	r := e.ok("query", "--format", "csv", sql)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		e.t.Fatalf("query %q: want a header and one row:\n%s", sql, r)
	}
	var n int64
	if _, err := fmt.Sscan(lines[1], &n); err != nil {
		e.t.Fatalf("query %q: %v\n%s", sql, err, r)
	}
	return n
}

// ledger reads DATA/ledger.json (nil when there is none).
func (e *env) ledger() *store.Ledger {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.data, "ledger.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	var l store.Ledger
	if err := json.Unmarshal(b, &l); err != nil {
		e.t.Fatalf("ledger.json does not parse: %v", err)
	}
	return &l
}

// dataset is generated deliveries with their truth, kept in memory and on disk.
type dataset struct {
	truth *flowgen.Truth
	mem   *flowgen.MemSink
	dir   string // the objects under their keys
}

var (
	smallOnce sync.Once
	small     *dataset
	smallErr  error
)

// smallData is flowgen.Small(): every layout and format, generated once per test binary.
func smallData(t *testing.T) *dataset {
	t.Helper()
	smallOnce.Do(func() { small, smallErr = generate(flowgen.Small()) })
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return small
}

func generate(cfg flowgen.Config) (*dataset, error) {
	mem := flowgen.NewMemSink()
	truth, err := flowgen.Generate(context.Background(), cfg, mem)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "flowq-e2e-data-")
	if err != nil {
		return nil, err
	}
	sink := flowgen.DirSink(dir)
	for _, k := range mem.Keys() {
		b, _ := mem.Get(k)
		if err := sink.Put(context.Background(), k, b); err != nil {
			return nil, err
		}
	}
	return &dataset{truth: truth, mem: mem, dir: dir}, nil
}

// copyTo writes the data set's objects under dst (keys as paths) and returns dst.
func (d *dataset) copyTo(t *testing.T, dst string, keep func(key string) bool) string {
	t.Helper()
	sink := flowgen.DirSink(dst)
	for _, k := range d.mem.Keys() {
		if keep != nil && !keep(k) {
			continue
		}
		b, _ := d.mem.Get(k)
		if err := sink.Put(context.Background(), k, b); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// checkTable asserts the table holds exactly the truth's records, per action, and that the
// ledger names each source file once with the truth's row count for it.
func checkTable(t *testing.T, e *env, d *dataset, root string) {
	t.Helper()
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != d.truth.Records {
		t.Errorf("table has %d rows, truth %d", n, d.truth.Records)
	}
	// Nothing duplicated: each (source file, record) once. Exact duplicates inside one file are
	// possible in real data, so the check is per file against the truth's per-file counts.
	led := e.ledger()
	if led == nil {
		t.Fatal("no ledger after a load")
	}
	if len(led.Sources) != len(d.truth.Files) {
		t.Errorf("ledger has %d sources, truth %d files", len(led.Sources), len(d.truth.Files))
	}
	for key, fsum := range d.truth.Files {
		p := filepath.Join(root, filepath.FromSlash(key))
		src := led.Sources[p]
		switch {
		case src == nil:
			t.Errorf("ledger lacks %s", p)
		case src.Rows != fsum.Records || src.Rejected != 0:
			t.Errorf("%s: ledger %d rows %d rejected, truth %d records", key, src.Rows, src.Rejected, fsum.Records)
		}
	}
	// The table's rows by source id equal the ledger's (no part holds a row twice).
	r := e.ok("query", "--dialect", "duckdb", "--format", "csv",
		`SELECT _source, count(*) FROM read_parquet('`+e.data+`/tables/vpc_flow_logs/**/*.parquet') GROUP BY 1 ORDER BY 1`)
	byID := map[int64]int64{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		var id, n int64
		if _, err := fmt.Sscanf(line, "%d,%d", &id, &n); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		byID[id] = n
	}
	for _, src := range led.Sources {
		if byID[src.ID] != src.Rows {
			t.Errorf("source %d (%s): %d rows in Parquet files, ledger says %d", src.ID, src.Path, byID[src.ID], src.Rows)
		}
		delete(byID, src.ID)
	}
	if len(byID) > 0 {
		t.Errorf("Parquet files hold rows of sources the ledger does not name: %v", byID)
	}
	checkLedgerFiles(t, e, true)
}

// checkLedgerFiles asserts every part the ledger names exists; with exact (after a clean run)
// also that every Parquet file under DATA/tables is named and no staging folder is left.
func checkLedgerFiles(t *testing.T, e *env, exact bool) {
	t.Helper()
	led := e.ledger()
	named := map[string]bool{}
	if led != nil {
		for _, p := range led.Parts {
			named[p.Path] = true
		}
		for _, p := range led.ErrorParts {
			named[p] = true
		}
	}
	for p := range named {
		if _, err := os.Stat(filepath.Join(e.data, filepath.FromSlash(p))); err != nil {
			t.Errorf("ledger names %s: %v", p, err)
		}
	}
	if !exact {
		return
	}
	var onDisk []string
	filepath.WalkDir(filepath.Join(e.data, "tables"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(e.data, p)
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return nil
	})
	for _, p := range onDisk {
		if !named[p] {
			t.Errorf("%s is not named in the ledger", p)
		}
	}
	if _, err := os.Stat(filepath.Join(e.data, "staging")); err == nil {
		t.Errorf("staging folder left behind")
	}
}

// fakeS3 is the shared fault-injecting S3 test server (engine/s3sync/s3test), bound to a test.
type fakeS3 struct {
	*s3test.Server
	srv     *s3test.Server // .URL, as the tests spell it
	bucket  string
	latency latencyKnob // per request, nanoseconds
	gets    counter     // object GETs
	signed  counter     // requests signed with the test credentials (they reached the server)
}

// latencyKnob sets the server's latency with the atomic.Int64 spelling the tests use.
type latencyKnob struct{ s *s3test.Server }

func (k latencyKnob) Store(ns int64) { k.s.SetLatency(time.Duration(ns)) }

// counter reads one of the server's counts with the atomic spelling the tests use.
type counter func() int64

func (c counter) Load() int64 { return c() }

func newFakeS3(t *testing.T, bucket string) *fakeS3 {
	t.Helper()
	s, err := s3test.New(s3test.Options{Bucket: bucket, AccessKey: testAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &fakeS3{Server: s, srv: s, bucket: bucket, latency: latencyKnob{s}, gets: s.Gets, signed: s.Signed}
}

// setFault installs (or with nil removes) a fault picker by S3 error code ("" serves the GET).
func (f *fakeS3) setFault(fn func(key string, n int) string) {
	if fn == nil {
		f.SetFault(nil)
		return
	}
	codes := map[string]s3test.Fault{"": s3test.None, "SlowDown": s3test.SlowDown,
		"InternalError": s3test.InternalError, "ExpiredToken": s3test.ExpiredToken, "AccessDenied": s3test.AccessDenied}
	f.SetFault(func(key string, n int) s3test.Fault { return codes[fn(key, n)] })
}

func (f *fakeS3) put(t *testing.T, key string, body []byte) {
	t.Helper()
	if err := f.Put(key, body); err != nil {
		t.Fatal(err)
	}
}

// seed puts every object of the data set into the bucket.
func (f *fakeS3) seed(t *testing.T, d *dataset) {
	t.Helper()
	for _, k := range d.mem.Keys() {
		b, _ := d.mem.Get(k)
		f.put(t, k, b)
	}
}

// syncArgs is `flowq sync s3://BUCKET` against the fake.
func (f *fakeS3) syncArgs(extra ...string) []string {
	return append([]string{"sync", "s3://" + f.bucket, "--endpoint-url", f.URL, "--path-style"}, extra...)
}

// mirrorFiles reads every file under the mirror but the sync's own .flowq-* journal files.
func mirrorFiles(t *testing.T, mirror string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(mirror, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(mirror, p)
		rel = filepath.ToSlash(rel)
		if !strings.Contains(rel, "/") && strings.HasPrefix(rel, ".flowq-") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkMirror asserts every file under its final name in the mirror is a complete object of
// the data set; with all, also that every object is there.
func checkMirror(t *testing.T, mirror string, d *dataset, all bool) {
	t.Helper()
	got := mirrorFiles(t, mirror)
	var extra []string
	for k, b := range got {
		if !all && strings.Contains(k, ".flowq-tmp-") {
			continue // a killed run's temp download, removed by the next run
		}
		want, ok := d.mem.Get(k)
		if !ok {
			extra = append(extra, k)
			continue
		}
		if !bytes.Equal(b, want) {
			t.Errorf("mirror %s: %d bytes differ from the object's %d", k, len(b), len(want))
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("unexpected file in mirror: %s", k)
	}
	if all && len(got) != d.mem.Len() {
		t.Errorf("mirror holds %d of %d objects", len(got)-len(extra), d.mem.Len())
	}
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
