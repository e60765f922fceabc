package store

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
)

func TestRecodeLarge(t *testing.T) {
	ctx := context.Background()
	db, err := openLoaderDB(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// 100,000 rows of a counter, a short text and a hash: about 8 bytes a row uncompressed (the
	// hash; the counter and text encode to almost nothing), far above 1 and far below 1,000.
	tests := []struct {
		name  string
		rows  int64
		limit float64
		codec string
	}{
		{"under the limit stays plain", 100000, 1000, "UNCOMPRESSED"},
		{"over the limit becomes zstd", 100000, 1, "ZSTD"},
		{"a small part stays plain", 5000, 1, "UNCOMPRESSED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.parquet")
			if _, err := db.ExecContext(ctx, "COPY (SELECT i AS a, 'x' || (i % 7) AS b, hash(i) AS c FROM range("+fmt.Sprint(tc.rows)+") t(i)) TO "+sqlString(path)+" ("+parquetOptions+")"); err != nil {
				t.Fatal(err)
			}
			if err := recodeLarge(ctx, db, path, tc.rows, tc.limit); err != nil {
				t.Fatal(err)
			}
			var codecs string
			var n, sum int64
			if err := db.QueryRowContext(ctx, "SELECT string_agg(DISTINCT compression, ',') FROM parquet_metadata("+sqlString(path)+")").Scan(&codecs); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, "SELECT count(*), sum(a) FROM read_parquet("+sqlString(path)+")").Scan(&n, &sum); err != nil {
				t.Fatal(err)
			}
			if codecs != tc.codec {
				t.Errorf("codec %s, want %s", codecs, tc.codec)
			}
			if want := tc.rows * (tc.rows - 1) / 2; n != tc.rows || sum != want { // 0 + 1 + ... + rows-1
				t.Errorf("%d rows summing to %d, want %d and %d", n, sum, tc.rows, want)
			}
			if _, err := os.Stat(path + ".zstd"); !os.IsNotExist(err) {
				t.Errorf("temporary file left behind: %v", err)
			}
		})
	}
}

// TestScannerStoreNotLargerThanGzip loads a day where most traffic is internet scanners (most
// address pairs distinct: plain pages take more than the gzip deliveries) and checks the store
// is no larger than the gzip files it came from, and that every part of zstdMinRows or more above
// zstdAbove bytes a record is in zstd.
func TestScannerStoreNotLargerThanGzip(t *testing.T) {
	cfg := flowgen.ScannerMonth(200000)
	cfg.Span = 24 * time.Hour
	cfg.Scenarios = false
	cfg.ScannerPool = 100000 // a month's pool at this rate: most pairs of the day distinct
	src := filepath.Join(t.TempDir(), "src")
	if _, err := flowgen.Generate(context.Background(), cfg, flowgen.DirSink(src)); err != nil {
		t.Fatal(err)
	}
	gz := treeSize(t, src, ".gz")
	s, ctx := openStore(t)
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed > 0 || sum.Rows < 150000 {
		t.Fatalf("load: %+v", sum)
	}
	parts := treeSize(t, filepath.Join(s.Dir(), "tables", flowTable), ".parquet")
	t.Logf("%d rows: store %d bytes (%.1f a row), gzip %d (%.1f a row)", sum.Rows, parts, float64(parts)/float64(sum.Rows), gz, float64(gz)/float64(sum.Rows))
	if parts > gz {
		t.Errorf("store %d bytes, larger than its gzip source's %d", parts, gz)
	}
	db, err := openLoaderDB(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, _ := filepath.Glob(filepath.Join(s.Dir(), "tables", flowTable, "*", "*.parquet"))
	for _, f := range files {
		var rows int64
		var codecs string
		if err := db.QueryRowContext(ctx, "SELECT sum(num_rows), (SELECT string_agg(DISTINCT compression, ',') FROM parquet_metadata("+sqlString(f)+")) FROM parquet_file_metadata("+sqlString(f)+")").Scan(&rows, &codecs); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		var dateCols int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM parquet_schema("+sqlString(f)+") WHERE name = 'date'").Scan(&dateCols); err != nil {
			t.Fatal(err)
		}
		if dateCols != 0 {
			t.Errorf("%s: has a date column (the folder's date belongs to the folder)", filepath.Base(f))
		}
		if per := float64(info.Size()) / float64(rows); rows >= zstdMinRows && per > zstdAbove && codecs != "ZSTD" {
			t.Errorf("%s: %.1f bytes a record in %s pages, want zstd above %.0f", filepath.Base(f), per, codecs, zstdAbove)
		}
	}
}

func treeSize(t *testing.T, dir, suffix string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, suffix) {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
