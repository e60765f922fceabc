package athena

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/flowq/flowq/engine/athena/athenatest"
	"github.com/flowq/flowq/engine/output"
)

// seedResults queues one result in moto for the next query started.
func seedResults(t *testing.T, cols [][2]string, rows [][]*string) {
	t.Helper()
	var cs []athenatest.Column
	for _, c := range cols {
		cs = append(cs, athenatest.Column{Name: c[0], Type: c[1]})
	}
	if err := moto.SeedResult(testRegion, cs, rows); err != nil {
		t.Fatal(err)
	}
}

var s = aws.String

var typedCols = [][2]string{{"name", "varchar"}, {"bytes", "bigint"}, {"ratio", "double"}, {"day", "date"},
	{"seen", "timestamp"}, {"ok", "boolean"}, {"price", "decimal"}}

var typedRows = [][]*string{
	{s("web"), s("1234567"), s("0.5"), s("2026-01-15"), s("2026-01-15 10:00:00.000"), s("true"), s("12.50")},
	{nil, s("0"), nil, s("2026-01-16"), s("2026-01-16 23:59:59.500"), s("false"), s("-0.05")},
	{s("a,b"), s("42"), s("1.25"), s("2026-01-17"), s("2026-01-17 00:00:00.000"), s("true"), s("100")},
}

// The expected renderings, written by hand from the seeded rows.
var typedWant = map[output.Format]string{
	output.CSV: "name,bytes,ratio,day,seen,ok,price\n" +
		"web,1234567,0.5,2026-01-15,2026-01-15 10:00:00,true,12.50\n" +
		",0,,2026-01-16,2026-01-16 23:59:59.5,false,-0.05\n" +
		"\"a,b\",42,1.25,2026-01-17,2026-01-17 00:00:00,true,100.00\n",
	output.NDJSON: `{"name":"web","bytes":1234567,"ratio":0.5,"day":"2026-01-15","seen":"2026-01-15 10:00:00","ok":true,"price":12.50}` + "\n" +
		`{"name":null,"bytes":0,"ratio":null,"day":"2026-01-16","seen":"2026-01-16 23:59:59.5","ok":false,"price":-0.05}` + "\n" +
		`{"name":"a,b","bytes":42,"ratio":1.25,"day":"2026-01-17","seen":"2026-01-17 00:00:00","ok":true,"price":100.00}` + "\n",
}

// Table, markdown, line and JSON: the cells each must show (only table groups thousands).
var typedCells = map[output.Format][]string{
	output.Table:    {"1.2 MiB", "NULL", "a,b", "12.50", "-0.05", "2026-01-16 23:59:59.5", "true"},
	output.Markdown: {"| web ", "| 1234567 |", "NULL", "100.00"},
	output.Line:     {"bytes = 1234567", "ratio = NULL", "day = 2026-01-17"},
	output.JSON:     {`"bytes":1234567`, `"ratio":null`, `"price":-0.05`},
}

func TestQueryRunsInWorkgroupAndRendersEveryFormat(t *testing.T) {
	c := newTestClient(t, testKey, testSecret)
	makeBucket(t, c, "q-results")
	makeWorkgroup(t, c, "reports", "s3://q-results/out/")
	ctx := context.Background()
	const sql = "SELECT name, bytes FROM vpc_flow_logs WHERE \"date\" >= DATE '2026-01-15'"
	for _, f := range output.Formats() {
		t.Run(string(f), func(t *testing.T) {
			seedResults(t, typedCols, typedRows)
			res, err := c.Query(ctx, QueryOptions{SQL: sql, Database: "flowlogs", Workgroup: "reports"})
			if err != nil {
				t.Fatal(err)
			}
			// What Athena was asked: the SQL, the database and the workgroup.
			qe, err := c.athena.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(res.ID)})
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(qe.QueryExecution.Query); got != sql {
				t.Errorf("query text %q, want %q", got, sql)
			}
			if got := aws.ToString(qe.QueryExecution.QueryExecutionContext.Database); got != "flowlogs" {
				t.Errorf("database %q, want flowlogs", got)
			}
			if got := aws.ToString(qe.QueryExecution.WorkGroup); got != "reports" {
				t.Errorf("workgroup %q, want reports", got)
			}
			rows, err := res.Rows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out bytes.Buffer
			st, err := output.Render(ctx, &out, rows, f, output.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Rows != 3 {
				t.Errorf("%d rows rendered, want 3 (the header row is not data)", st.Rows)
			}
			if want, ok := typedWant[f]; ok && out.String() != want {
				t.Errorf("%s rendering:\n%s\nwant:\n%s", f, out.String(), want)
			}
			for _, cell := range typedCells[f] {
				if !strings.Contains(out.String(), cell) {
					t.Errorf("%s rendering lacks %q:\n%s", f, cell, out.String())
				}
			}
		})
	}
}

