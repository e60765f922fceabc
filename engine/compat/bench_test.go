package compat

import (
	"context"
	"testing"
)

// BenchmarkCIDRContains measures the Go UDF over one million generated IPv4 addresses.
func BenchmarkCIDRContains(b *testing.B) {
	conn := newConnTB(b)
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE ips AS SELECT
		(i % 256)::VARCHAR || '.' || ((i // 256) % 256)::VARCHAR || '.1.' || (i % 7)::VARCHAR AS ip
		FROM range(1000000) t(i)`); err != nil {
		b.Fatal(err)
	}
	q := Rewrite(`SELECT count(*) FROM ips WHERE contains('10.0.0.0/8', CAST(ip AS IPADDRESS))`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var n int64
		if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
			b.Fatal(err)
		}
		// i % 256 == 10 for 3906 full cycles of 256 plus the partial last cycle (64 > 10).
		if n != 3907 {
			b.Fatalf("count = %d, want 3907", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/row")
}
