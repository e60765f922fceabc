package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/spf13/cobra"

	"github.com/flowq/flowq/engine/inventory/mototest"
	"github.com/flowq/flowq/engine/iostreams"
)

func invExitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	}
	return exitFailure
}

func TestInventorySyncFlags(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		want     inventorySyncOptions // f is not compared
		wantCode int
		wantErr  string
	}{
		{name: "defaults", args: nil, want: inventorySyncOptions{}},
		{name: "repeated regions", args: []string{"--region", "eu-west-1", "--region", "us-gov-west-1", "--profile", "audit"},
			want: inventorySyncOptions{Profile: "audit", Regions: []string{"eu-west-1", "us-gov-west-1"}}},
		{name: "all regions, endpoint, wait", args: []string{"--all-regions", "--endpoint-url", "http://127.0.0.1:5000", "--wait", "--no-ip-ranges"},
			want: inventorySyncOptions{AllRegions: true, EndpointURL: "http://127.0.0.1:5000", Wait: true, NoIPRanges: true}},
		{name: "ip ranges url", args: []string{"--ip-ranges-url", "https://mirror.example/ip-ranges.json"},
			want: inventorySyncOptions{IPRangesURL: "https://mirror.example/ip-ranges.json"}},
		{name: "region and all regions", args: []string{"--region", "eu-west-1", "--all-regions"}, wantCode: exitUsage, wantErr: "either --region or --all-regions"},
		{name: "bad region", args: []string{"--region", "Ireland"}, wantCode: exitUsage, wantErr: `"Ireland" is not a region name`},
		{name: "bad endpoint", args: []string{"--endpoint-url", "127.0.0.1:5000"}, wantCode: exitUsage, wantErr: "--endpoint-url"},
		{name: "both ip-ranges flags", args: []string{"--no-ip-ranges", "--ip-ranges-url", "http://x/y"}, wantCode: exitUsage, wantErr: "--no-ip-ranges"},
		{name: "unknown flag", args: []string{"--regions", "eu-west-1"}, wantCode: exitUsage, wantErr: "unknown flag"},
		{name: "argument", args: []string{"eu-west-1"}, wantCode: exitFailure, wantErr: "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got *inventorySyncOptions
			f := newFactory(iostreams.Test(nil, &bytes.Buffer{}, &bytes.Buffer{}))
			err := invRunParse(f, newInventorySyncCmd(f, func(_ context.Context, o *inventorySyncOptions) error { got = o; return nil }), c.args)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				if c.wantCode != exitFailure && invExitCode(err) != c.wantCode {
					t.Fatalf("exit %d, want %d", invExitCode(err), c.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.f = nil
			if !reflect.DeepEqual(*got, c.want) {
				t.Fatalf("options %+v, want %+v", *got, c.want)
			}
		})
	}
}

func TestInventoryCheckFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		want    string // "src dst proto port srcport"
		wantErr string
	}{
		{name: "tcp by default", args: []string{"10.0.1.10", "10.0.2.30:5432"}, want: "10.0.1.10 10.0.2.30 6 5432 0"},
		{name: "udp from a port, IPv6", args: []string{"2600:1f18::1", "[2600:1f18::5]:53", "--proto", "UDP", "--src-port", "40000"}, want: "2600:1f18::1 2600:1f18::5 17 53 40000"},
		{name: "protocol number", args: []string{"10.0.1.10", "10.0.2.30:1", "--proto", "47"}, want: "10.0.1.10 10.0.2.30 47 1 0"},
		{name: "no port", args: []string{"10.0.1.10", "10.0.2.30"}, wantErr: "is not ADDRESS:PORT"},
		{name: "bad source", args: []string{"web", "10.0.2.30:22"}, wantErr: `source "web" is not an address`},
		{name: "bad proto", args: []string{"10.0.1.10", "10.0.2.30:22", "--proto", "sctp"}, wantErr: `--proto "sctp"`},
		{name: "bad src port", args: []string{"10.0.1.10", "10.0.2.30:22", "--src-port", "70000"}, wantErr: "--src-port 70000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got *inventoryCheckOptions
			f := newFactory(iostreams.Test(nil, &bytes.Buffer{}, &bytes.Buffer{}))
			err := invRunParse(f, newInventoryCheckCmd(f, func(_ context.Context, o *inventoryCheckOptions) error { got = o; return nil }), c.args)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || invExitCode(err) != exitUsage {
					t.Fatalf("error %v (exit %d), want usage error %q", err, invExitCode(err), c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cv := got.Conv
			if s := fmt.Sprintf("%s %s %d %d %d", cv.Src, cv.Dst, cv.Proto, cv.Port, cv.SrcPort); s != c.want {
				t.Fatalf("got %s, want %s", s, c.want)
			}
		})
	}
}

