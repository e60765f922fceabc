package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// DoctorOptions tune a store check.
type DoctorOptions struct {
	Fix  bool // quarantine the parts that break the table (takes the writer lock)
	Wait bool // with Fix: wait for another writer instead of failing
}

// Problem is a part that breaks the table, and what Fix did about it.
type Problem struct {
	Part   string `json:"part"` // as the ledger names it
	Reason string `json:"reason"`
	Action string `json:"action,omitempty"` // with Fix
}

// DoctorReport is what a store check found.
type DoctorReport struct {
	Parts    int       `json:"parts"` // parts checked (flow-log and load_errors)
	Problems []Problem `json:"problems"`
	// With Fix: the source files whose rows were in a quarantined part. Their rows left every
	// part and they left the ledger, so loading them again restores them exactly once.
	Unloaded  []string `json:"unloaded,omitempty"`
	Rewritten int      `json:"rewritten,omitempty"` // healthy parts rewritten without those rows
	Rows      int64    `json:"rows"`                // rows the table answers after the check
	TableErr  string   `json:"table_error,omitempty"`
}

// flowPartPath is where a flow-log part may be: its date folder makes its partition.
var flowPartPath = regexp.MustCompile(`^` + tablesDir + `/(` + flowTable + `|` + tgwTable + `)/date=\d{4}-\d{2}-\d{2}/[^/]+\.parquet$`)

// Doctor checks every part the ledger names: inside the data dir, a regular file, readable
// Parquet, in its date folder, with no column of its own named like flowq's (date) and the
// columns and types the table needs. With Fix, broken parts move to DATA/quarantine (a path
// outside the data dir is only dropped from the ledger) and leave the ledger in one commit.
// Last it queries the table, as every session would.
func (s *Store) Doctor(ctx context.Context, opts DoctorOptions) (DoctorReport, error) {
	rep := DoctorReport{Problems: []Problem{}}
	if opts.Fix {
		lock, err := s.LockWriter(ctx, opts.Wait, "flowq doctor")
		if err != nil {
			return rep, err
		}
		defer lock.Unlock()
	}
	led, err := readLedgerUnchecked(filepath.Join(s.dir, ledgerFile))
	if err != nil {
		return rep, err
	}
	db, err := openLoaderDB(ctx, filepath.Join(s.dir, stagingDir, "duckdb-tmp"))
	if err != nil {
		return rep, err
	}
	defer db.Close()
	for _, p := range led.Parts {
		summary := isSummaryTable(partTable(p.Path))
		if !summary {
			rep.Parts++ // the count is of the flow-log and load_errors parts
		}
		if reason := s.checkPart(ctx, db, p.Path, !summary); reason != "" {
			rep.Problems = append(rep.Problems, Problem{Part: p.Path, Reason: reason})
		}
	}
	for _, p := range led.ErrorParts {
		rep.Parts++
		if reason := s.checkPart(ctx, db, p, false); reason != "" {
			rep.Problems = append(rep.Problems, Problem{Part: p, Reason: reason})
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if opts.Fix && len(rep.Problems) > 0 {
		if err := s.quarantine(ctx, db, led, &rep); err != nil {
			return rep, err
		}
	}
	rep.Rows, rep.TableErr = s.tableRows(ctx)
	return rep, nil
}

// checkPart says what is wrong with one part, or "".
func (s *Store) checkPart(ctx context.Context, db *sql.DB, rel string, flow bool) string {
	if !confinedPart(rel) {
		return "outside the data dir's tables folder"
	}
	if flow && !flowPartPath.MatchString(rel) {
		table := flowTable
		if partTable(rel) == tgwTable {
			table = tgwTable
		}
		return "not in a " + table + "/date=YYYY-MM-DD folder"
	}
	if !flow && path.Dir(rel) != tablesDir+"/"+errorsTable && !isSummaryTable(partTable(rel)) {
		return "not in the " + errorsTable + " folder"
	}
	full := filepath.Join(s.dir, filepath.FromSlash(rel))
	info, err := os.Lstat(full)
	if err != nil {
		return fmt.Sprintf("cannot be read: %v", err)
	}
	if !info.Mode().IsRegular() {
		return "not a regular file (" + info.Mode().Type().String() + ")"
	}
	if real, err := filepath.EvalSymlinks(full); err != nil || !inside(s.realDir(), real) {
		return "resolves outside the data dir"
	}
	cols, err := partColumns(ctx, db, full)
	if err != nil {
		return fmt.Sprintf("unreadable Parquet: %v", err)
	}
	if isSummaryTable(partTable(rel)) {
		return "" // readable Parquet; the next load rebuilds the summaries of a store doctor fixed
	}
	if !flow {
		for _, c := range []string{"file", "line", "reason", "raw", "loaded_at"} {
			if _, ok := cols[c]; !ok {
				return "no " + c + " column: not a load_errors part"
			}
		}
		return ""
	}
	if _, ok := cols["date"]; ok {
		return `has a column "date": Hive partition mismatch with its folder`
	}
	if cols["_source"] != "BIGINT" {
		return "no _source BIGINT column"
	}
	names := make([]string, 0, len(cols))
	for c := range cols {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		if want := columnType(c).SQL(); c != "_source" && cols[c] != want {
			return fmt.Sprintf("column %s is %s, the table's is %s", c, cols[c], want)
		}
	}
	return ""
}

// partColumns are a Parquet file's columns and DuckDB types, read without Hive columns.
func partColumns(ctx context.Context, db *sql.DB, file string) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(%s, hive_partitioning=false))", sqlString(file)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		cols[strings.ToLower(n)] = t
	}
	return cols, rows.Err()
}

