package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// writeParquet writes the result of a DuckDB query to a Parquet file under dir.
func writeParquet(t *testing.T, dir, name, query string, opts ...string) string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file := filepath.Join(dir, name)
	o := append([]string{"FORMAT parquet"}, opts...)
	if _, err := db.Exec(fmt.Sprintf("COPY (%s) TO %s (%s)", query, sqlString(file), strings.Join(o, ", "))); err != nil {
		t.Fatal(err)
	}
	return file
}

// flowRows is n Parquet flow records starting at t0, extra being more select columns.
func flowRows(n int, extra string) string {
	return fmt.Sprintf(`SELECT '10.0.0.' || (i %% 250) AS srcaddr, '10.1.0.1' AS dstaddr, 443::INTEGER AS dstport,
		(%d + i)::BIGINT AS start, (%d + i + 60)::BIGINT AS "end", 'ACCEPT' AS action, 10::BIGINT AS bytes%s
		FROM range(%d) t(i)`, t0, t0, extra, n)
}

// partSourceIDs are the distinct _source values written in the store's parts.
func partSourceIDs(t *testing.T, s *Store) []int64 {
	t.Helper()
	led, err := s.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var files []string
	for _, p := range led.flowParts() {
		files = append(files, sqlString(filepath.Join(s.Dir(), p.Path)))
	}
	rows, err := db.Query(fmt.Sprintf("SELECT DISTINCT _source FROM read_parquet([%s], union_by_name=true) ORDER BY 1", strings.Join(files, ",")))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestInputSourceColumn (issue 17.1): a Parquet input with its own _source column (another
// store's part) is identified by its ledger id only; replacing it replaces all its rows.
func TestInputSourceColumn(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeFile(t, src, "a.log", []byte(lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 5, t0, "ACCEPT", "OK"))))
	// Its _source values claim the text file's ledger id (2: the Parquet file sorts first).
	p := writeParquet(t, src, "p.parquet", flowRows(100, ", 2::BIGINT AS _source"))
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil || sum.Loaded != 2 || sum.Rows != 101 {
		t.Fatalf("load: %+v, %v", sum, err)
	}
	led, _ := s.Ledger()
	pid := led.Sources[p].ID
	want := []int64{led.Sources[filepath.Join(src, "a.log")].ID, pid}
	slices.Sort(want)
	if got := partSourceIDs(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("_source values in parts %v, want the two ledger ids", got)
	}
	sess := session(t, s)
	// Replaced by 21 rows: the table has 1 + 21.
	writeParquet(t, src, "p.parquet", flowRows(21, ", 2::BIGINT AS _source"))
	if sum, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil || sum.Replaced != 1 {
		t.Fatalf("reload: %+v, %v", sum, err)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 22 {
		t.Errorf("rows after replacing = %d, want 22", n)
	}
	// The file's own column is kept, renamed.
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE input__source = '2'"); n != 21 {
		t.Errorf("input__source rows = %d, want 21", n)
	}
	checkPartSources(t, s)
}

// TestReservedInputColumns (issue 17.2): a date column in a Parquet input (flowq's own export
// has one) or a text header never reaches the store; every query still works.
func TestReservedInputColumns(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeParquet(t, src, "export.parquet", flowRows(30, ", DATE '2020-02-02' AS date"))
	writeFile(t, src, "text.log", []byte(lines(defHeader+" date",
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 5, t0, "ACCEPT", "OK")+" yesterday")))
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil || sum.Loaded != 2 || sum.Rows != 31 {
		t.Fatalf("load: %+v, %v", sum, err)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE date = DATE '2024-01-15'"); n != 31 {
		t.Errorf("rows on 2024-01-15 = %d, want 31", n)
	}
	if got := queryStr(t, sess, "SELECT string_agg(DISTINCT input_date, ',' ORDER BY input_date) FROM vpc_flow_logs"); got != "2020-02-02,yesterday" {
		t.Errorf("input_date values %q", got)
	}
}

