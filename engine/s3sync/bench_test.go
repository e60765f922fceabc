package s3sync

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
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
			opts := Options{Bucket: testBucket, MirrorDir: b.TempDir()}
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
		opts := Options{Bucket: testBucket, MirrorDir: b.TempDir()}
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
