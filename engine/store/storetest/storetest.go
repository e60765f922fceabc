// Package storetest builds stores from generated flow logs for other packages' tests: flowgen
// writes a data set and its truth, the real store loads it, and the row count is checked.
package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
)

// Load generates cfg's data set into dir/src and loads it into a store at dir/data. It fails
// when the store holds another number of rows than flowgen wrote.
func Load(ctx context.Context, dir string, cfg flowgen.Config) (*flowgen.Truth, *store.Store, error) {
	src := filepath.Join(dir, "src")
	truth, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(src))
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		return nil, nil, err
	}
	sum, err := st.Load(ctx, []string{src}, store.LoadOptions{})
	if err != nil {
		return nil, nil, err
	}
	if sum.Rows != truth.Records {
		return nil, nil, fmt.Errorf("loaded %d rows, flowgen wrote %d", sum.Rows, truth.Records)
	}
	return truth, st, nil
}

// Session opens a session with the Athena functions, as the CLI does, closed when tb ends.
func Session(tb testing.TB, st *store.Store) *store.Session {
	tb.Helper()
	sess, err := st.OpenSession(context.Background(), store.SessionOptions{Init: compat.Register})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sess.Close() })
	return sess
}
