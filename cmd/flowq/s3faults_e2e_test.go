package main

import (
	"hash/fnv"
	"path/filepath"
	"strings"
	"testing"
)

// S3 faults as the CLI reports them; the retry and integrity logic itself is tested against
// the SDK in engine/s3sync (throttling storms, resets mid-body, wrong Content-Length, objects
// changing between list and get).
func TestSyncS3FaultsExitStatus(t *testing.T) {
	d := smallData(t)
	f := newFakeS3(t, "e2e-faults")
	f.seed(t, d)
	e := newEnv(t)
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)

	// A throttling and 5xx storm on one object in eight, twice each: retried, converges, exit 0.
	hit := func(key string) bool {
		h := fnv.New32a()
		h.Write([]byte(key))
		return h.Sum32()%8 == 0
	}
	f.setFault(func(key string, n int) string {
		switch {
		case !hit(key) || n > 2:
			return ""
		case n == 1:
			return "SlowDown"
		default:
			return "InternalError"
		}
	})
	// Credentials that expire after 40 objects: the run stops with exit 1 naming the cause,
	// leaves only complete files, and a re-run with fresh credentials finishes.
	e1 := newEnv(t)
	f1 := newFakeS3(t, "e2e-expiry")
	f1.seed(t, d)
	served := 0
	f1.setFault(func(key string, n int) string {
		if served++; served > 40 {
			return "ExpiredToken"
		}
		return ""
	})
	r := e1.run(append([]string{"--debug"}, f1.syncArgs("--concurrency", "4")...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "ExpiredToken") {
		t.Errorf("expired credentials: want exit 1 naming ExpiredToken:\n%s", r)
	}
	for _, secret := range []string{testSecretKey, testToken} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("a secret appears in the output of the failed sync")
		}
	}
	checkMirror(t, filepath.Join(e1.data, "mirror", "s3", f1.bucket), d, false)
	checkCommitted(t, e1)
	f1.setFault(nil)
	e1.ok(f1.syncArgs()...)
	checkTable(t, e1, d, filepath.Join(e1.data, "mirror", "s3", f1.bucket))

	r = e.ok(f.syncArgs()...)
	if f.gets.Load() <= int64(d.truth.Objects) {
		t.Errorf("no fault was injected (%d GETs for %d objects)", f.gets.Load(), d.truth.Objects)
	}
	checkMirror(t, mirror, d, true)
	checkTable(t, e, d, mirror)
}
