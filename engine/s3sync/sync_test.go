package s3sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
)

func TestSyncFullNoopAndChanged(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	api := f.client(t, nil)
	mirror := t.TempDir()
	ctx := context.Background()

	res, err := Sync(ctx, api, testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	// 4 layouts × 2 regions × 3 days, hourly layouts with 4 hours each: 6 + 24 + 6 + 24, plus 1 Parquet.
	if len(seed) != 61 || res.Listed != 61 || res.Downloaded != 61 || res.Failed != 0 || res.Refused != 0 || len(res.Files) != 61 {
		t.Fatalf("first sync: seeded %d, result %s", len(seed), summary(res))
	}
	var total int64
	for _, o := range seed {
		total += int64(len(o.body))
	}
	if res.Bytes != total {
		t.Errorf("bytes = %d, want %d", res.Bytes, total)
	}
	assertMirror(t, mirror, seed)
	if fi, err := os.Stat(filepath.Join(mirror, seed[0].key)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mirror file mode: %v %v, want 0600", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Dir(filepath.Join(mirror, seed[0].key))); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("mirror folder mode: %v %v, want 0700", fi.Mode(), err)
	}

	// A no-op re-run sends no GET at all.
	gets := f.Gets()
	res, err = Sync(ctx, api, testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != 0 || res.Skipped != 61 || f.Gets() != gets {
		t.Fatalf("no-op sync: %s, GETs %d → %d", summary(res), gets, f.Gets())
	}

	// A changed object (same key, new bytes) and a new one are fetched; nothing else is.
	seed[5].body = flowGzip(seed[5].key+"v2", 9)
	f.put(seed[5].key, seed[5].body)
	added := seedObj{key: "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/03/new.log.gz", body: flowGzip("new", 2)}
	f.put(added.key, added.body)
	seed = append(seed, added)
	res, err = Sync(ctx, api, testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != 2 || res.Skipped != 60 || len(res.Files) != 2 {
		t.Fatalf("sync after change: %s", summary(res))
	}
	assertMirror(t, mirror, seed)

	// A file deleted locally is fetched again even though the journal knows it.
	os.Remove(filepath.Join(mirror, seed[7].key))
	res, err = Sync(ctx, api, testOpts(mirror))
	if err != nil || res.Downloaded != 1 {
		t.Fatalf("sync after local delete: %s %v", summary(res), err)
	}
	assertMirror(t, mirror, seed)
}

// keyHash spreads faults over keys deterministically.
func keyHash(key string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()
}

func TestSyncConvergesUnderFaults(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	// First attempt of every key meets a fault of a kind chosen by its hash; some keys get a
	// second fault too. Half the list calls are throttled twice.
	kinds := []fault{fSlowDown, f500, fCut, fLongLength, fShortLen, fStall}
	f.SetFault(func(key string, n int) fault {
		h := keyHash(key)
		switch {
		case n == 1:
			return kinds[h%uint32(len(kinds))]
		case n == 2 && h%3 == 0:
			return kinds[(h/7)%uint32(len(kinds))]
		}
		return fNone
	})
	f.SetListFault(func(prefix string, n int) bool { return keyHash(prefix)%2 == 0 && n <= 2 })
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.AttemptTimeout = 300 * time.Millisecond
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != len(seed) || res.Failed != 0 {
		t.Fatalf("result %s", summary(res))
	}
	for _, k := range append(kinds, fSlowDown) {
		if f.Injected(k) == 0 {
			t.Errorf("fault %d was never injected", k)
		}
	}
	assertMirror(t, mirror, seed)
}

func TestSyncPermanentFailureNamesKeyAndFinishesRest(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	bad := seed[10].key
	f.SetFault(func(key string, n int) fault {
		if key == bad {
			return fCut
		}
		return fNone
	})
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.Attempts = 3
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || res.Downloaded != len(seed)-1 || res.OK() || len(res.Errors) != 1 {
		t.Fatalf("result %s", summary(res))
	}
	if msg := res.Errors[0].Error(); !strings.Contains(msg, bad) || !strings.Contains(msg, "3 attempts") {
		t.Errorf("error %q should name the key and the attempts", msg)
	}
	attempts := f.Attempts(bad)
	if attempts != 3 {
		t.Errorf("bad key fetched %d times, want 3", attempts)
	}
	assertMirror(t, mirror, append(append([]seedObj{}, seed[:10]...), seed[11:]...))

	// Once the server heals, a re-run fetches only the failed object.
	f.SetFault(nil)
	res, err = Sync(context.Background(), f.client(t, nil), opts)
	if err != nil || res.Downloaded != 1 || res.Skipped != len(seed)-1 {
		t.Fatalf("re-run %s %v", summary(res), err)
	}
	assertMirror(t, mirror, seed)
}

func TestSyncObjectChangedBetweenListAndGet(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	once, always := seed[3].key, seed[4].key
	v := 0
	f.SetBeforeGet(func(key string, n int) {
		switch {
		case key == once && n == 1:
			seed[3].body = flowGzip(once+"new", 4)
			f.put(once, seed[3].body)
		case key == always:
			v++
			f.put(always, flowGzip(always+string(rune('a'+v)), 4))
		}
	})
	mirror := t.TempDir()
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || res.Downloaded != len(seed)-1 {
		t.Fatalf("result %s", summary(res))
	}
	if msg := res.Errors[0].Error(); !strings.Contains(msg, always) || !errors.Is(res.Errors[0], ErrChanged) {
		t.Errorf("error %q should name %s and say it changed", msg, always)
	}
	got := mirrorFiles(t, mirror)
	if !bytes.Equal(got[once], seed[3].body) {
		t.Errorf("%s: mirror holds %d bytes, want the new version's %d", once, len(got[once]), len(seed[3].body))
	}
	if _, ok := got[always]; ok {
		t.Errorf("%s: an object that never held still is in the mirror", always)
	}
}

func TestSyncRefusesObjectDamagedInS3(t *testing.T) {
	f := newFakeS3(t)
	good := flowGzip("x", 3)
	bad := append([]byte{}, good...)
	bad[len(bad)-6] ^= 0xff // break the CRC trailer
	key := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/01/broken.log.gz"
	f.put(key, bad)
	okKey := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/01/good.log.gz"
	f.put(okKey, good)
	mirror := t.TempDir()
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || res.Downloaded != 1 || !errors.Is(res.Errors[0], ErrCorrupt) || !strings.Contains(res.Errors[0].Error(), key) {
		t.Fatalf("result %s", summary(res))
	}
	n := f.Attempts(key)
	if n != 1 {
		t.Errorf("damaged object fetched %d times; its MD5 matches the ETag so one is enough", n)
	}
	assertMirror(t, mirror, []seedObj{{key: okKey, body: good}})
}

func TestSyncCancelThenResume(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	f.SetLatency(5 * time.Millisecond)
	mirror := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := testOpts(mirror)
	opts.OnProgress = func(p Progress) {
		if p.Done >= 15 {
			cancel()
		}
	}
	res1, err := Sync(ctx, f.client(t, nil), opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want cancellation, got %v (%s)", err, summary(res1))
	}
	if res1.Downloaded < 15 || res1.Downloaded >= len(seed) || res1.Failed != 0 {
		t.Fatalf("cancelled run: %s", summary(res1))
	}
	// Nothing half-written under a final name, and no temp files left behind.
	got := mirrorFiles(t, mirror)
	if len(got) != res1.Downloaded {
		t.Errorf("mirror holds %d files after cancel, run reported %d downloads", len(got), res1.Downloaded)
	}
	for _, o := range seed {
		if b, ok := got[o.key]; ok && !bytes.Equal(b, o.body) {
			t.Errorf("%s is damaged after cancel", o.key)
		}
	}
	res2, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res1.Downloaded+res2.Downloaded != len(seed) || res2.Skipped != res1.Downloaded {
		t.Errorf("resume: first %d + second %d downloads, %d skipped, want %d total", res1.Downloaded, res2.Downloaded, res2.Skipped, len(seed))
	}
	assertMirror(t, mirror, seed)
}

func TestSyncRecoversFromCrashLeftovers(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	// A crashed run left: a temp file, a complete file renamed into place but not journalled,
	// and a journal whose last line was torn mid-write.
	tmp := filepath.Join(mirror, filepath.Dir(seed[0].key), ".x.log.gz"+tmpMarker+"123")
	os.MkdirAll(filepath.Dir(tmp), 0o700)
	os.WriteFile(tmp, []byte("partial"), 0o600)
	placed := filepath.Join(mirror, seed[1].key)
	if err := os.MkdirAll(filepath.Dir(placed), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(placed, seed[1].body, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mirror, stateFile), []byte(`{"k":"`+seed[2].key+`","s":1`), 0o600)
	os.WriteFile(filepath.Join(mirror, runningFile), nil, 0o600)

	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != len(seed)-1 || res.Skipped != 1 {
		t.Fatalf("downloaded %d, skipped %d: the unjournalled complete file should be adopted, not fetched", res.Downloaded, res.Skipped)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("leftover temp file still there: %v", err)
	}
	assertMirror(t, mirror, seed)
	res, err = Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil || res.Downloaded != 0 || res.Skipped != len(seed) {
		t.Fatalf("re-run %s %v", summary(res), err)
	}
}

func TestSyncDryRun(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.DryRun = true
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Plan) != len(seed) || res.Downloaded != 0 || f.Gets() != 0 {
		t.Fatalf("dry run: plan %d, result %s, GETs %d", len(res.Plan), summary(res), f.Gets())
	}
	if files := mirrorFiles(t, mirror); len(files) != 0 {
		t.Errorf("dry run wrote %d files", len(files))
	}
}

func TestSyncStopsOnExpiredCredentialsThenResumes(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	f.SetFaultN(func(n int64) fault {
		if n > 10 {
			return fExpired
		}
		return fNone
	})
	mirror := t.TempDir()
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), "ExpiredToken") {
		t.Fatalf("want a stop naming ExpiredToken, got %v", err)
	}
	// GETs 1–10 succeed at the server; one of them may still be in flight when the run stops.
	first := res.Downloaded
	if first < 10-8 || first > 10 || res.Failed != 1 {
		t.Errorf("downloaded %d, failed %d; want at most 10 and exactly 1", first, res.Failed)
	}
	// Each of the 8 workers meets the expired token at most once: no storm of doomed requests.
	if n := f.Gets(); n > 10+8 {
		t.Errorf("%d GETs; the run should stop after the first rejection", n)
	}
	got := mirrorFiles(t, mirror)
	if len(got) != first {
		t.Errorf("mirror holds %d files, the run reported %d downloads", len(got), first)
	}
	for _, o := range seed {
		if b, ok := got[o.key]; ok && !bytes.Equal(b, o.body) {
			t.Errorf("%s damaged", o.key)
		}
	}
	f.SetFaultN(nil)
	res, err = Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil || res.Downloaded != len(seed)-first || res.Skipped != first {
		t.Fatalf("resume: %s %v", summary(res), err)
	}
	assertMirror(t, mirror, seed)
}

