package flowgen

import (
	"context"
	"testing"
)

type discard struct{}

func (discard) Put(context.Context, string, []byte) error { return nil }

// BenchmarkGenerate measures records per second of the bench preset (without disk writes).
func BenchmarkGenerate(b *testing.B) {
	cfg := Bench(1_000_000)
	var records int64
	for b.Loop() {
		t, err := Generate(context.Background(), cfg, discard{})
		if err != nil {
			b.Fatal(err)
		}
		records += t.Records
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
