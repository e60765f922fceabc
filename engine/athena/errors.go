package athena

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// PermissionError is a request AWS refused for want of a permission: which IAM action on which
// resource, so the person can ask for exactly that grant.
type PermissionError struct {
	Action   string // e.g. s3:PutObject, athena:StartQueryExecution
	Resource string // ARN or URL of what was refused
	Message  string // AWS's own message
	Err      error
}

func (e *PermissionError) Error() string {
	msg := fmt.Sprintf("permission denied: %s on %s", e.Action, e.Resource)
	if e.Message != "" {
		msg += " (AWS says: " + e.Message + ")"
	}
	return msg + "; grant " + e.Action + " on that resource to the identity flowq runs as (--profile), or use a profile that has it"
}

func (e *PermissionError) Unwrap() error { return e.Err }

// QueryFailedError is a query Athena ran and failed (or that was cancelled there).
type QueryFailedError struct {
	ID     string // query execution id
	State  string // FAILED or CANCELLED
	Reason string // StateChangeReason, else the AthenaError message
}

func (e *QueryFailedError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "Athena gave no reason"
	}
	return fmt.Sprintf("athena query %s %s: %s", e.ID, strings.ToLower(e.State), reason)
}

// ErrNoOutputLocation is returned (wrapped) when neither the workgroup nor the caller names where
// Athena should write query results.
var ErrNoOutputLocation = errors.New("no query result location")

func noOutputError(workgroup string) error {
	return fmt.Errorf("%w: workgroup %q has no query result location; pass --output-location s3://BUCKET/athena-results/ "+
		"or set one on the workgroup (aws athena update-work-group --work-group %s --configuration-updates "+
		"'ResultConfigurationUpdates={OutputLocation=s3://BUCKET/athena-results/}')", ErrNoOutputLocation, workgroup, workgroup)
}

// accessDenied codes across S3 (AccessDenied), Athena and STS-style JSON services.
var accessDeniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"Forbidden": true, // a refused HEAD has no body, only its status
}

// notAuthorized matches AWS's "User: ARN is not authorized to perform: ACTION [on resource: RES]".
var notAuthorized = regexp.MustCompile(`not authorized to perform:?\s+([a-zA-Z0-9-]+:[A-Za-z0-9*]+)(?:\s+on resource:?\s+(\S+))?`)

// s3Actions names the IAM action each S3 operation needs where it differs from the operation name.
var s3Actions = map[string]string{
	"ListObjectsV2": "s3:ListBucket", "HeadObject": "s3:GetObject", "HeadBucket": "s3:ListBucket",
	"DeleteObjects": "s3:DeleteObject",
}

// explain turns an AWS error into one a person can act on: AccessDenied names the action and the
// resource (from AWS's message when it says, else from the operation and what flowq was
// touching); the missing-output-location message becomes ErrNoOutputLocation. resource is what
// the call was about (an s3:// URL, a workgroup ARN).
func explain(err error, resource, workgroup string) error {
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		// A 403 whose body the SDK could not read (an emulator answering a JSON service in
		// XML, a proxy's page) is still a refusal; the operation says which action.
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
			return &PermissionError{Action: iamAction(err), Resource: resource, Err: err}
		}
		return err
	}
	if strings.Contains(api.ErrorMessage(), "output location is required") || strings.Contains(api.ErrorMessage(), "No output location provided") {
		return fmt.Errorf("%w (AWS says: %s)", noOutputError(workgroup), api.ErrorMessage())
	}
	if !accessDeniedCodes[api.ErrorCode()] {
		return err
	}
	pe := &PermissionError{Resource: resource, Message: api.ErrorMessage(), Err: err}
	if m := notAuthorized.FindStringSubmatch(api.ErrorMessage()); m != nil {
		pe.Action = m[1]
		if m[2] != "" {
			pe.Resource = strings.TrimSuffix(m[2], ",")
		}
	}
	if pe.Action == "" {
		pe.Action = iamAction(err)
	}
	return pe
}

// iamAction names the IAM action of the failed operation.
func iamAction(err error) string {
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return "(unknown action)"
	}
	if op.Service() == "S3" {
		if a := s3Actions[op.Operation()]; a != "" {
			return a
		}
		return "s3:" + op.Operation()
	}
	return strings.ToLower(op.Service()) + ":" + op.Operation()
}
