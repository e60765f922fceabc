package why

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
)

// BenchmarkAnalyze asks about a planted case in a day of flowgen.Bench data (WHY_BENCH_RECORDS
// records, default 1,000,000), by exact addresses and by CIDRs around them.
//
//	go test ./engine/why -run '^$' -bench Analyze -benchtime 5x
func BenchmarkAnalyze(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("WHY_BENCH_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	ctx := context.Background()
	dir := b.TempDir()
	truth, err := flowgen.Generate(ctx, flowgen.Bench(n), flowgen.DirSink(filepath.Join(dir, "src")))
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Load(ctx, []string{filepath.Join(dir, "src")}, store.LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	sess, err := st.OpenSession(ctx, store.SessionOptions{Init: compat.Register})
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	c, _ := truth.FindWhy("mixed")
	b.Logf("%d records; mixed case %s → %s:%d", truth.Records, c.Src, c.Dst, c.DstPort)
	for _, q := range []struct {
		name string
		q    Question
	}{
		{"address", Question{Src: c.Src, Dst: c.Dst, Port: c.DstPort}},
		{"cidr", Question{Src: prefix24(c.Src), Dst: prefix24(c.Dst), Port: c.DstPort}},
		{"no-coverage", Question{Src: "192.0.2.1", Dst: "192.0.2.2"}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				rep, err := Analyze(ctx, sess.DB, q.q)
				if err != nil {
					b.Fatal(err)
				}
				// Around the addresses, background traffic to the same port is healthy.
				if q.name == "address" && string(rep.Verdict) != c.Verdict {
					rep.WriteText(os.Stderr)
					b.Fatalf("verdict %s, planted %s", rep.Verdict, c.Verdict)
				}
			}
		})
	}
}
