package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, _, err := TryLock(path, "pid 1, first")
	if err != nil {
		t.Fatal(err)
	}
	// A second open file description, as another process would have, is refused and told
	// who holds the lock.
	if _, holder, err := TryLock(path, "pid 2, second"); !errors.Is(err, ErrHeld) || holder != "pid 1, first" {
		t.Fatalf("second TryLock: holder %q, err %v; want ErrHeld from pid 1", holder, err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("holder text %q left after Unlock", b)
	}
	b, _, err := TryLock(path, "pid 2, second")
	if err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	b.Unlock()
	if err := b.Unlock(); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v", fi.Mode().Perm())
	}
	if _, _, err := TryLock(filepath.Join(t.TempDir(), "missing", "lock"), "x"); err == nil || errors.Is(err, ErrHeld) {
		t.Errorf("lock in a missing folder: %v", err)
	}
}
