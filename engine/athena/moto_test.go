package athena

import (
	"context"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/flowq/flowq/engine/athena/athenatest"
)

// moto is the moto_server every test of the package talks to, started by TestMain.
var moto *athenatest.Server

// Moto's default identity; any key works while IAM checks are off.
const (
	testKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

func TestMain(m *testing.M) {
	// No shared config or credentials of the machine may leak into the tests.
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	var err error
	if moto, err = athenatest.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: engine/athena tests need moto_server:", err)
		os.Exit(1)
	}
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// motoAPI posts body to one of moto's own endpoints (seeding results, state transitions, auth).
func motoAPI(t *testing.T, path, body string) {
	t.Helper()
	if err := moto.API(path, body); err != nil {
		t.Fatal(err)
	}
}

// newTestClient is a Client on moto with static credentials.
func newTestClient(t *testing.T, key, secret string) *Client {
	t.Helper()
	c, err := New(context.Background(), ClientOptions{Region: testRegion, EndpointURL: moto.URL,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	if err != nil {
		t.Fatal(err)
	}
	c.pollMin, c.pollMax = 10*time.Millisecond, 100*time.Millisecond
	return c
}

func makeBucket(t *testing.T, c *Client, name string) {
	t.Helper()
	if _, err := c.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

// makeWorkgroup creates a workgroup writing results to output (none when empty).
func makeWorkgroup(t *testing.T, c *Client, name, output string) {
	t.Helper()
	conf := &types.WorkGroupConfiguration{}
	if output != "" {
		conf.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(output)}
	}
	if _, err := c.athena.CreateWorkGroup(context.Background(), &sdk.CreateWorkGroupInput{Name: aws.String(name), Configuration: conf}); err != nil {
		t.Fatal(err)
	}
}

// iamCall sends one IAM Query API request to moto, signed, and returns the body.
func iamCall(t *testing.T, params url.Values) []byte {
	t.Helper()
	params.Set("Version", "2010-05-08")
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, moto.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte(body)))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, req, sum, "iam", testRegion, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("IAM %s: %d %s", params.Get("Action"), resp.StatusCode, b)
	}
	return b
}

// restrictedUser creates an IAM user allowed only policy's actions and returns its keys.
func restrictedUser(t *testing.T, name, policy string) (key, secret string) {
	t.Helper()
	iamCall(t, url.Values{"Action": {"CreateUser"}, "UserName": {name}})
	iamCall(t, url.Values{"Action": {"PutUserPolicy"}, "UserName": {name}, "PolicyName": {"only"}, "PolicyDocument": {policy}})
	b := iamCall(t, url.Values{"Action": {"CreateAccessKey"}, "UserName": {name}})
	var out struct {
		Key    string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.Key == "" {
		t.Fatalf("CreateAccessKey answer %s: %v", b, err)
	}
	return out.Key, out.Secret
}
