package awsconf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddle "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Unreachable reports a connection refused or a host name that does not resolve: a retry
// seconds later meets the same answer, so callers fail at once instead of backing off.
func Unreachable(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}

// Retry is one retry the SDK is about to make, for Options.OnRetry.
type Retry struct {
	Op      string // API operation, e.g. ListObjectsV2
	Attempt int    // the attempt about to be made (2 for the first retry)
	Max     int    // attempts at most
	Delay   time.Duration
	Err     error // why the last attempt failed
}

// String reads "retrying ListObjectsV2 (attempt 3 of 10) after 5s: …".
func (r Retry) String() string {
	op := r.Op
	if op == "" {
		op = "request"
	}
	return fmt.Sprintf("retrying %s (attempt %d of %d) after %s: %v", op, r.Attempt, r.Max,
		r.Delay.Round(100*time.Millisecond), Explain(r.Err, ""))
}

// noticeRetryer tells OnRetry about each retry and refuses to retry unreachable endpoints.
type noticeRetryer struct {
	aws.RetryerV2
	on  func(Retry)
	mu  sync.Mutex
	ops map[error]string // the failed attempt's operation, from GetRetryToken to RetryDelay
}

func (r *noticeRetryer) IsErrorRetryable(err error) bool {
	return !Unreachable(err) && r.RetryerV2.IsErrorRetryable(err)
}

func (r *noticeRetryer) GetRetryToken(ctx context.Context, err error) (func(error) error, error) {
	if r.on != nil && err != nil && reflect.TypeOf(err).Comparable() {
		r.mu.Lock()
		r.ops[err] = awsmiddle.GetOperationName(ctx)
		r.mu.Unlock()
	}
	return r.RetryerV2.GetRetryToken(ctx, err)
}

func (r *noticeRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	var op string
	if err != nil && reflect.TypeOf(err).Comparable() {
		r.mu.Lock()
		op = r.ops[err]
		delete(r.ops, err)
		r.mu.Unlock()
	}
	if r.on != nil && derr == nil {
		next := attempt + 1 // the SDK passes the failed attempt's number...
		if os.Getenv("AWS_NEW_RETRIES_2026") == "true" {
			next++ // ...or, with the 2026 retry behaviour, the number of retries so far
		}
		r.on(Retry{Op: op, Attempt: next, Max: r.MaxAttempts(), Delay: d, Err: err})
	}
	return d, derr
}

func newNoticeRetryer(std *retry.Standard, on func(Retry)) aws.RetryerV2 {
	return &noticeRetryer{RetryerV2: std, on: on, ops: map[error]string{}}
}

// explained is an AWS error in words a person would write; it unwraps to the SDK's error.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// Explain turns an SDK error into a sentence: what failed and what to do, never a RequestID,
// HostID or the instance-metadata chatter of a credential chain that found nothing. what names
// the resource the call was about ("bucket logs", "log group /vpc/flow"), or is empty. Errors
// that are no AWS answer come back unchanged.
func Explain(err error, what string) error {
	if err == nil {
		return nil
	}
	var done *explained
	if errors.As(err, &done) || errors.Is(err, context.Canceled) {
		return err
	}
	if msg := explain(err, what); msg != "" {
		return &explained{msg: msg, err: err}
	}
	return err
}

func explain(err error, what string) string {
	var maxErr *retry.MaxAttemptsError
	if errors.As(err, &maxErr) {
		inner := explain(maxErr.Err, what)
		if inner == "" {
			inner = maxErr.Err.Error()
		}
		return fmt.Sprintf("gave up after %d attempts: %s", maxErr.Attempt, inner)
	}
	text := err.Error()
	if strings.Contains(text, "failed to refresh cached credentials") || strings.Contains(text, "failed to retrieve credentials") {
		return "no AWS credentials found: set AWS_PROFILE (or --profile) for a configured profile, " +
			"or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login` / `aws configure`"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if what == "" {
			what = "the resource"
		}
		code := ae.ErrorCode()
		switch code {
		case "NoSuchBucket":
			return what + " does not exist"
		case "ResourceNotFoundException":
			return fmt.Sprintf("%s does not exist (%s)", what, strings.TrimSuffix(ae.ErrorMessage(), "."))
		case "NoSuchKey", "NotFound":
			return what + " was not found (it was deleted after it was listed?)"
		case "SignatureDoesNotMatch":
			return "the secret key was rejected (SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key"
		case "InvalidAccessKeyId", "InvalidClientTokenId", "UnrecognizedClientException":
			return fmt.Sprintf("the access key id was not recognised (%s): check AWS_ACCESS_KEY_ID or the profile", code)
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired", "InvalidToken":
			return fmt.Sprintf("the AWS credentials have expired (%s): refresh them (e.g. `aws sso login`) and run again", code)
		case "AccessDenied", "AccessDeniedException", "Forbidden":
			return fmt.Sprintf("access to %s was denied (%s): the credentials need read permission on it", what, code)
		case "PermanentRedirect", "AuthorizationHeaderMalformed":
			return fmt.Sprintf("%s is in another region (%s): set --region to the bucket's region", what, code)
		}
		msg := strings.TrimSuffix(ae.ErrorMessage(), ".")
		if msg == "" {
			msg = "no message"
		}
		status := ""
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
			status = fmt.Sprintf(", HTTP %d", re.HTTPStatusCode())
		}
		return fmt.Sprintf("AWS answered %s: %s (%s%s)", code, msg, what, status)
	}
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("cannot find host %s (no such host): check --endpoint-url and --region", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot connect to %s (connection refused): is the endpoint up? check --endpoint-url", host)
	}
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) {
		cause := errors.Unwrap(se)
		if errors.As(cause, &ue) {
			cause = ue.Err
		}
		return fmt.Sprintf("request to %s failed: %v", host, cause)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("AWS answered HTTP %d %s for %s", re.HTTPStatusCode(), http.StatusText(re.HTTPStatusCode()), orThe(what))
	}
	return ""
}

func orThe(what string) string {
	if what == "" {
		return "the request"
	}
	return what
}
