package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/iostreams"
)

// TestQueryProgressBar: on a terminal a long statement's progress is drawn on stderr and cleared
// when it ends; off a terminal there is no progress function at all.
func TestQueryProgressBar(t *testing.T) {
	var errOut bytes.Buffer
	io := iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &errOut)
	f := newFactory(io)
	if f.queryProgress() != nil {
		t.Fatal("progress function off a terminal")
	}
	io.SetTTY(true, true, true)
	fn := f.queryProgress()
	if fn == nil {
		t.Fatal("no progress function on a terminal")
	}
	fn(42, false)
	drawn := errOut.String()
	if !strings.Contains(drawn, "42%") || !strings.Contains(drawn, "Ctrl-C") {
		t.Errorf("bar at 42%%: %q", drawn)
	}
	fn(42, true)
	rest := strings.TrimPrefix(errOut.String(), drawn)
	if strings.TrimSpace(strings.ReplaceAll(rest, "\r", "")) != "" {
		t.Errorf("after the statement ended the bar left %q", rest)
	}
	// A statement whose percentage DuckDB cannot tell yet still gets a bar.
	errOut.Reset()
	fn = f.queryProgress()
	fn(-1, false)
	if !strings.Contains(errOut.String(), "0%") {
		t.Errorf("bar at an unknown percentage: %q", errOut.String())
	}
	fn(-1, true)
}
