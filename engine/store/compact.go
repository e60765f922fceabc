package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/atomicfile"
)

// compactMinParts is how many parts a date may collect before a load merges them. Every sync
// adds parts; a session reads every part's footer for each query (~0.15 ms a part measured), so
// a store synced every hour for months would otherwise slow every query down.
const compactMinParts = 16

// compact merges the parts of each date that has at least minParts of them into one part,
// committed like a load batch: staged, moved into place, then the ledger names the new part
// instead of the old ones, which are removed after the commit.
func (s *Store) compact(ctx context.Context, db *sql.DB, led *Ledger, minParts int, logf func(string, ...any)) error {
	byDate := map[string][]Part{}
	for _, p := range led.Parts {
		dir := path.Base(path.Dir(p.Path))
		if strings.HasPrefix(dir, "date=") {
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

func (s *Store) compactDate(ctx context.Context, db *sql.DB, led *Ledger, dateDir string, parts []Part) error {
	batchID := led.NextBatch
	stage := filepath.Join(s.dir, stagingDir, fmt.Sprintf("b%06d", batchID))
	defer os.RemoveAll(filepath.Join(s.dir, stagingDir))
	rel := path.Join(tablesDir, flowTable, dateDir, fmt.Sprintf("b%06d_compact.parquet", batchID))
	staged := filepath.Join(stage, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(staged), dirPerm); err != nil {
		return err
	}
	files := make([]string, len(parts))
	var sources []int64
	seen := map[int64]bool{}
	drop := map[string]bool{}
	for i, p := range parts {
		files[i] = sqlString(filepath.Join(s.dir, filepath.FromSlash(p.Path)))
		drop[p.Path] = true
		for _, id := range p.Sources {
			if !seen[id] {
				seen[id] = true
				sources = append(sources, id)
			}
		}
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i] < sources[j] })
	// The date comes from the folder, so the parts are read without Hive columns; columns are
	// matched by name, as the view does.
	q := fmt.Sprintf("COPY (SELECT * FROM read_parquet([%s], union_by_name=true, hive_partitioning=false)) TO %s (%s)",
		strings.Join(files, ", "), sqlString(staged), parquetOptions)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return err
	}
	if err := atomicfile.SyncFile(staged); err != nil {
		return err
	}
	if err := os.Chmod(staged, filePerm); err != nil {
		return err
	}
	final := filepath.Join(s.dir, filepath.FromSlash(rel))
	if err := os.Rename(staged, final); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(filepath.Dir(final)); err != nil {
		return err
	}
	kept := led.Parts[:0]
	for _, p := range led.Parts {
		if !drop[p.Path] {
			kept = append(kept, p)
		}
	}
	led.Parts = append(kept, Part{Path: rel, Batch: batchID, Sources: sources})
	led.NextBatch = batchID + 1
	if err := led.write(filepath.Join(s.dir, ledgerFile)); err != nil {
		return err
	}
	for p := range drop {
		_ = os.Remove(filepath.Join(s.dir, filepath.FromSlash(p)))
	}
	return nil
}
