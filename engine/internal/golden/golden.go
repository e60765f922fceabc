// Package golden compares test output with files kept under a package's testdata/ and
// rewrites them when tests run with -update: the one golden-file helper for every package.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of every test binary that uses this package (registered once,
// here, so packages do not each define their own).
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Updating reports whether the test binary runs with -update.
func Updating() bool { return *update }

// T is the part of testing.T the helper needs.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

var _ T = (*testing.T)(nil)

// Check compares got with the file at path (conventionally testdata/NAME), or writes got there
// under -update. A missing file fails the test, naming the flag that creates it.
func Check(t T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v (go test -update creates it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// CheckString is Check for text.
func CheckString(t T, path, got string) {
	t.Helper()
	Check(t, path, []byte(got))
}
