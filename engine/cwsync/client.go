package cwsync

import (
	"context"
	"errors"
	"github.com/flowq/flowq/engine/awsconf"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// ClientOptions configure the CloudWatch Logs and EC2 clients. Zero values mean the AWS CLI's
// defaults.
type ClientOptions struct {
	Profile     string // shared config profile (else AWS_PROFILE / default)
	Region      string // region of the log group (else AWS_REGION / the profile's region)
	EndpointURL string // custom endpoint for both services (LocalStack, tests)

	Concurrency int           // expected parallel requests; sizes the idle connection pool (default 8)
	MaxAttempts int           // SDK attempts per request (default 5); cwsync retries throttling on top
	MaxBackoff  time.Duration // SDK backoff cap between attempts (default the SDK's, 20s)

	// Credentials overrides the standard chain (tests, or callers with their own provider).
	Credentials aws.CredentialsProvider
	// Debug receives one line per HTTP attempt (method, URL, API operation, status), never
	// headers, so signatures and tokens cannot leak.
	Debug io.Writer
	// OnRetry hears of each retry the SDK makes (a line to show on a terminal); nil for none.
	OnRetry func(awsconf.Retry)
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
	dbg := awsconf.NewDebug(o.Debug)
	cfg, err := awsconf.Load(ctx, awsconf.Options{Profile: o.Profile, Region: o.Region, Credentials: o.Credentials,
		MaxAttempts: o.MaxAttempts, MaxBackoff: o.MaxBackoff, Debug: dbg, OnRetry: o.OnRetry,
		Tune: func(tr *http.Transport) { awsconf.SizePool(tr, o.Concurrency, 16) }})
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: log groups are regional; set --region, AWS_REGION or the profile's region")
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
