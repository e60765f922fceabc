package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/s3sync"
	"github.com/flowq/flowq/engine/s3sync/s3test"
)

const (
	syncBucket = "flowlogs"
	// Throw-away credentials of the local fake S3; they open nothing else.
	syncAccessKey = "AKIAFLOWBENCHLOCAL01"
	syncSecretKey = "flowbench-local-fake-s3-secret-key-000000"
)

// startFakeS3 seeds the shared S3 test server (in memory, on loopback) with the data set and
// delays every request by latency; it returns the server and the bytes seeded.
func startFakeS3(d *dataset, latency time.Duration) (*s3test.Server, int64, error) {
	srv, err := s3test.New(s3test.Options{Bucket: syncBucket})
	if err != nil {
		return nil, 0, err
	}
	var total int64
	for _, f := range d.Files {
		body, err := os.ReadFile(filepath.Join(d.Root, filepath.FromSlash(f.Key)))
		if err == nil {
			err = srv.Put(f.Key, body)
		}
		if err != nil {
			srv.Close()
			return nil, 0, err
		}
		total += int64(len(body))
	}
	srv.SetLatency(latency)
	return srv, total, nil
}

// syncRun is one timed sync.
type syncRun struct {
	name string
	wall time.Duration
	n    int
	note string
}

// runSync measures s3sync.Sync (first and no-op) and `aws s3 sync` on the same objects.
func (b *bench) runSync(ctx context.Context, n int) error {
	d, err := prepare(ctx, b.cfg.cacheDir, fmt.Sprintf("sync%d", n), flowgen.SyncBench(n), b.logf)
	if err != nil {
		return err
	}
	var notes []string
	if len(d.Files) != n {
		notes = append(notes, fmt.Sprintf("the generator made %d objects for -sync-objects %d (exact for multiples of 20)", len(d.Files), n))
		n = len(d.Files)
	}
	srv, total, err := startFakeS3(d, b.cfg.latency)
	if err != nil {
		return err
	}
	defer srv.Close()
	api, err := s3sync.NewClient(ctx, s3sync.ClientOptions{
		Region: "us-east-1", EndpointURL: srv.URL, PathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(syncAccessKey, syncSecretKey, ""),
	})
	if err != nil {
		return err
	}
	mirror := filepath.Join(b.tmp, fmt.Sprintf("sync-mirror-%d", n))
	opts := s3sync.Options{Bucket: syncBucket, MirrorDir: mirror}
	var runs []syncRun

	b.logf("sync: flowq first sync of %d objects (%s) at %s latency", n, mib(total), b.cfg.latency)
	start := time.Now()
	res, err := s3sync.Sync(ctx, api, opts)
	if err != nil {
		return err
	}
	runs = append(runs, syncRun{name: "flowq sync (first)", wall: time.Since(start), n: n})
	if res.Downloaded != n || res.Failed != 0 {
		return fmt.Errorf("first sync: %s, want %d downloaded", res.String(), n)
	}
	b.logf("sync: flowq no-op re-sync")
	start = time.Now()
	res, err = s3sync.Sync(ctx, api, opts)
	if err != nil {
		return err
	}
	runs = append(runs, syncRun{name: "flowq sync (no-op)", wall: time.Since(start), n: n})
	if res.Skipped != n || res.Downloaded != 0 {
		return fmt.Errorf("no-op re-sync: %s, want %d skipped", res.String(), n)
	}

	awsFirst, awsNoop, awsNote := b.awsSync(ctx, srv.URL, n, filepath.Join(b.tmp, fmt.Sprintf("aws-mirror-%d", n)))
	runs = append(runs, awsFirst, awsNoop)
	if awsNote != "" {
		notes = append(notes, awsNote)
	}
	b.tables = append(b.tables, syncTable(runs, n, total, b.cfg.latency, notes))
	return nil
}

