package htmlreport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/store"
)

// tenMinuteStore loads six hours of hand-written records with a 10-minute aggregation
// interval: in each of the 36 windows from 2024-05-01 00:00 UTC, a request and its reply,
// both ACCEPTed, lasting 590 s.
func tenMinuteStore(t *testing.T) *store.Session {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	lines := []string{"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"}
	for i := range 36 {
		s := t0.Unix() + int64(i)*600 + 5
		lines = append(lines,
			fmt.Sprintf("2 123456789012 eni-0a 10.0.0.1 10.0.0.2 40000 443 6 10 1000 %d %d ACCEPT OK", s, s+590),
			fmt.Sprintf("2 123456789012 eni-0a 10.0.0.2 10.0.0.1 443 40000 6 10 5000 %d %d ACCEPT OK", s, s+590))
	}
	dir := t.TempDir()
	name := flowlog.FileName("123456789012", "eu-west-1", "fl-0abc", t0, "00000001", ".log")
	path := filepath.Join(dir, "src", filepath.FromSlash(flowlog.ObjectKey("", "", "123456789012", "eu-west-1", t0, -1, false, name)))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := st.Load(ctx, []string{filepath.Join(dir, "src")}, store.LoadOptions{}); err != nil || sum.Rows != 72 {
		t.Fatalf("load: %+v, %v; want 72 rows", sum, err)
	}
	sess, err := st.OpenSession(ctx, store.SessionOptions{Init: compat.Register})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// TestTrafficBucketHoldsWholeIntervals: six hours would get 5-minute buckets, which over
// 10-minute records alternate between 2 records and none (a sawtooth). The bucket is the
// interval, and every bucket holds the same 2 records.
func TestTrafficBucketHoldsWholeIntervals(t *testing.T) {
	sess := tenMinuteStore(t)
	r, err := Build(context.Background(), sess.DB, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Interval != 10*time.Minute || r.Traffic.Bucket != 10*time.Minute || len(r.Traffic.Times) != 36 {
		t.Fatalf("interval %v, bucket %v, %d buckets; want 10m, 10m, 36", r.Summary.Interval, r.Traffic.Bucket, len(r.Traffic.Times))
	}
	for i, n := range r.Traffic.Accepted {
		if n != 2 {
			t.Errorf("bucket %d (%v): %d accepted, want 2", i, r.Traffic.Times[i], n)
		}
	}
}

// TestEmptyRangeSaysWhereTheDataIs: a range that misses the data says where the data is and
// how to widen the range, on the page, instead of zeros alone.
func TestEmptyRangeSaysWhereTheDataIs(t *testing.T) {
	sess := tenMinuteStore(t)
	since := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name         string
		since, until time.Time
		widen        string
	}{
		{"since", since, time.Time{}, "--since 2024-05-01)"},
		{"since and until", since, since.AddDate(0, 0, 7), "--since 2024-05-01 --until 2024-05-02)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Build(context.Background(), sess.DB, Options{Since: c.since, Until: c.until, Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			var buf strings.Builder
			if err := r.WriteHTML(&buf); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"No records in this range. The loaded data (72 records) runs from 2024-05-01 00:00:05 UTC to 2024-05-01 05:59:55 UTC:", c.widen} {
				if r.Summary.Records != 0 || !strings.Contains(r.Hint, want) || !strings.Contains(buf.String(), want) {
					t.Errorf("%d records, hint %q; want %q on the page", r.Summary.Records, r.Hint, want)
				}
			}
		})
	}
}
