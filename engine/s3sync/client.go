package s3sync

import (
	"context"
	"errors"
	"fmt"
	"github.com/flowq/flowq/engine/awsconf"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
	MaxBackoff  time.Duration // SDK backoff cap between attempts (default the SDK's, 20s)

	// Credentials overrides the standard chain (tests, or callers with their own provider).
	Credentials aws.CredentialsProvider
	// Debug receives one line per HTTP attempt and client decisions, never secrets. Each line
	// is one Write; a writer shared with Options.Debug must allow concurrent writes (os.Stderr does).
	Debug io.Writer
	// OnRetry hears of each retry the SDK makes (a line to show on a terminal); nil for none.
	OnRetry func(awsconf.Retry)
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
	dbg := awsconf.NewDebug(o.Debug)
	cfg, err := awsconf.Load(ctx, awsconf.Options{Profile: o.Profile, Region: o.Region, Credentials: o.Credentials,
		MaxAttempts: o.MaxAttempts, MaxBackoff: o.MaxBackoff, Debug: dbg, OnRetry: o.OnRetry,
		Tune: func(tr *http.Transport) { tuneTransport(tr, o.Concurrency) }})
	if err != nil {
		return nil, err
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
			dbg.Printf("bucket %s is in region %s", o.Bucket, region)
			cfg.Region = region
		default:
			dbg.Printf("bucket region not discovered (%v); using %q", awsconf.Explain(err, "bucket "+o.Bucket), guess)
			cfg.Region = guess
		}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if dbg != nil {
		if c, err := cfg.Credentials.Retrieve(ctx); err == nil {
			dbg.Printf("credentials from %s (expire: %v)", c.Source, c.CanExpire)
		} else {
			dbg.Printf("no credentials: %v", err) // Printf redacts
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

// tuneTransport keeps an idle connection for every worker and takes bodies as stored.
func tuneTransport(tr *http.Transport, concurrency int) {
	awsconf.SizePool(tr, concurrency, 64)
	tr.DisableCompression = true // S3 bytes must arrive as stored
}
