package s3sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/s3sync/s3test"
)

// plainLog is an uncompressed delivery (no gzip CRC to catch damage): 200 ACCEPT records.
func plainLog() []byte {
	var b bytes.Buffer
	b.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
	for i := range 200 {
		fmt.Fprintf(&b, "2 123456789012 eni-0abc 10.0.0.%d 10.0.1.1 %d 443 6 1 40 1714521600 1714521660 ACCEPT OK\n", i%250, 1024+i)
	}
	return b.Bytes()
}

// A body damaged in transit, with the same length and nothing in the answer to tell (no
// ETag, no checksum header), is caught by its MD5 against the listed ETag and fetched again;
// damaged twice, it is reported and nothing is mirrored under its name.
func TestSyncVerifiesBodyAgainstETag(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    s3test.Fault
		times    int
		wantGets int
		wantOK   bool
	}{
		{"corrupt once, no checksum", s3test.CorruptNoChecksum, 1, 2, true},
		{"corrupt once, ETag sent", s3test.Corrupt, 1, 2, true},
		{"corrupt always", s3test.CorruptNoChecksum, s3test.Forever, 2, false},
		{"no checksum, intact", s3test.NoChecksum, s3test.Forever, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3(t)
			seed := seedLayouts(f)
			bad := seedObj{key: "AWSLogs/555555555555/vpcflowlogs/us-east-1/2024/05/02/555555555555_vpcflowlogs_us-east-1_fl-1_20240502T0005Z_plain.log", body: plainLog()}
			f.put(bad.key, bad.body)
			f.FailKey(bad.key, tc.fault, tc.times)
			mirror := t.TempDir()
			res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
			if err != nil {
				t.Fatal(err)
			}
			if n := f.Attempts(bad.key); n != tc.wantGets {
				t.Errorf("%s fetched %d times, want %d", bad.key, n, tc.wantGets)
			}
			if tc.wantOK {
				if !res.OK() || res.Downloaded != len(seed)+1 {
					t.Fatalf("result %s", summary(res))
				}
				assertMirror(t, mirror, append(seed, bad))
				return
			}
			if res.Failed != 1 || len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrDamaged) || !strings.Contains(res.Errors[0].Error(), bad.key) {
				t.Fatalf("want one failure naming %s as damaged, got %s", bad.key, summary(res))
			}
			assertMirror(t, mirror, seed)
		})
	}
}