// Moto 5.2 returns a seeded result in one page whatever MaxResults says, so this checks that
// every row of a result larger than Athena's 1000-row page comes back, in order, and the
// header row only once; the NextToken loop itself is exercised only against Athena.
func TestQueryReadsEveryRowOfALargeResult(t *testing.T) {
	c := newTestClient(t, testKey, testSecret)
	makeBucket(t, c, "big-results")
	makeWorkgroup(t, c, "big", "s3://big-results/")
	const n = 2500
	var rows [][]*string
	for i := range n {
		rows = append(rows, []*string{s(fmt.Sprintf("10.0.%d.%d", i/256, i%256)), s(fmt.Sprint(i * 3))})
	}
	seedResults(t, [][2]string{{"srcaddr", "varchar"}, {"packets", "bigint"}}, rows)
	ctx := context.Background()
	res, err := c.Query(ctx, QueryOptions{SQL: "SELECT srcaddr, packets FROM vpc_flow_logs", Workgroup: "big"})
	if err != nil {
		t.Fatal(err)
	}
	sr, err := res.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	i := 0
	for sr.Next() {
		var addr string
		var packets int64
		if err := sr.Scan(&addr, &packets); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("10.0.%d.%d", i/256, i%256); addr != want || packets != int64(i*3) {
			t.Fatalf("row %d: %s %d, want %s %d", i, addr, packets, want, i*3)
		}
		i++
	}
	if err := sr.Err(); err != nil {
		t.Fatal(err)
	}
	if i != n {
		t.Fatalf("%d rows, want %d", i, n)
	}
}

