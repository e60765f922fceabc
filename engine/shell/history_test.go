package shell

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestHistoryPersistBoundDedup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "history")
	h, err := LoadHistory(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"SELECT 1;", "SELECT 1;", "  ", "SELECT\n  2;", "SELECT 3;", "SELECT 1;", "SELECT 4;"} {
		if err := h.AddErr(e); err != nil {
			t.Fatal(err)
		}
	}
	// "SELECT 1;" re-run moves to the end; the bound of 3 drops the oldest ("SELECT\n  2;").
	want := []string{"SELECT 3;", "SELECT 1;", "SELECT 4;"}
	if !reflect.DeepEqual(h.Entries(), want) {
		t.Errorf("entries = %q, want %q", h.Entries(), want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	h2, err := LoadHistory(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h2.Entries(), want) {
		t.Errorf("reloaded = %q, want %q", h2.Entries(), want)
	}
}

func TestHistoryMultiLineAndMerge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	a, _ := LoadHistory(path, 10)
	b, _ := LoadHistory(path, 10)
	if err := a.AddErr("SELECT 'x;y'\nFROM t;"); err != nil {
		t.Fatal(err)
	}
	// A second shell open at the same time: its entry is merged, not written over a's.
	if err := b.AddErr("SELECT 2;"); err != nil {
		t.Fatal(err)
	}
	c, _ := LoadHistory(path, 10)
	want := []string{"SELECT 'x;y'\nFROM t;", "SELECT 2;"}
	if !reflect.DeepEqual(c.Entries(), want) {
		t.Errorf("entries = %q, want %q", c.Entries(), want)
	}
}

func TestHistoryDamagedLineSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	if err := os.WriteFile(path, []byte("\"one\"\n{broken\n\"two\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := LoadHistory(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.Entries(), []string{"one", "two"}) {
		t.Errorf("entries = %q", h.Entries())
	}
}

func TestHistorySearch(t *testing.T) {
	h, _ := LoadHistory("", 0)
	for _, e := range []string{"select a from vpc_flow_logs;", "select 1;", "SELECT b FROM VPC_FLOW_LOGS;", ".tables"} {
		h.Add(e)
	}
	if got := h.Search("vpc_flow"); !reflect.DeepEqual(got, []string{"SELECT b FROM VPC_FLOW_LOGS;", "select a from vpc_flow_logs;"}) {
		t.Errorf("Search = %q", got)
	}
	// Ctrl-R walks back: newest match first, then the one before it, then none.
	i := h.SearchBefore("vpc", len(h.Entries()))
	if i != 2 {
		t.Fatalf("first match = %d, want 2", i)
	}
	if i = h.SearchBefore("vpc", i); i != 0 {
		t.Fatalf("second match = %d, want 0", i)
	}
	if i = h.SearchBefore("vpc", i); i != -1 {
		t.Fatalf("third match = %d, want -1", i)
	}
}
