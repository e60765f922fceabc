package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

const defHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// 2024-01-15 08:00:00 UTC
const t0 = 1705305600

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.Bytes()
}

func writeFile(t *testing.T, root, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func rec(acct, eni, src, dst string, sport, dport, proto, pk, by int, start int64, action, status string) string {
	return fmt.Sprintf("2 %s %s %s %s %d %d %d %d %d %d %d %s %s", acct, eni, src, dst, sport, dport, proto, pk, by, start, start+60, action, status)
}

func openStore(t *testing.T) (*Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	return s, ctx
}

func session(t *testing.T, s *Store) *Session {
	t.Helper()
	sess, err := s.OpenSession(context.Background(), SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

func queryInt(t *testing.T, sess *Session, q string, args ...any) int64 {
	t.Helper()
	if err := sess.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n sql.NullInt64
	if err := sess.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

func queryStr(t *testing.T, sess *Session, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := sess.DB.QueryRowContext(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !s.Valid {
		return "<NULL>"
	}
	return s.String
}

// TestSchemaMatchesAthenaDDL: the view's columns and types are exactly the AWS-documented
// Athena table's, then the partition column date.
func TestSchemaMatchesAthenaDDL(t *testing.T) {
	s, ctx := openStore(t)
	sess := session(t, s)
	want := `version INTEGER, account_id VARCHAR, interface_id VARCHAR, srcaddr VARCHAR, dstaddr VARCHAR,
	srcport INTEGER, dstport INTEGER, protocol BIGINT, packets BIGINT, bytes BIGINT, start BIGINT, end BIGINT,
	action VARCHAR, log_status VARCHAR, vpc_id VARCHAR, subnet_id VARCHAR, instance_id VARCHAR,
	tcp_flags INTEGER, type VARCHAR, pkt_srcaddr VARCHAR, pkt_dstaddr VARCHAR, region VARCHAR, az_id VARCHAR,
	sublocation_type VARCHAR, sublocation_id VARCHAR, pkt_src_aws_service VARCHAR,
	pkt_dst_aws_service VARCHAR, flow_direction VARCHAR, traffic_path INTEGER, date DATE`
	check := func(label string) {
		rows, err := sess.DB.QueryContext(ctx, "DESCRIBE vpc_flow_logs")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var name, typ string
			var a, b, c, d any
			if err := rows.Scan(&name, &typ, &a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			got = append(got, name+" "+typ)
		}
		var w []string
		for _, p := range strings.Split(want, ",") {
			w = append(w, strings.Join(strings.Fields(p), " "))
		}
		if strings.Join(got, ", ") != strings.Join(w, ", ") {
			t.Errorf("%s: columns\n got %s\nwant %s", label, strings.Join(got, ", "), strings.Join(w, ", "))
		}
	}
	check("empty store")
	src := t.TempDir()
	writeFile(t, src, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/15/a.log.gz",
		gz(t, lines(defHeader, rec("123456789012", "eni-1", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 1, t0, "ACCEPT", "OK"))))
	if _, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	check("after load")
}

// TestLoadLayoutsAndFormats loads one file per layout and format and checks every value the
// way Athena reads the text files.
func TestLoadLayoutsAndFormats(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	day := "2024/01/15"
	// default layout, default format; NODATA and SKIPDATA rows; CRLF line ends.
	writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/"+day+"/f1.log.gz", gz(t, strings.ReplaceAll(lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 40000, 22, 6, 3, 180, t0, "REJECT", "OK"),
		"2 111111111111 eni-a - - - - - - - 1705305600 1705305660 - NODATA",
		"2 111111111111 eni-a - - - - - - - 1705305600 1705305660 - SKIPDATA",
	), "\n", "\r\n")))
	// hourly layout under a prefix and organisation, a custom format without account-id and
	// region: both come from the key.
	writeFile(t, src, "pfx/AWSLogs/o-abc123/222222222222/vpcflowlogs/eu-west-1/"+day+"/09/f2.log.gz", gz(t, lines(
		"srcaddr dstaddr version tcp-flags flow-direction traffic-path dstport start end action log-status bytes",
		"2600:1f18::1 fd00::2 5 19 egress 8 443 1705309200 1705309260 ACCEPT OK 5000",
	)))
	// Hive layout, header-less default-format plain text.
	writeFile(t, src, "AWSLogs/aws-account-id=333333333333/aws-service=vpcflowlogs/aws-region=ap-south-1/year=2024/month=01/day=16/f3.log", []byte(lines(
		rec("333333333333", "eni-c", "10.1.0.1", "8.8.8.8", 53000, 53, 17, 1, 80, t0+86400, "ACCEPT", "OK"),
		rec("333333333333", "eni-c", "10.1.0.1", "8.8.4.4", 53001, 53, 17, 1, 90, t0+86400, "ACCEPT", "OK"),
	)))
	// Hive hourly layout with an unknown header field and a later known field.
	writeFile(t, src, "AWSLogs/aws-account-id=444444444444/aws-service=vpcflowlogs/aws-region=us-west-2/year=2024/month=01/day=17/hour=00/f4.log.gz", gz(t, lines(
		"version account-id srcaddr action log-status reject-reason next-hop-ip start",
		"8 444444444444 10.9.9.9 REJECT OK BPA 10.0.0.254 1705449600",
	)))
	// Outside any layout: date from start.
	writeFile(t, src, "loose/f5.log.gz", gz(t, lines(defHeader,
		rec("555555555555", "eni-e", "10.5.0.1", "10.5.0.2", 1, 2, 6, 1, 1, 1706745600, "ACCEPT", "OK"))))

	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Loaded != 5 || sum.Rows != 8 || sum.Failed != 0 || sum.Rejected != 0 {
		t.Fatalf("summary %+v", sum)
	}
	sess := session(t, s)
	checks := []struct {
		q    string
		want string
	}{
		{"SELECT count(*) FROM vpc_flow_logs", "8"},
		{"SELECT count(*) FROM vpc_flow_logs WHERE log_status = 'NODATA'", "1"},
		{"SELECT count(*) FROM vpc_flow_logs WHERE log_status = 'SKIPDATA'", "1"},
		// strings keep '-', numerics become NULL
		{"SELECT srcaddr || '|' || action || '|' || coalesce(CAST(bytes AS VARCHAR), 'null') FROM vpc_flow_logs WHERE log_status = 'NODATA'", "-|-|null"},
		{"SELECT account_id || ' ' || region || ' ' || CAST(date AS VARCHAR) FROM vpc_flow_logs WHERE srcaddr = '2600:1f18::1'", "222222222222 eu-west-1 2024-01-15"},
		{"SELECT CAST(tcp_flags AS VARCHAR) || ' ' || flow_direction || ' ' || CAST(traffic_path AS VARCHAR) || ' ' || CAST(bytes AS VARCHAR) FROM vpc_flow_logs WHERE srcaddr = '2600:1f18::1'", "19 egress 8 5000"},
		{"SELECT interface_id FROM vpc_flow_logs WHERE srcaddr = '2600:1f18::1'", "<NULL>"},
		{"SELECT CAST(sum(bytes) AS VARCHAR) FROM vpc_flow_logs WHERE account_id = '333333333333' AND date = DATE '2024-01-16' AND region = 'ap-south-1'", "170"},
		{"SELECT reject_reason || ' ' || next_hop_ip || ' ' || account_id || ' ' || region FROM vpc_flow_logs WHERE srcaddr = '10.9.9.9'", "BPA 10.0.0.254 444444444444 us-west-2"},
		{"SELECT CAST(date AS VARCHAR) FROM vpc_flow_logs WHERE account_id = '555555555555'", "2024-02-01"},
		{"SELECT CAST(\"end\" - start AS VARCHAR) FROM vpc_flow_logs WHERE dstport = 22", "60"},
	}
	for _, c := range checks {
		if got := queryStr(t, sess, c.q); got != c.want {
			t.Errorf("%s = %q, want %q", c.q, got, c.want)
		}
	}
	// A second load adds nothing.
	sum, err = s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Loaded != 0 || sum.Skipped != 5 || sum.Rows != 0 {
		t.Fatalf("reload summary %+v", sum)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != 8 {
		t.Fatalf("after reload %d rows, want 8", n)
	}
}

// TestChangedFileReplacesRows: a file that changed on disk replaces its old rows; a copy of a
// loaded file under another path is a duplicate.
func TestChangedFileReplacesRows(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	a := writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/15/a.log.gz", gz(t, lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 100, t0, "ACCEPT", "OK"),
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 200, t0, "ACCEPT", "OK"))))
	writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/15/b.log.gz", gz(t, lines(defHeader,
		rec("111111111111", "eni-b", "10.0.0.3", "10.0.0.4", 1, 2, 6, 1, 7, t0, "ACCEPT", "OK"))))
	if _, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 307 {
		t.Fatalf("sum = %d, want 307", n)
	}
	// The object was re-delivered with one more record.
	os.WriteFile(a, gz(t, lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 100, t0, "ACCEPT", "OK"),
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 200, t0, "ACCEPT", "OK"),
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 400, t0, "ACCEPT", "OK"))), 0o644)
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Replaced != 1 || sum.Rows != 3 || sum.Skipped != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 707 {
		t.Fatalf("sum after replace = %d, want 707", n)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE interface_id = 'eni-b'"); n != 1 {
		t.Fatalf("other file's rows = %d, want 1", n)
	}
	checkPartSources(t, s)
	// A copy elsewhere is the same content: skipped as a duplicate.
	data, _ := os.ReadFile(a)
	dup := writeFile(t, t.TempDir(), "copy.log.gz", data)
	sum, err = s.Load(ctx, []string{dup}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Duplicates != 1 || sum.Rows != 0 {
		t.Fatalf("duplicate summary %+v", sum)
	}
	// No orphan Parquet files: every file under tables/ is in the ledger.
	led, _ := s.Ledger()
	live := map[string]bool{}
	for _, p := range led.Parts {
		live[p.Path] = true
	}
	for _, p := range led.ErrorParts {
		live[p] = true
	}
	filepath.WalkDir(filepath.Join(s.Dir(), "tables"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(s.Dir(), p)
			if !live[filepath.ToSlash(rel)] {
				t.Errorf("orphan file %s", rel)
			}
		}
		return nil
	})
}