// runParse runs a sub-command the way the root does (flag errors are usage errors).
func invRunParse(f *factory, sub *cobra.Command, args []string) error {
	root := &cobra.Command{Use: "flowq", SilenceErrors: true, SilenceUsage: true}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &exitError{code: exitUsage, err: err} })
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	inv := &cobra.Command{Use: "inventory"}
	inv.AddCommand(sub)
	root.AddCommand(inv)
	root.SetArgs(append([]string{"inventory", sub.Name()}, args...))
	return root.Execute()
}

func TestInventoryLookupFlags(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantKeys []string
		wantAt   time.Time // zero: about now
		wantErr  string
	}{
		{name: "address and interface", args: []string{"10.0.1.10", "eni-0abc12", "2600:1f18::5"}, wantKeys: []string{"10.0.1.10", "eni-0abc12", "2600:1f18::5"}},
		{name: "at a time", args: []string{"10.0.1.10", "--at", "2024-05-01 10:00"}, wantKeys: []string{"10.0.1.10"}, wantAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{name: "at unix seconds", args: []string{"10.0.1.10", "--at", "1714557600"}, wantKeys: []string{"10.0.1.10"}, wantAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{name: "not an address", args: []string{"web-prod-3"}, wantErr: `"web-prod-3" is neither an address nor an interface id`},
		{name: "bad time", args: []string{"10.0.1.10", "--at", "yesterday-ish"}, wantErr: "--at"},
		{name: "nothing", args: nil, wantErr: "requires at least 1 arg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got *inventoryLookupOptions
			f := newFactory(iostreams.Test(nil, &bytes.Buffer{}, &bytes.Buffer{}))
			before := time.Now().UTC()
			err := invRunParse(f, newInventoryLookupCmd(f, func(_ context.Context, o *inventoryLookupOptions) error { got = o; return nil }), c.args)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Keys, c.wantKeys) {
				t.Fatalf("keys %q, want %q", got.Keys, c.wantKeys)
			}
			if c.wantAt.IsZero() && got.At.Before(before) || !c.wantAt.IsZero() && !got.At.Equal(c.wantAt) {
				t.Fatalf("at %s, want %s", got.At, c.wantAt)
			}
		})
	}
}

