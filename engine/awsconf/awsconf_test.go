package awsconf

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
)

func TestRedactAndSafeURL(t *testing.T) {
	secret := "wJalrXUtnFEMI/K7MDENG"
	cases := []string{
		"GET https://b.s3.amazonaws.com/k?X-Amz-Signature=" + secret + "&x=1",
		"x-amz-credential=" + secret + ",next",
		"error: url \"https://h/?X-Amz-Security-Token=" + secret + "\"",
		"Signature=" + secret,
		"AWSAccessKeyId=" + secret + " and more",
	}
	for _, c := range cases {
		if out := Redact(c); strings.Contains(out, secret) || !strings.Contains(out, "REDACTED") {
			t.Errorf("Redact(%q) = %q", c, out)
		}
	}
	u, _ := url.Parse("https://user:pass@b.s3.amazonaws.com/k?X-Amz-Credential=" + secret + "&prefix=AWSLogs")
	got := SafeURL(u)
	if strings.Contains(got, secret) || strings.Contains(got, "pass") || !strings.Contains(got, "prefix=AWSLogs") {
		t.Errorf("SafeURL = %q", got)
	}
	var buf bytes.Buffer
	NewDebug(&buf).Printf("token %s", "X-Amz-Security-Token="+secret)
	if strings.Contains(buf.String(), secret) || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("debug line %q", buf.String())
	}
	var nilDebug *Debug
	nilDebug.Printf("nothing %d", 1) // a nil Debug is off, not a crash
}
