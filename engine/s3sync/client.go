package s3sync

import (
	"context"
	"errors"
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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// ClientOptions configure the S3 client. Zero values mean the AWS CLI's defaults.
type ClientOptions struct {
	Profile     string // shared config profile (else AWS_PROFILE / default)
	Region      string // client region; empty: discover the bucket's region
	Bucket      string // bucket whose region is discovered when Region is empty
	EndpointURL string // S3-compatible endpoint, e.g. http://127.0.0.1:9000
	PathStyle   bool   // path-style addressing (most S3-compatible stores need it)

	Concurrency int           // expected parallel requests; sizes the idle connection pool (default DefaultConcurrency)
	MaxAttempts int           // SDK attempts per request (default 10)
	MaxBackoff  time.Duration // SDK backoff cap between attempts (default 20s)

	// Credentials overrides the standard chain (tests, or callers with their own provider).
	Credentials aws.CredentialsProvider
	// Debug receives one line per HTTP attempt and client decisions, never secrets. Each line
	// is one Write; a writer shared with Options.Debug must allow concurrent writes (os.Stderr does).
	Debug io.Writer
}

// NewClient builds an S3 client on the standard credential chain (env, profiles, SSO, roles),
// with a transport sized for many parallel small GETs and a retryer with backoff and jitter
// for throttling, 5xx, timeouts and connection resets.
func NewClient(ctx context.Context, o ClientOptions) (*s3.Client, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 20 * time.Second
	}
	dbg := newDebug(o.Debug)
	// The SDK's buildable client keeps AWS_CA_BUNDLE support; only its pool is resized.
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tuneTransport(tr, o.Concurrency) })
	loads := []func(*config.LoadOptions) error{
		config.WithHTTPClient(hc),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.MaxBackoff = o.MaxBackoff
				// A throttling storm must slow us down, not exhaust a client-wide retry quota
				// and fail healthy objects.
				so.RateLimiter = ratelimit.None
			})
		}),
		config.WithLogger(sdkLogger{dbg}),
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
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if dbg != nil {
		cfg.HTTPClient = &debugClient{next: cfg.HTTPClient, log: dbg}
	}
	s3opts := func(so *s3.Options) {
		so.UsePathStyle = o.PathStyle
		so.DisableLogOutputChecksumValidationSkipped = true
		if o.EndpointURL != "" {
			so.BaseEndpoint = aws.String(o.EndpointURL)
		}
	}
	if o.Region == "" && o.Bucket != "" {
		guess := cfg.Region
		if guess == "" {
			guess = "us-east-1"
		}
		probe := s3.NewFromConfig(cfg, s3opts, func(so *s3.Options) { so.Region = guess })
		region, err := BucketRegion(ctx, probe, o.Bucket)
		switch {
		case err == nil && region != "":
			dbg.printf("bucket %s is in region %s", o.Bucket, region)
			cfg.Region = region
		default:
			dbg.printf("bucket region not discovered (%v); using %q", err, guess)
			cfg.Region = guess
		}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if dbg != nil {
		if c, err := cfg.Credentials.Retrieve(ctx); err == nil {
			dbg.printf("credentials from %s (expire: %v)", c.Source, c.CanExpire)
		} else {
			dbg.printf("no credentials: %v", redactErr(err))
		}
	}
	return s3.NewFromConfig(cfg, s3opts), nil
}

// BucketRegion asks S3 where a bucket lives: HeadBucket answers with the region in its
// x-amz-bucket-region header even on a redirect or access-denied answer.
func BucketRegion(ctx context.Context, c *s3.Client, bucket string) (string, error) {
	out, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}, func(so *s3.Options) {
		so.RetryMaxAttempts = 1
	})
	if err == nil {
		if r := aws.ToString(out.BucketRegion); r != "" {
			return r, nil
		}
		return "", errors.New("no x-amz-bucket-region in the answer")
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
			return r, nil
		}
	}
	return "", fmt.Errorf("head bucket %s: %w", bucket, err)
}

// tuneTransport keeps enough idle connections for every worker: the SDK's 10 per host makes
// parallel GETs wait for or re-dial connections.
func tuneTransport(tr *http.Transport, concurrency int) {
	idle := max(concurrency*2, 64)
	tr.MaxIdleConns = idle
	tr.MaxIdleConnsPerHost = idle
	tr.IdleConnTimeout = 90 * time.Second
	tr.ResponseHeaderTimeout = 60 * time.Second
	tr.DisableCompression = true // S3 bytes must arrive as stored
}

// debug writes timestamped lines; nil means off.
type debug struct {
	mu sync.Mutex
	w  io.Writer
}

func newDebug(w io.Writer) *debug {
	if w == nil {
		return nil
	}
	return &debug{w: w}
}

func (d *debug) printf(format string, args ...any) {
	if d == nil {
		return
	}
	line := time.Now().UTC().Format("15:04:05.000") + " debug: " + redact(fmt.Sprintf(format, args...)) + "\n"
	d.mu.Lock()
	defer d.mu.Unlock()
	io.WriteString(d.w, line) // one Write per line, so lines from the client and Sync do not mix
}

type sdkLogger struct{ d *debug }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	l.d.printf("sdk %s: %s", c, fmt.Sprintf(format, v...))
}

// debugClient logs method, host, path, a redacted query, status and time of each attempt;
// it never prints headers, so Authorization and session tokens cannot leak.
type debugClient struct {
	next aws.HTTPClient
	log  *debug
}

func (t *debugClient) Do(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.Do(r)
	u := safeURL(r.URL)
	if err != nil {
		t.log.printf("%s %s: %v (%s)", r.Method, u, redactErr(err), time.Since(start).Round(time.Millisecond))
		return resp, err
	}
	t.log.printf("%s %s: %d %s len=%d req=%s (%s)", r.Method, u, resp.StatusCode, http.StatusText(resp.StatusCode),
		resp.ContentLength, resp.Header.Get("X-Amz-Request-Id"), time.Since(start).Round(time.Millisecond))
	return resp, err
}

// secretParams are the query parameters of signed and presigned URLs.
var secretParams = []string{"x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "awsaccesskeyid"}

func safeURL(u *url.URL) string {
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

// redact blanks anything that looks like a signature, credential or token in free text
// (error messages can carry URLs).
func redact(s string) string {
	for _, p := range secretParams {
		for from := 0; ; {
			i := indexFold(s[from:], p+"=")
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

func indexFold(s, sub string) int { return strings.Index(strings.ToLower(s), strings.ToLower(sub)) }

func redactErr(err error) string { return redact(err.Error()) }
