package athena

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/flowq/flowq/engine/atomicfile"
	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/filelock"
	"github.com/flowq/flowq/engine/store"
	"golang.org/x/sync/errgroup"
)

// PublishOptions say where the store goes and which table to make of it.
type PublishOptions struct {
	Target    S3URL  // s3://BUCKET/PREFIX: parts go under PREFIX/tables/…
	Database  string // Athena database, created when missing (default "default")
	Workgroup string // default "primary"
	// OutputLocation is where Athena writes the DDL statements' results; empty: the workgroup's.
	OutputLocation string
	Table          string // default vpc_flow_logs
	DryRun         bool   // list what would be done, touch nothing
	// Logf reports each action (upload, delete, table), one line each; nil for none.
	Logf func(format string, args ...any)
	// Progress reports bytes uploaded of the bytes to upload; nil for none.
	Progress func(done, total int64)
}

// PublishResult says what a publish did (or, dry, would do).
type PublishResult struct {
	Generation    uint64 // ledger generation now published
	Uploaded      int    // parts sent
	UploadedBytes int64
	Adopted       int // parts already in S3 with the same size and MD5 (a crashed run's), recorded without sending
	Unchanged     int // parts the journal says are published
	Deleted       int // remote parts no longer live
	TableUpdated  bool
	DDL           string // the statements run (or to run)
}

// journal is the local record of what one target holds, written atomically after progress, so
// a publish after a crash resumes instead of starting over.
type journal struct {
	Target     string                 `json:"target"`
	Generation uint64                 `json:"generation"` // last ledger generation published completely
	Parts      map[string]journalPart `json:"parts"`      // by path relative to the data dir
	Database   string                 `json:"database,omitempty"`
	DDL        string                 `json:"ddl,omitempty"` // table statement last applied
}

type journalPart struct {
	Size int64  `json:"size"`
	MD5  string `json:"md5"` // hex
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// JournalPath is where the publish journal for target lives in the data directory.
func JournalPath(dataDir string, target S3URL) string {
	return filepath.Join(dataDir, "athena", "publish-"+unsafeName.ReplaceAllString(target.Bucket+"_"+target.Prefix, "_")+".json")
}

func readJournal(p string, target S3URL) (*journal, error) {
	j := &journal{Target: target.String(), Parts: map[string]journalPart{}}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading publish journal %s: %w", p, err)
	}
	if err := json.Unmarshal(b, j); err != nil {
		return nil, fmt.Errorf("publish journal %s is damaged (%w); delete it and publish again: parts already in S3 are recognised by size and MD5 and not sent twice", p, err)
	}
	if j.Target != target.String() {
		return nil, fmt.Errorf("publish journal %s is for %s, not %s", p, j.Target, target)
	}
	if j.Parts == nil {
		j.Parts = map[string]journalPart{}
	}
	return j, nil
}

func (j *journal) write(p string) error {
	b, err := json.MarshalIndent(j, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(p, b, 0o600, "."+filepath.Base(p)+".tmp-*")
}

// errLedgerMoved is a part that vanished while publishing: a load or compaction committed a new
// ledger generation; the publish starts over from it.
var errLedgerMoved = errors.New("ledger changed during publish")

// Publish uploads the store's live Parquet parts that the target does not hold yet, verified
// by size and MD5 (Content-MD5, then the ETag), removes the remote parts the ledger no longer
// names once every live part is up, and creates or updates the Athena table over them (the DDL
// of `flowq athena ddl --projection`, so no partition repair is ever needed). The journal in the
// data directory makes a second publish send nothing and a publish after a crash resume.
//
// Between the upload of a compacted part and the deletion of the parts it replaced, Athena sees
// both; a publish should not run while reports are being read there.
func (c *Client) Publish(ctx context.Context, st *store.Store, o PublishOptions) (PublishResult, error) {
	if o.Table == "" {
		o.Table = "vpc_flow_logs"
	}
	if o.Database == "" {
		o.Database = "default"
	}
	if o.Workgroup == "" {
		o.Workgroup = "primary"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	jpath := JournalPath(st.Dir(), o.Target)
	if !o.DryRun {
		if err := os.MkdirAll(filepath.Dir(jpath), 0o700); err != nil {
			return PublishResult{}, fmt.Errorf("creating %s: %w", filepath.Dir(jpath), err)
		}
		lk, holder, err := filelock.TryLock(jpath+".lock", fmt.Sprintf("pid %d, publish", os.Getpid()))
		if errors.Is(err, filelock.ErrHeld) {
			return PublishResult{}, fmt.Errorf("another flowq is publishing to %s (%s)", o.Target, holder)
		}
		if err != nil {
			return PublishResult{}, fmt.Errorf("locking %s: %w", jpath, err)
		}
		defer lk.Unlock()
	}
	j, err := readJournal(jpath, o.Target)
	if err != nil {
		return PublishResult{}, err
	}
	if !o.DryRun {
		if _, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(o.Target.Bucket)}); err != nil {
			if isNotFound(err) {
				return PublishResult{}, fmt.Errorf("bucket %s does not exist in %s: create it first (or pass the bucket's --region)", o.Target.Bucket, c.region)
			}
			return PublishResult{}, fmt.Errorf("checking bucket %s: %w", o.Target.Bucket, explain(err, "arn:aws:s3:::"+o.Target.Bucket, ""))
		}
	}
	var res PublishResult
	for attempt := 1; ; attempt++ {
		res, err = c.publishOnce(ctx, st, o, j, jpath)
		if !errors.Is(err, errLedgerMoved) || attempt == 5 {
			break
		}
		o.Logf("ledger changed while publishing (a load or compaction); publishing the new generation")
	}
	return res, err
}

