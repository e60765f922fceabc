package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// plant writes a flow-log object below root at key, gzipped when the key ends .gz.
func plant(t *testing.T, root, key, text string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	body := []byte(text)
	if filepath.Ext(key) == ".gz" {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		body = b.Bytes()
	}
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	keyDefault = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/123456789012_vpcflowlogs_us-east-1_fl-1_20260115T0000Z_aaaa.log.gz"
	keyHive    = "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=01/day=16/123456789012_vpcflowlogs_eu-west-1_fl-2_20260116T0000Z_bbbb.log.gz"
	keyNoHdr   = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/123456789012_vpcflowlogs_us-east-1_fl-1_20260115T0005Z_cccc.log"
)

// The planted objects: 3 + 2 + 1 records. Record "2 … NODATA" has "-" in numeric and text
// columns; the v3 file lacks most Athena columns.
const (
	textDefault = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
		"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 50000 6 10 1000 1768435200 1768435260 ACCEPT OK\n" +
		"2 123456789012 eni-1 10.0.0.2 10.0.0.1 50000 443 6 5 400 1768435200 1768435260 ACCEPT OK\n" +
		"2 123456789012 eni-2 - - - - - - - 1768435200 1768435260 - NODATA\n"
	textV3 = "interface-id srcaddr dstaddr bytes vpc-id action\n" +
		"eni-3 10.1.0.1 8.8.8.8 70 vpc-9 ACCEPT\n" +
		"eni-3 8.8.8.8 10.1.0.1 - - REJECT\n"
	textNoHdr = "2 123456789012 eni-4 10.0.0.9 10.0.0.8 22 40000 6 1 60 1768435500 1768435560 REJECT OK\n"
)

func TestScanDir(t *testing.T) {
	root := t.TempDir()
	plant(t, root, keyDefault, textDefault)
	plant(t, root, keyHive, textV3)
	plant(t, root, keyNoHdr, textNoHdr)
	d, err := scanDir(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Files) != 3 {
		t.Fatalf("%d files, want 3", len(d.Files))
	}
	want := map[string]fileInfo{
		keyDefault: {Date: "2026-01-15", Records: 3, Raw: int64(len(textDefault))},
		keyHive:    {Date: "2026-01-16", Records: 2, Raw: int64(len(textV3))},
		keyNoHdr:   {Date: "2026-01-15", Records: 1, Raw: int64(len(textNoHdr)), Size: int64(len(textNoHdr))},
	}
	for _, f := range d.Files {
		w, ok := want[f.Key]
		if !ok {
			t.Errorf("unexpected key %s", f.Key)
			continue
		}
		if f.Date != w.Date || f.Records != w.Records || f.Raw != w.Raw || (w.Size > 0 && f.Size != w.Size) {
			t.Errorf("%s: got %+v, want %+v", f.Key, f, w)
		}
		if (f.Header == "") != (f.Key == keyNoHdr) {
			t.Errorf("%s: header %q", f.Key, f.Header)
		}
	}
	if rec, _, raw := d.totals(); rec != 6 || raw != int64(len(textDefault)+len(textV3)+len(textNoHdr)) {
		t.Errorf("totals %d records, %d bytes", rec, raw)
	}
	if gs := groups(root, d.Files); len(gs) != 3 {
		t.Errorf("%d groups, want 3 (two headers on the 15th, one on the 16th)", len(gs))
	}
}

