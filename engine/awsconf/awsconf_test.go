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

func TestRedact(t *testing.T) {
	cases := []struct{ in, secret string }{
		{"GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=deadbeefcafe&X-Amz-Security-Token=FQoGtoken", "AKIAEXAMPLE"},
		{"x-amz-signature=deadbeefcafe", "deadbeefcafe"},
		{"url ?X-Amz-Security-Token=FQoGtoken&x=1", "FQoGtoken"},
		{"https://s3.amazonaws.com/b/k?AWSAccessKeyId=AKIAOLD&Signature=c2lnbmF0dXJl&Expires=1", "c2lnbmF0dXJl"},
	}
	for _, c := range cases {
		out := Redact(c.in)
		if strings.Contains(out, c.secret) || !strings.Contains(out, "REDACTED") {
			t.Errorf("redact(%q) = %q still holds %q", c.in, out, c.secret)
		}
	}
}
