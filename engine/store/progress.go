package store

import (
	"database/sql"
	"reflect"
	"sync"
	"time"
	"unsafe"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// Progress of a running statement comes from DuckDB's C API (duckdb_query_progress), which
// duckdb-go does not wrap: the connection handle is read from the driver's connection, and a
// poller asks for the percentage while the statement runs. DuckDB computes it only with
// enable_progress_bar set (its own printing stays off: flowq draws through its streams).

const (
	// progressDelay: statements that end sooner never show a bar.
	progressDelay = time.Second
	progressEvery = 100 * time.Millisecond
)

// ProgressFunc receives a running statement's progress, percent in [0, 100] (or -1 when DuckDB
// cannot tell), about every 100 ms once it has run for a second; then once with done set when
// it ends, so a bar can be cleared before the result is printed.
type ProgressFunc func(percent float64, done bool)

// duckHandle returns the DuckDB C connection behind a database/sql connection, or ok=false
// when the driver's layout is not the expected one (then there is no progress, nothing worse).
func duckHandle(conn *sql.Conn) (h bindings.Connection, ok bool) {
	_ = conn.Raw(func(dc any) error {
		v := reflect.ValueOf(dc)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return nil
		}
		f := v.Elem().FieldByName("conn")
		if !f.IsValid() || f.Type() != reflect.TypeOf(bindings.Connection{}) {
			return nil
		}
		h = *(*bindings.Connection)(unsafe.Pointer(f.UnsafeAddr()))
		ok = h.Ptr != nil
		return nil
	})
	return h, ok
}

// watchProgress polls the connection's running statement and reports to fn until the returned
// stop is called; stop returns once the poller is done, so the handle is never used after the
// statement ended. The caller holds the connection for the whole time.
func watchProgress(h bindings.Connection, fn ProgressFunc) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(progressDelay)
		defer t.Stop()
		select {
		case <-quit:
			return
		case <-t.C:
		}
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		shown := false
		for {
			p := bindings.QueryProgress(h)
			pct, _, _ := bindings.QueryProgressTypeMembers(&p)
			fn(pct, false)
			shown = true
			select {
			case <-quit:
				if shown {
					fn(pct, true)
				}
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
	}
}
