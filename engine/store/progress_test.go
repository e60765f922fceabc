package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestProgress: a statement that runs longer than a second reports DuckDB's percentage through
// SessionOptions.Progress, then done; cancelling the context from the progress callback (as
// Ctrl-C does) interrupts it; a quick statement reports nothing.
func TestProgress(t *testing.T) {
	s, ctx := openStore(t)
	var mu sync.Mutex
	var calls []float64
	dones := 0
	var cancel context.CancelFunc
	sess, err := s.OpenSession(ctx, SessionOptions{Progress: func(pct float64, done bool) {
		mu.Lock()
		defer mu.Unlock()
		if done {
			dones++
			return
		}
		calls = append(calls, pct)
		if cancel != nil {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()

	if v := queryInt(t, sess, "SELECT 1"); v != 1 {
		t.Fatal(v)
	}
	rows, err := sess.Query(ctx, "SELECT 42")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	mu.Lock()
	if len(calls) != 0 || dones != 0 {
		t.Errorf("a quick statement reported progress %v, done %d", calls, dones)
	}
	mu.Unlock()

	// Long enough on any machine: hashing every number below 5e9.
	const slow = "SELECT sum(hash(i) % 7) FROM range(5000000000) t(i)"
	cctx, c := context.WithCancel(ctx)
	mu.Lock()
	cancel = c
	mu.Unlock()
	rows, err = sess.Query(cctx, slow)
	if err == nil {
		rows.Close()
		t.Fatal("the slow statement finished although the progress callback cancelled it")
	}
	if !errors.Is(err, context.Canceled) && !strings.Contains(strings.ToLower(err.Error()), "interrupt") {
		t.Errorf("cancelled statement: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) == 0 || dones != 1 {
		t.Fatalf("progress calls %v, done %d; want at least one call, then done once", calls, dones)
	}
	for _, p := range calls {
		if p < -1 || p > 100 {
			t.Errorf("progress %v outside [-1, 100]", p)
		}
	}
	// The session still answers after the interrupted statement.
	if v := queryInt(t, sess, "SELECT 7"); v != 7 {
		t.Errorf("after the interrupt: %d", v)
	}
}
