package store

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// loadTwo loads two text files (3 and 2 records) and returns their paths.
func loadTwo(t *testing.T, s *Store) (a, b string) {
	t.Helper()
	src := t.TempDir()
	r := func(by int) string {
		return rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, by, t0, "ACCEPT", "OK")
	}
	a = writeFile(t, src, "a.log", []byte(lines(defHeader, r(1), r(2), r(3))))
	b = writeFile(t, src, "b.log", []byte(lines(defHeader, r(10), r(20))))
	if sum, err := s.Load(t.Context(), []string{src}, LoadOptions{}); err != nil || sum.Rows != 5 {
		t.Fatalf("load: %+v, %v", sum, err)
	}
	return a, b
}

// tamperedLedger loads a.log and b.log, then names in the ledger, as a part of a.log's source,
// a Parquet file outside the data dir; a.log is changed so that loading it replaces its rows.
func tamperedLedger(t *testing.T) (s *Store, ctx context.Context, a, outside, bad string) {
	s, ctx = openStore(t)
	a, _ = loadTwo(t, s)
	outside = writeParquet(t, t.TempDir(), "victim.parquet", `SELECT 1::BIGINT AS _source, 7::BIGINT AS bytes`)
	rel, err := filepath.Rel(s.Dir(), outside)
	if err != nil {
		t.Fatal(err)
	}
	led, err := readLedger(filepath.Join(s.Dir(), ledgerFile))
	if err != nil {
		t.Fatal(err)
	}
	bad = path.Join(tablesDir, filepath.ToSlash(filepath.Join("..", rel)))
	led.Parts = append(led.Parts, Part{Path: bad, Batch: 1, Sources: []int64{led.Sources[a].ID}})
	if err := led.write(filepath.Join(s.Dir(), ledgerFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a, []byte(lines(defHeader, rec("111111111111", "eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 6, 1, 4, t0, "ACCEPT", "OK"))), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, ctx, a, outside, bad
}

// TestTamperedLedgerRefused (issue 17.10): a load never reads or deletes a part the ledger
// names outside the data dir; it fails saying so.
func TestTamperedLedgerRefused(t *testing.T) {
	s, ctx, a, outside, _ := tamperedLedger(t)
	if _, err := s.Load(ctx, []string{a}, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "outside the data dir") {
		t.Errorf("load with a tampered ledger: %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("the file outside the data dir is gone: %v", err)
	}
}
