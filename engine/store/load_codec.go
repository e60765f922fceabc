package store

// The codec of a part: uncompressed pages by default, zstd when they would be large. Measured
// (BENCHMARKS.md, issue 22): on flowgen's bench day zstd level 1 saves 17% of the size but made
// full scans 13-74% slower; on a scanner-heavy month, where most addresses are distinct and
// dictionaries do not help, uncompressed pages took 25.5 bytes a record, 1.12× the gzip
// deliveries, and zstd 16.9 (0.74×). So a part is re-encoded with zstd only when its plain
// pages exceed a budget per record.

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// zstdAbove is the size per record above which a part is re-encoded with zstd: above the bench
// data's plain pages (13.6-15.1 bytes a record), well below the 25 of high-cardinality data.
const zstdAbove = 16.0

// zstdMinRows is the smallest part worth re-encoding: in smaller ones (the parts of an
// incremental load) the footer, not the pages, makes the bytes per record, and compaction later
// merges them into a part the rule applies to.
const zstdMinRows = 10000

// zstdOptions are parquetOptions with zstd at its fastest level.
const zstdOptions = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 8192"

// recodeLarge re-encodes the Parquet part at path with zstd when its size per record is above
// limit (bytes; at most zstdAbove), keeping the row order. rows is the part's row count.
func recodeLarge(ctx context.Context, db *sql.DB, path string, rows int64, limit float64) error {
	if rows < zstdMinRows {
		return nil
	}
	limit = min(limit, zstdAbove)
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("part %s: %w", path, err)
	}
	if float64(info.Size())/float64(rows) <= limit {
		return nil
	}
	tmp := path + ".zstd"
	// Without Hive partitioning: the part's date is its folder's, never a column of its own.
	q := fmt.Sprintf("COPY (SELECT * FROM read_parquet(%s, hive_partitioning=false)) TO %s (%s)", sqlString(path), sqlString(tmp), zstdOptions)
	if _, err := db.ExecContext(ctx, q); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("re-encoding part %s with zstd: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("re-encoding part %s with zstd: %w", path, err)
	}
	return nil
}

// sourceBytesPerRow is the compressed source bytes per record of the given sources (the batch's
// text files): a part made of them should be no larger per record. 0 when unknown.
func (b *batch) sourceBytesPerRow(ids []int64) float64 {
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var size, rows int64
	for _, c := range b.files {
		if want[c.id] {
			size += c.size
			rows += c.res.Rows
		}
	}
	if rows == 0 {
		return 0
	}
	return float64(size) / float64(rows)
}