type localPart struct {
	rel  string
	size int64
}

func (c *Client) publishOnce(ctx context.Context, st *store.Store, o PublishOptions, j *journal, jpath string) (PublishResult, error) {
	led, err := st.Ledger()
	if err != nil {
		return PublishResult{}, err
	}
	res := PublishResult{Generation: led.Generation}
	if len(led.Parts) == 0 {
		return res, fmt.Errorf("the store in %s holds no flow logs yet: load or sync some first", st.Dir())
	}
	live := map[string]bool{}
	var send []localPart
	var total int64
	var first time.Time
	for _, p := range led.Parts {
		live[p.Path] = true
		if d, ok := partDate(p.Path); ok && (first.IsZero() || d.Before(first)) {
			first = d
		}
		fi, err := os.Stat(filepath.Join(st.Dir(), filepath.FromSlash(p.Path)))
		if errors.Is(err, os.ErrNotExist) {
			return res, errLedgerMoved
		}
		if err != nil {
			return res, fmt.Errorf("part %s: %w", p.Path, err)
		}
		if jp, ok := j.Parts[p.Path]; ok && jp.Size == fi.Size() {
			res.Unchanged++
			continue
		}
		send = append(send, localPart{p.Path, fi.Size()})
		total += fi.Size()
	}
	var gone []string
	for rel := range j.Parts {
		if !live[rel] {
			gone = append(gone, rel)
		}
	}
	sort.Strings(gone)
	ddl := tableDDL(o, first, led.UnknownColumns())
	tableDue := j.DDL != ddl || j.Database != o.Database
	if tableDue {
		res.DDL = ddl
	}

	if o.DryRun {
		for _, p := range send {
			o.Logf("would upload %s/%s (%d bytes)", o.Target, p.rel, p.size)
		}
		for _, rel := range gone {
			o.Logf("would delete %s/%s", o.Target, rel)
		}
		if tableDue {
			o.Logf("would create or replace table %s.%s over %s/tables/%s/ (partition projection on date)", o.Database, o.Table, o.Target, o.Table)
		}
		res.Uploaded, res.UploadedBytes, res.Deleted, res.TableUpdated = len(send), total, len(gone), tableDue
		return res, nil
	}

	// A table that cannot be created is found out before anything is sent.
	if tableDue && o.OutputLocation == "" {
		if err := c.checkOutputLocation(ctx, o.Workgroup); err != nil {
			return res, err
		}
	}

	// Upload what is missing; the journal is saved every few parts and at the end, so a crash
	// loses little (and what it loses is adopted, not re-sent, by the HEAD check).
	var mu sync.Mutex
	var done int64
	lastSave := time.Now()
	save := func(force bool) error {
		if !force && time.Since(lastSave) < 2*time.Second {
			return nil
		}
		lastSave = time.Now()
		return j.write(jpath)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	for _, p := range send {
		g.Go(func() error {
			sum, sent, err := c.uploadPart(gctx, st.Dir(), o.Target, p)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			j.Parts[p.rel] = journalPart{Size: p.size, MD5: sum}
			done += p.size
			if sent {
				res.Uploaded++
				res.UploadedBytes += p.size
				o.Logf("uploaded %s/%s (%d bytes)", o.Target, p.rel, p.size)
			} else {
				res.Adopted++
				o.Logf("already in S3 (same size and MD5): %s/%s", o.Target, p.rel)
			}
			if o.Progress != nil {
				o.Progress(done, total)
			}
			return save(false)
		})
	}
	uerr := g.Wait()
	if serr := j.write(jpath); uerr == nil {
		uerr = serr
	}
	if uerr != nil {
		return res, uerr
	}

	// Every live part is up: the parts the ledger dropped can go.
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	for _, rel := range gone {
		g.Go(func() error {
			key := o.Target.Key(rel)
			if _, err := c.s3.DeleteObject(gctx, &s3.DeleteObjectInput{Bucket: aws.String(o.Target.Bucket), Key: aws.String(key)}); err != nil {
				return fmt.Errorf("deleting s3://%s/%s: %w", o.Target.Bucket, key, explain(err, "arn:aws:s3:::"+o.Target.Bucket+"/"+key, ""))
			}
			mu.Lock()
			defer mu.Unlock()
			delete(j.Parts, rel)
			res.Deleted++
			o.Logf("deleted %s/%s (no longer in the ledger)", o.Target, rel)
			return nil
		})
	}
	derr := g.Wait()
	if derr == nil {
		j.Generation = led.Generation
	}
	if serr := j.write(jpath); derr == nil {
		derr = serr
	}
	if derr != nil {
		return res, derr
	}

	if tableDue {
		if err := c.applyTable(ctx, o, ddl); err != nil {
			return res, err
		}
		j.DDL, j.Database = ddl, o.Database
		if err := j.write(jpath); err != nil {
			return res, err
		}
		res.TableUpdated = true
		o.Logf("table %s.%s created over %s/tables/%s/", o.Database, o.Table, o.Target, o.Table)
	}
	return res, nil
}

// uploadPart sends one part unless S3 already holds it with the same size and MD5. It returns the
// part's MD5 (hex) and whether it was sent.
func (c *Client) uploadPart(ctx context.Context, dataDir string, target S3URL, p localPart) (string, bool, error) {
	f, err := os.Open(filepath.Join(dataDir, filepath.FromSlash(p.rel)))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, errLedgerMoved
	}
	if err != nil {
		return "", false, fmt.Errorf("part %s: %w", p.rel, err)
	}
	// Open, the file stays readable even if a compaction removes it now.
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false, fmt.Errorf("reading part %s: %w", p.rel, err)
	}
	sum := h.Sum(nil)
	hexSum := hex.EncodeToString(sum)
	key := target.Key(p.rel)
	url := "s3://" + target.Bucket + "/" + key
	arn := "arn:aws:s3:::" + target.Bucket + "/" + key

	head, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(target.Bucket), Key: aws.String(key)})
	switch {
	case err == nil:
		if aws.ToInt64(head.ContentLength) == p.size && strings.Trim(aws.ToString(head.ETag), `"`) == hexSum {
			return hexSum, false, nil
		}
	case !isNotFound(err):
		return "", false, fmt.Errorf("checking %s: %w", url, explain(err, arn, ""))
	}

	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", false, fmt.Errorf("reading part %s: %w", p.rel, err)
	}
	out, err := c.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(target.Bucket), Key: aws.String(key), Body: f,
		ContentLength: aws.Int64(p.size), ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum)),
		ContentType: aws.String("application/vnd.apache.parquet"),
	})
	if err != nil {
		return "", false, fmt.Errorf("uploading %s to %s: %w", p.rel, url, explain(err, arn, ""))
	}
	// S3 checked Content-MD5; the ETag is the MD5 of a single-part upload unless SSE-KMS
	// encrypted it, so it is compared only where it means something.
	if etag := strings.Trim(aws.ToString(out.ETag), `"`); !strings.HasPrefix(string(out.ServerSideEncryption), "aws:kms") && etag != hexSum {
		return "", false, fmt.Errorf("uploading %s to %s: S3 answered ETag %s, the part's MD5 is %s", p.rel, url, etag, hexSum)
	}
	return hexSum, true, nil
}

