package store

// Load step between encode and commit: the summary tables (summary.go). A batch changes the
// records of some hours (its new records, late ones included, and the old records of the files
// it replaces); the summaries' rows of exactly those hours are recomputed from every live part,
// the other rows of their dates are copied, and the new summary parts are staged for the
// batch's commit, which names them in the ledger instead of the old ones. Raw parts and
// summaries therefore change in one ledger write: a crash leaves both as they were.

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// touchedHours are the summary buckets a batch changes: hours (Unix seconds), and whether
// records without a start (bucket NULL) changed. all means every bucket (a rebuild).
type touchedHours struct {
	all   bool
	hours []int64
	null  bool
}

func (t touchedHours) empty() bool { return !t.all && len(t.hours) == 0 && !t.null }

// where is the SQL test of a bucket expression (e.g. "hour") for the touched buckets.
func (t touchedHours) where(expr string) string {
	if t.all {
		return "true"
	}
	var conds []string
	if len(t.hours) > 0 {
		list := make([]string, len(t.hours))
		for i, h := range t.hours {
			list[i] = strconv.FormatInt(h, 10)
		}
		conds = append(conds, fmt.Sprintf("%s IN (%s)", expr, strings.Join(list, ",")))
	}
	if t.null {
		conds = append(conds, expr+" IS NULL")
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// startRange narrows a scan of raw parts to the touched hours by start, so row groups and
// parts outside them are skipped by their statistics.
func (t touchedHours) startRange() string {
	if t.all || t.null || len(t.hours) == 0 {
		return "true"
	}
	return fmt.Sprintf("start >= %d AND start < %d", t.hours[0], t.hours[len(t.hours)-1]+summaryBucket)
}

// dates are the summary partitions the touched buckets fall in.
func (t touchedHours) dates() map[string]bool {
	out := map[string]bool{}
	for _, h := range t.hours {
		out[time.Unix(h, 0).UTC().Format("2006-01-02")] = true
	}
	if t.null {
		out["1970-01-01"] = true
	}
	return out
}

// stageSummaries recomputes the summaries' rows of the hours the batch changes, staged under
// the batch's folder; it returns the new parts for commit and adds the parts they replace to
// the batch's dropParts. A ledger whose summaries are missing or of another version has them
// rebuilt whole.
func (l *loader) stageSummaries(ctx context.Context, b *batch) ([]Part, error) {
	t, err := l.touched(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("summaries of batch %d: %w", b.id, err)
	}
	b.phase("summary hours")
	if t.empty() {
		return nil, nil
	}
	extra, drop, err := l.s.buildSummaries(ctx, l.db, l.led, b, t)
	if err != nil {
		return nil, fmt.Errorf("summaries of batch %d: %w", b.id, err)
	}
	b.dropParts = append(b.dropParts, drop...)
	l.led.Summaries = summaryVersion
	b.phase("summaries")
	return extra, nil
}

// touched finds the hours the batch changes: those of its new records and of the old records
// of the files it replaces.
func (l *loader) touched(ctx context.Context, b *batch) (touchedHours, error) {
	if !l.led.SummariesCurrent() {
		return touchedHours{all: true}, nil
	}
	set := map[int64]bool{}
	var t touchedHours
	add := func(files []string, where string) error {
		if len(files) == 0 {
			return nil
		}
		cols, err := partsColumns(ctx, l.db, files)
		if err != nil {
			return err
		}
		if !cols["start"] {
			t.null = true // parts without a start column: every record's bucket is NULL
			return nil
		}
		rows, err := l.db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT start - start %% %d FROM read_parquet([%s], union_by_name=true, hive_partitioning=false) WHERE %s",
			summaryBucket, quotedList(files), where))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h sql.NullInt64
			if err := rows.Scan(&h); err != nil {
				return err
			}
			if h.Valid {
				set[h.Int64] = true
			} else {
				t.null = true
			}
		}
		return rows.Err()
	}
	// New records carry the batch's new source ids; staged parts with older ids only are
	// rewrites of replaced files' parts, whose remaining records did not change.
	staged, err := stagedFiles(filepath.Join(b.stage, flowTable))
	if err != nil {
		return t, err
	}
	if err := add(staged, fmt.Sprintf("_source >= %d", l.led.NextSource)); err != nil {
		return t, err
	}
	if len(b.replaced) > 0 {
		var old []string
		for _, p := range b.dropParts {
			if partTable(p) == flowTable {
				old = append(old, filepath.Join(l.s.dir, filepath.FromSlash(p)))
			}
		}
		ids := make([]string, len(b.replaced))
		for i, id := range b.replaced {
			ids[i] = strconv.FormatInt(id, 10)
		}
		if err := add(old, "_source IN ("+strings.Join(ids, ",")+")"); err != nil {
			return t, err
		}
	}
	for h := range set {
		t.hours = append(t.hours, h)
	}
	slices.Sort(t.hours)
	return t, nil
}

