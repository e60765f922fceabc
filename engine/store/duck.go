package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/flowlog"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// openLoaderDB opens the in-memory DuckDB the loader uses to write Parquet. Memory and threads
// are bounded so that a load's footprint does not grow with the data.
func openLoaderDB(ctx context.Context, tempDir string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("opening DuckDB: %w", err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"SET TimeZone='UTC'",
		fmt.Sprintf("SET threads=%d", runtime.GOMAXPROCS(0)),
		// DuckDB fills what it is given: 1GB took a 10 M-record load to 0.77-0.79 GiB peak RSS,
		// 512MB to 0.64-0.67 GiB at the same speed, leaving room under the 1.5 GiB target.
		"SET memory_limit='512MB'",
		"SET preserve_insertion_order=false",
		// Spill inside the data dir, never into the user's working directory.
		"SET temp_directory=" + sqlString(tempDir),
		"SET autoinstall_known_extensions=false",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("DuckDB %s: %w", q, err)
		}
	}
	return db, nil
}

// parquetOptions are the COPY options of every part. V2 pages with a small dictionary limit
// encode the data compactly already (ports, times: delta; addresses, ENIs, actions: dictionary),
// so Snappy on top saved only 8% of the size while costing load and query time (BENCHMARKS.md).
const parquetOptions = "FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 122880, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 8192"

// copySpools turns a group's spool files of one date into one Parquet part at dst.
func copySpools(ctx context.Context, db *sql.DB, spools, cols []string, dst string) error {
	defs := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		defs = append(defs, sqlString(c)+": "+sqlString(columnType(c).SQL()))
	}
	defs = append(defs, "'_source': 'BIGINT'")
	files := make([]string, len(spools))
	for i, s := range spools {
		files[i] = sqlString(s)
	}
	if err := os.MkdirAll(filepath.Dir(dst), dirPerm); err != nil {
		return err
	}
	q := fmt.Sprintf(`COPY (SELECT * FROM read_csv([%s], delim='\t', header=false, quote='', escape='', nullstr='\N',
		auto_detect=false, strict_mode=false, columns={%s})) TO %s (%s)`,
		strings.Join(files, ", "), strings.Join(defs, ", "), sqlString(dst), parquetOptions)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("writing Parquet from %d spool files: %w", len(spools), err)
	}
	return nil
}

// partitionedOptions write a query with a date column into date=YYYY-MM-DD folders.
func partitionedOptions(pattern string) string {
	return fmt.Sprintf("%s, PARTITION_BY (date), FILENAME_PATTERN %s, OVERWRITE_OR_IGNORE true", parquetOptions, sqlString(pattern))
}

// copyParquetSource loads one Parquet delivery, mapping its columns by name onto the table's.
func copyParquetSource(ctx context.Context, db *sql.DB, c *candidate, dst, pattern string) error {
	have := map[string]bool{}
	var unknown []string
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT name FROM parquet_schema(%s)", sqlString(c.path)))
	if err != nil {
		return fmt.Errorf("reading Parquet schema: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		col := flowlog.ColumnName(strings.ToLower(n))
		have[col] = true
		if _, known := flowlog.Lookup(col); !known && col != "schema" && col != "duckdb_schema" {
			unknown = append(unknown, col)
		}
	}
	rows.Close()
	sort.Strings(unknown)
	if !have["start"] && !have["srcaddr"] && !have["action"] && !have["log_status"] {
		return fmt.Errorf("Parquet file has none of the flow-log columns (start, srcaddr, action, log_status)")
	}
	// The delivery's own columns make its header, and its part gets the same column set a text
	// delivery with that header gets (groupColumns).
	c.header = flowlog.Header{}
	for _, f := range flowlog.KnownFields() {
		if have[f.Column] {
			c.header.Fields = append(c.header.Fields, f)
		}
	}
	for _, u := range unknown {
		c.header.Fields = append(c.header.Fields, flowlog.Field{Name: u, Column: u, Unknown: true})
	}
	c.cols = groupColumns(c.header)
	var sel []string
	for _, col := range c.cols {
		switch {
		case have[col]:
			sel = append(sel, fmt.Sprintf("TRY_CAST(%s AS %s) AS %s", sqlIdent(col), columnType(col).SQL(), sqlIdent(col)))
		case c.hasKey && col == "account_id":
			sel = append(sel, sqlString(c.key.Account)+" AS account_id")
		case c.hasKey && col == "region":
			sel = append(sel, sqlString(c.key.Region)+" AS region")
		default:
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", columnType(col).SQL(), sqlIdent(col)))
		}
	}
	date := "CAST(to_timestamp(TRY_CAST(start AS BIGINT)) AS DATE)"
	if c.hasKey {
		date = "DATE " + sqlString(c.key.Date.Format("2006-01-02"))
	} else if !have["start"] {
		date = "DATE '1970-01-01'"
	}
	sel = append(sel, fmt.Sprintf("COALESCE(%s, DATE '1970-01-01') AS date", date), fmt.Sprintf("CAST(%d AS BIGINT) AS _source", c.id))
	// COPY reports the rows it wrote, and writes no file for none.
	res, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT %s FROM read_parquet(%s)) TO %s (%s)",
		strings.Join(sel, ", "), sqlString(c.path), sqlString(dst), partitionedOptions(pattern)))
	if err != nil {
		return fmt.Errorf("loading Parquet: %w", err)
	}
	if c.res.Rows, err = res.RowsAffected(); err != nil {
		return fmt.Errorf("loading Parquet: %w", err)
	}
	c.res.Header = "parquet"
	return nil
}

// rewriteParts writes, for every live part holding rows of the given sources, a replacement
// part without those rows. It returns the parts to drop at commit.
// Each rewritten part's sources (the old part's, less the dropped ones) are recorded in
// prefixSrc under its file-name prefix.
func (s *Store) rewriteParts(ctx context.Context, db *sql.DB, led *Ledger, ids []int64, dst string, batch int64, prefixSrc map[string][]int64) ([]string, error) {
	drop := map[int64]bool{}
	idList := make([]string, len(ids))
	for i, id := range ids {
		drop[id] = true
		idList[i] = fmt.Sprint(id)
	}
	var dropParts []string
	for i, p := range led.Parts {
		hit := false
		for _, id := range p.Sources {
			if drop[id] {
				hit = true
			}
		}
		if !hit {
			continue
		}
		dropParts = append(dropParts, p.Path)
		prefix := fmt.Sprintf("b%06d_r%d_", batch, i)
		var keep []int64
		for _, id := range p.Sources {
			if !drop[id] {
				keep = append(keep, id)
			}
		}
		prefixSrc[prefix] = keep
		full := filepath.Join(s.dir, filepath.FromSlash(p.Path))
		q := fmt.Sprintf(`COPY (SELECT * FROM read_parquet(%s, hive_partitioning=true, hive_types={'date': DATE}) WHERE _source NOT IN (%s))
			TO %s (%s)`, sqlString(full), strings.Join(idList, ","), sqlString(dst), partitionedOptions(prefix+"{i}"))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("rewriting part %s: %w", p.Path, err)
		}
	}
	return dropParts, nil
}