// TestParquetDelivery loads a Parquet delivery, detected by content, columns mapped by name.
func TestParquetDelivery(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	p := filepath.Join(src, "AWSLogs", "123456789012", "vpcflowlogs", "us-east-1", "2024", "01", "15")
	os.MkdirAll(p, 0o755)
	file := filepath.Join(p, "x.log.parquet")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Column order differs from the table's and types are narrower, as AWS's own may be.
	_, err = db.Exec(fmt.Sprintf(`COPY (SELECT * FROM (VALUES
		('10.0.0.1', 2::INTEGER, 'eni-p', 443::INTEGER, 1705305600::BIGINT, 1705305660::BIGINT, 'ACCEPT', 'OK', 1000::BIGINT),
		('10.0.0.9', 2::INTEGER, 'eni-p', 22::INTEGER, 1705305600::BIGINT, 1705305660::BIGINT, 'REJECT', 'OK', 40::BIGINT))
		AS t(srcaddr, version, interface_id, dstport, start, "end", action, log_status, bytes)) TO '%s' (FORMAT parquet)`, file))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Loaded != 1 || sum.Rows != 2 {
		t.Fatalf("summary %+v", sum)
	}
	sess := session(t, s)
	checkPartSources(t, s)
	if got := queryStr(t, sess, "SELECT any_value(account_id) || ' ' || any_value(region) || ' ' || CAST(sum(bytes) AS VARCHAR) FROM vpc_flow_logs"); got != "123456789012 us-east-1 1040" {
		t.Errorf("got %q", got)
	}
}