// TestParquetTypes (issue 17.9): a value that does not fit its field fails the file naming the
// file, column and row group, instead of becoming NULL or a rounded number; a Parquet file
// without an address and a time is not a flow log.
func TestParquetTypes(t *testing.T) {
	cases := []struct {
		name, query string
		opts        []string
		want        []string // in the file's error; none: loads
		rows        int64
	}{
		{"text-port", flowRows(5000, `, CASE WHEN i = 4500 THEN 'abc' ELSE '22' END AS srcport`), []string{"ROW_GROUP_SIZE 2048"},
			[]string{"column srcport (VARCHAR)", "row group 2", "row 4501", `"abc"`}, 0},
		{"float-port", flowRows(3, `, 1.7::DOUBLE AS srcport`), nil, []string{"column srcport is DOUBLE", "integer"}, 0},
		{"overflow", flowRows(3, `, 5000000000::BIGINT AS version`), nil, []string{"column version (BIGINT)", "row group 0", "5000000000"}, 0},
		{"nested", flowRows(3, `, [1, 2] AS tags`), nil, []string{"column tags is INTEGER[]"}, 0},
		{"only-action", `SELECT 'ACCEPT' AS action FROM range(1000)`, nil, []string{"not a flow log"}, 0},
		{"no-time", `SELECT '10.0.0.1' AS srcaddr, 'ACCEPT' AS action FROM range(10)`, nil, []string{"not a flow log"}, 0},
		{"text-numbers", flowRows(5, `, CASE WHEN i = 0 THEN '-' ELSE '22' END AS srcport, 2::BIGINT AS version`), nil, nil, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := openStore(t)
			file := writeParquet(t, t.TempDir(), tc.name+".parquet", tc.query, tc.opts...)
			sum, err := s.Load(ctx, []string{file}, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != tc.rows {
				t.Errorf("rows = %d, want %d", sum.Rows, tc.rows)
			}
			if len(tc.want) == 0 {
				if sum.Failed != 0 {
					t.Fatalf("failed: %v", sum.Failures)
				}
				sess := session(t, s)
				if got := queryStr(t, sess, "SELECT string_agg(DISTINCT CAST(srcport AS VARCHAR), ',') FROM vpc_flow_logs"); got != "22" {
					t.Errorf("srcport values %q, want 22 (and NULL for -)", got)
				}
				return
			}
			if sum.Failed != 1 || len(sum.Failures) != 1 {
				t.Fatalf("summary %+v", sum)
			}
			msg := sum.Failures[0].Error()
			for _, w := range append(tc.want, file) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
		})
	}
}

// TestOnlyRegularFiles (issue 17.7): a FIFO or a device named on the command line, or met in
// a folder, is never opened: the load ends at once, naming it.
func TestOnlyRegularFiles(t *testing.T) {
	s, ctx := openStore(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeFile(t, t.TempDir(), "good.log", []byte(lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 5, t0, "ACCEPT", "OK"))))
	sum, err := s.Load(ctx, []string{fifo, "/dev/zero", "/dev/null", dir, good}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := map[string]string{}
	for _, fe := range sum.Failures {
		msgs[fe.Path] = fe.Err.Error()
	}
	for path, want := range map[string]string{fifo: "not a regular file (named pipe)", "/dev/zero": "not a regular file (character device)",
		"/dev/null": "not a regular file (character device)"} {
		if !strings.Contains(msgs[path], want) {
			t.Errorf("%s: %q, want %q", path, msgs[path], want)
		}
	}
	if sum.Failed != 3 || sum.Loaded != 1 || sum.Rows != 1 {
		t.Errorf("summary %+v", sum)
	}
}

