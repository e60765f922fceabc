package s3sync

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
)

// seedGenerated plants the generator's sync benchmark set: exactly n gzip deliveries of
// 8–64 KB in the v5 format, from 20 flow logs.
func seedGenerated(b *testing.B, f *fakeS3, n int) int64 {
	sink := flowgen.NewMemSink()
	if _, err := flowgen.Generate(context.Background(), flowgen.SyncBench(n), sink); err != nil {
		b.Fatal(err)
	}
	if sink.Len() != n {
		b.Fatalf("generator made %d objects, want %d", sink.Len(), n)
	}
	var total int64
	for _, k := range sink.Keys() {
		body, _ := sink.Get(k)
		f.put(k, body)
		total += int64(len(body))
	}
	return total
}

// BenchmarkSync5000 measures a first sync and a no-op re-sync of 5,000 small objects with
// 20 ms of latency on every request (the target: < 10 s and < 2 s), then the same
// with `aws s3 sync` as the baseline (target: flowq ≥ 3× its objects/s).
func BenchmarkSync5000(b *testing.B) {
	const n = 5000
	f := newFakeS3(b)
	total := seedGenerated(b, f, n)
	b.Logf("%d objects, %.1f MB", n, float64(total)/1e6)
	f.SetLatency(20 * time.Millisecond)
	api := f.client(b, nil)
	ctx := context.Background()
	b.Run("first", func(b *testing.B) {
		var elapsed time.Duration
		for b.Loop() {
			opts := Options{Bucket: testBucket, MirrorDir: b.TempDir(), Concurrency: benchConcurrency()}
			start := time.Now()
			res, err := Sync(ctx, api, opts)
			elapsed += time.Since(start)
			if err != nil || res.Downloaded != n {
				b.Fatalf("%s %v", summary(res), err)
			}
		}
		per := elapsed.Seconds() / float64(b.N)
		b.ReportMetric(n/per, "objects/s")
		b.ReportMetric(float64(total)/1e6/per, "MB/s")
	})
	b.Run("noop", func(b *testing.B) {
		opts := Options{Bucket: testBucket, MirrorDir: b.TempDir(), Concurrency: benchConcurrency()}
		if res, err := Sync(ctx, api, opts); err != nil || res.Downloaded != n {
			b.Fatalf("%s %v", summary(res), err)
		}
		var elapsed time.Duration
		for b.Loop() {
			start := time.Now()
			res, err := Sync(ctx, api, opts)
			elapsed += time.Since(start)
			if err != nil || res.Skipped != n || res.Downloaded != 0 {
				b.Fatalf("%s %v", summary(res), err)
			}
		}
		b.ReportMetric(n/(elapsed.Seconds()/float64(b.N)), "objects/s")
	})
	// The same objects and latency through `aws s3 sync` (default settings), when installed.
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		b.Log("aws CLI not installed: no baseline")
		return
	}
	cfg := b.TempDir()
	env := append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecretKey, "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(cfg, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(cfg, "credentials"), "AWS_EC2_METADATA_DISABLED=true")
	run := func(b *testing.B, dir string) time.Duration {
		cmd := exec.Command(awsCLI, "s3", "sync", "--only-show-errors", "--endpoint-url", f.URL, "s3://"+testBucket, dir)
		cmd.Env = env
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("aws s3 sync: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	b.Run("aws-first", func(b *testing.B) {
		var elapsed time.Duration
		for b.Loop() {
			elapsed += run(b, b.TempDir())
		}
		per := elapsed.Seconds() / float64(b.N)
		b.ReportMetric(n/per, "objects/s")
		b.ReportMetric(float64(total)/1e6/per, "MB/s")
	})
	b.Run("aws-noop", func(b *testing.B) {
		dir := b.TempDir()
		run(b, dir)
		var elapsed time.Duration
		for b.Loop() {
			elapsed += run(b, dir)
		}
		b.ReportMetric(n/(elapsed.Seconds()/float64(b.N)), "objects/s")
	})
}

// benchConcurrency lets FLOWQ_BENCH_CONCURRENCY try other worker counts (0: the default).
func benchConcurrency() int {
	n, _ := strconv.Atoi(os.Getenv("FLOWQ_BENCH_CONCURRENCY"))
	return n
}
