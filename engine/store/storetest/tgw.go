package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/store"
)

// TGWSession returns a session (the Athena functions, as the CLI opens it) over an empty store:
// its transit_gateway_flow_logs view is the typed, empty one every store has.
func TGWSession(tb testing.TB) *store.Session {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "data"))
	if err != nil {
		tb.Fatal(err)
	}
	return Session(tb, st)
}

// LoadTGW generates cfg's transit gateway deliveries into a temporary folder, loads them with
// the store's loader and returns a session over the store. It fails when the loader rejects a
// line or the table holds another number of rows than flowgen wrote.
func LoadTGW(tb testing.TB, cfg flowgen.TGWConfig) (*flowgen.TGWTruth, *store.Session) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	src := filepath.Join(dir, "src")
	truth, err := flowgen.GenerateTGW(ctx, cfg, flowgen.DirSink(src))
	if err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := st.Load(ctx, []string{src}, store.LoadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if sum.Rows != truth.Records || sum.Rejected != 0 || sum.Failed != 0 {
		tb.Fatalf("loaded %d rows (%d rejected, %d files failed), flowgen wrote %d", sum.Rows, sum.Rejected, sum.Failed, truth.Records)
	}
	sess := Session(tb, st)
	var n int64
	if err := sess.DB.QueryRow("SELECT count(*) FROM " + flowlog.TGWTable).Scan(&n); err != nil || n != truth.Records {
		tb.Fatalf("table holds %d rows (%v), flowgen wrote %d", n, err, truth.Records)
	}
	return truth, sess
}
