package htmlreport

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/cost"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/store/storetest"
	"github.com/flowq/flowq/queries"
)

// fixture is flowgen's Small data set loaded through the real store and the report built from
// it, once per test binary (the tests only read it).
type fixture struct {
	truth *flowgen.Truth
	st    *store.Store
	rep   *Report
	html  string
	err   error
}

var (
	fixOnce sync.Once
	fix     fixture
	small   = storetest.NewFixture(flowgen.Small())
)

// fixedNow is the report's clock in tests, so the page is the same on every run.
var fixedNow = time.Date(2026, 1, 16, 9, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	code := m.Run()
	small.Remove()
	os.Exit(code)
}

func generated(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() { fix.err = build(&fix) })
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	return &fix
}

func build(f *fixture) error {
	ctx := context.Background()
	var err error
	if f.truth, f.st, err = small.Build(); err != nil {
		return err
	}
	sess, err := f.st.OpenSession(ctx, store.SessionOptions{Init: func(ctx context.Context, conn *sql.Conn) error {
		if err := compat.Register(ctx, conn); err != nil {
			return err
		}
		return cost.RegisterSession(ctx, conn, f.st.Dir()) // the cost section's SQL, as flowq's sessions have it
	}})
	if err != nil {
		return err
	}
	defer sess.Close()
	cat, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		return err
	}
	user := filepath.Join(small.Dir(), "user-queries")
	if err := os.Mkdir(user, 0o755); err != nil {
		return err
	}
	if err := userQueries(user); err != nil {
		return err
	}
	if err := cat.AddDir(user); err != nil {
		return err
	}
	f.rep, err = Build(ctx, sess.DB, Options{Title: "Incident 42 <flow logs>", Catalog: cat, Now: fixedNow})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.rep.WriteHTML(&buf); err != nil {
		return err
	}
	f.html = buf.String()
	if dir := os.Getenv("FLOWQ_REPORT_ARTIFACTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "report.html"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
