package s3sync

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestCheckKey(t *testing.T) {
	long := strings.Repeat("a", 256)
	cases := []struct {
		key string
		ok  bool
	}{
		{"AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123_vpcflowlogs_us-east-1_fl-1_20240501T0005Z_ab.log.gz", true},
		{"p/AWSLogs/o-abc/aws-account-id=1/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=05/day=01/hour=03/x.log.parquet", true},
		{"données/été.log.gz", true}, // plain letters in UTF-8 are fine
		{"a/" + strings.Repeat("b", 255), true},
		{"", false},
		{"../etc/passwd", false},
		{"a/../../b", false},
		{"a/./b", false},
		{"a/..", false},
		{"/etc/passwd", false},
		{"a//b", false},
		{"a/b/", false},
		{`a\..\b`, false},
		{`C:/Windows/x`, false},
		{"a/b\x00c", false},
		{"a/b\nc", false},
		{"a/\x1b[31mred", false},
		{"a/b\x7f", false},
		{"a/" + long, false},
		{strings.Repeat("abcdefgh/", 114) + "x", false}, // 1027 bytes
		{"a/\uff0e\uff0e/b", false},                     // fullwidth dots
		{"a/\u2024\u2024/b", false},                     // one-dot leaders
		{"a/\uff0fetc", false},                          // fullwidth slash
		{"a/\u2215etc", false},                          // division slash
		{"a/b\u202ecod.exe", false},                     // right-to-left override
		{"a/b\u200bc", false},                           // zero-width space
		{"a/e\u0301.gz", false},                         // combining mark (not NFC)
		{"a/\xff\xfe", false},                           // invalid UTF-8
		{"...", false},
		{". .", false},
		{stateFile, false},
		{"a/.x.log.gz" + tmpMarker + "1", false},
	}
	mirror := t.TempDir()
	for _, c := range cases {
		p, err := LocalPath(mirror, c.key)
		if c.ok != (err == nil) {
			t.Errorf("LocalPath(%q) = %q, %v; want ok=%v", c.key, p, err, c.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrUnsafeKey) {
				t.Errorf("%q: error %v is not ErrUnsafeKey", c.key, err)
			}
			if strings.ContainsAny(err.Error(), "\x00\n\x1b") {
				t.Errorf("%q: error message carries raw control characters: %q", c.key, err.Error())
			}
			continue
		}
		if want := filepath.Join(mirror, filepath.FromSlash(c.key)); p != want {
			t.Errorf("LocalPath(%q) = %q, want %q", c.key, p, want)
		}
	}
}

func TestSyncRefusesUnsafeKeysAndWritesNothingOutside(t *testing.T) {
	f := newFakeS3(t)
	day := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/01/"
	good := seedObj{key: day + "good.log.gz", body: flowGzip("good", 2)}
	f.put(good.key, good.body)
	unsafe := []string{
		day + "../../../../../../../../escape.log.gz",
		day + `win\..\..\x.log.gz`,
		day + "\uff0e\uff0e/\uff0e\uff0e/fw.log.gz",
		day + "\u2024\u2024/lead.log.gz",
		day + strings.Repeat("n", 300) + ".log.gz",
		day + "x/./y.log.gz",
	}
	for _, k := range unsafe {
		f.put(k, flowGzip(k, 1))
	}
	top := t.TempDir()
	mirror := filepath.Join(top, "m", "mirror")
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Refused != len(unsafe) || res.Downloaded != 1 || res.OK() {
		t.Fatalf("result %s", summary(res))
	}
	msgs := ""
	for _, e := range res.Errors {
		msgs += e.Error() + "\n"
	}
	for _, k := range unsafe {
		if !strings.Contains(msgs, strconv.Quote(k)) {
			t.Errorf("refusal of %q not reported; errors:\n%s", k, msgs)
		}
	}
	assertMirror(t, mirror, []seedObj{good})
	for dir, want := range map[string]string{top: "m", filepath.Join(top, "m"): "mirror"} {
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 || ents[0].Name() != want {
			t.Errorf("%s holds %v, want only %s", dir, ents, want)
		}
	}
}

