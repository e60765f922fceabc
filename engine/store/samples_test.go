package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowq/flowq/engine/store"
)

// The AWS documentation's example records (testdata/README.md) load into the values the
// documentation states for them, as text and as a gzip delivery.
func TestLoadAWSDocumentedExamples(t *testing.T) {
	for _, name := range []string{"default-examples.log", "default-examples.log.gz"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			src := filepath.Join("..", "..", "testdata", "aws-docs", name)
			sum, err := st.Load(ctx, []string{src}, store.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != 3 || sum.Rejected != 0 || sum.Failed != 0 {
				t.Fatalf("loaded %d rows, %d rejected, %d files failed; want 3, 0, 0", sum.Rows, sum.Rejected, sum.Failed)
			}
			sess, err := st.OpenSession(ctx, store.SessionOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			// Hand-copied from the documented records: SSH accepted, RDP rejected, one NODATA.
			for _, c := range []struct {
				where string
				want  int64
			}{
				{`action = 'ACCEPT' AND log_status = 'OK' AND dstport = 22 AND srcport = 20641 AND bytes = 4249 AND packets = 20 AND srcaddr = '172.31.16.139'`, 1},
				{`action = 'REJECT' AND dstport = 3389 AND protocol = 6 AND start = 1418530010 AND "end" = 1418530070`, 1},
				{`log_status = 'NODATA' AND action = '-' AND srcaddr = '-' AND bytes IS NULL AND start = 1431280876`, 1}, // "-" stays in text columns, is NULL in numeric ones
				{`account_id = '123456789010' AND interface_id = 'eni-1235b8ca123456789' AND version = 2`, 3},
			} {
				var n int64
				if err := sess.DB.QueryRowContext(ctx, "SELECT count(*) FROM vpc_flow_logs WHERE "+c.where).Scan(&n); err != nil {
					t.Fatalf("%s: %v", c.where, err)
				}
				if n != c.want {
					t.Errorf("%d rows where %s, want %d", n, c.where, c.want)
				}
			}
		})
	}
}