// awsSync runs `aws s3 sync` (default settings) into a fresh folder, then again as a no-op.
func (b *bench) awsSync(ctx context.Context, url string, n int, dir string) (first, noop syncRun, note string) {
	first = syncRun{name: "aws s3 sync (first)", n: n}
	noop = syncRun{name: "aws s3 sync (no-op)", n: n}
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		first.note, noop.note = "not installed", "not installed"
		return first, noop, ""
	}
	cfgDir := filepath.Join(b.tmp, "aws-config")
	env := append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+syncAccessKey, "AWS_SECRET_ACCESS_KEY="+syncSecretKey, "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(cfgDir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(cfgDir, "credentials"), "AWS_EC2_METADATA_DISABLED=true",
	)
	run := func() (time.Duration, error) {
		cmd := exec.CommandContext(ctx, awsCLI, "s3", "sync", "--only-show-errors", "--endpoint-url", url, "s3://"+syncBucket, dir)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("aws s3 sync: %w: %s", err, tail(out))
		}
		return time.Since(start), nil
	}
	b.logf("sync: aws s3 sync (first)")
	if first.wall, err = run(); err != nil {
		first.note = "failed"
		return first, noop, err.Error()
	}
	if got := countFiles(dir); got != n {
		first.note = fmt.Sprintf("wrote %d files", got)
	}
	b.logf("sync: aws s3 sync (no-op)")
	if noop.wall, err = run(); err != nil {
		noop.note = "failed"
		return first, noop, err.Error()
	}
	if out, err := exec.CommandContext(ctx, awsCLI, "--version").CombinedOutput(); err == nil {
		v, _, _ := strings.Cut(string(out), " ")
		note = "aws CLI: " + v
	}
	return first, noop, note
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

func syncTable(runs []syncRun, n int, total int64, latency time.Duration, notes []string) *table {
	t := &table{
		title:  fmt.Sprintf("Sync: %d small objects (%s) from a local S3 with %s latency per request", n, mib(total), latency),
		header: []string{"run", "wall", "objects/s", "MB/s", "flowq ÷ aws (objects/s)", "note"},
	}
	ops := func(r syncRun) float64 {
		if r.wall <= 0 {
			return 0
		}
		return float64(r.n) / r.wall.Seconds()
	}
	for i, r := range runs {
		if r.wall <= 0 {
			t.rows = append(t.rows, []string{r.name, "–", "–", "–", "–", r.note})
			continue
		}
		mbs := "–"
		if i%2 == 0 { // first syncs move the bytes; no-op ones do not
			mbs = fmt.Sprintf("%.1f", float64(total)/1e6/r.wall.Seconds())
		}
		cmp := "–"
		if i < 2 && len(runs) > i+2 {
			cmp = ratio(ops(r), ops(runs[i+2]))
		}
		t.rows = append(t.rows, []string{r.name, dur(r.wall), rate(ops(r)), mbs, cmp, r.note})
	}
	// Targets (issue 7), scaled from 5,000 objects: first < 10 s, no-op < 2 s, ≥ 3× aws.
	first, noop := runs[0], runs[1]
	firstLimit := time.Duration(float64(10*time.Second) * float64(n) / 5000)
	noopLimit := time.Duration(float64(2*time.Second) * float64(n) / 5000)
	t.notes = append(t.notes,
		fmt.Sprintf("target first sync < %s (10 s per 5,000 objects): %s (%s)", dur(firstLimit), dur(first.wall), verdict(first.wall < firstLimit)),
		fmt.Sprintf("target no-op re-sync < %s (2 s per 5,000 objects): %s (%s)", dur(noopLimit), dur(noop.wall), verdict(noop.wall < noopLimit)))
	if len(runs) > 2 && runs[2].wall > 0 {
		t.notes = append(t.notes, fmt.Sprintf("target first sync ≥ 3× aws s3 sync's objects/s: %s (%s)", ratio(ops(first), ops(runs[2])), verdict(ops(first) >= 3*ops(runs[2]))))
	}
	t.notes = append(t.notes, notes...)
	return t
}