func TestSyncRefusesSymlinkOutOfMirror(t *testing.T) {
	f := newFakeS3(t)
	key := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/01/x.log.gz"
	f.put(key, flowGzip("x", 1))
	top := t.TempDir()
	mirror, outside := filepath.Join(top, "mirror"), filepath.Join(top, "outside")
	os.MkdirAll(filepath.Join(mirror, "AWSLogs"), 0o700)
	os.MkdirAll(outside, 0o700)
	if err := os.Symlink(outside, filepath.Join(mirror, "AWSLogs", "111111111111")); err != nil {
		t.Fatal(err)
	}
	res, err := Sync(context.Background(), f.client(t, nil), testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || !errors.Is(res.Errors[0], ErrUnsafeKey) {
		t.Fatalf("result %s", summary(res))
	}
	var found []string
	filepath.Walk(outside, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 0 {
		t.Errorf("files written through the symlink: %v", found)
	}
}

func TestDebugOutputHasNoCredentials(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	bad := seed[0].key
	f.SetFault(func(key string, n int) fault {
		switch {
		case key == bad:
			return f500
		case n == 1 && keyHash(key)%2 == 0:
			return fSlowDown
		}
		return fNone
	})
	var dbg lockedBuffer // shared by the client and Sync, as os.Stderr is in the CLI
	opts := testOpts(t.TempDir())
	opts.Attempts = 2
	opts.Debug = &dbg
	res, err := Sync(context.Background(), f.client(t, &dbg), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 {
		t.Fatalf("result %s", summary(res))
	}
	out := dbg.String()
	for _, want := range []string{"GET ", ": 503 ", ": 500 ", "credentials from", "attempt 1 of 2 failed", "list calls"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	all := out
	for _, e := range res.Errors {
		all += e.Error()
	}
	for _, secret := range []string{testAccessKey, testSecretKey, testToken, "Signature=", "Authorization", "Security-Token:"} {
		if strings.Contains(all, secret) {
			t.Errorf("debug output or errors contain %q", secret)
		}
	}
}

// literalAPI answers a listing with keys exactly as given, for keys that gofakes3 or XML
// cannot carry (leading "/", control characters); any GET fails the test.
type literalAPI struct {
	t    *testing.T
	keys []string
}

func (a literalAPI) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out := &s3.ListObjectsV2Output{}
	if aws.ToString(in.Delimiter) != "" {
		return out, nil // no folders: the sync falls back to listing the prefix as a plain folder
	}
	for _, k := range a.keys {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(1), ETag: aws.String(`"x"`)})
	}
	return out, nil
}

func (a literalAPI) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	a.t.Errorf("GET of unsafe key %q", aws.ToString(in.Key))
	return nil, errors.New("refused by test")
}

func TestSyncRefusesKeysTheServerCannotCarry(t *testing.T) {
	keys := []string{"/etc/passwd", "a/b\x00c", "a/\x1b]0;title\x07", "C:/Windows/win.ini", "a/\r\n.log.gz"}
	top := t.TempDir()
	mirror := filepath.Join(top, "mirror")
	res, err := Sync(context.Background(), literalAPI{t, keys}, testOpts(mirror))
	if err != nil {
		t.Fatal(err)
	}
	if res.Refused != len(keys) || res.Downloaded != 0 || len(res.Errors) != len(keys) {
		t.Fatalf("result %s", summary(res))
	}
	msgs := ""
	for _, e := range res.Errors {
		msgs += e.Error() + "\n"
		if strings.ContainsAny(e.Error(), "\x00\x1b\x07\r\n") {
			t.Errorf("error carries raw control characters: %q", e.Error())
		}
	}
	for _, k := range keys {
		if !strings.Contains(msgs, strconv.Quote(k)) {
			t.Errorf("refusal of %q not reported", k)
		}
	}
	if ents, _ := os.ReadDir(top); len(ents) != 1 {
		t.Errorf("%s holds %v, want only the mirror", top, ents)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
