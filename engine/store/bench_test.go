package store

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
)

var benchData struct {
	once sync.Once
	dir  string
	recs int
	err  error
}

// benchFiles generates (once per process) a bench-shaped data set of about 1 M records.
func benchFiles(b *testing.B) (string, int) {
	benchData.once.Do(func() {
		dir, err := os.MkdirTemp("", "flowq-bench-")
		if err != nil {
			benchData.err = err
			return
		}
		truth, err := flowgen.Generate(context.Background(), flowgen.Bench(1_000_000), flowgen.DirSink(dir))
		benchData.dir, benchData.err = dir, err
		if truth != nil {
			benchData.recs = int(truth.Records)
		}
	})
	if benchData.err != nil {
		b.Fatal(benchData.err)
	}
	return benchData.dir, benchData.recs
}

// BenchmarkLoad1M loads about 1 M records of bench-shaped deliveries into a fresh store.
func BenchmarkLoad1M(b *testing.B) {
	src, recs := benchFiles(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Open(ctx, filepath.Join(b.TempDir(), "data"))
		if err != nil {
			b.Fatal(err)
		}
		sum, err := s.Load(ctx, []string{src}, LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rows != int64(recs) {
			b.Fatalf("loaded %d rows, want %d", sum.Rows, recs)
		}
	}
	b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
