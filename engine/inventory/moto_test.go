package inventory

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/flowq/flowq/engine/inventory/mototest"
)

// startMoto runs moto_server for the test (see mototest.Start).
func startMoto(t *testing.T) string { return mototest.Start(t) }

// testClients are EC2 clients on static test credentials against endpoint, isolated from the
// user's AWS configuration.
func testClients(t *testing.T, endpoint string) *Clients {
	t.Helper()
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	c, err := NewClients(context.Background(), ClientOptions{Region: "us-east-1", EndpointURL: endpoint,
		MaxBackoff: 20 * time.Millisecond, Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// faultProxy sits between the SDK and moto on 127.0.0.1 and answers chosen EC2 actions itself:
// deny lists actions refused as a missing permission; throttle maps an action to how many of its
// first requests get RequestLimitExceeded before moto answers.
type faultProxy struct {
	mu       sync.Mutex
	deny     map[string]bool
	throttle map[string]int
	seen     map[string]int // requests per action
}

func startFaultProxy(t *testing.T, target string, p *faultProxy) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p.seen = map[string]int{}
	rp := httputil.NewSingleHostReverseProxy(u)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		action := form.Get("Action")
		p.mu.Lock()
		p.seen[action]++
		n := p.seen[action]
		deny, throttle := p.deny[action], n <= p.throttle[action]
		p.mu.Unlock()
		switch {
		case deny:
			ec2Error(w, http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation.")
		case throttle:
			ec2Error(w, http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		default:
			rp.ServeHTTP(w, r)
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func ec2Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`, code, msg)
}

func (p *faultProxy) count(action string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[action]
}

// must fails the test on err, naming what was being done.
func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}
