package main

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/s3sync/s3test"
)

// S3 faults as the CLI reports them; the retry and integrity logic itself is tested against
// the SDK in engine/s3sync (throttling storms, resets mid-body, wrong Content-Length, objects
// changing between list and get).
func TestSyncS3FaultsExitStatus(t *testing.T) {
	d := smallData(t)

	// Credentials that expire after 40 objects: the run stops with exit 1 naming the cause,
	// leaves only complete files, and a re-run with fresh credentials finishes.
	e := newEnv(t)
	f := newFakeS3(t, "e2e-expiry")
	f.seed(t, d)
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)
	var served atomic.Int64
	f.setFault(func(key string, n int) string {
		if served.Add(1) > 40 {
			return "ExpiredToken"
		}
		return ""
	})
	r := e.run(append([]string{"--debug"}, f.syncArgs("--concurrency", "4")...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "ExpiredToken") {
		t.Errorf("expired credentials: want exit 1 naming ExpiredToken:\n%s", r)
	}
	for _, secret := range []string{testSecretKey, testToken} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("a secret appears in the output of the failed sync")
		}
	}
	checkMirror(t, mirror, d, false)
	checkCommitted(t, e)
	f.setFault(nil)
	e.ok(f.syncArgs()...)
	checkMirror(t, mirror, d, true)
	checkTable(t, e, d, mirror)

	// A throttling and 5xx storm on one object in twelve, twice each: retried with backoff,
	// converges, exit 0.
	e2 := newEnv(t)
	f2 := newFakeS3(t, "e2e-storm")
	f2.seed(t, d)
	mirror2 := filepath.Join(e2.data, "mirror", "s3", f2.bucket)
	var injected atomic.Int64
	f2.setFault(func(key string, n int) string {
		h := fnv.New32a()
		h.Write([]byte(key))
		if h.Sum32()%12 != 0 || n > 2 {
			return ""
		}
		injected.Add(1)
		return map[int]string{1: "SlowDown", 2: "InternalError"}[n]
	})
	start := time.Now()
	e2.ok(f2.syncArgs()...)
	t.Logf("storm: %d faults injected, sync took %v", injected.Load(), time.Since(start).Round(time.Millisecond))
	if injected.Load() == 0 {
		t.Errorf("no fault was injected")
	}
	checkMirror(t, mirror2, d, true)
	checkTable(t, e2, d, mirror2)
}

// s3PlainLog is an uncompressed delivery (no gzip CRC to catch damage): n ACCEPT records of
// 40 bytes each.
func s3PlainLog(n int) []byte {
	var b strings.Builder
	b.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
	for i := range n {
		fmt.Fprintf(&b, "2 123456789012 eni-0abc 10.0.0.%d 10.0.1.1 %d 443 6 1 40 1714521600 1714521660 ACCEPT OK\n", i%250, 1024+i)
	}
	return []byte(b.String())
}

// Issue 17.4: a same-length damaged body with no ETag or checksum header in the answer is
// caught by its MD5 against the listed ETag, fetched again, and the object's own records load.
func TestSyncS3DamagedBodyWithoutChecksumRefetched(t *testing.T) {
	e := newEnv(t)
	f := newFakeS3(t, "e2e-damaged")
	key := "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123456789012_vpcflowlogs_us-east-1_fl-1_20240501T0005Z_plain.log"
	body := s3PlainLog(200)
	f.put(t, key, body)
	f.FailKey(key, s3test.CorruptNoChecksum, 1)
	e.ok(f.syncArgs()...)
	if n := f.Attempts(key); n != 2 {
		t.Errorf("object fetched %d times, want 2 (damaged, then again)", n)
	}
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)
	if got := mirrorFiles(t, mirror)[key]; !bytes.Equal(got, body) {
		t.Errorf("mirrored file differs from the object")
	}
	if n := e.count(`SELECT count(*) FROM vpc_flow_logs WHERE action = 'ACCEPT' AND bytes = 40 AND packets = 1 AND dstport = 443`); n != 200 {
		t.Errorf("%d intact ACCEPT records, want 200", n)
	}

	// Damaged on every GET: fetched twice, reported, exit 3, nothing of it loaded.
	e2 := newEnv(t)
	f2 := newFakeS3(t, "e2e-damaged-always")
	f2.put(t, key, body)
	f2.FailKey(key, s3test.CorruptNoChecksum, s3test.Forever)
	r := e2.run(f2.syncArgs()...)
	if r.code != 3 || !strings.Contains(r.stderr, key) || !strings.Contains(r.stderr, "damaged") {
		t.Errorf("want exit 3 naming the damaged object:\n%s", r)
	}
	if n := f2.Attempts(key); n != 2 {
		t.Errorf("object fetched %d times, want 2", n)
	}
}

