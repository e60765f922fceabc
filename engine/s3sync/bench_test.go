package s3sync

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowq/flowq/engine/flowlog"
)

// seedSmall plants n gzip objects of 8–64 KB (stored, incompressible bytes, so sizes hold).
func seedSmall(f *fakeS3, n int) int64 {
	rng := rand.New(rand.NewPCG(7, 11))
	var total int64
	raw := make([]byte, 64<<10)
	for i := range n {
		size := 8<<10 + rng.IntN(56<<10)
		for j := range raw[:size] {
			raw[j] = byte(rng.Uint32())
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
		zw.Write(raw[:size-64]) // gzip framing adds a few dozen bytes
		zw.Close()
		region := []string{"us-east-1", "eu-west-1"}[i%2]
		day := may1.AddDate(0, 0, i/2%10)
		stamp := day.Add(time.Duration(i%288) * 5 * time.Minute)
		name := flowlog.FileName("555555555555", region, "fl-0bench", stamp, fmt.Sprintf("%06d", i), ".log.gz")
		f.put(flowlog.ObjectKey("", "", "555555555555", region, day, -1, false, name), buf.Bytes())
		total += int64(buf.Len())
	}
	return total
}

// BenchmarkSync5000 measures a first sync and a no-op re-sync of 5,000 small objects with
// 20 ms of latency on every request (the target: < 10 s and < 2 s).
func BenchmarkSync5000(b *testing.B) {
	const n = 5000
	f := newFakeS3(b)
	total := seedSmall(f, n)
	f.latency = 20 * time.Millisecond
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
}

// BenchmarkAWSCLISync5000 runs `aws s3 sync` (default settings) on the same objects and
// latency, as the baseline for BenchmarkSync5000; it needs the aws CLI on PATH.
func BenchmarkAWSCLISync5000(b *testing.B) {
	const n = 5000
	aws, err := exec.LookPath("aws")
	if err != nil {
		b.Skip("aws CLI not installed: no baseline")
	}
	f := newFakeS3(b)
	total := seedSmall(f, n)
	f.latency = 20 * time.Millisecond
	cfg := b.TempDir()
	env := append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecretKey, "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(cfg, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(cfg, "credentials"), "AWS_EC2_METADATA_DISABLED=true")
	run := func(dir string) time.Duration {
		cmd := exec.Command(aws, "s3", "sync", "--only-show-errors", "--endpoint-url", f.srv.URL, "s3://"+testBucket, dir)
		cmd.Env = env
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("aws s3 sync: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	b.Run("first", func(b *testing.B) {
		var elapsed time.Duration
		for b.Loop() {
			elapsed += run(b.TempDir())
		}
		per := elapsed.Seconds() / float64(b.N)
		b.ReportMetric(n/per, "objects/s")
		b.ReportMetric(float64(total)/1e6/per, "MB/s")
	})
	b.Run("noop", func(b *testing.B) {
		dir := b.TempDir()
		run(dir)
		var elapsed time.Duration
		for b.Loop() {
			elapsed += run(dir)
		}
		b.ReportMetric(n/(elapsed.Seconds()/float64(b.N)), "objects/s")
	})
}

// benchConcurrency lets FLOWQ_BENCH_CONCURRENCY try other worker counts (0: the default).
func benchConcurrency() int {
	n, _ := strconv.Atoi(os.Getenv("FLOWQ_BENCH_CONCURRENCY"))
	return n
}
