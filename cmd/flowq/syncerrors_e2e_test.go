package main

import (
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/s3sync/s3test"
)

// Issue 16 point 2: an unreachable endpoint fails at once, retries are shown, and S3's answers
// read like sentences, never RequestID/HostID dumps or instance-metadata chatter.
func TestSyncUnreachableAndS3ErrorsInWords(t *testing.T) {
	raw := []string{"RequestID", "HostID", "StatusCode:", "IMDS", "EC2", "operation error"}
	noRaw := func(r result) {
		t.Helper()
		for _, line := range strings.Split(r.stderr, "\n") {
			if strings.Contains(line, " debug: ") {
				continue // --debug shows the SDK's own words on purpose
			}
			for _, s := range raw {
				if strings.Contains(line, s) {
					t.Errorf("stderr shows %q:\n%s", s, r)
				}
			}
		}
	}
	attempts := func(r result, host string) int {
		return strings.Count(r.stderr, "debug: GET http://"+host+"/")
	}

	cases := []struct {
		name, endpoint, host, want string
	}{
		{"refused", "http://127.0.0.1:1", "127.0.0.1:1", "cannot connect to 127.0.0.1:1 (connection refused)"},
		{"no such host", "http://flowq-no-such-host.invalid", "flowq-no-such-host.invalid", "cannot find host flowq-no-such-host.invalid (no such host)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.run("--debug", "sync", "s3://small2k", "--endpoint-url", c.endpoint, "--path-style")
			if r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("want exit 1 and %q:\n%s", c.want, r)
			}
			if n := attempts(r, c.host); n < 1 || n > 2 {
				t.Errorf("%d requests to an unreachable endpoint, want 1 or 2:\n%s", n, r)
			}
			noRaw(r)
		})
	}

	t.Run("no such bucket", func(t *testing.T) {
		e := newEnv(t)
		f := newFakeS3(t, "e2e-exists")
		r := e.run("sync", "s3://small2k", "--endpoint-url", f.URL, "--path-style")
		if r.code != 1 || !strings.Contains(r.stderr, "bucket small2k does not exist") {
			t.Errorf("want exit 1 and 'bucket small2k does not exist':\n%s", r)
		}
		noRaw(r)
	})

	t.Run("wrong secret key", func(t *testing.T) {
		e := newEnv(t)
		f := newFakeS3(t, "e2e-secret")
		f.SetRequestFault(s3test.SignatureDoesNotMatch)
		r := e.run("sync", "s3://e2e-secret", "--endpoint-url", f.URL, "--path-style")
		if r.code != 1 || !strings.Contains(r.stderr, "the secret key was rejected") {
			t.Errorf("want exit 1 and 'the secret key was rejected':\n%s", r)
		}
		// The region probe (HEAD) and one list call: a rejected key is not retried.
		if n := f.Injected(s3test.SignatureDoesNotMatch); n > 2 {
			t.Errorf("%d requests with a rejected key, want at most 2", n)
		}
		noRaw(r)
	})

	t.Run("no credentials", func(t *testing.T) {
		e := newEnv(t)
		var vars []string
		for _, v := range e.vars {
			if !strings.HasPrefix(v, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(v, "AWS_SECRET_ACCESS_KEY=") && !strings.HasPrefix(v, "AWS_SESSION_TOKEN=") {
				vars = append(vars, v)
			}
		}
		e.vars = vars
		f := newFakeS3(t, "e2e-nocreds")
		r := e.run("sync", "s3://e2e-nocreds", "--endpoint-url", f.URL, "--path-style")
		if r.code != 1 || !strings.Contains(r.stderr, "no AWS credentials found: ") {
			t.Errorf("want exit 1 and 'no AWS credentials found: …':\n%s", r)
		}
		noRaw(r)
	})

	// A list answered SlowDown twice: both retries are shown in --debug, as on a terminal.
	t.Run("retries shown", func(t *testing.T) {
		e := newEnv(t)
		f := newFakeS3(t, "e2e-retry")
		f.SetListFault(func(listKey string, n int) bool { return n <= 2 })
		r := e.run("--debug", "sync", "s3://e2e-retry", "--endpoint-url", f.URL, "--path-style")
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		for _, want := range []string{"retrying ListObjectsV2 (attempt 2 of 10) after ", "retrying ListObjectsV2 (attempt 3 of 10) after "} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r)
			}
		}
		if !strings.Contains(r.stderr, "AWS answered SlowDown: Please reduce your request rate") {
			t.Errorf("the retry does not say why in words:\n%s", r)
		}
	})
}