// TestInventoryCommands runs sync, show and lookup in process against moto, with the IP ranges
// refreshed from a server on 127.0.0.1.
func TestInventoryCommands(t *testing.T) {
	endpoint := mototest.Start(t)
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("eu-west-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	cl := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(endpoint) })
	vpc := invMust(cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))(t).Vpc.VpcId
	subnet := invMust(cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String("10.0.1.0/24"),
		AvailabilityZone: aws.String("eu-west-1a")}))(t).Subnet.SubnetId
	sg := invMust(cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc, GroupName: aws.String("web"), Description: aws.String("web")}))(t).GroupId
	invMust(cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg, IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))(t)
	run := invMust(cl.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: subnet,
			PrivateIpAddress: aws.String("10.0.1.10"), DeleteOnTermination: aws.Bool(true), Groups: []string{*sg}}},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web-prod-3")}}}}}))(t)
	instance := aws.ToString(run.Instances[0].InstanceId)

	ranges := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"syncToken":"1790000000","createDate":"2026-09-21-10-00-00","prefixes":[
			{"ip_prefix":"198.51.100.0/24","region":"eu-central-1","service":"DYNAMODB","network_border_group":"eu-central-1"}],"ipv6_prefixes":[]}`))
	}))
	defer ranges.Close()

	dir := t.TempDir()
	exec := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		f := newFactory(iostreams.Test(nil, &out, &errOut))
		root := newRootCmd(f)
		root.SetArgs(append([]string{"--data-dir", dir}, args...))
		err := root.ExecuteContext(ctx)
		return out.String(), errOut.String(), err
	}
	_, stderr, err := exec("inventory", "sync", "--endpoint-url", endpoint, "--region", "eu-west-1", "--ip-ranges-url", ranges.URL)
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, stderr)
	}
	for _, want := range []string{"1 instances", "0 calls denied, 0 failed", "ip ranges: updated to 2026-09-21"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("sync stderr lacks %q:\n%s", want, stderr)
		}
	}
	stdout, _, err := exec("inventory", "show", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st inventoryStatus
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatalf("show --json: %v\n%s", err, stdout)
	}
	if st.IPRangesDate != "2026-09-21" || len(st.Snapshots) != 1 || st.Snapshots[0].Rows["instances"] != 1 || !reflect.DeepEqual(st.Snapshots[0].Regions, []string{"eu-west-1"}) {
		t.Fatalf("show: %+v", st)
	}
	if err := os.WriteFile(filepath.Join(dir, "labels.csv"), []byte("10.9.0.0/16,on-prem-dc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = exec("inventory", "lookup", "--json", "10.0.1.10", "198.51.100.7", "10.9.9.9", "8.8.8.8", "10.7.7.7")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var a ownerAnswer
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("lookup line %q: %v", line, err)
		}
		got = append(got, a.Key+" "+a.Kind+" "+a.Name+" "+a.ResourceID)
	}
	want := []string{"10.0.1.10 instance web-prod-3 " + instance, "198.51.100.7 aws_service DYNAMODB eu-central-1 ",
		"10.9.9.9 private_unknown on-prem-dc ", "8.8.8.8 internet - ", "10.7.7.7 private_unknown - "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lookup\n got %q\nwant %q", got, want)
	}
	if _, _, err := exec("inventory", "bogus"); invExitCode(err) != exitUsage {
		t.Fatalf("unknown inventory sub-command: %v (exit %d), want exit %d", err, invExitCode(err), exitUsage)
	}
	// The planted group lets HTTPS in, not SSH.
	stdout, _, err = exec("inventory", "check", "203.0.113.9", "10.0.1.10:22")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"verdict: blocked at the security group ingress of the destination 10.0.1.10 (web-prod-3): no ingress rule of " + *sg + " (web) allows tcp 22 from 203.0.113.9\n",
		"  DROP   security group ingress of the destination",
		"  note: 203.0.113.9 is a public address: the block is likely intended",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check :22 lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, err = exec("inventory", "check", "203.0.113.9", "10.0.1.10:443", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Blocked *struct{ Rule string }
		Checks  []struct {
			Rule    string
			Allowed bool
		}
	}
	if err := json.Unmarshal([]byte(stdout), &ev); err != nil || ev.Blocked != nil || len(ev.Checks) != 3 || ev.Checks[1].Rule != *sg+" (web) allows tcp 443 from 0.0.0.0/0" {
		t.Fatalf("check :443: %v %+v\n%s", err, ev, stdout)
	}

	// Credentials AWS refuses: no call succeeds, so nothing is stored and the exit status is 1.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors></Response>`))
	}))
	defer refuse.Close()
	_, stderr, err = exec("inventory", "sync", "--endpoint-url", refuse.URL, "--region", "eu-west-1", "--no-ip-ranges")
	if err == nil || invExitCode(err) != exitFailure || !strings.Contains(err.Error(), "no Describe call succeeded") || !strings.Contains(err.Error(), "AuthFailure") {
		t.Fatalf("sync with refused credentials: %v\n%s", err, stderr)
	}
	if stdout, _, _ := exec("inventory", "show"); !strings.Contains(stdout, "ip ranges: 2026-09-21") || strings.Count(stdout, "eu-west-1") != 1 {
		t.Fatalf("show after the refused sync:\n%s", stdout)
	}
}

// invMust fails the test on err: invMust(call(...))(t).
func invMust[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
