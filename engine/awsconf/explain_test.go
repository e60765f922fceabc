package awsconf

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

func TestExplain(t *testing.T) {
	api := func(code, msg string) error {
		return fmt.Errorf("operation error S3: ListObjectsV2, https response error StatusCode: 404, RequestID: R1, HostID: H1, api error %w",
			&smithy.GenericAPIError{Code: code, Message: msg})
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"no bucket", api("NoSuchBucket", "The specified bucket does not exist"), "bucket small2k does not exist"},
		{"bad secret", api("SignatureDoesNotMatch", "x"), "the secret key was rejected (SignatureDoesNotMatch)"},
		{"expired", api("ExpiredToken", "x"), "the AWS credentials have expired (ExpiredToken)"},
		{"denied", api("AccessDenied", "Access Denied"), "access to bucket small2k was denied (AccessDenied)"},
		{"other code", api("SlowDown", "Please reduce your request rate."), "AWS answered SlowDown: Please reduce your request rate (bucket small2k)"},
		{"no credentials", errors.New("failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata"),
			"no AWS credentials found: "},
		{"gave up", &retry.MaxAttemptsError{Attempt: 10, Err: api("SlowDown", "slow")}, "gave up after 10 attempts: AWS answered SlowDown: slow"},
		{"dns", &net.DNSError{Name: "nohost.invalid", Err: "no such host", IsNotFound: true}, "cannot find host nohost.invalid (no such host)"},
		{"refused", refused, "(connection refused)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Explain(c.err, "bucket small2k")
			if !strings.HasPrefix(got.Error(), c.want) && !strings.Contains(got.Error(), c.want) {
				t.Errorf("Explain = %q, want %q", got, c.want)
			}
			for _, raw := range []string{"RequestID", "HostID", "IMDS", "operation error"} {
				if strings.Contains(got.Error(), raw) {
					t.Errorf("Explain = %q shows %s", got, raw)
				}
			}
			if !errors.Is(got, c.err) {
				t.Errorf("Explain does not unwrap to the SDK's error")
			}
		})
	}
	if !Unreachable(refused) || !Unreachable(&net.DNSError{IsNotFound: true}) || Unreachable(errors.New("timeout")) {
		t.Errorf("Unreachable misjudges")
	}
	plain := errors.New("disk full")
	if Explain(plain, "x") != plain {
		t.Errorf("an error that is no AWS answer changed")
	}
}
