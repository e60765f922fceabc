// Package athena moves flowq's work to Amazon Athena: it publishes the store's Parquet parts to S3
// and creates the table there, and runs queries in Athena with results read back as *sql.Rows.
package athena

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/flowq/flowq/engine/awsconf"
)

// ClientOptions are the standard AWS options, as `flowq sync` takes them.
type ClientOptions struct {
	Profile     string // shared config profile (else AWS_PROFILE / default)
	Region      string // region of the Athena workgroup and the bucket (else AWS_REGION / the profile's)
	EndpointURL string // one endpoint for S3 and Athena (emulators, VPC endpoints); S3 is then path-style
	// Credentials overrides the standard chain (tests, or callers with their own provider).
	Credentials aws.CredentialsProvider
	Debug       io.Writer // one redacted line per HTTP attempt; nil for none
	// Concurrency is how many parts are uploaded at once (default 4).
	Concurrency int
}

// Client talks to Athena and to S3 in one account and region.
type Client struct {
	athena      *sdk.Client
	s3          *s3.Client
	region      string
	concurrency int
	// pollMin and pollMax bound the backoff between GetQueryExecution calls.
	pollMin, pollMax time.Duration
}

// New builds the clients from the standard credential chain.
func New(ctx context.Context, o ClientOptions) (*Client, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	cfg, err := awsconf.Load(ctx, awsconf.Options{Profile: o.Profile, Region: o.Region, Credentials: o.Credentials,
		MaxAttempts: 5, Debug: awsconf.NewDebug(o.Debug),
		Tune: func(tr *http.Transport) {
			awsconf.SizePool(tr, o.Concurrency, 16)
			tr.DisableCompression = true // S3 bytes must arrive as stored
		}})
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: pass --region or set AWS_REGION (Athena is regional)")
	}
	c := &Client{region: cfg.Region, concurrency: o.Concurrency, pollMin: 200 * time.Millisecond, pollMax: 5 * time.Second}
	c.athena = sdk.NewFromConfig(cfg, func(ao *sdk.Options) {
		if o.EndpointURL != "" {
			ao.BaseEndpoint = aws.String(o.EndpointURL)
		}
	})
	c.s3 = s3.NewFromConfig(cfg, func(so *s3.Options) {
		// Only Content-MD5 is sent (checksum verified by S3 and compared with the ETag); the
		// SDK's default CRC trailers would make the upload depend on aws-chunked support.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		so.DisableLogOutputChecksumValidationSkipped = true
		if o.EndpointURL != "" {
			so.BaseEndpoint = aws.String(o.EndpointURL)
			so.UsePathStyle = true
		}
	})
	return c, nil
}

// Region is the region the clients talk to.
func (c *Client) Region() string { return c.region }

// S3URL is a parsed s3://BUCKET/PREFIX.
type S3URL struct {
	Bucket, Prefix string // Prefix without leading or trailing slash; may be empty
}

// ParseS3URL accepts s3://BUCKET or s3://BUCKET/PREFIX[/].
func ParseS3URL(s string) (S3URL, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return S3URL{}, fmt.Errorf("%q is not an s3:// URL", s)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return S3URL{}, fmt.Errorf("%q names no bucket", s)
	}
	return S3URL{Bucket: bucket, Prefix: strings.Trim(prefix, "/")}, nil
}

// String is the URL without a trailing slash.
func (u S3URL) String() string {
	if u.Prefix == "" {
		return "s3://" + u.Bucket
	}
	return "s3://" + u.Bucket + "/" + u.Prefix
}

// Key joins the prefix and a slash-separated relative path.
func (u S3URL) Key(rel string) string {
	if u.Prefix == "" {
		return rel
	}
	return u.Prefix + "/" + rel
}