func isNotFound(err error) bool {
	var nf *s3types.NotFound
	var nk *s3types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nk) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey")
}

// partDate is the day of a part from its date=YYYY-MM-DD folder.
func partDate(rel string) (time.Time, bool) {
	dir, ok := strings.CutPrefix(path.Base(path.Dir(rel)), "date=")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", dir)
	return t, err == nil
}

// tableDDL is the CREATE statement `flowq athena ddl --projection` prints for the target, with the
// projection starting at the store's first day.
func tableDDL(o PublishOptions, first time.Time, extra []string) string {
	return compat.DDL(compat.DDLOptions{Layout: compat.StoreLayout, Table: o.Table, Location: o.Target.String(),
		Projection: true, From: first, ExtraColumns: extra})
}

// statements splits DDL text into the statements StartQueryExecution takes one at a time,
// without comment lines or the closing semicolon.
func statements(ddl string) []string {
	var out []string
	var cur []string
	for _, line := range strings.Split(ddl, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur = append(cur, line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			s := strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";")
			if s != "" {
				out = append(out, s)
			}
			cur = nil
		}
	}
	if s := strings.TrimSpace(strings.Join(cur, "\n")); s != "" {
		out = append(out, s)
	}
	return out
}

// applyTable creates the database when missing and replaces the table: dropping an external
// table removes only its definition, never the data, and a table made by hand (or by an older
// flowq, with other columns) must not survive as it was behind IF NOT EXISTS.
func (c *Client) applyTable(ctx context.Context, o PublishOptions, ddl string) error {
	stmts := []string{
		fmt.Sprintf("CREATE DATABASE IF NOT EXISTS `%s`", o.Database),
		fmt.Sprintf("DROP TABLE IF EXISTS `%s`", o.Table),
	}
	stmts = append(stmts, statements(ddl)...)
	for _, s := range stmts {
		db := o.Database
		if strings.HasPrefix(s, "CREATE DATABASE") {
			db = "default"
		}
		if _, err := c.Query(ctx, QueryOptions{SQL: s, Database: db, Workgroup: o.Workgroup, OutputLocation: o.OutputLocation}); err != nil {
			first, _, _ := strings.Cut(s, "\n")
			return fmt.Errorf("creating the athena table (%s): %w", first, err)
		}
	}
	return nil
}
