// Package costtest opens store sessions as flowq's CLI does for the cost reports: the Athena
// functions, then engine/cost's prices and cost_flows, for other packages' tests.
package costtest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/cost"
	"github.com/flowq/flowq/engine/store"
)

// Init is a SessionOptions.Init with the Athena functions and cost.RegisterSession for dataDir.
// (storetest cannot do this: engine/cost imports engine/inventory, whose tests use storetest.)
func Init(dataDir string) func(ctx context.Context, conn *sql.Conn) error {
	return func(ctx context.Context, conn *sql.Conn) error {
		if err := compat.Register(ctx, conn); err != nil {
			return err
		}
		return cost.RegisterSession(ctx, conn, dataDir)
	}
}

// Session opens a session of st with Init, closed when tb ends.
func Session(tb testing.TB, st *store.Store) *store.Session {
	tb.Helper()
	sess, err := st.OpenSession(context.Background(), store.SessionOptions{Init: Init(st.Dir())})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sess.Close() })
	return sess
}
