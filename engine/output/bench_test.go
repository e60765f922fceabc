package output

import (
	"context"
	"database/sql"
	"io"
	"testing"
)

// A flow-log-like result: ints, text, a timestamp and a HUGEINT sum.
const benchQuery = `SELECT x AS srcport, '10.0.' || (x % 256) || '.' || (x % 7) AS srcaddr,
	TIMESTAMP '2024-01-01' + INTERVAL (x) SECOND AS ts, 'ACCEPT' AS action, (x * 1500)::HUGEINT AS bytes
	FROM range(200000) t(x)`

func benchRender(b *testing.B, f Format, o Options) {
	db, err := openBenchDB()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := db.QueryContext(context.Background(), benchQuery)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(context.Background(), io.Discard, rows, f, o); err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	b.ReportMetric(float64(200000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkRenderCSV(b *testing.B)    { benchRender(b, CSV, Options{}) }
func BenchmarkRenderNDJSON(b *testing.B) { benchRender(b, NDJSON, Options{}) }
func BenchmarkRenderTable(b *testing.B)  { benchRender(b, Table, Options{MaxRows: 1000, Width: 120}) }

func openBenchDB() (*sql.DB, error) { return sql.Open("duckdb", "") }
