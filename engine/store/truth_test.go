package store

import (
	"context"
	"path/filepath"
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
