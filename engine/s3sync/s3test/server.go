// Package s3test is an S3 test server on 127.0.0.1: gofakes3 (in memory) behind a handler
// that injects faults and latency per key or per request, for tests and benchmarks of the sync.
package s3test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Fault is what the server does to one GET of an object instead of serving it as stored.
type Fault int

const (
	None                  Fault = iota
	SlowDown                    // 503 SlowDown
	InternalError               // 500 InternalError
	ExpiredToken                // 400 ExpiredToken, as when a session token runs out mid-sync
	AccessDenied                // 403 AccessDenied
	Cut                         // close the connection half-way through the body
	LongLength                  // advertise 100 bytes more than sent, then close
	ShortLength                 // advertise and send 3 bytes fewer than the object has
	Stall                       // send half the body, then stall for StallFor before the rest
	SlowBody                    // send the body in 8 pieces spread over StallFor
	Corrupt                     // same length, one byte changed, headers (ETag, checksums) as stored
	NoChecksum                  // the body as stored, without ETag and x-amz-checksum-* headers
	CorruptNoChecksum           // Corrupt and NoChecksum together: nothing in the answer tells
	SignatureDoesNotMatch       // 403 SignatureDoesNotMatch, as for a wrong secret key (SetRequestFault)
)

var faultNames = map[Fault]string{None: "none", SlowDown: "SlowDown", InternalError: "InternalError",
	ExpiredToken: "ExpiredToken", AccessDenied: "AccessDenied", Cut: "cut", LongLength: "long-length",
	ShortLength: "short-length", Stall: "stall", SlowBody: "slow-body", Corrupt: "corrupt",
	NoChecksum: "no-checksum", CorruptNoChecksum: "corrupt-no-checksum", SignatureDoesNotMatch: "SignatureDoesNotMatch"}

