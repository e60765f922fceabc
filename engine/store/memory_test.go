package store

import (
	"strings"
	"testing"
)

// TestSmallMemoryLimitSpills: a session limited to 64 MiB answers a grouping whose hash table
// is several times that size by spilling to the data dir's temp folder; with the temp folder
// capped at 1 MiB the same grouping fails for lack of memory, which shows it needed to spill.
// The totals are hand-checkable: 3 M keys i % 3000000 over 6 M rows, two rows each.
func TestSmallMemoryLimitSpills(t *testing.T) {
	s, ctx := openStore(t)
	limit, err := ParseMemoryLimit("64MB")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.OpenSession(ctx, SessionOptions{MemoryLimit: limit, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	lim, err := sess.Limits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lim.MemoryLimit != "61.0 MiB" || lim.Threads != 2 || !strings.HasPrefix(lim.TempDir, s.dir) {
		t.Errorf("limits %+v, want 61.0 MiB (64 MB), 2 threads, temp inside %s", lim, s.dir)
	}
	const grouping = `SELECT count(*), sum(n), min(n), max(n), sum(k) FROM (
		SELECT i % 3000000 AS k, count(*) AS n, sum(i) AS total FROM range(6000000) t(i) GROUP BY k)`
	var groups, rows, minN, maxN, keys int64
	if err := sess.DB.QueryRowContext(ctx, grouping).Scan(&groups, &rows, &minN, &maxN, &keys); err != nil {
		t.Fatalf("grouping under a 64 MB limit: %v", err)
	}
	// keys 0..2999999: sum = 2999999*3000000/2
	if groups != 3000000 || rows != 6000000 || minN != 2 || maxN != 2 || keys != 4499998500000 {
		t.Errorf("grouping: %d groups, %d rows, %d..%d per group, key sum %d; want 3000000, 6000000, 2..2, 4499998500000",
			groups, rows, minN, maxN, keys)
	}
	if _, err := sess.DB.ExecContext(ctx, "SET max_temp_directory_size='1MiB'"); err != nil {
		t.Fatal(err)
	}
	err = sess.DB.QueryRowContext(ctx, grouping).Scan(&groups, &rows, &minN, &maxN, &keys)
	if err == nil || !strings.Contains(err.Error(), "Out of Memory") {
		t.Errorf("with spilling capped at 1 MiB: %v, want an Out of Memory error", err)
	}
}

func TestParseMemoryLimit(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"2GiB", "2097152KiB", ""},
		{"1.5GiB", "1572864KiB", ""},
		{"4GB", "3906250KiB", ""},
		{" 512 MiB ", "524288KiB", ""},
		{"512m", "524288KiB", ""},
		{"2x", "", "want a size"},
		{"GB", "", "want a size"},
		{"", "", "want a size"},
		{"1MB", "", "at least 16MiB"},
	} {
		got, err := ParseMemoryLimit(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want error %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestDefaultLimits: without options a session is bounded: at most 1.5 GiB and 4 threads.
func TestDefaultLimits(t *testing.T) {
	s, ctx := openStore(t)
	sess := session(t, s)
	lim, err := sess.Limits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1536MiB": "1.5 GiB"}[DefaultMemoryLimit()]
	if want == "" {
		want = lim.MemoryLimit // a machine with less than 6 GiB: a quarter of it
	}
	if lim.MemoryLimit != want || lim.Threads < 1 || lim.Threads > 4 {
		t.Errorf("default limits %+v, want %s and 1-4 threads", lim, want)
	}
}
