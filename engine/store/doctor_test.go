package store

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// addPart names a part file in the ledger as source id 99 from sourcePath, as a flowq that
// wrote it would have.
func addPart(t *testing.T, s *Store, rel, sourcePath string, cols ...string) {
	t.Helper()
	led, err := readLedgerUnchecked(filepath.Join(s.Dir(), ledgerFile))
	if err != nil {
		t.Fatal(err)
	}
	led.Parts = append(led.Parts, Part{Path: rel, Batch: 99, Sources: []int64{99}})
	led.Sources[sourcePath] = &SourceEntry{ID: 99, Path: sourcePath, Rows: 4, Format: "parquet"}
	led.Columns = append(led.Columns, cols...)
	if err := led.write(filepath.Join(s.Dir(), ledgerFile)); err != nil {
		t.Fatal(err)
	}
}

// TestDoctorQuarantinesBrokenParts (issue 17.2): a part with its own date column (as an older
// flowq wrote for a Parquet input with one) or unreadable bytes breaks every query; doctor
// finds it, and with Fix moves it to quarantine and drops it and its source from the ledger.
func TestDoctorQuarantinesBrokenParts(t *testing.T) {
	cases := []struct {
		name   string
		folder string
		write  func(t *testing.T, file string)
		cols   []string
		reason string
	}{
		// What flowq before the fix wrote for a Parquet input with a date column: COPY ...
		// PARTITION_BY (date) of two date columns made a date_1= folder.
		{"date-column", "date_1=2024-01-15", func(t *testing.T, file string) {
			writeParquet(t, filepath.Dir(file), filepath.Base(file), `SELECT '10.0.0.9' AS srcaddr, 5::BIGINT AS bytes,
				DATE '2020-01-01' AS date, 99::BIGINT AS _source FROM range(4)`)
		}, []string{"date"}, "not in a vpc_flow_logs/date=YYYY-MM-DD folder"},
		{"garbage", "date=2024-01-15", func(t *testing.T, file string) {
			if err := os.WriteFile(file, []byte("PAR1 not really"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, nil, "unreadable Parquet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := openStore(t)
			loadTwo(t, s)
			rel := path.Join(tablesDir, flowTable, tc.folder, "b000099_p99_0.parquet")
			file := filepath.Join(s.Dir(), filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
				t.Fatal(err)
			}
			tc.write(t, file)
			addPart(t, s, rel, "/elsewhere/p.parquet", tc.cols...)
			if _, msg := s.tableRows(ctx); msg == "" {
				t.Fatal("the broken part did not break the table")
			}

			rep, err := s.Doctor(ctx, DoctorOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) != 1 || rep.Problems[0].Part != rel || !strings.Contains(rep.Problems[0].Reason, tc.reason) || rep.TableErr == "" {
				t.Fatalf("check: %+v", rep)
			}
			if _, err := os.Stat(file); err != nil {
				t.Fatalf("a check without Fix changed the store: %v", err)
			}

			rep, err = s.Doctor(ctx, DoctorOptions{Fix: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) != 1 || !strings.HasPrefix(rep.Problems[0].Action, "moved to quarantine/") {
				t.Fatalf("fix: %+v", rep)
			}
			if _, err := os.Stat(filepath.Join(s.Dir(), strings.TrimPrefix(rep.Problems[0].Action, "moved to "))); err != nil {
				t.Errorf("quarantined file: %v", err)
			}
			if rep.TableErr != "" || rep.Rows != 5 || len(rep.Unloaded) != 1 || rep.Unloaded[0] != "/elsewhere/p.parquet" {
				t.Fatalf("after fix: %+v", rep)
			}
			led, err := s.Ledger()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range led.Parts {
				if p.Path == rel {
					t.Errorf("ledger still names %s", rel)
				}
			}
			if led.Sources["/elsewhere/p.parquet"] != nil || contains(led.Columns, "date") {
				t.Errorf("ledger keeps the quarantined source or its column: %v", led.Columns)
			}
			sess := session(t, s)
			if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 36 {
				t.Errorf("sum(bytes) = %d, want 36", n)
			}
			if rep, err := s.Doctor(ctx, DoctorOptions{}); err != nil || len(rep.Problems) != 0 {
				t.Errorf("second check: %+v, %v", rep, err)
			}
		})
	}
}

// TestLedgerPathsConfined (issue 17.10): a tampered ledger naming a part outside the data dir
// is refused; replacing a file never reads or deletes it; doctor --fix drops it from the
// ledger and leaves the file alone.
func TestLedgerPathsConfined(t *testing.T) {
	s, ctx, a, outside, bad := tamperedLedger(t)
	rep, err := s.Doctor(ctx, DoctorOptions{Fix: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Part != bad || rep.Problems[0].Action != "dropped from the ledger" {
		t.Fatalf("fix: %+v", rep)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("doctor moved or deleted the file outside the data dir: %v", err)
	}
	// a.log's source left the ledger with the part: loading it again gives its one new row.
	if sum, err := s.Load(ctx, []string{a}, LoadOptions{}); err != nil || sum.Rows != 1 {
		t.Fatalf("load after fix: %+v, %v", sum, err)
	}
	sess := session(t, s)
	if n := queryInt(t, sess, "SELECT sum(bytes) FROM vpc_flow_logs"); n != 34 {
		t.Errorf("sum(bytes) = %d, want 34 (b.log 30 + new a.log 4)", n)
	}
}