// TestSyncGeneratorDeliveries mirrors the generator's test set (every layout and format,
// plain and header-less objects, an org-less prefix) and compares every byte.
func TestSyncGeneratorDeliveries(t *testing.T) {
	f := newFakeS3(t)
	sink := flowgen.NewMemSink()
	if _, err := flowgen.Generate(context.Background(), flowgen.Small(), sink); err != nil {
		t.Fatal(err)
	}
	var seed []seedObj
	layouts := map[string]bool{}
	for _, k := range sink.Keys() {
		body, _ := sink.Get(k)
		f.put(k, body)
		seed = append(seed, seedObj{key: k, body: body})
		if pk, ok := flowlog.ParseKey(k); ok {
			layouts[fmt.Sprintf("hive=%v hourly=%v", pk.Hive, pk.Hour >= 0)] = true
		}
	}
	if len(layouts) != 4 || len(seed) < 20 {
		t.Fatalf("generator gave %d objects in layouts %v; want all four layouts", len(seed), layouts)
	}
	mirror := t.TempDir()
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil || !res.OK() || res.Downloaded != len(seed) {
		t.Fatalf("%s %v", summary(res), err)
	}
	assertMirror(t, mirror, seed)
}

// diskBudget fails writes with ENOSPC once its byte budget is spent, like a full disk.
type diskBudget struct {
	mu   sync.Mutex
	left int64
}