func TestQueryCancelStopsItInAthena(t *testing.T) {
	c := newTestClient(t, testKey, testSecret)
	makeBucket(t, c, "cancel-results")
	makeWorkgroup(t, c, "slow", "s3://cancel-results/")
	// Queries stay QUEUED for many polls, as a long query does.
	motoAPI(t, "/moto-api/state-manager/set-transition", `{"model_name":"athena::execution","transition":{"progression":"manual","times":100000}}`)
	t.Cleanup(func() {
		motoAPI(t, "/moto-api/state-manager/unset-transition", `{"model_name":"athena::execution"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the query is known to Athena, as Ctrl-C while polling.
	go func() {
		for ctx.Err() == nil {
			out, err := c.athena.ListQueryExecutions(context.Background(), &sdk.ListQueryExecutionsInput{WorkGroup: aws.String("slow")})
			if err == nil && len(out.QueryExecutionIds) > 0 {
				cancel()
				return
			}
		}
	}()
	_, err := c.Query(ctx, QueryOptions{SQL: "SELECT count(*) FROM vpc_flow_logs", Workgroup: "slow"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	out, lerr := c.athena.ListQueryExecutions(context.Background(), &sdk.ListQueryExecutionsInput{WorkGroup: aws.String("slow")})
	if lerr != nil || len(out.QueryExecutionIds) != 1 {
		t.Fatalf("executions %v, %v; want one", out, lerr)
	}
	id := out.QueryExecutionIds[0]
	if !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("error %q does not say query %s was stopped", err, id)
	}
	qe, err := c.athena.GetQueryExecution(context.Background(), &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if st := qe.QueryExecution.Status.State; st != "CANCELLED" {
		t.Fatalf("query state %s after cancel, want CANCELLED (StopQueryExecution not called)", st)
	}
}

func TestQueryWorkgroupWithoutOutputLocation(t *testing.T) {
	c := newTestClient(t, testKey, testSecret)
	makeWorkgroup(t, c, "bare", "")
	_, err := c.Query(context.Background(), QueryOptions{SQL: "SELECT 1", Workgroup: "bare"})
	if !errors.Is(err, ErrNoOutputLocation) {
		t.Fatalf("error %v, want ErrNoOutputLocation", err)
	}
	for _, want := range []string{`workgroup "bare"`, "--output-location", "update-work-group --work-group bare"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// An explicit location is enough.
	makeBucket(t, c, "explicit")
	if _, err := c.Query(context.Background(), QueryOptions{SQL: "SELECT 1", Workgroup: "bare", OutputLocation: "s3://explicit/r/"}); err != nil {
		t.Fatal(err)
	}
}

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		scanned int64
		typ     string
		want    float64
	}{
		{0, "DML", 10 * 5.0 / (1 << 20)},          // 10 MB minimum
		{5 << 20, "DML", 10 * 5.0 / (1 << 20)},    // under the minimum
		{10<<20 + 1, "DML", 11 * 5.0 / (1 << 20)}, // rounded up to the next MB
		{1 << 40, "DML", 5},                       // one TB
		{3 << 40, "DML", 15},                      //
		{1 << 40, "DDL", 0},                       // DDL is free
	} {
		if got := Cost(tc.scanned, tc.typ); got != tc.want {
			t.Errorf("Cost(%d, %s) = %g, want %g", tc.scanned, tc.typ, got, tc.want)
		}
	}
}

// A query stopped elsewhere (the console, another user) ends with Athena's state, not a hang.
func TestQueryStoppedElsewhereFails(t *testing.T) {
	c := newTestClient(t, testKey, testSecret)
	makeBucket(t, c, "elsewhere-results")
	makeWorkgroup(t, c, "shared", "s3://elsewhere-results/")
	motoAPI(t, "/moto-api/state-manager/set-transition", `{"model_name":"athena::execution","transition":{"progression":"manual","times":100000}}`)
	t.Cleanup(func() {
		motoAPI(t, "/moto-api/state-manager/unset-transition", `{"model_name":"athena::execution"}`)
	})
	ctx := context.Background()
	watch, stopWatching := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for watch.Err() == nil {
			out, err := c.athena.ListQueryExecutions(watch, &sdk.ListQueryExecutionsInput{WorkGroup: aws.String("shared")})
			if err == nil && len(out.QueryExecutionIds) > 0 {
				c.athena.StopQueryExecution(ctx, &sdk.StopQueryExecutionInput{QueryExecutionId: aws.String(out.QueryExecutionIds[0])})
				return
			}
		}
	}()
	_, err := c.Query(ctx, QueryOptions{SQL: "SELECT 1", Workgroup: "shared"})
	stopWatching()
	<-done
	var qf *QueryFailedError
	if !errors.As(err, &qf) || qf.State != "CANCELLED" {
		t.Fatalf("error %v, want a QueryFailedError in state CANCELLED", err)
	}
	if !strings.Contains(err.Error(), "athena query "+qf.ID+" cancelled") {
		t.Errorf("message %q", err)
	}
}

func TestQueryFailedErrorMessage(t *testing.T) {
	err := &QueryFailedError{ID: "q-1", State: "FAILED", Reason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved"}
	if got, want := err.Error(), "athena query q-1 failed: COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
