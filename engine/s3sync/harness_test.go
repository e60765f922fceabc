package s3sync

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/klauspost/compress/gzip"

	"github.com/flowq/flowq/engine/flowlog"
)

const testBucket = "flowlogs"

// Test credentials: distinctive so a leak into any output is easy to spot.
const (
	testAccessKey = "AKIATESTLEAKCHECK0001"
	testSecretKey = "s3cr3tLEAKCHECKsecretKeyValue0000000000"
	testToken     = "SESSIONTOKENLEAKCHECK-FwoGZXIvYXdzEJr"
)

// fault is what the injecting handler does to one request.
type fault int

const (
	fNone fault = iota
	fSlowDown
	f500
	fCut        // close the connection half-way through the body
	fLongLength // advertise more bytes than sent, then close
	fShortLen   // advertise and send fewer bytes than the object has
	fStall      // send half the body, then stall past the client's attempt timeout
	fExpired    // 400 ExpiredToken, as when a session token runs out mid-sync
)

// fakeS3 is gofakes3 behind a fault-injecting handler on a loopback listener.
type fakeS3 struct {
	t       testing.TB
	backend *s3mem.Backend
	inner   http.Handler
	srv     *httptest.Server

	latency time.Duration
	// decide picks the fault for a GET of key on its n-th attempt (1-based); nil: none.
	decide func(key string, n int) fault
	// decideN picks a fault by the server-wide GET count (1-based); nil: none.
	decideN func(n int64) fault
	// listFault makes a list call answer 503 SlowDown, by prefix and attempt (1-based).
	listFault func(prefix string, n int) bool
	// beforeGet runs before a GET is served (tests use it to change an object mid-sync).
	beforeGet func(key string, n int)

	mu       sync.Mutex
	attempts map[string]int
	lists    map[string]int // list calls by prefix ("prefix|delim")
	injected map[fault]int
	getCount atomic.Int64
	listN    atomic.Int64
}

func newFakeS3(t testing.TB) *fakeS3 {
	t.Helper()
	f := &fakeS3{t: t, backend: s3mem.New(), attempts: map[string]int{}, lists: map[string]int{}, injected: map[fault]int{}}
	f.inner = gofakes3.New(f.backend, gofakes3.WithTimeSkewLimit(0)).Server()
	if err := f.backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) put(key string, body []byte) {
	f.t.Helper()
	if _, err := f.backend.PutObject(testBucket, key, map[string]string{}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		f.t.Fatalf("put %s: %v", key, err)
	}
}

// Setters for the fault plan: the server reads it under f.mu (requests reach it through
// the network, which the race detector cannot see as synchronisation).
func (f *fakeS3) setLatency(d time.Duration) { f.mu.Lock(); f.latency = d; f.mu.Unlock() }
func (f *fakeS3) setDecide(fn func(key string, n int) fault) {
	f.mu.Lock()
	f.decide = fn
	f.mu.Unlock()
}
func (f *fakeS3) setDecideN(fn func(n int64) fault) { f.mu.Lock(); f.decideN = fn; f.mu.Unlock() }
func (f *fakeS3) setListFault(fn func(prefix string, n int) bool) {
	f.mu.Lock()
	f.listFault = fn
	f.mu.Unlock()
}
func (f *fakeS3) setBeforeGet(fn func(key string, n int)) {
	f.mu.Lock()
	f.beforeGet = fn
	f.mu.Unlock()
}

func (f *fakeS3) listCalls(prefix string, delim bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists[prefix+"|"+strconv.FormatBool(delim)]
}

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	latency, decide, decideN, listFault, beforeGet := f.latency, f.decide, f.decideN, f.listFault, f.beforeGet
	f.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	path := strings.TrimPrefix(r.URL.Path, "/"+testBucket)
	q := r.URL.Query()
	if r.Method == http.MethodGet && (path == "" || path == "/") && q.Get("list-type") == "2" {
		f.listN.Add(1)
		lk := q.Get("prefix") + "|" + strconv.FormatBool(q.Get("delimiter") != "")
		f.mu.Lock()
		f.lists[lk]++
		n := f.lists[lk]
		f.mu.Unlock()
		if listFault != nil && listFault(lk, n) {
			f.note(fSlowDown)
			slowDown(w)
			return
		}
		f.inner.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet || len(path) < 2 {
		f.inner.ServeHTTP(w, r)
		return
	}
	key := path[1:]
	gets := f.getCount.Add(1)
	f.mu.Lock()
	f.attempts[key]++
	n := f.attempts[key]
	f.mu.Unlock()
	if beforeGet != nil {
		beforeGet(key, n)
	}
	ft := fNone
	if decide != nil {
		ft = decide(key, n)
	}
	if decideN != nil && ft == fNone {
		ft = decideN(gets)
	}
	if ft != fNone {
		f.note(ft)
	}
	switch ft {
	case fNone:
		f.inner.ServeHTTP(w, r)
		return
	case fSlowDown:
		slowDown(w)
		return
	case fExpired:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>`)
		return
	case f500:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`)
		return
	}
	// Body faults: render the real answer, then send a damaged copy over the raw connection.
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code != http.StatusOK || len(body) < 4 {
		copyResponse(w, rec)
		return
	}
	half := len(body) / 2
	switch ft {
	case fShortLen:
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)-3))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)-3])
		return
	case fStall:
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusOK)
		w.Write(body[:half])
		w.(http.Flusher).Flush()
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
			return
		}
		w.Write(body[half:])
		return
	}
	conn, bw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		f.t.Errorf("hijack: %v", err)
		return
	}
	defer conn.Close()
	length := len(body)
	if ft == fLongLength {
		length += 100
	}
	fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\n")
	for k, vs := range rec.Header() {
		if k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			fmt.Fprintf(bw, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(bw, "Content-Length: %d\r\n\r\n", length)
	if ft == fLongLength {
		bw.Write(body)
	} else {
		bw.Write(body[:half])
	}
	bw.Flush()
}

func (f *fakeS3) note(ft fault) {
	f.mu.Lock()
	f.injected[ft]++
	f.mu.Unlock()
}

func (f *fakeS3) injectedCount(ft fault) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected[ft]
}

func slowDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// client builds the real SDK client against the fake, with static credentials and quick backoff.
func (f *fakeS3) client(t testing.TB, debug io.Writer) *s3.Client {
	t.Helper()
	c, err := NewClient(context.Background(), ClientOptions{
		Region:      "us-east-1",
		EndpointURL: f.srv.URL,
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
		if rel == stateFile || rel == runningFile {
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
