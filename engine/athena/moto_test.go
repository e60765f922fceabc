package athena

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// motoURL is the moto_server every test of the package talks to, started by TestMain.
var motoURL string

// Moto's default identity; any key works while IAM checks are off.
const (
	testKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

func TestMain(m *testing.M) {
	stop, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: engine/athena tests need moto_server (the AWS API emulator) on PATH:", err)
		os.Exit(1)
	}
	// No shared config or credentials of the machine may leak into the tests.
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	code := m.Run()
	stop()
	os.Exit(code)
}

// startMoto runs moto_server on a free loopback port in a process group of its own and waits
// until it answers; stop kills that group.
func startMoto() (stop func(), err error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
	motoURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	for range 300 { // up to a minute on a busy machine
		resp, err := http.Get(motoURL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("moto_server on port %d did not answer; its output:\n%s", port, logs.String())
}

// motoAPI posts body to one of moto's own endpoints (seeding results, state transitions, auth).
func motoAPI(t *testing.T, path, body string) {
	t.Helper()
	resp, err := http.Post(motoURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("moto %s: %d %s", path, resp.StatusCode, b)
	}
}

// newTestClient is a Client on moto with static credentials.
func newTestClient(t *testing.T, key, secret string) *Client {
	t.Helper()
	c, err := New(context.Background(), ClientOptions{Region: testRegion, EndpointURL: motoURL,
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
	req, err := http.NewRequest(http.MethodPost, motoURL+"/", strings.NewReader(body))
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
