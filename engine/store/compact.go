package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// compactMinParts is how many parts a date may collect before a load merges them. Every sync
// adds parts; a session reads every part's footer for each query (~0.15 ms a part measured), so
// a store synced every hour for months would otherwise slow every query down.
const compactMinParts = 16

// compact merges the parts of each date that has at least minParts of them into one part,
// committed like a load batch: staged, moved into place, then the ledger names the new part
// instead of the old ones, which are removed after the commit.
func (s *Store) compact(ctx context.Context, db *sql.DB, led *Ledger, minParts int, logf func(string, ...any)) error {
	// By table and date: tables/TABLE/date=YYYY-MM-DD (each table's parts merge apart).
	byDate := map[string][]Part{}
	for _, p := range led.Parts {
		if isSummaryTable(partTable(p.Path)) {
			continue // one part per date, rewritten by every load that touches it
		}
		dir := path.Dir(p.Path)
		if strings.HasPrefix(path.Base(dir), "date=") {
			byDate[dir] = append(byDate[dir], p)
		}
	}
	var dates []string
	for d, parts := range byDate {
		if len(parts) >= minParts {
			dates = append(dates, d)
		}
	}
	sort.Strings(dates)
	for _, d := range dates {
		if err := s.compactDate(ctx, db, led, d, byDate[d]); err != nil {
			return fmt.Errorf("compacting %s: %w", d, err)
		}
		logf("load: compacted %d parts of %s", len(byDate[d]), d)
	}
	return nil
}

// compactDate merges the parts in dateDir (tables/TABLE/date=…, slash-separated).
func (s *Store) compactDate(ctx context.Context, db *sql.DB, led *Ledger, dateDir string, parts []Part) error {
	batchID := led.NextBatch
	stage := filepath.Join(s.dir, stagingDir, fmt.Sprintf("b%06d", batchID))
	defer os.RemoveAll(filepath.Join(s.dir, stagingDir))
	files := make([]string, len(parts))
	drop := make([]string, len(parts))
	for i, p := range parts {
		files[i] = sqlString(filepath.Join(s.dir, filepath.FromSlash(p.Path)))
		drop[i] = p.Path
	}
	// The merged parts keep loads' split of ACCEPTed records from the rest (see partKey).
	type output struct{ suffix, where string }
	outputs := []output{{"", "true"}}
	if path.Base(path.Dir(dateDir)) == flowTable && slices.Contains(led.Columns, "action") {
		outputs = []output{
			{"", "action = 'ACCEPT'"},
			{partKey{other: true}.suffix(), "action IS DISTINCT FROM 'ACCEPT'"},
		}
	}
	var merged []Part
	for _, o := range outputs {
		rel := path.Join(dateDir, fmt.Sprintf("b%06d_compact%s.parquet", batchID, o.suffix))
		part, ok, err := mergeParts(ctx, db, files, o.where, rel, filepath.Join(stage, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		if ok {
			part.Batch = batchID
			merged = append(merged, part)
		}
	}
	for _, m := range merged {
		if err := publish(filepath.Join(stage, filepath.FromSlash(m.Path)), filepath.Join(s.dir, filepath.FromSlash(m.Path))); err != nil {
			return err
		}
	}
	led.swapParts(drop, merged)
	led.NextBatch = batchID + 1
	if err := led.write(filepath.Join(s.dir, ledgerFile)); err != nil {
		return err
	}
	for _, p := range drop {
		if confinedPart(p) {
			_ = os.Remove(filepath.Join(s.dir, filepath.FromSlash(p)))
		}
	}
	return nil
}

// mergeParts writes the rows of the given parts (quoted paths) that match where into one
// staged part; ok is false when there are none (COPY writes no file for no rows).
func mergeParts(ctx context.Context, db *sql.DB, files []string, where, rel, staged string) (part Part, ok bool, err error) {
	if err := os.MkdirAll(filepath.Dir(staged), dirPerm); err != nil {
		return Part{}, false, err
	}
	// The date comes from the folder, so the parts are read without Hive columns; columns
	// are matched by name, as the view does.
	res, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM read_parquet([%s], union_by_name=true, hive_partitioning=false) WHERE %s) TO %s (%s)",
		strings.Join(files, ", "), where, sqlString(staged), parquetOptions))
	if err != nil {
		return Part{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return Part{}, false, err
	}
	if err := recodeLarge(ctx, db, staged, n, zstdAbove); err != nil {
		return Part{}, false, err
	}
	// Which sources the merged part holds: read back (one small column), since a source
	// may have records on one side of the split only.
	sources, err := partSources(ctx, db, staged)
	if err != nil {
		return Part{}, false, err
	}
	return Part{Path: rel, Sources: sources}, true, nil
}

// partSources are the distinct _source ids in a Parquet part, sorted.
func partSources(ctx context.Context, db *sql.DB, file string) ([]int64, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT _source FROM read_parquet(%s) ORDER BY 1", sqlString(file)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