func (f Fault) String() string {
	if s, ok := faultNames[f]; ok {
		return s
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// s3Errors are the error answers, as S3 sends them.
var s3Errors = map[Fault]struct {
	status        int
	code, message string
}{
	SlowDown:      {http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."},
	InternalError: {http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."},
	ExpiredToken:  {http.StatusBadRequest, "ExpiredToken", "The provided token has expired."},
	AccessDenied:  {http.StatusForbidden, "AccessDenied", "Access Denied"},
	SignatureDoesNotMatch: {http.StatusForbidden, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided. Check your key and signing method."},
}

// Forever makes FailKey fault every GET of the key.
const Forever = -1

// Options configure a Server.
type Options struct {
	Bucket string // created empty; more with CreateBucket
	// AccessKey, when set, is counted in Signed: requests signed with it reached the server.
	AccessKey string
	// Checksums adds x-amz-checksum-crc32 to every object GET, as S3 does for objects
	// uploaded with a checksum, so clients that ask for checksum validation get one.
	Checksums bool
	// StallFor is how long Stall and SlowBody hold a body (default 2s).
	StallFor time.Duration
}

type keyPlan struct {
	fault Fault
	times int // GETs left to fault; Forever for all
}

// Server is the fake S3. Every knob may be changed while requests are served.
type Server struct {
	URL    string // http://127.0.0.1:PORT
	Bucket string

	opts    Options
	backend *s3mem.Backend
	inner   http.Handler
	srv     *httptest.Server

	mu        sync.Mutex
	latency   time.Duration
	perKey    map[string]*keyPlan
	decide    func(key string, n int) Fault
	decideN   func(n int64) Fault
	listFault func(listKey string, n int) bool
	beforeGet func(key string, n int)
	all       Fault // SetRequestFault: the answer to every request, lists included
	attempts  map[string]int
	lists     map[string]int // list calls by "prefix|delimited"
	injected  map[Fault]int
	gets      int64
	listN     int64
	signed    int64
}

// New starts a server on 127.0.0.1 with opts.Bucket created. Close it when done.
func New(opts Options) (*Server, error) {
	if opts.StallFor <= 0 {
		opts.StallFor = 2 * time.Second
	}
	s := &Server{Bucket: opts.Bucket, opts: opts, backend: s3mem.New(), perKey: map[string]*keyPlan{},
		attempts: map[string]int{}, lists: map[string]int{}, injected: map[Fault]int{}}
	s.inner = gofakes3.New(s.backend, gofakes3.WithTimeSkewLimit(0)).Server()
	if opts.Bucket != "" {
		if err := s.backend.CreateBucket(opts.Bucket); err != nil {
			return nil, fmt.Errorf("s3test: create bucket %s: %w", opts.Bucket, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("s3test: listen on 127.0.0.1: %w", err)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	return s, nil
}

// Close stops the server and waits for its requests to finish.
func (s *Server) Close() { s.srv.Close() }

// CreateBucket adds an empty bucket.
func (s *Server) CreateBucket(name string) error { return s.backend.CreateBucket(name) }

// Put stores an object in the server's bucket.
func (s *Server) Put(key string, body []byte) error { return s.PutIn(s.Bucket, key, body) }

// PutIn stores an object in bucket.
func (s *Server) PutIn(bucket, key string, body []byte) error {
	if _, err := s.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		return fmt.Errorf("s3test: put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// SetLatency delays every request (list and get) by d.
func (s *Server) SetLatency(d time.Duration) { s.mu.Lock(); s.latency = d; s.mu.Unlock() }

// FailKey makes the next times GETs of key answer with f (Forever: every GET); None clears it.
// A key's plan comes before SetFault's and SetFaultN's.
func (s *Server) FailKey(key string, f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == None || times == 0 {
		delete(s.perKey, key)
		return
	}
	s.perKey[key] = &keyPlan{fault: f, times: times}
}

// SetFault installs (nil removes) a picker of the fault for the n-th GET (1-based) of key.
func (s *Server) SetFault(fn func(key string, n int) Fault) {
	s.mu.Lock()
	s.decide = fn
	s.mu.Unlock()
}

// SetRequestFault makes every request, of any kind, answer with the error f (None: serve
// again), as S3 answers every call of a client whose secret key is wrong.
func (s *Server) SetRequestFault(f Fault) { s.mu.Lock(); s.all = f; s.mu.Unlock() }

// SetFaultN installs (nil removes) a picker by the server-wide GET count (1-based).
func (s *Server) SetFaultN(fn func(n int64) Fault) { s.mu.Lock(); s.decideN = fn; s.mu.Unlock() }

// SetListFault installs (nil removes) a picker that makes the n-th list call (1-based) of a
// "prefix|delimited" listing answer 503 SlowDown.
func (s *Server) SetListFault(fn func(listKey string, n int) bool) {
	s.mu.Lock()
	s.listFault = fn
	s.mu.Unlock()
}

// SetBeforeGet installs (nil removes) a hook run before a GET is served, e.g. to replace
// the object between a listing and its download.
func (s *Server) SetBeforeGet(fn func(key string, n int)) {
	s.mu.Lock()
	s.beforeGet = fn
	s.mu.Unlock()
}

// Gets is the number of object GETs served or faulted.
func (s *Server) Gets() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.gets }

// Lists is the number of list calls.
func (s *Server) Lists() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.listN }

// Signed is the number of requests signed with Options.AccessKey.
func (s *Server) Signed() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.signed }

// Attempts is the number of GETs of key.
func (s *Server) Attempts(key string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.attempts[key] }

// ListCalls is the number of list calls of prefix, delimited or not.
func (s *Server) ListCalls(prefix string, delimited bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[prefix+"|"+strconv.FormatBool(delimited)]
}

// ListCallsByPrefix is every listing's call count, by "prefix|delimited".
func (s *Server) ListCallsByPrefix() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.lists))
	for k, v := range s.lists {
		m[k] = v
	}
	return m
}

// Injected is how many times fault f was injected.
func (s *Server) Injected(f Fault) int { s.mu.Lock(); defer s.mu.Unlock(); return s.injected[f] }

// bucketAndKey splits a path-style request path.
func bucketAndKey(p string) (bucket, key string) {
	p = strings.TrimPrefix(p, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	latency, listFault, beforeGet, all := s.latency, s.listFault, s.beforeGet, s.all
	if s.opts.AccessKey != "" && strings.Contains(r.Header.Get("Authorization"), s.opts.AccessKey) {
		s.signed++
	}
	s.mu.Unlock()
	if _, ok := s3Errors[all]; ok {
		s.note(all)
		writeError(w, all)
		return
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	_, key := bucketAndKey(r.URL.Path)
	q := r.URL.Query()
	if r.Method == http.MethodGet && key == "" && q.Get("list-type") == "2" {
		lk := q.Get("prefix") + "|" + strconv.FormatBool(q.Get("delimiter") != "")
		s.mu.Lock()
		s.listN++
		s.lists[lk]++
		n := s.lists[lk]
		s.mu.Unlock()
		if listFault != nil && listFault(lk, n) {
			s.note(SlowDown)
			writeError(w, SlowDown)
			return
		}
		s.inner.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet || key == "" {
		s.inner.ServeHTTP(w, r)
		return
	}
	ft, n := s.pick(key)
	if beforeGet != nil {
		beforeGet(key, n)
	}
	if ft != None {
		s.note(ft)
	}
	if _, ok := s3Errors[ft]; ok {
		writeError(w, ft)
		return
	}
	rec := httptest.NewRecorder()
	s.inner.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	hdr := rec.Header()
	if rec.Code != http.StatusOK || len(body) < 4 {
		copyHeader(w.Header(), hdr)
		w.WriteHeader(rec.Code)
		w.Write(body)
		return
	}
	if s.opts.Checksums && ft != NoChecksum && ft != CorruptNoChecksum {
		var sum [4]byte
		binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(body))
		hdr.Set("X-Amz-Checksum-Crc32", base64.StdEncoding.EncodeToString(sum[:]))
		hdr.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	switch ft {
	case NoChecksum, CorruptNoChecksum:
		hdr.Del("ETag")
		for k := range hdr {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") || k == "Content-Md5" {
				hdr.Del(k)
			}
		}
	}
	half := len(body) / 2
	switch ft {
	case Corrupt, CorruptNoChecksum:
		body = bytes.Clone(body)
		body[half] ^= 0x01
		fallthrough
	case None, NoChecksum:
		copyHeader(w.Header(), hdr)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	case ShortLength:
		copyHeader(w.Header(), hdr)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)-3))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)-3])
	case Stall:
		copyHeader(w.Header(), hdr)
		w.WriteHeader(http.StatusOK)
		w.Write(body[:half])
		w.(http.Flusher).Flush()
		if !sleep(r, s.opts.StallFor) {
			return
		}
		w.Write(body[half:])
	case SlowBody:
		copyHeader(w.Header(), hdr)
		w.WriteHeader(http.StatusOK)
		const pieces = 8
		step := (len(body) + pieces - 1) / pieces
		for off := 0; off < len(body); off += step {
			w.Write(body[off:min(off+step, len(body))])
			w.(http.Flusher).Flush()
			if !sleep(r, s.opts.StallFor/pieces) {
				return
			}
		}
	case Cut, LongLength:
		s.hijack(w, hdr, body, ft)
	}
}