// TestFolderWalkFindsEveryDelivery (issue 17.8): links to files are followed (links to folders
// are not: no loops), names in any case, rotated names and names starting with a dot load, a
// delivery with no telling name is found by content, the syncs' own files are skipped, and
// every other file left out is reported.
func TestFolderWalkFindsEveryDelivery(t *testing.T) {
	s, ctx := openStore(t)
	dir := t.TempDir()
	body := func(by int) []byte {
		return []byte(lines(defHeader, rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, by, t0, "ACCEPT", "OK")))
	}
	target := writeFile(t, t.TempDir(), "elsewhere.log", body(1))
	if err := os.Symlink(target, filepath.Join(dir, "link.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "UPPER.LOG.GZ", gz(t, string(body(2))))
	writeFile(t, dir, "rotated.log.1", body(4))
	writeFile(t, dir, "no-extension", body(8))
	writeFile(t, dir, "README.md", []byte("# notes\n"))
	writeFile(t, dir, ".dotted.log", body(16))                   // an S3 object named with a dot
	writeFile(t, dir, ".x.log.gz.flowq-tmp-42", body(32))        // a sync's partial download
	writeFile(t, dir, ".flowq-sync-state.jsonl", []byte("{}\n")) // a sync's journal
	writeFile(t, dir, ".git/old.log", body(64))
	sum, err := s.Load(ctx, []string{dir}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Loaded != 5 || sum.Failed != 0 || sum.LeftOut != 3 {
		t.Errorf("summary %+v", sum)
	}
	msgs := map[string]string{}
	for _, fe := range sum.Failures {
		msgs[filepath.Base(fe.Path)] = fe.Err.Error()
	}
	if !strings.Contains(msgs["loop"], "link to a folder") || !strings.Contains(msgs["README.md"], "not a flow-log file") ||
		!strings.Contains(msgs[".git"], "hidden folder") {
		t.Errorf("left out: %v", msgs)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 31 {
		t.Errorf("sum(bytes) = %d, want 31", n)
	}
}

// wideFile is a default-format delivery with n unknown header fields, rows records.
func wideFile(n, rows int, by int) []byte {
	var hdr, vals strings.Builder
	hdr.WriteString(defHeader)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&hdr, " extra-%d", i)
		fmt.Fprintf(&vals, " v%d", i)
	}
	var b strings.Builder
	b.WriteString(hdr.String() + "\n")
	for i := 0; i < rows; i++ {
		b.WriteString(rec("111111111111", "eni-w", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, by, t0+int64(i), "ACCEPT", "OK") + vals.String() + "\n")
	}
	return []byte(b.String())
}

// TestWideHeader (issue 17.5): a header with more unknown fields than maxUnknownFields fails
// that file alone, naming the limit; one at the limit loads with every field; the other files
// of the load are loaded.
func TestWideHeader(t *testing.T) {
	s, ctx := openStore(t)
	dir := t.TempDir()
	writeFile(t, dir, "wide.log", wideFile(400, 2000, 1))
	writeFile(t, dir, "at-limit.log", wideFile(maxUnknownFields, 3, 10))
	writeFile(t, dir, "good.log", []byte(lines(defHeader, rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 100, t0, "ACCEPT", "OK"))))
	sum, err := s.Load(ctx, []string{dir}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 1 || sum.Loaded != 2 || sum.Rows != 4 || len(sum.Failures) != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if msg := sum.Failures[0].Error(); !strings.Contains(msg, "wide.log") || !strings.Contains(msg, "400 unknown fields") || !strings.Contains(msg, fmt.Sprint(maxUnknownFields)) {
		t.Errorf("error %q", msg)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 130 {
		t.Errorf("sum(bytes) = %d, want 130", n)
	}
	last := fmt.Sprintf("extra_%d", maxUnknownFields-1)
	if got := queryStr(t, sess, fmt.Sprintf("SELECT any_value(%s) FROM vpc_flow_logs WHERE interface_id = 'eni-w'", last)); got != fmt.Sprintf("v%d", maxUnknownFields-1) {
		t.Errorf("%s = %q", last, got)
	}
}

// TestTextValuesKept (issue 17.10): a text value \N stays the text \N (the spool's NULL
// marker once made it NULL), "-" in a number is NULL, and a UTF-8 byte order mark before the
// header is dropped instead of refusing the file.
func TestTextValuesKept(t *testing.T) {
	s, ctx := openStore(t)
	dir := t.TempDir()
	writeFile(t, dir, "bom.log", []byte("\xef\xbb\xbf"+lines(defHeader+" note",
		rec("111111111111", `\N`, "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 5, t0, "ACCEPT", "OK")+` \N`,
		"2 111111111111 eni-b 10.0.0.1 10.0.0.2 - - 6 1 7 1705305600 1705305660 ACCEPT OK -")))
	writeFile(t, dir, "bom.log.gz", gz(t, "\xef\xbb\xbf"+lines(defHeader,
		rec("111111111111", "eni-c", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 11, t0, "ACCEPT", "OK"))))
	sum, err := s.Load(ctx, []string{dir}, LoadOptions{})
	if err != nil || sum.Loaded != 2 || sum.Rows != 3 || sum.Rejected != 0 {
		t.Fatalf("load: %+v, %v", sum, err)
	}
	sess := session(t, s)
	if got := queryStr(t, sess, `SELECT interface_id || '|' || note FROM vpc_flow_logs WHERE bytes = 5`); got != `\N|\N` {
		t.Errorf(`interface_id|note = %q, want \N|\N`, got)
	}
	if got := queryStr(t, sess, `SELECT CAST(srcport IS NULL AS VARCHAR) || '|' || note FROM vpc_flow_logs WHERE bytes = 7`); got != "true|-" {
		t.Errorf("srcport IS NULL|note = %q, want true|-", got)
	}
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 23 {
		t.Errorf("sum(bytes) = %d, want 23", n)
	}
}

// TestOpenWarnsOnOpenDataDir (issue 17.10): an existing data dir other users can enter is
// reported; a new one is made 0700 with no warning.
func TestOpenWarnsOnOpenDataDir(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], "mode 0777") || !strings.Contains(w[0], dir) {
		t.Errorf("warnings %q", w)
	}
	fresh, err := Open(ctx, filepath.Join(t.TempDir(), "new"))
	if err != nil {
		t.Fatal(err)
	}
	if w := fresh.Warnings(); len(w) != 0 {
		t.Errorf("new data dir warnings %q", w)
	}
}

// TestReadsHonourCancellation (issue 17.7): hashing and parsing stop at the first read after
// the context ends, however long the file.
func TestReadsHonourCancellation(t *testing.T) {
	file := writeFile(t, t.TempDir(), "big.log", make([]byte, 1<<20))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := fileSHA256(ctx, file); !errors.Is(err, context.Canceled) {
		t.Errorf("hashing after cancel: %v, want context.Canceled", err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := (ctxReader{ctx, f}).Read(make([]byte, 10)); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %d, %v", n, err)
	}
}

// TestFailedCommitLoadsNothing (issue 17.10): when a batch's commit fails, the summary counts
// none of its files as loaded (it once said "loaded 1, rows 2" beside the error).
func TestFailedCommitLoadsNothing(t *testing.T) {
	s, ctx := openStore(t)
	// A file where the table's folder must be: moving the parts into place fails.
	writeFile(t, s.Dir(), "tables/vpc_flow_logs", []byte("in the way"))
	src := writeFile(t, t.TempDir(), "a.log", []byte(lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 5, t0, "ACCEPT", "OK"),
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 6, t0, "ACCEPT", "OK"))))
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "moving batch 1 into place") {
		t.Fatalf("load: %v", err)
	}
	if sum.Loaded != 0 || sum.Rows != 0 || sum.Bytes != 0 {
		t.Errorf("summary after a failed commit: %+v", sum)
	}
	if led, err := s.Ledger(); err != nil || len(led.Sources) != 0 {
		t.Errorf("ledger after a failed commit: %v, %v", led, err)
	}
}