// TestBadInput: each bad file gets a clear error naming it (and the line), good records are
// kept, and rejected lines are queryable in load_errors.
func TestBadInput(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	good := rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 10, t0, "ACCEPT", "OK")
	var body strings.Builder
	body.WriteString(defHeader + "\n")
	for i := 0; i < 2000; i++ {
		body.WriteString(good + "\n")
	}
	full := gz(t, body.String())
	corrupt := append([]byte(nil), full...)
	corrupt[len(corrupt)/2] ^= 0xff
	type want struct {
		failed bool
		rows   int64
		msg    string
	}
	files := map[string]struct {
		data []byte
		want want
	}{
		"truncated.log.gz": {full[:len(full)*2/3], want{false, -1, "truncated"}},
		"corrupt.log.gz":   {corrupt, want{false, -1, ""}},
		"empty.log.gz":     {nil, want{true, 0, "empty file"}},
		"header-only.log":  {[]byte(defHeader + "\n"), want{false, 0, ""}},
		"page.log":         {[]byte("<html><body>503 Service Unavailable</body></html>\n"), want{true, 0, "not a flow-log"}},
		"doc.log":          {[]byte(`{"version": 2, "records": []}` + "\n"), want{true, 0, "not a flow-log"}},
		"mixed.log": {[]byte(lines(defHeader, good,
			"2 111111111111 eni-a 10.0.0.1",          // too few
			good+" extra",                            // too many
			strings.Replace(good, " 6 ", " tcp ", 1), // non-numeric
			defHeader,                                // header repeated mid-file
			"2 111111111111 eni-\x00 10.0.0.1 10.0.0.2 1 2 6 1 10 1705305600 1705305660 ACCEPT OK", // NUL
			"2 111111111111 eni-\xff 10.0.0.1 10.0.0.2 1 2 6 1 10 1705305600 1705305660 ACCEPT OK", // bad UTF-8
			strings.Repeat("x", 11<<20), // a 10 MB line
			good)), want{false, 2, "6 lines rejected"}},
	}
	for name, f := range files {
		writeFile(t, src, name, f.data)
	}
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := map[string]string{}
	for _, fe := range sum.Failures {
		msgs[filepath.Base(fe.Path)] = fe.Error()
	}
	if sum.Failed != 3 {
		t.Errorf("failed = %d, want 3 (empty, html, json): %v", sum.Failed, msgs)
	}
	for name, f := range files {
		m := msgs[name]
		if f.want.msg != "" && !strings.Contains(m, f.want.msg) {
			t.Errorf("%s: message %q does not say %q", name, m, f.want.msg)
		}
		if m != "" && !strings.Contains(m, name) {
			t.Errorf("%s: message %q does not name the file", name, m)
		}
	}
	sess := session(t, s)
	// The mixed file keeps its 2 good records; its 6 bad lines are in load_errors with line numbers.
	if n := queryInt(t, sess, "SELECT count(*) FROM load_errors WHERE file LIKE '%mixed.log' AND line IS NOT NULL"); n != 6 {
		t.Errorf("mixed.log load_errors = %d, want 6", n)
	}
	wantLines := map[int64]string{3: "expected 14 fields, got 4", 4: "expected 14 fields, got 15", 5: "field protocol: not a number",
		7: "control character", 8: "invalid UTF-8", 9: "line too long"}
	for line, reason := range wantLines {
		got := queryStr(t, sess, "SELECT reason FROM load_errors WHERE file LIKE '%mixed.log' AND line = ?", line)
		if !strings.Contains(got, reason) {
			t.Errorf("mixed.log line %d reason %q, want %q", line, got, reason)
		}
	}
	// Truncated and corrupt files keep every complete record before the damage, and no more
	// than the file had.
	for _, name := range []string{"truncated.log.gz", "corrupt.log.gz"} {
		n := queryInt(t, sess, "SELECT count(*) FROM load_errors WHERE file LIKE ?", "%"+name)
		if n < 1 {
			t.Errorf("%s: no load_errors entry", name)
		}
	}
	total := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs")
	if total < 2 || total > 2+2000+2000 {
		t.Errorf("rows = %d", total)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE bytes <> 10"); n != 0 {
		t.Errorf("%d rows with damaged values were loaded", n)
	}
}