// buildSummaries writes, for every summary table, the new parts of the dates the touched
// buckets fall in (rows of untouched hours copied from the old parts, touched hours
// aggregated from the flow-log parts live after the commit: the ledger's, less those the batch
// drops, plus the staged ones), into the batch's staging folder. It returns them and the old
// parts to drop.
func (s *Store) buildSummaries(ctx context.Context, db *sql.DB, led *Ledger, b *batch, t touchedHours) (extra []Part, drop []string, err error) {
	dropping := map[string]bool{}
	for _, p := range b.dropParts {
		dropping[p] = true
	}
	var live []string
	for _, p := range led.flowParts() {
		if !dropping[p.Path] {
			live = append(live, filepath.Join(s.dir, filepath.FromSlash(p.Path)))
		}
	}
	staged, err := stagedFiles(filepath.Join(b.stage, flowTable))
	if err != nil {
		return nil, nil, err
	}
	live = append(live, staged...)
	src := ""
	if len(live) > 0 {
		src, err = flowSource(ctx, db, live, t.startRange())
		if err != nil {
			return nil, nil, err
		}
	}
	b.phase("summary sources")
	dates := t.dates()
	for _, table := range summaryTables {
		var old []string
		for _, p := range led.TableParts(table) {
			if t.all || !led.SummariesCurrent() || dates[partDate(p.Path)] {
				drop = append(drop, p.Path)
				if led.SummariesCurrent() && !t.all {
					old = append(old, filepath.Join(s.dir, filepath.FromSlash(p.Path)))
				}
			}
		}
		var queries []string
		if len(old) > 0 {
			queries = append(queries, fmt.Sprintf("SELECT * FROM read_parquet([%s], hive_partitioning=true, hive_types={'date': DATE}) WHERE NOT %s",
				quotedList(old), t.where("hour")))
		}
		if src != "" {
			queries = append(queries, "SELECT * FROM ("+summarySQL(table, src)+") n")
		}
		if len(queries) == 0 {
			continue
		}
		dst := filepath.Join(b.stage, table)
		if err := os.MkdirAll(dst, dirPerm); err != nil {
			return nil, nil, err
		}
		q := fmt.Sprintf("COPY (%s) TO %s (%s)", strings.Join(queries, "\nUNION ALL BY NAME\n"), sqlString(dst),
			partitionedOptions(fmt.Sprintf("b%06d_s{i}", b.id)))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, nil, fmt.Errorf("writing %s: %w", table, err)
		}
		b.phase("summary " + table)
		files, err := stagedFiles(dst)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range files {
			rel, _ := filepath.Rel(b.stage, f)
			extra = append(extra, Part{Path: filepath.ToSlash(filepath.Join(tablesDir, rel)), Batch: b.id})
		}
	}
	return extra, drop, nil
}

// flowSource is a relation over the given flow-log parts with every column the summaries read
// (NULL of its type where no part has it), only the records of the touched hours' start range.
func flowSource(ctx context.Context, db *sql.DB, files []string, where string) (string, error) {
	have, err := partsColumns(ctx, db, files)
	if err != nil {
		return "", err
	}
	if !have["start"] {
		where = "true"
	}
	var sel []string
	for _, c := range []string{"account_id", "region", "interface_id", "instance_id", "subnet_id", "vpc_id", "srcaddr", "dstaddr",
		"srcport", "dstport", "pkt_srcaddr", "pkt_dstaddr", "protocol", "action", "log_status", "packets", "bytes", "start", "end",
		"pkt_dst_aws_service"} {
		if have[c] {
			sel = append(sel, sqlIdent(c))
		} else {
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", fieldType(c), sqlIdent(c)))
		}
	}
	return fmt.Sprintf("(SELECT %s FROM read_parquet([%s], union_by_name=true, hive_partitioning=false) WHERE %s)",
		strings.Join(sel, ", "), quotedList(files), where), nil
}

// fieldType is a known field's SQL type.
func fieldType(col string) string {
	f, _ := flowlog.Lookup(col)
	return f.Type.SQL()
}

// partsColumns are the (lower-case) column names present in any of the files.
func partsColumns(ctx context.Context, db *sql.DB, files []string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet([%s], union_by_name=true, hive_partitioning=false))", quotedList(files)))
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %d parts: %w", len(files), err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[strings.ToLower(n)] = true
	}
	return out, rows.Err()
}

// stagedFiles lists the Parquet files under dir (none when it does not exist), sorted.
func stagedFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".parquet") {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func quotedList(files []string) string {
	q := make([]string, len(files))
	for i, f := range files {
		q[i] = sqlString(f)
	}
	return strings.Join(q, ", ")
}

// rebuildSummaries commits summaries on their own when the ledger's are missing or of another
// version and no batch built them (a store loaded before summaries existed, or one doctor
// changed): an empty batch whose only parts are the summaries.
func (l *loader) rebuildSummaries(ctx context.Context) error {
	if l.led.SummariesCurrent() || len(l.led.Parts) == 0 {
		return nil
	}
	b, err := l.newBatch(nil)
	if err != nil {
		return err
	}
	defer b.cleanup()
	extra, err := l.stageSummaries(ctx, b)
	if err != nil {
		return err
	}
	return l.commit(b, extra)
}
