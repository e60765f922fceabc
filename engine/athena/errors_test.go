package athena

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With IAM checks on in moto, a user allowed only some actions gets errors that name the action
// and the resource that were refused.
func TestPermissionErrorsNameActionAndResource(t *testing.T) {
	ctx := context.Background()
	admin := newTestClient(t, testKey, testSecret)
	makeBucket(t, admin, "locked-lake")
	makeBucket(t, admin, "locked-out")
	makeWorkgroup(t, admin, "locked", "s3://locked-out/")
	key, secret := restrictedUser(t, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["athena:GetWorkGroup","s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`)
	motoAPI(t, "/moto-api/reset-auth", "0")
	t.Cleanup(func() { motoAPI(t, "/moto-api/reset-auth", "inf") })
	c := newTestClient(t, key, secret)

	_, err := c.Query(ctx, QueryOptions{SQL: "SELECT 1", Workgroup: "locked"})
	var pe *PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("query error %v, want a PermissionError", err)
	}
	if pe.Action != "athena:StartQueryExecution" || !strings.Contains(pe.Resource, "workgroup/locked") {
		t.Errorf("query refused: action %q on %q, want athena:StartQueryExecution on the workgroup", pe.Action, pe.Resource)
	}
	if msg := err.Error(); !strings.Contains(msg, "permission denied: athena:StartQueryExecution on arn:aws:athena:us-east-1:") {
		t.Errorf("message %q does not name the action and the workgroup", msg)
	}

	// Moto checks the signature of an S3 key holding "=" (date=…) against another canonical
	// form than the SDK's and refuses it whatever the policy says, so the upload's refusal is
	// checked on a part whose key has none; the HEAD before it is allowed (s3:GetObject).
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "tables", "day1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "tables", "day1", "part.parquet"), []byte("PAR1"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.uploadPart(ctx, data, S3URL{Bucket: "locked-lake", Prefix: "p"}, localPart{rel: "tables/day1/part.parquet", size: 4})
	if !errors.As(err, &pe) {
		t.Fatalf("upload error %v, want a PermissionError", err)
	}
	if pe.Action != "s3:PutObject" || pe.Resource != "arn:aws:s3:::locked-lake/p/tables/day1/part.parquet" {
		t.Errorf("upload refused: action %q on %q, want s3:PutObject on the part's key", pe.Action, pe.Resource)
	}
	if msg := err.Error(); !strings.Contains(msg, "permission denied: s3:PutObject on arn:aws:s3:::locked-lake/p/tables/day1/part.parquet") {
		t.Errorf("message %q does not name the action and the key", msg)
	}
	t.Log(err)
}

func TestExplainReadsAWSMessage(t *testing.T) {
	// AWS's own wording carries the action and the resource; they win over the guess.
	m := notAuthorized.FindStringSubmatch("User: arn:aws:iam::123456789012:user/bob is not authorized to perform: athena:GetQueryResults on resource: arn:aws:athena:eu-west-1:123456789012:workgroup/wg because no identity-based policy allows the athena:GetQueryResults action")
	if m == nil || m[1] != "athena:GetQueryResults" || m[2] != "arn:aws:athena:eu-west-1:123456789012:workgroup/wg" {
		t.Fatalf("parsed %q", m)
	}
}
