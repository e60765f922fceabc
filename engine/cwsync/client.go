package cwsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go/logging"
)

// ClientOptions configure the CloudWatch Logs and EC2 clients. Zero values mean the AWS CLI's
// defaults.
type ClientOptions struct {
	Profile     string // shared config profile (else AWS_PROFILE / default)
	Region      string // region of the log group (else AWS_REGION / the profile's region)
	EndpointURL string // custom endpoint for both services (LocalStack, tests)

	Concurrency int           // expected parallel requests; sizes the idle connection pool (default 8)
	MaxAttempts int           // SDK attempts per request (default 5); cwsync retries throttling on top
	MaxBackoff  time.Duration // SDK backoff cap between attempts (default 20s)

	// Credentials overrides the standard chain (tests, or callers with their own provider).
	Credentials aws.CredentialsProvider
	// Debug receives one line per HTTP attempt (method, URL, API operation, status), never
	// headers, so signatures and tokens cannot leak.
	Debug io.Writer
}

// Clients are the service clients a CloudWatch sync needs, on one configuration.
type Clients struct {
	Logs   *cloudwatchlogs.Client
	EC2    *ec2.Client // only for LookupFormat (DescribeFlowLogs)
	Region string      // the resolved client region
}

// NewClients builds the clients on the standard credential chain (env, profiles, SSO, roles).
// Log groups are regional, so a missing region is an error rather than a silent default.
func NewClients(ctx context.Context, o ClientOptions) (*Clients, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 20 * time.Second
	}
	dbg := newDebug(o.Debug)
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		idle := max(o.Concurrency*2, 16)
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = idle, idle
		tr.IdleConnTimeout = 90 * time.Second
		tr.ResponseHeaderTimeout = 60 * time.Second
	})
	loads := []func(*config.LoadOptions) error{
		config.WithHTTPClient(hc),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.MaxBackoff = o.MaxBackoff
				// Throttling must slow the sync down, not drain a client-wide retry quota
				// and fail healthy streams.
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
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: log groups are regional; set --region, AWS_REGION or the profile's region")
	}
	if dbg != nil {
		cfg.HTTPClient = &debugClient{next: cfg.HTTPClient, log: dbg}
	}
	c := &Clients{Region: cfg.Region}
	c.Logs = cloudwatchlogs.NewFromConfig(cfg, func(lo *cloudwatchlogs.Options) {
		if o.EndpointURL != "" {
			lo.BaseEndpoint = aws.String(o.EndpointURL)
		}
	})
	c.EC2 = ec2.NewFromConfig(cfg, func(eo *ec2.Options) {
		if o.EndpointURL != "" {
			eo.BaseEndpoint = aws.String(o.EndpointURL)
		}
	})
	return c, nil
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
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "%s debug: %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

type sdkLogger struct{ d *debug }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	l.d.printf("sdk %s: %s", c, fmt.Sprintf(format, v...))
}

// debugClient logs each attempt; CloudWatch Logs requests carry no secrets in the URL, and
// headers are never printed.
type debugClient struct {
	next aws.HTTPClient
	log  *debug
}

func (t *debugClient) Do(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.Do(r)
	op := r.Header.Get("X-Amz-Target")
	u := *r.URL
	u.User, u.RawQuery = nil, ""
	if err != nil {
		t.log.printf("%s %s %s: %v (%s)", r.Method, u.String(), op, err, time.Since(start).Round(time.Millisecond))
		return resp, err
	}
	t.log.printf("%s %s %s: %d (%s)", r.Method, u.String(), op, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return resp, err
}
