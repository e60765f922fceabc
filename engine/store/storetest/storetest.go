// Package storetest builds stores from generated flow logs for other packages' tests: flowgen
// writes a data set and its truth, the real store loads it, and the row count is checked.
package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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

// Fixture is a data set generated and loaded once per test binary, in a temp folder that
// Remove deletes (call it from TestMain after m.Run). Tests only read its store.
type Fixture struct {
	Config flowgen.Config

	once  sync.Once
	dir   string
	truth *flowgen.Truth
	st    *store.Store
	err   error
}

// NewFixture prepares a fixture of cfg; nothing is built until the first Get.
func NewFixture(cfg flowgen.Config) *Fixture { return &Fixture{Config: cfg} }

// Get builds the fixture on first use and returns its truth and store; a failure to build
// fails every test that asks.
func (f *Fixture) Get(tb testing.TB) (*flowgen.Truth, *store.Store) {
	tb.Helper()
	truth, st, err := f.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return truth, st
}

// Build is Get for code without a testing.TB (fixtures built on top of this one).
func (f *Fixture) Build() (*flowgen.Truth, *store.Store, error) {
	f.once.Do(func() {
		f.dir, f.err = os.MkdirTemp("", "flowq-storetest-")
		if f.err == nil {
			f.truth, f.st, f.err = Load(context.Background(), f.dir, f.Config)
		}
	})
	return f.truth, f.st, f.err
}

// Dir is the fixture's temp folder (empty before it is built): a place for a test's own
// files, removed with it.
func (f *Fixture) Dir() string { return f.dir }

// Remove deletes the fixture's folder, if it was built.
func (f *Fixture) Remove() {
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}