func (b *diskBudget) wrap(w io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		b.mu.Lock()
		n := int64(len(p))
		if n > b.left {
			n = b.left
		}
		b.left -= n
		b.mu.Unlock()
		if n > 0 {
			if _, err := w.Write(p[:n]); err != nil {
				return 0, err
			}
		}
		if int(n) < len(p) {
			return int(n), &os.PathError{Op: "write", Path: "temp", Err: syscall.ENOSPC}
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestSyncDiskFullStopsCleanlyThenResumes(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	budget := &diskBudget{left: 3000} // about a dozen of the small objects
	opts.wrapFile = budget.wrap
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if !errors.Is(err, ErrStopped) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want a stop for the full disk, got %v (%s)", err, summary(res))
	}
	if res.Failed != 1 || res.Downloaded == 0 || res.Downloaded >= len(seed) {
		t.Errorf("full disk: %s", summary(res))
	}
	// Nothing half-written: every file is whole, and no temp file is left.
	got := mirrorFiles(t, mirror)
	if len(got) != res.Downloaded {
		t.Errorf("mirror holds %d files, run downloaded %d", len(got), res.Downloaded)
	}
	for _, o := range seed {
		if b, ok := got[o.key]; ok && !bytes.Equal(b, o.body) {
			t.Errorf("%s damaged by the full disk", o.key)
		}
	}
	first := res.Downloaded
	res, err = Sync(context.Background(), f.client(t, nil), testOpts(mirror)) // space freed
	if err != nil || res.Downloaded != len(seed)-first {
		t.Fatalf("after freeing space: %s %v", summary(res), err)
	}
	assertMirror(t, mirror, seed)
}

func TestSyncThrottlingStormConverges(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	// The first 60 GETs and the first 10 list calls, server-wide, are all 503 SlowDown.
	f.SetFaultN(func(n int64) fault {
		if n <= 60 {
			return fSlowDown
		}
		return fNone
	})
	var lists atomic.Int64
	f.SetListFault(func(string, int) bool { return lists.Add(1) <= 10 })
	mirror := t.TempDir()
	opts := testOpts(mirror)
	// The SDK does not retry GETs itself: each object's attempts are its own, so allow one
	// worker's object to meet most of the 60 throttles (8 workers).
	opts.Attempts = 60
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil || !res.OK() || res.Downloaded != len(seed) {
		t.Fatalf("%s %v", summary(res), err)
	}
	if n := f.Injected(fSlowDown); n != 70 {
		t.Errorf("%d throttled answers, want 70", n)
	}
	assertMirror(t, mirror, seed)
}