// With checksum validation on, the SDK refuses a body that fails the x-amz-checksum header;
// the object is fetched again.
func TestSyncChecksumHeaderValidated(t *testing.T) {
	s, err := s3test.New(s3test.Options{Bucket: testBucket, Checksums: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	f := &fakeS3{Server: s, t: t}
	seed := seedLayouts(f)
	f.FailKey(seed[0].key, s3test.Corrupt, 1)
	mirror := t.TempDir()
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil || !res.OK() {
		t.Fatalf("%s %v", summary(res), err)
	}
	if n := f.Attempts(seed[0].key); n != 2 {
		t.Errorf("fetched %d times, want 2", n)
	}
	assertMirror(t, mirror, seed)
}

// An object answering 503 on every GET costs at most Attempts requests (the SDK's own
// retries included), the others are mirrored, and it is reported.
func TestSyncPermanent503IsBounded(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	bad := seed[7].key
	f.FailKey(bad, s3test.SlowDown, s3test.Forever)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.Attempts = 3
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Attempts(bad); n != 3 {
		t.Errorf("the failing object was requested %d times, want 3 (Attempts)", n)
	}
	if res.Failed != 1 || res.Downloaded != len(seed)-1 || !strings.Contains(res.Errors[0].Error(), bad) {
		t.Fatalf("result %s", summary(res))
	}
	assertMirror(t, mirror, append(append([]seedObj{}, seed[:7]...), seed[8:]...))
}

// When every object fails, the run's retries are bounded in total by RetryBudget.
func TestSyncRetryBudgetBoundsTheRun(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	f.SetFault(func(string, int) s3test.Fault { return s3test.InternalError })
	mirror := t.TempDir()
	opts := testOpts(mirror)
	opts.RetryBudget = 10
	res, err := Sync(context.Background(), f.client(t, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != len(seed) || len(res.Errors) != len(seed) {
		t.Fatalf("result %s", summary(res))
	}
	if n := f.Gets(); n > int64(len(seed)+10) {
		t.Errorf("%d GETs for %d objects; the budget allows %d retries in all", n, len(seed), 10)
	}
	// Every failure is listed in the failed-objects file, one key per line.
	b, err := os.ReadFile(filepath.Join(mirror, FailedFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(seed) {
		t.Errorf("%s lists %d objects, want %d", FailedFile, len(lines), len(seed))
	}
	for _, o := range seed {
		if !bytes.Contains(b, []byte(o.key+"\t")) {
			t.Errorf("%s does not name %s", FailedFile, o.key)
		}
	}
	// A clean run removes the list.
	f.SetFault(nil)
	if res, err := Sync(context.Background(), f.client(t, nil), opts); err != nil || !res.OK() {
		t.Fatalf("%s %v", summary(res), err)
	}
	if _, err := os.Stat(filepath.Join(mirror, FailedFile)); !os.IsNotExist(err) {
		t.Errorf("%s kept after a clean run: %v", FailedFile, err)
	}
}

// Refetch downloads named keys again even when the journal says they are in place, replacing
// a mirrored file damaged on disk.
func TestRefetchReplacesDamagedFile(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	mirror := t.TempDir()
	opts := testOpts(mirror)
	if res, err := Sync(context.Background(), f.client(t, nil), opts); err != nil || !res.OK() {
		t.Fatalf("%s %v", summary(res), err)
	}
	victim := seed[5]
	p := filepath.Join(mirror, filepath.FromSlash(victim.key))
	damaged := bytes.Clone(victim.body)
	damaged[len(damaged)/2] ^= 0xff
	if err := os.WriteFile(p, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	gets := f.Gets()
	res, err := Refetch(context.Background(), f.client(t, nil), opts, []string{victim.key, "AWSLogs/no/such/key.log.gz"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != 1 || res.Failed != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "no/such/key") {
		t.Fatalf("refetch: %s", summary(res))
	}
	if n := f.Gets() - gets; n != 1 {
		t.Errorf("refetch made %d GETs, want 1", n)
	}
	assertMirror(t, mirror, seed)
}

// Temp files a killed sync left in one bucket's mirror are removed by a sync of any bucket.
func TestCleanInterruptedMirrors(t *testing.T) {
	root := t.TempDir()
	killed := filepath.Join(root, "bucket-a")
	clean := filepath.Join(root, "bucket-b")
	tmp := filepath.Join(killed, "AWSLogs", ".x.log.gz"+tmpMarker+"123")
	keep := filepath.Join(clean, "AWSLogs", ".y.log.gz"+tmpMarker+"456") // no marker: a live run's
	for _, p := range []string{tmp, keep, filepath.Join(killed, runningFile), filepath.Join(killed, "AWSLogs", "x.log.gz")} {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := CleanInterrupted(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != tmp {
		t.Errorf("removed %v, want [%s]", removed, tmp)
	}
	for p, want := range map[string]bool{tmp: false, filepath.Join(killed, runningFile): false, keep: true, filepath.Join(killed, "AWSLogs", "x.log.gz"): true} {
		if fileExists(p) != want {
			t.Errorf("%s exists %v, want %v", p, !want, want)
		}
	}
}

func TestKeyOf(t *testing.T) {
	mirror := t.TempDir()
	key := "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/x.log.gz"
	p, err := LocalPath(mirror, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, key string
		ok        bool
	}{
		{p, key, true},
		{filepath.Join(mirror, "plain", "file.log"), "plain/file.log", true},
		{mirror, "", false},
		{filepath.Join(filepath.Dir(mirror), "elsewhere.log"), "", false},
		{filepath.Join(mirror, stateFile), "", false},
		{filepath.Join(mirror, "AWSLogs", ".x.log.gz"+tmpMarker+"1"), "", false},
	} {
		k, ok := KeyOf(mirror, tc.path)
		if k != tc.key || ok != tc.ok {
			t.Errorf("KeyOf(%s) = %q, %v; want %q, %v", tc.path, k, ok, tc.key, tc.ok)
		}
	}
}