// realDir is the data dir with symlinks resolved.
func (s *Store) realDir() string {
	if d, err := filepath.EvalSymlinks(s.dir); err == nil {
		return d
	}
	return s.dir
}

// inside reports whether p is dir or below it.
func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// tableRows counts the table's rows through a session, as every query sees it.
func (s *Store) tableRows(ctx context.Context) (int64, string) {
	sess, err := s.OpenSession(ctx, SessionOptions{})
	if err != nil {
		return 0, err.Error()
	}
	defer sess.Close()
	var n int64
	if err := sess.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+flowTable).Scan(&n); err != nil {
		return 0, err.Error()
	}
	return n, ""
}

// quarantine takes the broken parts out of the table in one ledger commit: their files move to
// DATA/quarantine (first, so a crash leaves the ledger naming a missing part, which the next
// check drops); the sources whose rows they held leave the ledger, and those sources' rows in
// healthy parts are rewritten away, so loading them again restores them exactly once.
func (s *Store) quarantine(ctx context.Context, db *sql.DB, led *Ledger, rep *DoctorReport) error {
	if err := s.recover(led); err != nil {
		return err
	}
	bad := map[string]bool{}
	var badPaths []string
	for _, p := range rep.Problems {
		bad[p.Part] = true
		badPaths = append(badPaths, p.Part)
	}
	ids := map[int64]bool{}
	for _, p := range led.Parts {
		if bad[p.Path] {
			for _, id := range p.Sources {
				ids[id] = true
			}
		}
	}
	if err := s.moveToQuarantine(rep); err != nil {
		return err
	}
	led.swapParts(badPaths, nil)
	keptErr := led.ErrorParts[:0]
	for _, p := range led.ErrorParts {
		if !bad[p] {
			keptErr = append(keptErr, p)
		}
	}
	led.ErrorParts = keptErr
	if err := s.recountColumns(ctx, db, led); err != nil {
		return err
	}
	l := &loader{s: s, opts: LoadOptions{}.withDefaults(), led: led, db: db}
	l.logf = l.opts.Logf
	b, err := l.newBatch(nil)
	if err != nil {
		return err
	}
	defer b.cleanup()
	for src, e := range led.Sources {
		if ids[e.ID] {
			b.replaced = append(b.replaced, e.ID)
			rep.Unloaded = append(rep.Unloaded, src)
			delete(led.Sources, src)
		}
	}
	sort.Strings(rep.Unloaded)
	if err := l.rewriteReplaced(ctx, b); err != nil {
		return err
	}
	rep.Rewritten = len(b.dropParts)
	// The summaries no longer match the records left: rebuilt whole in the same commit.
	led.Summaries = 0
	extra, err := l.stageSummaries(ctx, b)
	if err != nil {
		return err
	}
	return l.commit(b, extra)
}

// recountColumns keeps the ledger's columns that a remaining part has (a quarantined part may
// have brought one, such as "date", that the view must no longer show).
func (s *Store) recountColumns(ctx context.Context, db *sql.DB, led *Ledger) error {
	present := map[string]map[string]bool{} // by table
	for _, p := range led.Parts {
		cols, err := partColumns(ctx, db, filepath.Join(s.dir, filepath.FromSlash(p.Path)))
		if err != nil {
			return fmt.Errorf("reading part %s: %w", p.Path, err)
		}
		t := partTable(p.Path)
		if present[t] == nil {
			present[t] = map[string]bool{}
		}
		for c := range cols {
			present[t][c] = true
		}
	}
	for _, t := range []string{flowTable, tgwTable} {
		kept := []string{}
		for _, c := range led.ColumnsOf(t) {
			if present[t][c] && !reservedColumn(c) {
				kept = append(kept, c)
			}
		}
		if t == flowTable || led.TableCols[t] != nil {
			led.setColumns(t, kept)
		}
	}
	return nil
}

// moveToQuarantine moves each problem part inside the data dir to DATA/quarantine/TIME/, and
// says what it did; a path outside the data dir (or already gone) is only dropped from the
// ledger.
func (s *Store) moveToQuarantine(rep *DoctorReport) error {
	stamp := nowUTC().Format("20060102T150405Z")
	for i := range rep.Problems {
		p := &rep.Problems[i]
		p.Action = "dropped from the ledger"
		full := filepath.Join(s.dir, filepath.FromSlash(p.Part))
		if !confinedPart(p.Part) {
			continue // never move a file outside the data dir
		}
		if _, err := os.Lstat(full); err != nil {
			continue
		}
		if dir, err := filepath.EvalSymlinks(filepath.Dir(full)); err != nil || !inside(s.realDir(), dir) {
			continue // a folder linked out of the data dir
		}
		rel := path.Join(quarantineDir, stamp, p.Part)
		dst := filepath.Join(s.dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), dirPerm); err != nil {
			return fmt.Errorf("quarantining %s: %w", p.Part, err)
		}
		if err := os.Rename(full, dst); err != nil {
			return fmt.Errorf("quarantining %s: %w", p.Part, err)
		}
		p.Action = "moved to " + rel
	}
	return nil
}