// pick counts a GET of key and chooses its fault: the key's plan, then SetFault, then SetFaultN.
func (s *Server) pick(key string) (Fault, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	s.attempts[key]++
	n := s.attempts[key]
	if p := s.perKey[key]; p != nil {
		if p.times > 0 {
			p.times--
			if p.times == 0 {
				delete(s.perKey, key)
			}
		}
		return p.fault, n
	}
	ft := None
	if s.decide != nil {
		ft = s.decide(key, n)
	}
	if s.decideN != nil && ft == None {
		ft = s.decideN(s.gets)
	}
	return ft, n
}

// hijack sends a damaged answer over the raw connection, then closes it.
func (s *Server) hijack(w http.ResponseWriter, hdr http.Header, body []byte, ft Fault) {
	conn, bw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		http.Error(w, "s3test: hijack: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	length := len(body)
	if ft == LongLength {
		length += 100
	}
	fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\n")
	for k, vs := range hdr {
		if k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			fmt.Fprintf(bw, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(bw, "Content-Length: %d\r\n\r\n", length)
	if ft == LongLength {
		bw.Write(body)
	} else {
		bw.Write(body[:len(body)/2])
	}
	bw.Flush()
}

func (s *Server) note(f Fault) { s.mu.Lock(); s.injected[f]++; s.mu.Unlock() }

func writeError(w http.ResponseWriter, f Fault) {
	e := s3Errors[f]
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, e.code, e.message)
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// sleep waits d unless the client goes away first.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
