package store

// Load step 4: encode. DuckDB turns each part's spools into one Parquet file, reads Parquet
// deliveries directly (columns mapped by name), and writes the batch's rejected lines.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// encodeJob is one part to write from spools: its columns, staged path and the sources in it.
type encodeJob struct {
	spools, cols []string
	dst          string
	sources      []int64
}

// encodeSpools writes the parts queued by parseAndEncode until jobs is closed, removing the
// spools as it goes; after the first error it only drains the queue.
func (l *loader) encodeSpools(ctx context.Context, b *batch, jobs <-chan encodeJob) error {
	var first error
	for j := range jobs {
		if first == nil {
			first = copySpools(ctx, l.db, j.spools, j.cols, j.dst)
			b.partSrc[j.dst] = j.sources
			b.phase("Parquet " + filepath.Base(j.dst))
		}
		for _, sp := range j.spools {
			_ = os.Remove(sp)
		}
	}
	return first
}

// encodeParquetSources loads the batch's Parquet deliveries one by one; a file that fails
// fails alone (its error is the file's result).
func (l *loader) encodeParquetSources(ctx context.Context, b *batch) {
	for _, c := range b.parquet {
		prefix := fmt.Sprintf("b%06d_p%d_", b.id, c.id)
		if err := copyParquetSource(ctx, l.db, c, b.stage, prefix+"{i}"); err != nil {
			c.res.Fatal, c.res.Rows = err, 0
			// A COPY that failed part way may have written some date folders' files.
			removeStaged(b.stage, prefix)
		} else {
			b.prefixSrc[prefix] = []int64{c.id}
		}
		l.fileDone(c)
	}
}

// writeLineErrors writes the batch's rejected lines (and failed files) as its load_errors part.
func (l *loader) writeLineErrors(ctx context.Context, b *batch) error {
	if len(b.lineErrs) == 0 {
		return nil
	}
	return writeErrorPart(ctx, l.db, b.lineErrs, filepath.Join(b.stage, errorsTable, fmt.Sprintf("b%06d.parquet", b.id)))
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
	q := fmt.Sprintf(`COPY (SELECT * FROM read_csv([%s], delim='\t', header=false, quote='', escape='', nullstr='',
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

// errorRow is one load_errors row as spooled to JSON.
type errorRow struct {
	File   string `json:"file"`
	Line   *int64 `json:"line"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
	At     string `json:"loaded_at"`
}

func writeErrorPart(ctx context.Context, db *sql.DB, errs []LineError, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), dirPerm); err != nil {
		return err
	}
	spool := dst + ".json"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	at := nowUTC().Format(time.RFC3339)
	for _, e := range errs {
		r := errorRow{File: e.File, Reason: e.Reason, Raw: e.Raw, At: at}
		if e.Line > 0 {
			l := e.Line
			r.Line = &l
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := os.WriteFile(spool, buf.Bytes(), filePerm); err != nil {
		return fmt.Errorf("writing load errors: %w", err)
	}
	defer os.Remove(spool)
	q := fmt.Sprintf(`COPY (SELECT file, line, reason, raw, CAST(loaded_at AS TIMESTAMP) AS loaded_at FROM read_json(%s, format='newline_delimited',
		columns={'file':'VARCHAR','line':'BIGINT','reason':'VARCHAR','raw':'VARCHAR','loaded_at':'VARCHAR'})) TO %s (FORMAT parquet)`,
		sqlString(spool), sqlString(dst))
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("writing load errors: %w", err)
	}
	return nil
}

// removeStaged deletes the staged files under dir whose names start with prefix.
func removeStaged(dir, prefix string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			_ = os.Remove(path)
		}
		return nil
	})
}
