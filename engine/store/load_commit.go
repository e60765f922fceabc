package store

// Load step 5: commit. Each file is accounted for, parts holding rows of replaced files are
// rewritten without them, staged parts move into place and the ledger names them atomically.

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowq/flowq/engine/atomicfile"
)

// account adds each file's outcome to the summary and the loaded ones to the ledger (in
// memory; commit writes it). A file with a fatal error is recorded in load_errors too.
func (l *loader) account(b *batch) {
	sum, led := &l.sum, l.led
	for _, c := range b.files {
		if c.res.Fatal != nil {
			b.lineErrs = append(b.lineErrs, LineError{File: c.path, Reason: c.res.Fatal.Error()})
		}
		if c.res.Fatal != nil && c.res.Rows == 0 {
			l.fail(c.path, c.res.Fatal)
			continue
		}
		if c.res.Rows == 0 && c.res.Rejected > 0 {
			l.fail(c.path, fmt.Errorf("no valid records; %d lines rejected (first: line %d: %s)", c.res.Rejected, c.res.Errors[0].Line, c.res.Errors[0].Reason))
			continue
		}
		if c.res.Fatal != nil || c.res.Rejected > 0 {
			sum.Partial++
			reason := ""
			if c.res.Fatal != nil {
				reason = c.res.Fatal.Error()
			} else {
				reason = fmt.Sprintf("%d lines rejected (first: line %d: %s)", c.res.Rejected, c.res.Errors[0].Line, c.res.Errors[0].Reason)
			}
			sum.Failures = append(sum.Failures, FileError{c.path, fmt.Errorf("partly loaded: %s", reason)})
		}
		if c.old != nil {
			b.replaced = append(b.replaced, c.old.ID)
			sum.Replaced++
		}
		sum.Loaded++
		sum.Rows += c.res.Rows
		sum.Rejected += c.res.Rejected
		sum.Bytes += c.size
		led.Sources[c.path] = &SourceEntry{ID: c.id, Path: c.path, Size: c.size, ModTime: c.mtime, SHA256: c.sha,
			Rows: c.res.Rows, Rejected: c.res.Rejected, Batch: b.id, Format: c.kind, Header: c.res.Header, LoadedAt: nowUTC()}
		led.addColumns(c.typ.Table(), c.cols)
	}
}

// rewriteReplaced stages, for every live part holding rows of a replaced file, a copy without
// them; the originals are dropped at commit.
func (l *loader) rewriteReplaced(ctx context.Context, b *batch) error {
	if len(b.replaced) == 0 {
		return nil
	}
	var err error
	b.dropParts, err = l.s.rewriteParts(ctx, l.db, l.led, b.replaced, b.stage, b.id, b.prefixSrc)
	return err
}

// commit moves the staged files into place (invisible until the ledger names them), writes
// the ledger, then removes the parts it replaced. extra are parts staged by steps other than
// the flow-log ones (their Path relative to the data dir, as in the ledger); they are
// published and named in the ledger with the batch.
func (l *loader) commit(b *batch, extra []Part) error {
	extraByPath := make(map[string]Part, len(extra))
	for _, p := range extra {
		extraByPath[p.Path] = p
	}
	var moved []Part
	var movedErr []string
	err := filepath.WalkDir(b.stage, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(b.stage, path)
		dst := filepath.Join(l.s.dir, tablesDir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), dirPerm); err != nil {
			return err
		}
		if err := publish(path, dst); err != nil {
			return err
		}
		relData := filepath.ToSlash(filepath.Join(tablesDir, rel))
		switch p, ok := extraByPath[relData]; {
		case ok:
			moved = append(moved, p)
		case strings.HasPrefix(filepath.ToSlash(rel), errorsTable+"/"):
			movedErr = append(movedErr, relData)
		default:
			moved = append(moved, Part{Path: relData, Batch: b.id, Sources: stagedSources(path, b.partSrc, b.prefixSrc)})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("moving batch %d into place: %w", b.id, err)
	}
	led := l.led
	led.swapParts(b.dropParts, moved)
	led.ErrorParts = append(led.ErrorParts, movedErr...)
	led.NextSource = b.nextID
	led.NextBatch = b.id + 1
	if err := led.write(filepath.Join(l.s.dir, ledgerFile)); err != nil {
		return fmt.Errorf("committing batch %d: %w", b.id, err)
	}
	for _, p := range b.dropParts {
		if confinedPart(p) { // never delete outside the data dir, whatever the ledger said
			_ = os.Remove(filepath.Join(l.s.dir, filepath.FromSlash(p)))
		}
	}
	b.phase("commit")
	return nil
}

// publish moves a staged file into the data dir durably: permissions, fsync (DuckDB does not
// fsync what COPY writes; without it a power cut after the ledger commit could leave the ledger
// naming a part whose data never reached the disk), rename, fsync of the folder. The file
// stays invisible until the ledger names it.
func publish(staged, final string) error {
	if err := os.Chmod(staged, filePerm); err != nil {
		return err
	}
	if err := atomicfile.SyncFile(staged); err != nil {
		return err
	}
	if err := os.Rename(staged, final); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(final))
}

// stagedSources are the source ids of a staged part: recorded under its path, or under the
// file-name prefix of a part DuckDB named.
func stagedSources(path string, byPath, byPrefix map[string][]int64) []int64 {
	if ids, ok := byPath[path]; ok {
		return ids
	}
	name := filepath.Base(path)
	for prefix, ids := range byPrefix {
		if strings.HasPrefix(name, prefix) {
			return ids
		}
	}
	return nil
}

// rewriteParts writes, for every live part holding rows of the given sources, a replacement
// part without those rows, staged under dst in its own table's folder. It returns the parts
// to drop at commit.
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
			TO %s (%s)`, sqlString(full), strings.Join(idList, ","), sqlString(filepath.Join(dst, partTable(p.Path))), partitionedOptions(prefix+"{i}"))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("rewriting part %s: %w", p.Path, err)
		}
	}
	return dropParts, nil
}
