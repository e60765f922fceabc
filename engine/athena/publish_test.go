package athena

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
)

// loadWindows generates one flow log's deliveries for [start, start+span) in 5-minute objects
// and loads them one file per batch, so each object becomes its own parts.
func loadWindows(t *testing.T, st *store.Store, src string, start time.Time, span time.Duration) {
	t.Helper()
	ctx := context.Background()
	cfg := flowgen.Config{Seed: start.Unix(), Records: 300, Start: start, Span: span, Window: 5 * time.Minute,
		Accounts: []string{"123456789012"}, Regions: []string{"eu-west-1"}, Layouts: []flowgen.Layout{flowgen.LayoutDefault}, Workers: 1}
	truth, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(src))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Load(ctx, []string{src}, store.LoadOptions{BatchFiles: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != truth.Records {
		t.Fatalf("loaded %d rows, flowgen wrote %d", sum.Rows, truth.Records)
	}
}

// remoteParts lists the objects under prefix/tables/ with their size and ETag.
func remoteParts(t *testing.T, c *Client, target S3URL) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: aws.String(target.Bucket), Prefix: aws.String(target.Key("tables/"))})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			rel := strings.TrimPrefix(aws.ToString(o.Key), target.Prefix+"/")
			out[rel] = [2]string{itoa(aws.ToInt64(o.Size)), strings.Trim(aws.ToString(o.ETag), `"`)}
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// localParts is what the ledger names, with each file's size and MD5 computed here.
func localParts(t *testing.T, st *store.Store) map[string][2]string {
	t.Helper()
	led, err := st.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, p := range led.Parts {
		b, err := os.ReadFile(filepath.Join(st.Dir(), filepath.FromSlash(p.Path)))
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(b)
		out[p.Path] = [2]string{itoa(int64(len(b))), hex.EncodeToString(sum[:])}
	}
	return out
}