// TestRawView reads the planted files through the raw baseline's view and checks Athena's
// reading: "-" is NULL in numeric columns and stays "-" in text ones, absent columns are NULL,
// date comes from the key.
func TestRawView(t *testing.T) {
	root := t.TempDir()
	plant(t, root, keyDefault, textDefault)
	plant(t, root, keyHive, textV3)
	plant(t, root, keyNoHdr, textNoHdr)
	ctx := context.Background()
	d, err := scanDir(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	d.Root = root
	r, err := openRaw(ctx, d, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	for _, c := range []struct {
		q    string
		want int64
	}{
		{"SELECT count(*) FROM vpc_flow_logs", 6},
		{"SELECT count(srcport) FROM vpc_flow_logs", 3},               // NODATA's "-" and the v3 file's absent column are NULL
		{"SELECT count(*) FROM vpc_flow_logs WHERE srcaddr = '-'", 1}, // text keeps "-"
		{"SELECT count(*) FROM vpc_flow_logs WHERE vpc_id = '-'", 1},
		{"SELECT count(*) FROM vpc_flow_logs WHERE vpc_id IS NULL", 4},
		{"SELECT sum(bytes) FROM vpc_flow_logs", 1000 + 400 + 70 + 60},
		{"SELECT count(*) FROM vpc_flow_logs WHERE \"date\" = DATE '2026-01-16'", 2},
		{"SELECT sum(dstport) FROM vpc_flow_logs WHERE action = 'REJECT'", 40000},
		// Only numeric columns projected: the case that fails with read_csv's force_not_null.
		{"SELECT sum(srcport) FROM vpc_flow_logs", 443 + 50000 + 22},
	} {
		var got sql.NullInt64
		if err := r.conn.QueryRowContext(ctx, c.q).Scan(&got); err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if got.Int64 != c.want {
			t.Errorf("%s = %d, want %d", c.q, got.Int64, c.want)
		}
	}
}

// TestRawCutoff checks the baseline's cut-off: a query past its deadline is interrupted and
// the connection still answers the next one.
func TestRawCutoff(t *testing.T) {
	root := t.TempDir()
	plant(t, root, keyDefault, textDefault)
	ctx := context.Background()
	d, err := scanDir(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	d.Root = root
	r, err := openRaw(ctx, d, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	qctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = runOnce(qctx, r.conn, "SELECT count(*) FROM range(1000000000000) a", nil)
	if err == nil || qctx.Err() == nil {
		t.Fatalf("endless query: err %v, context %v", err, qctx.Err())
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("the interrupt took %v", el)
	}
	if _, n, err := runOnce(ctx, r.conn, "SELECT * FROM vpc_flow_logs", nil); err != nil || n != 3 {
		t.Errorf("after the cut-off: %d rows, %v; want 3", n, err)
	}
}

// TestDuckLoad runs the DuckDB-only baseline's load in process on the planted files.
func TestDuckLoad(t *testing.T) {
	root := t.TempDir()
	plant(t, root, keyDefault, textDefault)
	plant(t, root, keyHive, textV3)
	plant(t, root, keyNoHdr, textNoHdr)
	ctx := context.Background()
	d, err := scanDir(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "t.duckdb")
	res, err := duckLoadRun(ctx, duckSpec{DB: dbPath, Threads: 1, Groups: groups(root, d.Files)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 6 {
		t.Errorf("loaded %d rows, want 6", res.Rows)
	}
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var bytesSum, nullPorts, dashes int64
	if err := db.QueryRow(`SELECT sum(bytes), count(*) FILTER (WHERE srcport IS NULL), count(*) FILTER (WHERE action = '-') FROM vpc_flow_logs`).Scan(&bytesSum, &nullPorts, &dashes); err != nil {
		t.Fatal(err)
	}
	if bytesSum != 1530 || nullPorts != 3 || dashes != 1 {
		t.Errorf("sum(bytes) %d, NULL srcport %d, action '-' %d; want 1530, 3, 1", bytesSum, nullPorts, dashes)
	}
}

func TestDuckLoadChildSQL(t *testing.T) {
	root := t.TempDir()
	plant(t, root, keyDefault, textDefault)
	plant(t, root, keyNoHdr, textNoHdr)
	d, err := scanDir(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	gs := groups(root, d.Files)
	sel, err := groupSelect(gs[0], athenaFields())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"auto_detect=false", "nullstr='-'", "delim=' '", `DATE '2026-01-15' AS "date"`, "'srcport': 'INTEGER'"} {
		if !bytes.Contains([]byte(sel), []byte(want)) {
			t.Errorf("group select lacks %s:\n%s", want, sel)
		}
	}
}
