package main

import (
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
