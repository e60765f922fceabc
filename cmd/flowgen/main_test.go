package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
)

func TestRunWritesFilesAndTruth(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--out", dir, "--preset", "small", "--records", "500", "--seed", "5", "--org", "o-abcdef1234"}, &out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := flowgen.ReadTruth(f)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Seed != 5 || len(tr.Files) == 0 || !strings.Contains(out.String(), "records") {
		t.Fatalf("seed %d, %d files, output %q", tr.Seed, len(tr.Files), out.String())
	}
	n := 0
	for key, fs := range tr.Files {
		if !strings.Contains(key, "/AWSLogs/o-abcdef1234/") {
			t.Errorf("key %s lacks the organisation segment", key)
		}
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key)))
		if err != nil || st.Size() != int64(fs.Size) {
			t.Fatalf("%s: %v, size %d want %d", key, err, st.Size(), fs.Size)
		}
		n++
	}
	if n != tr.Objects {
		t.Fatalf("%d files in truth, %d objects", n, tr.Objects)
	}
	if err := run(context.Background(), []string{"--preset", "small"}, &out); err == nil {
		t.Fatal("missing --out accepted")
	}
	if err := run(context.Background(), []string{"--out", dir, "--preset", "huge"}, &out); err == nil {
		t.Fatal("unknown preset accepted")
	}
}
