package s3sync

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/s3sync/s3test"
)

const testBucket = "flowlogs"

// Test credentials: distinctive so a leak into any output is easy to spot.
const (
	testAccessKey = "AKIATESTLEAKCHECK0001"
	testSecretKey = "s3cr3tLEAKCHECKsecretKeyValue0000000000"
	testToken     = "SESSIONTOKENLEAKCHECK-FwoGZXIvYXdzEJr"
)

// fault is what the test server does to one GET (names kept short for the tables below).
type fault = s3test.Fault

const (
	fNone       = s3test.None
	fSlowDown   = s3test.SlowDown
	f500        = s3test.InternalError
	fCut        = s3test.Cut         // close the connection half-way through the body
	fLongLength = s3test.LongLength  // advertise more bytes than sent, then close
	fShortLen   = s3test.ShortLength // advertise and send fewer bytes than the object has
	fStall      = s3test.Stall       // send half the body, then stall past the client's attempt timeout
	fExpired    = s3test.ExpiredToken
)

// fakeS3 is the shared fault-injecting S3 test server, bound to a test.
type fakeS3 struct {
	*s3test.Server
	t testing.TB
}

func newFakeS3(t testing.TB) *fakeS3 {
	t.Helper()
	s, err := s3test.New(s3test.Options{Bucket: testBucket, AccessKey: testAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &fakeS3{Server: s, t: t}
}

func (f *fakeS3) put(key string, body []byte) {
	f.t.Helper()
	if err := f.Put(key, body); err != nil {
		f.t.Fatal(err)
	}
}

// client builds the real SDK client against the fake, with static credentials and quick backoff.
func (f *fakeS3) client(t testing.TB, debug io.Writer) *s3.Client {
	t.Helper()
	c, err := NewClient(context.Background(), ClientOptions{
		Region:      "us-east-1",
		EndpointURL: f.URL,
		PathStyle:   true,
		MaxAttempts: 4,
		MaxBackoff:  20 * time.Millisecond,
		Credentials: staticTestCreds(),
		Debug:       debug,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testOpts are sync options with short retry delays for tests.
func testOpts(mirror string) Options {
	return Options{Bucket: testBucket, MirrorDir: mirror, Concurrency: 8, RetryBase: 5 * time.Millisecond, AttemptTimeout: 2 * time.Second}
}

// seedObj is a planted object with the facts the tests filter on.
type seedObj struct {
	key     string
	account string
	region  string
	day     time.Time
	hour    int
	body    []byte
}

var (
	may1 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	may2 = may1.AddDate(0, 0, 1)
	may3 = may1.AddDate(0, 0, 2)
)

// seedLayouts plants gzip deliveries in the four layouts, with and without org and prefix,
// plus one Parquet delivery.
func seedLayouts(f *fakeS3) []seedObj {
	type layout struct {
		prefix, org, account string
		hive, hourly         bool
	}
	layouts := []layout{
		{"", "", "111111111111", false, false},
		{"logs", "", "222222222222", false, true},
		{"", "o-abc123", "333333333333", true, false},
		{"org/flow", "o-abc123", "444444444444", true, true},
	}
	var objs []seedObj
	for li, l := range layouts {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for _, day := range []time.Time{may1, may2, may3} {
				hours := []int{-1}
				if l.hourly {
					hours = []int{0, 6, 7, 23}
				}
				for _, h := range hours {
					stamp := day.Add(time.Duration(max(h, 0))*time.Hour + 5*time.Minute)
					name := flowlog.FileName(l.account, region, "fl-0abc", stamp, fmt.Sprintf("%08x", li*1000+len(objs)), ".log.gz")
					key := flowlog.ObjectKey(l.prefix, l.org, l.account, region, day, h, l.hive, name)
					o := seedObj{key: key, account: l.account, region: region, day: day, hour: h, body: flowGzip(key, 3+len(objs)%5)}
					f.put(o.key, o.body)
					objs = append(objs, o)
				}
			}
		}
	}
	pq := seedObj{key: flowlog.ObjectKey("", "", "111111111111", "us-east-1", may2, -1, false, "111111111111_vpcflowlogs_us-east-1_fl-0abc_20240502T0105Z_pq.log.parquet"),
		account: "111111111111", region: "us-east-1", day: may2, hour: -1, body: fakeParquet()}
	f.put(pq.key, pq.body)
	return append(objs, pq)
}

// flowGzip makes a small gzip delivery: the default header and n records that name the key.
func flowGzip(key string, n int) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	h := fnv.New32a()
	h.Write([]byte(key))
	seed := h.Sum32()
	fmt.Fprintln(zw, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
	for i := range n {
		fmt.Fprintf(zw, "2 123456789012 eni-%08x 10.0.%d.%d 10.1.0.%d %d 443 6 %d %d 1714521600 1714521660 ACCEPT OK\n",
			seed, i, seed%250, i+1, 1024+int(seed%60000), 3+i, 400+int(seed%9000))
	}
	zw.Close()
	return buf.Bytes()
}

// fakeParquet has the framing the sync checks (magic at both ends); the loader parses the rest.
func fakeParquet() []byte {
	return append(append([]byte("PAR1"), bytes.Repeat([]byte{7}, 40)...), []byte("\x28\x00\x00\x00PAR1")...)
}

// mirrorFiles reads every file under the mirror except the sync's own journal.
func mirrorFiles(t testing.TB, mirror string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(mirror, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(mirror, p)
		rel = filepath.ToSlash(rel)
		if rel == stateFile || rel == runningFile || rel == FailedFile {
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

// assertMirror checks the mirror holds exactly want, byte for byte, and no temp files.
func assertMirror(t testing.TB, mirror string, want []seedObj) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(mirror, runningFile)); err == nil {
		t.Errorf("%s left behind after the run", runningFile)
	}
	got := mirrorFiles(t, mirror)
	for _, o := range want {
		b, ok := got[o.key]
		switch {
		case !ok:
			t.Errorf("missing %s", o.key)
		case !bytes.Equal(b, o.body):
			t.Errorf("%s: %d bytes differ from the object's %d", o.key, len(b), len(o.body))
		}
		delete(got, o.key)
	}
	var extra []string
	for k := range got {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("unexpected file in mirror: %s", k)
	}
}

// summary prints a result's counts and errors, not its (long) file list.
func summary(r Result) string {
	return fmt.Sprintf("listed %d, downloaded %d, skipped %d, failed %d, refused %d, list calls %d, errors %v",
		r.Listed, r.Downloaded, r.Skipped, r.Failed, r.Refused, r.ListCalls, r.Errors)
}

func staticTestCreds() credentials.StaticCredentialsProvider {
	return credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, testToken)
}
