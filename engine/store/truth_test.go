package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
)

// TestLoadMatchesGeneratorTruth loads generated deliveries in all four key layouts and all
// formats (default, v5, shuffled; gzip, plain and header-less) and checks the table against the
// counts the generator recorded while writing them; a second load adds nothing.
func TestLoadMatchesGeneratorTruth(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	cfg := flowgen.Small()
	cfg.PlainEvery, cfg.HeaderlessEvery = 7, 5
	truth, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(src))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t)
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != truth.Records || sum.Loaded != truth.Objects || sum.Failed != 0 || sum.Rejected != 0 {
		t.Fatalf("summary %+v, truth %d records in %d objects", sum, truth.Records, truth.Objects)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != truth.Records {
		t.Errorf("rows = %d, want %d", n, truth.Records)
	}
	groups := []struct {
		col  string
		want map[string]int64
	}{
		{"action", truth.ByAction},
		{"log_status", truth.ByStatus},
		{"CAST(date AS VARCHAR)", truth.ByDate},
		{"account_id", truth.ByAccount},
		{"region", truth.ByRegion},
	}
	for _, g := range groups {
		got := map[string]int64{}
		rows, err := sess.DB.QueryContext(ctx, "SELECT "+g.col+", count(*) FROM vpc_flow_logs GROUP BY 1")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			got[k] = n
		}
		rows.Close()
		if len(got) != len(g.want) {
			t.Errorf("%s: got %v, want %v", g.col, got, g.want)
		}
		for k, n := range g.want {
			if got[k] != n {
				t.Errorf("%s = %q: %d rows, want %d", g.col, k, got[k], n)
			}
		}
	}
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs WHERE log_status = 'OK'"); n != truth.Bytes {
		t.Errorf("bytes = %d, want %d", n, truth.Bytes)
	}
	// Every file's rows, as the ledger recorded them, equal what the generator wrote into it.
	led, err := s.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	for key, fs := range truth.Files {
		e := led.Sources[filepath.Join(src, filepath.FromSlash(key))]
		if e == nil {
			t.Errorf("%s not in the ledger", key)
			continue
		}
		if e.Rows != fs.Records {
			t.Errorf("%s: ledger rows %d, want %d", key, e.Rows, fs.Records)
		}
	}
	checkPartSources(t, s)
	// Loading again is idempotent.
	sum, err = s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 0 || sum.Skipped != truth.Objects {
		t.Errorf("second load %+v", sum)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != truth.Records {
		t.Errorf("rows after second load = %d, want %d", n, truth.Records)
	}
}

// TestCompaction: many small loads leave many parts per date; the load that reaches
// compactMinParts merges them, and the table, the per-file ledger and later replacements of a
// changed file stay exact.
func TestCompaction(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	truth, err := flowgen.Generate(ctx, flowgen.Small(), flowgen.DirSink(src))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t)
	// One file per batch: every file makes its own part before compaction.
	if _, err := s.Load(ctx, []string{src}, LoadOptions{BatchFiles: 1}); err != nil {
		t.Fatal(err)
	}
	led, _ := s.Ledger()
	perDate := map[string]int{}
	for _, p := range led.flowParts() {
		perDate[filepath.Base(filepath.Dir(p.Path))]++
	}
	compacted := 0
	for _, p := range led.flowParts() {
		if strings.Contains(p.Path, "_compact") {
			compacted++
		}
	}
	if compacted == 0 || len(truth.Files) < compactMinParts {
		t.Fatalf("no date was compacted (%d files loaded one per batch)", len(truth.Files))
	}
	for d, n := range perDate {
		if n >= compactMinParts {
			t.Errorf("%s still has %d parts after the load", d, n)
		}
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != truth.Records {
		t.Fatalf("rows after compaction = %d, want %d", n, truth.Records)
	}
	for action, want := range truth.ByAction {
		if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs WHERE action = ?", action); n != want {
			t.Errorf("action %s: %d rows, want %d", action, n, want)
		}
	}
	// Every source id is in one live part per date and action class, and the files on disk are
	// the ledger's. A source may span dates, and its ACCEPTed records are kept apart from the
	// others (REJECT, NODATA, SKIPDATA): "_o" parts hold the latter.
	owner := map[int64][]string{}
	for _, p := range led.flowParts() {
		for _, id := range p.Sources {
			for _, prev := range owner[id] {
				if filepath.Dir(prev) == filepath.Dir(p.Path) && strings.HasSuffix(prev, "_o.parquet") == strings.HasSuffix(p.Path, "_o.parquet") {
					t.Errorf("source %d in %s and %s", id, prev, p.Path)
				}
			}
			owner[id] = append(owner[id], p.Path)
		}
	}
	// And the split holds: no ACCEPT row in an "_o" part, no other row in the rest.
	for _, p := range led.flowParts() {
		other := strings.HasSuffix(p.Path, "_o.parquet")
		bad := queryInt(t, sess, fmt.Sprintf("SELECT count(*) FROM read_parquet('%s') WHERE coalesce(action = 'ACCEPT', false) = %v",
			filepath.Join(s.Dir(), filepath.FromSlash(p.Path)), other))
		if bad != 0 {
			t.Errorf("%s: %d rows on the wrong side of the ACCEPT split", p.Path, bad)
		}
	}
	files, _ := filepath.Glob(filepath.Join(s.Dir(), "tables", "vpc_flow_logs", "*", "*.parquet"))
	if len(files) != len(led.flowParts()) {
		t.Errorf("%d Parquet files on disk, %d in the ledger", len(files), len(led.flowParts()))
	}
	// A changed file still replaces exactly its own rows inside the compacted part.
	var key string
	var fs flowgen.FileStat
	for k, f := range truth.Files {
		if f.Records > 0 && f.Gzip && f.Header {
			key, fs = k, f
			break
		}
	}
	path := filepath.Join(src, filepath.FromSlash(key))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Re-deliver the object with its records doubled (the header once).
	zr, _ := gzip.NewReader(bytes.NewReader(data))
	plain, _ := io.ReadAll(zr)
	lines := strings.SplitAfterN(string(plain), "\n", 2)
	os.WriteFile(path, gz(t, lines[0]+lines[1]+lines[1]), 0o644)
	sum, err := s.Load(ctx, []string{src}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Replaced != 1 || sum.Rows != 2*fs.Records {
		t.Fatalf("replace after compaction: %+v, want 1 replaced with %d rows", sum, 2*fs.Records)
	}
	if n := queryInt(t, sess, "SELECT count(*) FROM vpc_flow_logs"); n != truth.Records+fs.Records {
		t.Errorf("rows after replace = %d, want %d", n, truth.Records+fs.Records)
	}
	checkPartSources(t, s)
}
