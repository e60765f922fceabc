package s3sync

import (
	"testing"
	"time"
)

func TestParseS3URL(t *testing.T) {
	cases := []struct {
		in, bucket, prefix string
		ok                 bool
	}{
		{"s3://my-bucket", "my-bucket", "", true},
		{"s3://my-bucket/", "my-bucket", "", true},
		{"s3://my-bucket/logs", "my-bucket", "logs/", true},
		{"s3://my.bucket/a/b/", "my.bucket", "a/b/", true},
		{"s3://b/x", "", "", false},
		{"https://my-bucket/x", "", "", false},
		{"s3://user:secret@bucket/x", "", "", false},
		{"my-bucket/logs", "", "", false},
	}
	for _, c := range cases {
		b, p, err := ParseS3URL(c.in)
		if (err == nil) != c.ok || b != c.bucket || p != c.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v; want %q, %q ok=%v", c.in, b, p, err, c.bucket, c.prefix, c.ok)
		}
	}
}

func TestResultString(t *testing.T) {
	r := Result{Listed: 10, Downloaded: 7, Skipped: 2, Failed: 1, Bytes: 2_500_000, Duration: 1500 * time.Millisecond}
	want := "listed 10, downloaded 7, skipped 2, failed 1, refused 0, 2.5 MB in 1.5 s"
	if got := r.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
