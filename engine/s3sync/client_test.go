package s3sync

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// isolateAWSEnv keeps the developer's own AWS config out of the test.
func isolateAWSEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestNewClientDiscoversBucketRegion(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		header  string
		region  string // given --region
		want    string
		wantReq int32
	}{
		{"redirect names the region", http.StatusMovedPermanently, "eu-west-2", "", "eu-west-2", 1},
		{"access denied still names it", http.StatusForbidden, "ap-south-1", "", "ap-south-1", 1},
		{"found", http.StatusOK, "us-west-2", "", "us-west-2", 1},
		{"no header: default", http.StatusNotFound, "", "", "us-east-1", 1},
		{"--region wins, no request", http.StatusOK, "us-west-2", "ca-central-1", "ca-central-1", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolateAWSEnv(t)
			var reqs atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reqs.Add(1)
				if r.Method != http.MethodHead || r.URL.Path != "/mybucket" {
					t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
				}
				if c.header != "" {
					w.Header().Set("X-Amz-Bucket-Region", c.header)
				}
				w.WriteHeader(c.status)
			}))
			defer srv.Close()
			cl, err := NewClient(context.Background(), ClientOptions{
				Bucket: "mybucket", Region: c.region, EndpointURL: srv.URL, PathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := cl.Options().Region; got != c.want {
				t.Errorf("region %q, want %q", got, c.want)
			}
			if reqs.Load() != c.wantReq {
				t.Errorf("%d requests, want %d", reqs.Load(), c.wantReq)
			}
		})
	}
}

func TestNewClientPoolFitsConcurrency(t *testing.T) {
	isolateAWSEnv(t)
	tr := &http.Transport{}
	tuneTransport(tr, 100)
	if tr.MaxIdleConnsPerHost < 100 || !tr.DisableCompression {
		t.Errorf("MaxIdleConnsPerHost %d for 100 workers, DisableCompression %v", tr.MaxIdleConnsPerHost, tr.DisableCompression)
	}
}
