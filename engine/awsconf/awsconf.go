// Package awsconf builds the AWS SDK configuration flowq's S3 and CloudWatch Logs clients share:
// the standard credential chain, a retryer for throttling storms, and debug logs that never show a secret.
package awsconf

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// Options configure Load. Zero values mean the AWS CLI's defaults.
type Options struct {
	Profile     string // shared config profile (else AWS_PROFILE / default)
	Region      string // client region (else AWS_REGION / the profile's)
	Credentials aws.CredentialsProvider
	MaxAttempts int           // SDK attempts per request
	MaxBackoff  time.Duration // SDK backoff cap between attempts
	// Tune adjusts the HTTP transport (pool sizes, timeouts); the SDK's buildable client keeps
	// AWS_CA_BUNDLE support.
	Tune  func(*http.Transport)
	Debug *Debug // one line per HTTP attempt and SDK message; nil for none
	// OnRetry hears of each retry the SDK is about to make (Retry.String is the line to show);
	// nil for none. Retries also go to Debug.
	OnRetry func(Retry)
}

// Load reads the standard chain (environment, shared config, SSO, roles) with flowq's transport,
// retryer and debug logging.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	hc := awshttp.NewBuildableClient()
	if o.Tune != nil {
		hc = hc.WithTransportOptions(o.Tune)
	}
	loads := []func(*config.LoadOptions) error{
		config.WithHTTPClient(hc),
		config.WithRetryer(func() aws.Retryer {
			std := retry.NewStandard(func(so *retry.StandardOptions) {
				if o.MaxAttempts > 0 {
					so.MaxAttempts = o.MaxAttempts
				}
				if o.MaxBackoff > 0 {
					so.MaxBackoff = o.MaxBackoff
				}
				// A throttling storm must slow the work down, not drain a client-wide retry
				// quota and fail healthy requests.
				so.RateLimiter = ratelimit.None
			})
			on := o.OnRetry
			if o.Debug != nil {
				on = func(r Retry) {
					o.Debug.Printf("%s", r)
					if o.OnRetry != nil {
						o.OnRetry(r)
					}
				}
			}
			// Connection refused and unknown hosts fail at once: retrying them for minutes
			// only hides a wrong --endpoint-url or region.
			return newNoticeRetryer(std, on)
		}),
		config.WithLogger(sdkLogger{o.Debug}),
	}
	if o.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		loads = append(loads, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS config: %w", err)
	}
	if o.Debug != nil {
		cfg.HTTPClient = &debugClient{next: cfg.HTTPClient, log: o.Debug}
	}
	return cfg, nil
}

// SizePool keeps enough idle connections for concurrency parallel requests (twice as many, at
// least floor: the SDK's 10 per host makes parallel requests wait for or re-dial connections)
// and sets the timeouts flowq's clients share. For Options.Tune.
func SizePool(tr *http.Transport, concurrency, floor int) {
	idle := max(concurrency*2, floor)
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = idle, idle
	tr.IdleConnTimeout = 90 * time.Second
	tr.ResponseHeaderTimeout = 60 * time.Second
}

// Debug writes timestamped, redacted lines; a nil *Debug writes nothing.
type Debug struct {
	mu sync.Mutex
	w  io.Writer
}

// NewDebug returns a Debug writing to w, or nil when w is nil.
func NewDebug(w io.Writer) *Debug {
	if w == nil {
		return nil
	}
	return &Debug{w: w}
}

// Printf writes one line, with anything that looks like a signature, credential or token blanked.
func (d *Debug) Printf(format string, args ...any) {
	if d == nil {
		return
	}
	line := time.Now().UTC().Format("15:04:05.000") + " debug: " + Redact(fmt.Sprintf(format, args...)) + "\n"
	d.mu.Lock()
	defer d.mu.Unlock()
	io.WriteString(d.w, line) // one Write per line, so lines from several goroutines do not mix
}

type sdkLogger struct{ d *Debug }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	l.d.Printf("sdk %s: %s", c, fmt.Sprintf(format, v...))
}

// debugClient logs method, host, path, a redacted query, the API operation, status and time of
// each attempt; it never prints headers, so Authorization and session tokens cannot leak.
type debugClient struct {
	next aws.HTTPClient
	log  *Debug
}

func (t *debugClient) Do(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.Do(r)
	what := r.Method + " " + SafeURL(r.URL)
	if op := r.Header.Get("X-Amz-Target"); op != "" {
		what += " " + op
	}
	if err != nil {
		t.log.Printf("%s: %v (%s)", what, err, time.Since(start).Round(time.Millisecond))
		return resp, err
	}
	t.log.Printf("%s: %d %s len=%d req=%s (%s)", what, resp.StatusCode, http.StatusText(resp.StatusCode),
		resp.ContentLength, resp.Header.Get("X-Amz-Request-Id"), time.Since(start).Round(time.Millisecond))
	return resp, err
}

// secretParams are the query parameters of signed and presigned URLs.
var secretParams = []string{"x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "awsaccesskeyid"}

// SafeURL prints u without user info and with signing parameters blanked.
func SafeURL(u *url.URL) string {
	c := *u
	c.User = nil
	q := c.Query()
	for k := range q {
		for _, s := range secretParams {
			if strings.EqualFold(k, s) {
				q.Set(k, "REDACTED")
			}
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// Redact blanks anything that looks like a signature, credential or token in free text (error
// messages can carry URLs).
func Redact(s string) string {
	for _, p := range secretParams {
		for from := 0; ; {
			i := strings.Index(strings.ToLower(s[from:]), p+"=")
			if i < 0 {
				break
			}
			i += from + len(p) + 1
			j := i
			for j < len(s) && !strings.ContainsRune("&\" ,\n", rune(s[j])) {
				j++
			}
			s = s[:i] + "REDACTED" + s[j:]
			from = i + len("REDACTED")
		}
	}
	return s
}