// TestWriterLock: a second writer fails naming the holder, or waits with Wait.
func TestWriterLock(t *testing.T) {
	s, ctx := openStore(t)
	l, err := s.LockWriter(ctx, false, "flowq sync")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(ctx, []string{t.TempDir()}, LoadOptions{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "flowq sync") || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Fatalf("err = %v, want ErrLocked naming the holder", err)
	}
	done := make(chan error)
	go func() {
		_, err := s.Load(ctx, []string{t.TempDir()}, LoadOptions{Wait: true})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	l.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiting writer never got the lock")
	}
}

// TestPermissions: the data dir is 0700 and files 0600.
func TestPermissions(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeFile(t, src, "a.log", []byte(lines(defHeader, rec("1", "e", "1.1.1.1", "2.2.2.2", 1, 2, 6, 1, 1, t0, "ACCEPT", "OK"), "bad line")))
	if _, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(s.Dir(), func(p string, d os.DirEntry, err error) error {
		info, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
}

// TestReadOnlySession: a read-only session runs SELECTs (also with $parameters) and refuses
// everything that could write, even into the store's own folders.
func TestReadOnlySession(t *testing.T) {
	s, ctx := openStore(t)
	src := t.TempDir()
	writeFile(t, src, "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/01/15/a.log.gz", gz(t, lines(defHeader,
		rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 22, 6, 1, 100, t0, "REJECT", "OK"))))
	if _, err := s.Load(ctx, []string{src}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	led, _ := s.Ledger()
	part := filepath.Join(s.Dir(), filepath.FromSlash(led.flowParts()[0].Path))
	before, _ := os.ReadFile(part)
	sess, err := s.OpenSession(ctx, SessionOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	ok := []string{
		"SELECT count(*) FROM vpc_flow_logs",
		"WITH x AS (SELECT srcaddr FROM vpc_flow_logs) SELECT * FROM x WHERE srcaddr = $a",
	}
	for _, q := range ok {
		if err := sess.CheckStatement(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	bad := []string{
		fmt.Sprintf("COPY (SELECT * FROM vpc_flow_logs LIMIT 0) TO '%s' (FORMAT parquet, USE_TMP_FILE false)", part),
		"COPY (SELECT 1) TO '" + filepath.Join(s.Dir(), "tables", "x.csv") + "'",
		"CREATE TABLE t AS SELECT 1",
		"DROP VIEW vpc_flow_logs",
		"ATTACH '" + filepath.Join(s.Dir(), "x.db") + "'",
		"SET enable_external_access=true",
		"SELECT 1; SELECT 2",
		"INSTALL httpfs",
		"EXPORT DATABASE '" + filepath.Join(s.Dir(), "tables", "exp") + "'",
	}
	for _, q := range bad {
		rows, err := sess.Query(ctx, q)
		if err == nil {
			rows.Close()
			t.Errorf("read-only session ran %q", q)
		} else if !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("%q: error %v, want ErrNotReadOnly", q, err)
		}
	}
	after, _ := os.ReadFile(part)
	if !bytes.Equal(before, after) {
		t.Fatal("a part file changed under a read-only session")
	}
	rows, err := sess.Query(ctx, "SELECT count(*) FROM vpc_flow_logs WHERE dstport = $p", sql.Named("p", 22))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int
	for rows.Next() {
		rows.Scan(&n)
	}
	if n != 1 {
		t.Errorf("count = %d, want 1", n)
	}
}

// checkPartSources: the ledger's record of which sources a part holds is exactly the distinct
// _source values in the part's file.
func checkPartSources(t *testing.T, s *Store) {
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
	for _, p := range led.flowParts() {
		var got []int64
		rows, err := db.Query("SELECT DISTINCT _source FROM read_parquet(?) ORDER BY 1", filepath.Join(s.Dir(), filepath.FromSlash(p.Path)))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			got = append(got, id)
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(p.Sources) {
			t.Errorf("part %s: ledger sources %v, file holds %v", p.Path, p.Sources, got)
		}
	}
}

func TestCluster(t *testing.T) {
	for _, tc := range []struct {
		proto, port string
		want        uint8
	}{
		{"6", "443", 0}, {"6", "22", 0}, {"6", "0", 0}, {"6", "1023", 0},
		{"6", "1024", 1}, {"6", "49152", 1}, {"6", "-", 1}, {"6", "9999", 1},
		{"17", "53", 2}, {"17", "33000", 2},
		{"1", "0", 3}, {"58", "-", 3}, {"-", "-", 3},
	} {
		if got := cluster([]byte(tc.proto), []byte(tc.port)); got != tc.want {
			t.Errorf("cluster(%s, %s) = %d, want %d", tc.proto, tc.port, got, tc.want)
		}
	}
}

// A file outside the S3 key layouts is partitioned by each record's start (UTC), record by
// record, even when its days alternate.
func TestRowDateFromStart(t *testing.T) {
	h, err := flowlog.ParseHeader("version start end")
	if err != nil {
		t.Fatal(err)
	}
	rw := newRowWriter(nil, []string{"version", "start", "end"}, 1, flowlog.Key{}, false)
	if err := rw.setHeader(h); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ start, want string }{
		{"1768521599", "2026-01-15"}, // 2026-01-15T23:59:59Z
		{"1768521600", "2026-01-16"}, // midnight
		{"1768435200", "2026-01-15"}, // back to the day before
		{"0", "1970-01-01"},
		{"-", "1970-01-01"}, // no start: the fallback
		{"1768521600", "2026-01-16"},
	} {
		if got := rw.date([][]byte{[]byte("2"), []byte(tc.start), []byte("0")}); got != tc.want {
			t.Errorf("start %s: date %s, want %s", tc.start, got, tc.want)
		}
	}
}
