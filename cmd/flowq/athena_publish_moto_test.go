package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkathena "github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/flowq/flowq/engine/athena/athenatest"
	"github.com/flowq/flowq/engine/awsconf"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/iostreams"
	"github.com/flowq/flowq/engine/store/storetest"
)

// `athena publish` and a saved query run with --on athena, in process, against moto_server.
func TestAthenaPublishAndRunOnMoto(t *testing.T) {
	srv, err := athenatest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "us-east-1")
	ctx := context.Background()

	cfg, err := awsconf.Load(ctx, awsconf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(srv.URL), true })
	ath := sdkathena.NewFromConfig(cfg, func(o *sdkathena.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	for _, b := range []string{"lake", "results"} {
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ath.CreateWorkGroup(ctx, &sdkathena.CreateWorkGroupInput{Name: aws.String("wg"), Configuration: &athenatypes.WorkGroupConfiguration{
		ResultConfiguration: &athenatypes.ResultConfiguration{OutputLocation: aws.String("s3://results/")}}}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	_, st, err := storetest.Load(ctx, dir, flowgen.Config{Seed: 7, Records: 500, Span: 2 * time.Hour, Window: time.Hour,
		Accounts: []string{"123456789012"}, Regions: []string{"eu-west-1"}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	led, err := st.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	f := newFactory(iostreams.Test(nil, &out, &errOut))
	f.DataDir = st.Dir()

	publish := func() string {
		out.Reset()
		errOut.Reset()
		cmd := newAthenaPublishCmd(f, nil)
		cmd.SetArgs([]string{"s3://lake/flowq", "--database", "netlogs", "--workgroup", "wg", "--endpoint-url", srv.URL})
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("publish: %v\n%s", err, errOut.String())
		}
		return errOut.String()
	}
	msg := publish()
	want := "parts uploaded"
	if !strings.Contains(msg, "to s3://lake/flowq: "+strconv.Itoa(len(led.Parts))+" "+want) || !strings.Contains(msg, "table netlogs.vpc_flow_logs created") {
		t.Errorf("first publish said %q, want %d parts uploaded and the table created", msg, len(led.Parts))
	}
	if msg := publish(); !strings.Contains(msg, ": 0 parts uploaded (0 B), "+strconv.Itoa(len(led.Parts))+" already there, 0 deleted; table netlogs.vpc_flow_logs up to date") {
		t.Errorf("second publish said %q, want nothing uploaded", msg)
	}

	// A saved query, bound as --print binds it, run in the workgroup and rendered as CSV.
	c, err := f.catalog()
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.Resolve("traffic-from")
	if err != nil {
		t.Fatal(err)
	}
	src, dst := "10.0.1.5", "10.0.2.9"
	if err := srv.SeedResult("us-east-1", []athenatest.Column{{Name: "source", Type: "varchar"}, {Name: "records", Type: "bigint"}},
		[][]*string{{&src, aws.String("1234")}, {&dst, nil}}); err != nil {
		t.Fatal(err)
	}
	of := outputFlags{format: "csv", dialect: "athena"}
	r := athenaRemote{on: "athena", athena: athenaTarget{database: "netlogs", workgroup: "wg", aws: awsFlags{endpoint: srv.URL}}}
	out.Reset()
	errOut.Reset()
	stats, err := runSavedOnAthena(ctx, f, &r, q, map[string]string{"cidr": "10.0.0.0/8"}, &of)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "source,records\n10.0.1.5,1234\n10.0.2.9,\n"; got != want || stats.Rows != 2 {
		t.Errorf("output %q (%d rows), want %q", got, stats.Rows, want)
	}
	if !strings.Contains(errOut.String(), "scanned 0 B, $0.000048 at $5 per TB (10 MB minimum per query)") {
		t.Errorf("stderr %q lacks the scan and price line", errOut.String())
	}
	ids, err := ath.ListQueryExecutions(ctx, &sdkathena.ListQueryExecutionsInput{WorkGroup: aws.String("wg")})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, id := range ids.QueryExecutionIds {
		qe, err := ath.GetQueryExecution(ctx, &sdkathena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		sql := aws.ToString(qe.QueryExecution.Query)
		if strings.Contains(sql, "contains('10.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))") {
			found = true
			if strings.Contains(sql, "$") || aws.ToString(qe.QueryExecution.QueryExecutionContext.Database) != "netlogs" {
				t.Errorf("query sent with placeholders or in another database (%s):\n%s", aws.ToString(qe.QueryExecution.QueryExecutionContext.Database), sql)
			}
		}
	}
	if !found {
		t.Error("no query with the cidr bound as a literal reached Athena")
	}
}