func sameParts(t *testing.T, what string, got, want map[string][2]string) {
	t.Helper()
	var missing, extra []string
	for k, v := range want {
		if got[k] != v {
			missing = append(missing, k+" "+v[0]+" "+v[1]+" (remote: "+got[k][0]+" "+got[k][1]+")")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("%s: S3 does not hold exactly the ledger's parts\nmissing or different: %v\nnot in the ledger: %v", what, missing, extra)
	}
}

func TestPublish(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	// Four deliveries of one day, and one of the next: five batches, under the compaction threshold.
	loadWindows(t, st, filepath.Join(dir, "src1"), day.Add(6*time.Hour), 20*time.Minute)
	loadWindows(t, st, filepath.Join(dir, "src2"), day.Add(24*time.Hour), 5*time.Minute)
	first := localParts(t, st)
	if len(first) < 5 {
		t.Fatalf("store has %d parts, want at least 5 (one per batch)", len(first))
	}

	c := newTestClient(t, testKey, testSecret)
	makeBucket(t, c, "lake")
	makeBucket(t, c, "athena-out")
	makeWorkgroup(t, c, "flowq", "s3://athena-out/")
	target := S3URL{Bucket: "lake", Prefix: "flowq/prod"}
	opts := PublishOptions{Target: target, Database: "netlogs", Workgroup: "flowq"}

	t.Run("dry run changes nothing", func(t *testing.T) {
		var lines []string
		o := opts
		o.DryRun = true
		o.Logf = func(f string, a ...any) { lines = append(lines, f) }
		res, err := c.Publish(ctx, st, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Uploaded != len(first) || !res.TableUpdated {
			t.Errorf("dry run would upload %d (want %d), table %v (want true)", res.Uploaded, len(first), res.TableUpdated)
		}
		if n := len(remoteParts(t, c, target)); n != 0 {
			t.Errorf("dry run uploaded %d objects", n)
		}
		if len(lines) != len(first)+1 {
			t.Errorf("dry run printed %d lines, want %d (one per part and the table)", len(lines), len(first)+1)
		}
		if _, err := os.Stat(JournalPath(st.Dir(), target)); !os.IsNotExist(err) {
			t.Errorf("dry run wrote the journal: %v", err)
		}
	})

	t.Run("first publish uploads exactly the ledger's parts and creates the table", func(t *testing.T) {
		res, err := c.Publish(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Uploaded != len(first) || res.Deleted != 0 || !res.TableUpdated {
			t.Errorf("result %+v, want %d uploaded, 0 deleted, table created", res, len(first))
		}
		sameParts(t, "after the first publish", remoteParts(t, c, target), first)
		stmts := executedSQL(t, c, "flowq")
		want := []string{"CREATE DATABASE IF NOT EXISTS `netlogs`", "DROP TABLE IF EXISTS `vpc_flow_logs`", "CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs`"}
		if len(stmts) != 3 {
			t.Fatalf("statements run: %q, want 3", stmts)
		}
		for i, w := range want {
			if !strings.HasPrefix(stmts[i].sql, w) {
				t.Errorf("statement %d %q, want it to start %q", i+1, stmts[i].sql, w)
			}
		}
		create := stmts[2]
		for _, w := range []string{"LOCATION 's3://lake/flowq/prod/tables/vpc_flow_logs/'", `"projection.enabled"="true"`,
			`"projection.date.range"="2026-01-15,NOW"`, `"storage.location.template"="s3://lake/flowq/prod/tables/vpc_flow_logs/date=${date}/"`} {
			if !strings.Contains(create.sql, w) {
				t.Errorf("CREATE TABLE lacks %s:\n%s", w, create.sql)
			}
		}
		if strings.Contains(create.sql, "MSCK") || strings.Contains(create.sql, "--") || strings.HasSuffix(create.sql, ";") {
			t.Errorf("CREATE TABLE carries a repair, a comment or a semicolon:\n%s", create.sql)
		}
		if create.db != "netlogs" {
			t.Errorf("table created in database %q, want netlogs", create.db)
		}
	})

	t.Run("second publish uploads nothing", func(t *testing.T) {
		before := len(executedSQL(t, c, "flowq"))
		res, err := c.Publish(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Uploaded != 0 || res.Adopted != 0 || res.Deleted != 0 || res.TableUpdated || res.Unchanged != len(first) {
			t.Errorf("result %+v, want nothing done and %d unchanged", res, len(first))
		}
		if after := len(executedSQL(t, c, "flowq")); after != before {
			t.Errorf("%d statements run by a publish with nothing new", after-before)
		}
	})

	t.Run("a crash after uploading resumes without sending again", func(t *testing.T) {
		// The journal lost (as a crash between upload and journal write loses its last entries).
		if err := os.Remove(JournalPath(st.Dir(), target)); err != nil {
			t.Fatal(err)
		}
		res, err := c.Publish(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Uploaded != 0 || res.Adopted != len(first) {
			t.Errorf("result %+v, want 0 uploaded and %d found in S3 by size and MD5", res, len(first))
		}
		sameParts(t, "after resuming", remoteParts(t, c, target), first)
	})

	t.Run("compacted parts replace the old ones remotely", func(t *testing.T) {
		// Twelve more deliveries of the first day push it past the compaction threshold: the
		// load merges the day's parts into new ones and drops the old from the ledger.
		loadWindows(t, st, filepath.Join(dir, "src3"), day.Add(12*time.Hour), time.Hour)
		now := localParts(t, st)
		var dropped int
		for p := range first {
			if _, ok := now[p]; !ok {
				dropped++
			}
		}
		if dropped == 0 {
			t.Fatalf("no part of the first publish left the ledger: the load did not compact (parts: %d)", len(now))
		}
		res, err := c.Publish(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Deleted != dropped {
			t.Errorf("deleted %d remote parts, want %d", res.Deleted, dropped)
		}
		sameParts(t, "after compaction", remoteParts(t, c, target), now)
	})
}

type executed struct{ sql, db string }

// executedSQL is every statement started in workgroup wg, oldest first.
func executedSQL(t *testing.T, c *Client, wg string) []executed {
	t.Helper()
	ctx := context.Background()
	out, err := c.athena.ListQueryExecutions(ctx, &sdk.ListQueryExecutionsInput{WorkGroup: aws.String(wg)})
	if err != nil {
		t.Fatal(err)
	}
	var list []executed
	var times []time.Time
	for _, id := range out.QueryExecutionIds {
		qe, err := c.athena.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, executed{aws.ToString(qe.QueryExecution.Query), aws.ToString(qe.QueryExecution.QueryExecutionContext.Database)})
		times = append(times, aws.ToTime(qe.QueryExecution.Status.SubmissionDateTime))
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]].Before(times[idx[b]]) })
	sorted := make([]executed, len(list))
	for i, j := range idx {
		sorted[i] = list[j]
	}
	return sorted
}

func TestPublishEmptyStore(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, testKey, testSecret)
	_, err = c.Publish(context.Background(), st, PublishOptions{Target: S3URL{Bucket: "nowhere"}, DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "holds no flow logs yet") {
		t.Fatalf("error %v, want one saying the store is empty", err)
	}
}

func TestPublishMissingBucket(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	loadWindows(t, st, filepath.Join(dir, "src"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 5*time.Minute)
	c := newTestClient(t, testKey, testSecret)
	_, err = c.Publish(ctx, st, PublishOptions{Target: S3URL{Bucket: "no-such-bucket", Prefix: "x"}})
	if err == nil || !strings.Contains(err.Error(), "bucket no-such-bucket does not exist in us-east-1: create it first") {
		t.Fatalf("error %v, want one saying the bucket does not exist", err)
	}
}

// A workgroup without a result location is found out before any part is sent.
func TestPublishNoOutputLocationSendsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	loadWindows(t, st, filepath.Join(dir, "src"), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 5*time.Minute)
	c := newTestClient(t, testKey, testSecret)
	makeBucket(t, c, "early")
	target := S3URL{Bucket: "early", Prefix: "x"}
	_, err = c.Publish(ctx, st, PublishOptions{Target: target}) // workgroup primary: no location in moto
	if !errors.Is(err, ErrNoOutputLocation) {
		t.Fatalf("error %v, want ErrNoOutputLocation", err)
	}
	if n := len(remoteParts(t, c, target)); n != 0 {
		t.Errorf("%d parts uploaded before the missing result location was reported", n)
	}
}
