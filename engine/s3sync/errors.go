package s3sync

import (
	"errors"
	"strings"
	"syscall"

	"github.com/aws/smithy-go"
	"github.com/flowq/flowq/engine/awsconf"
)

// ErrStopped wraps a failure that every remaining object would meet too (credentials
// rejected or expired, disk full): the run stops instead of failing each object in turn.
var ErrStopped = errors.New("sync stopped")

// stopsRun reports failures that no retry or other object can get past.
func stopsRun(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId", "InvalidToken",
			"TokenRefreshRequired", "SignatureDoesNotMatch", "InvalidClientTokenId", "RequestExpired":
			return true
		}
	}
	// An endpoint that refuses connections or a host that does not resolve fails every request.
	if awsconf.Unreachable(err) {
		return true
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS) {
		return true
	}
	// The SDK reports a failed credential refresh as text only.
	return strings.Contains(err.Error(), "failed to refresh cached credentials")
}

// permanent reports answers that a retry of the same object cannot change.
func permanent(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied", "NoSuchKey", "NoSuchBucket", "InvalidObjectState", "NotFound", "Forbidden":
			return true
		}
	}
	return false
}
