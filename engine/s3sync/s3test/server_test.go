package s3test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const (
	bucket = "b"
	akid   = "AKIAS3TESTSERVER0001"
)

func start(t *testing.T, o Options) *Server {
	t.Helper()
	o.Bucket = bucket
	o.AccessKey = akid
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// client is the real SDK over HTTP, without its retries so each fault is seen once.
func client(s *Server) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.URL), UsePathStyle: true,
		Credentials:      credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		RetryMaxAttempts: 1, DisableLogOutputChecksumValidationSkipped: true,
	})
}

type got struct {
	body     []byte
	etag     string
	checksum string
	err      error
}

func get(t *testing.T, c *s3.Client, key string, checksums bool) got {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if checksums {
		in.ChecksumMode = "ENABLED"
	}
	out, err := c.GetObject(ctx, in)
	if err != nil {
		return got{err: err}
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return got{body: b, etag: aws.ToString(out.ETag), checksum: aws.ToString(out.ChecksumCRC32), err: err}
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestFaults(t *testing.T) {
	body := []byte(strings.Repeat("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n", 20))
	tests := []struct {
		fault     Fault
		checksums bool
		check     func(t *testing.T, g got, want got)
	}{
		{None, true, func(t *testing.T, g, w got) {
			if g.err != nil || !bytes.Equal(g.body, body) || g.etag != w.etag || g.checksum == "" {
				t.Errorf("plain GET: err %v, %d bytes, etag %q, checksum %q", g.err, len(g.body), g.etag, g.checksum)
			}
		}},
		{SlowDown, false, wantCode("SlowDown")},
		{InternalError, false, wantCode("InternalError")},
		{ExpiredToken, false, wantCode("ExpiredToken")},
		{AccessDenied, false, wantCode("AccessDenied")},
		{Cut, false, wantTransferError},
		{LongLength, false, wantTransferError},
		{ShortLength, false, func(t *testing.T, g, _ got) {
			if g.err != nil || len(g.body) != len(body)-3 {
				t.Errorf("short length: err %v, %d bytes, want %d", g.err, len(g.body), len(body)-3)
			}
		}},
		{Corrupt, false, func(t *testing.T, g, w got) {
			if g.err != nil || len(g.body) != len(body) || bytes.Equal(g.body, body) || g.etag != w.etag {
				t.Errorf("corrupt: err %v, %d bytes (want %d, changed), etag %q (want %q)", g.err, len(g.body), len(body), g.etag, w.etag)
			}
		}},
		{Corrupt, true, func(t *testing.T, g, _ got) {
			if g.err == nil || !strings.Contains(g.err.Error(), "checksum") {
				t.Errorf("corrupt with a checksum header: the SDK should refuse it, got err %v", g.err)
			}
		}},
		{NoChecksum, true, func(t *testing.T, g, _ got) {
			if g.err != nil || !bytes.Equal(g.body, body) || g.etag != "" || g.checksum != "" {
				t.Errorf("no checksum: err %v, etag %q, checksum %q", g.err, g.etag, g.checksum)
			}
		}},
		{CorruptNoChecksum, true, func(t *testing.T, g, _ got) {
			if g.err != nil || len(g.body) != len(body) || bytes.Equal(g.body, body) || g.etag != "" || g.checksum != "" {
				t.Errorf("corrupt, no checksum: err %v, %d bytes, etag %q, checksum %q", g.err, len(g.body), g.etag, g.checksum)
			}
		}},
		{SlowBody, false, func(t *testing.T, g, _ got) {
			if g.err != nil || !bytes.Equal(g.body, body) {
				t.Errorf("slow body: err %v, %d bytes", g.err, len(g.body))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := start(t, Options{Checksums: tc.checksums, StallFor: 40 * time.Millisecond})
			if err := s.Put("k/obj.log", body); err != nil {
				t.Fatal(err)
			}
			c := client(s)
			want := get(t, c, "k/obj.log", false)
			s.FailKey("k/obj.log", tc.fault, 1)
			tc.check(t, get(t, c, "k/obj.log", tc.checksums), want)
			if tc.fault != None && s.Injected(tc.fault) != 1 {
				t.Errorf("injected %d times, want 1", s.Injected(tc.fault))
			}
			// One GET faulted, the next is served as stored.
			if g := get(t, c, "k/obj.log", tc.checksums); g.err != nil || !bytes.Equal(g.body, body) {
				t.Errorf("after the fault: err %v, %d bytes", g.err, len(g.body))
			}
			if n := s.Attempts("k/obj.log"); n != 3 {
				t.Errorf("Attempts = %d, want 3", n)
			}
		})
	}
}

func wantCode(c string) func(t *testing.T, g, _ got) {
	return func(t *testing.T, g, _ got) {
		if code(g.err) != c {
			t.Errorf("want error code %s, got %v", c, g.err)
		}
	}
}

func wantTransferError(t *testing.T, g, _ got) {
	if g.err == nil {
		t.Errorf("want a transfer error, got %d bytes", len(g.body))
	}
}

func TestPlans(t *testing.T) {
	s := start(t, Options{})
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Put(k, []byte("body of "+k)); err != nil {
			t.Fatal(err)
		}
	}
	c := client(s)
	s.FailKey("a", SlowDown, Forever)
	s.FailKey("b", InternalError, 2)
	s.SetFault(func(key string, n int) Fault {
		if key == "c" && n == 1 {
			return ExpiredToken
		}
		return None
	})
	want := map[string][]string{
		"a": {"SlowDown", "SlowDown", "SlowDown", "SlowDown"},
		"b": {"InternalError", "InternalError", "", ""},
		"c": {"ExpiredToken", "", "", ""},
	}
	for key, codes := range want {
		for i, w := range codes {
			if g := code(get(t, c, key, false).err); g != w {
				t.Errorf("%s GET %d: code %q, want %q", key, i+1, g, w)
			}
		}
	}
	if s.Gets() != 12 || s.Attempts("a") != 4 || s.Injected(SlowDown) != 4 || s.Injected(InternalError) != 2 {
		t.Errorf("gets %d, attempts(a) %d, injected SlowDown %d, InternalError %d", s.Gets(), s.Attempts("a"), s.Injected(SlowDown), s.Injected(InternalError))
	}
	s.FailKey("a", None, 0)
	if g := get(t, c, "a", false); g.err != nil {
		t.Errorf("after clearing a's plan: %v", g.err)
	}
	if s.Signed() == 0 {
		t.Errorf("no request counted as signed with %s", akid)
	}

	// A list fault answers 503 to the chosen listing only.
	s.SetListFault(func(lk string, n int) bool { return lk == "|false" && n == 1 })
	_, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if code(err) != "SlowDown" {
		t.Errorf("first listing: want SlowDown, got %v", err)
	}
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(out.Contents) != 3 || s.ListCalls("", false) != 2 || s.Lists() != 2 {
		t.Errorf("second listing: err %v, %d objects, %d calls", err, len(out.Contents), s.ListCalls("", false))
	}
}

func TestLatency(t *testing.T) {
	s := start(t, Options{})
	s.Put("k", []byte("x"))
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := client(s).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err == nil {
		t.Fatal("a GET answered despite an hour of latency")
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusOK {
		t.Fatalf("unexpected: %v", err)
	}
}
