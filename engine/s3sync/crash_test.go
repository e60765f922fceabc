package s3sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// Child mode: the test binary re-run with these variables syncs once and exits, so the
// parent can kill -9 it at any moment.
const (
	childURL    = "FLOWQ_S3SYNC_CHILD_URL"
	childMirror = "FLOWQ_S3SYNC_CHILD_MIRROR"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childURL); url != "" {
		os.Exit(childSync(url, os.Getenv(childMirror)))
	}
	os.Exit(m.Run())
}

func childSync(url, mirror string) int {
	c, err := NewClient(context.Background(), ClientOptions{
		Region: "us-east-1", EndpointURL: url, PathStyle: true, MaxAttempts: 4, MaxBackoff: 20 * time.Millisecond,
		Credentials: staticTestCreds(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := testOpts(mirror)
	if _, err := Sync(context.Background(), c, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestKill9AtRandomPointsThenConverge(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	f.SetLatency(5 * time.Millisecond)
	mirror := t.TempDir()
	// Kill points are set by what the server has seen, not by a clock, so they land in the
	// listing or mid-download whatever the machine's load: (list calls, GETs) since the start.
	points := [][2]int64{{1, 0}, {5, 0}, {12, 0}, {0, 1}, {0, 4}, {0, 9}, {0, 15}, {0, 2}, {0, 6}, {0, 12}}
	for i, p := range points {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childURL+"="+f.URL, childMirror+"="+mirror)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lists0, gets0 := f.Lists(), f.Gets()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Microsecond) {
			if f.Lists()-lists0 >= p[0] && f.Gets()-gets0 >= p[1] {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("kill %d: %v", i, err)
		}
		if err != nil && ee.ExitCode() > 0 {
			t.Fatalf("kill %d: child failed on its own: %v\n%s", i, err, stderr.String())
		}
		// Whatever the moment, a file under its final name is complete.
		got := mirrorFiles(t, mirror)
		t.Logf("kill %d at %v: %d files in the mirror, %d GETs so far", i, p, len(got), f.Gets())
		for _, o := range seed {
			if b, ok := got[o.key]; ok && !bytes.Equal(b, o.body) {
				t.Fatalf("after kill %d at %v: %s is damaged (%d of %d bytes)", i, p, o.key, len(b), len(o.body))
			}
		}
	}
	gets := f.Gets()
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil || !res.OK() {
		t.Fatalf("final run: %s %v", summary(res), err)
	}
	assertMirror(t, mirror, seed) // also proves no temp file is left
	if gets == 0 || res.Downloaded == len(seed) {
		t.Errorf("the killed runs fetched nothing (%d GETs, final run downloaded %d): kill points too early", gets, res.Downloaded)
	}
	res, err = Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil || res.Downloaded != 0 || res.Skipped != len(seed) {
		t.Fatalf("no-op run after recovery: %s %v", summary(res), err)
	}
}

func TestStopsRunClassification(t *testing.T) {
	cases := []struct {
		err       error
		stop, per bool
	}{
		{&smithy.GenericAPIError{Code: "ExpiredToken"}, true, false},
		{fmt.Errorf("get: %w", &smithy.GenericAPIError{Code: "InvalidAccessKeyId"}), true, false},
		{&smithy.GenericAPIError{Code: "AccessDenied"}, false, true},
		{&smithy.GenericAPIError{Code: "NoSuchKey"}, false, true},
		{&smithy.GenericAPIError{Code: "SlowDown"}, false, false},
		{fmt.Errorf("write temp: %w", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), true, false},
		{errors.New("get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found"), true, false},
		{errors.New("connection reset by peer"), false, false},
	}
	for _, c := range cases {
		if stopsRun(c.err) != c.stop || permanent(c.err) != c.per {
			t.Errorf("%v: stopsRun=%v permanent=%v, want %v %v", c.err, stopsRun(c.err), permanent(c.err), c.stop, c.per)
		}
	}
}