// Issue 17.6: one object answering 503 on every GET costs a bounded number of requests (not
// 5 attempts × 10 SDK retries, ~10 minutes); the rest is loaded and the run exits 3.
func TestSyncS3Permanent503Bounded(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	f := newFakeS3(t, "e2e-503")
	f.seed(t, d)
	keys := d.mem.Keys()
	sort.Strings(keys)
	bad := keys[len(keys)/2]
	f.FailKey(bad, s3test.SlowDown, s3test.Forever)
	r := e.run(f.syncArgs()...)
	if r.code != 3 || !strings.Contains(r.stderr, bad) {
		t.Fatalf("want exit 3 naming %s:\n%s", bad, r)
	}
	if n := f.Attempts(bad); n > 8 {
		t.Errorf("the failing object was requested %d times; at most 8", n)
	}
	want := d.truth.Records - d.truth.Files[bad].Records
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != want {
		t.Errorf("table has %d rows, want %d (all but the failing object's %d)", n, want, d.truth.Files[bad].Records)
	}
}

// Issue 17.10: all failed objects are listed in a file (stderr names the first 20), and temp
// files a killed sync left in another bucket's mirror are removed by any sync.
func TestSyncS3FailedListAndOtherMirrorsTemps(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	// A killed sync of another bucket left its marker and a temp download.
	other := filepath.Join(e.data, "mirror", "s3", "other-bucket")
	tmp := filepath.Join(other, "AWSLogs", ".x.log.gz.flowq-tmp-123")
	for _, p := range []string{tmp, filepath.Join(other, ".flowq-sync-running")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := newFakeS3(t, "e2e-denied")
	f.seed(t, d)
	keys := d.mem.Keys()
	sort.Strings(keys)
	denied := keys[:25]
	for _, k := range denied {
		f.FailKey(k, s3test.AccessDenied, s3test.Forever)
	}
	r := e.run(f.syncArgs("--no-load")...)
	if r.code != 3 {
		t.Fatalf("want exit 3:\n%s", r)
	}
	if fileExists(tmp) {
		t.Errorf("temp file of the other bucket's killed sync is still there")
	}
	list := filepath.Join(e.data, "mirror", "s3", f.bucket, ".flowq-sync-failed.tsv")
	if !strings.Contains(r.stderr, list) {
		t.Errorf("stderr does not point to %s:\n%s", list, r)
	}
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range denied {
		if !strings.Contains(string(b), k+"\t") {
			t.Errorf("%s does not name %s", list, k)
		}
	}
	if n := strings.Count(string(b), "\n"); n != len(denied) {
		t.Errorf("%s has %d lines, want %d", list, n, len(denied))
	}
}

// Issue 17.4: a mirrored file that fails to load (damaged on disk after a verified download)
// is fetched once more and loaded, instead of failing every later run until deleted by hand.
func TestSyncS3UnloadableMirrorFileRefetched(t *testing.T) {
	e := newEnv(t)
	f := newFakeS3(t, "e2e-unloadable")
	key := "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123456789012_vpcflowlogs_us-east-1_fl-1_20240501T0005Z_plain.log"
	body := s3PlainLog(200)
	f.put(t, key, body)
	e.ok(append(f.syncArgs(), "--no-load")...)
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)
	path := filepath.Join(mirror, filepath.FromSlash(key))
	// Same length, same mtime: the sync's journal still takes it for the object.
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte("<html>\n"), len(body)/7+1)[:len(body)], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	r := e.run(f.syncArgs()...)
	if r.code != 0 || !strings.Contains(r.stderr, "fetching it again") {
		t.Fatalf("want exit 0 after fetching the unloadable file again:\n%s", r)
	}
	if n := f.Attempts(key); n != 2 {
		t.Errorf("object fetched %d times, want 2 (sync, then again after the failed load)", n)
	}
	if n := e.count(`SELECT count(*) FROM vpc_flow_logs WHERE action = 'ACCEPT' AND dstport = 443`); n != 200 {
		t.Errorf("%d records loaded, want the object's 200", n)
	}
}
