// Package filelock holds an exclusive advisory lock (flock) on a file that names its holder; the
// kernel drops it when the process dies, so a crash never leaves a stale lock behind.
package filelock

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// ErrHeld is returned when another open file description holds the lock.
var ErrHeld = errors.New("lock is held")

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// TryLock takes the lock on path (created 0600 if missing) without waiting and writes holder
// into the file. When the lock is held it returns ErrHeld and the holder text the other side
// wrote.
func TryLock(path, holder string) (*Lock, string, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("opening lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			other, _ := os.ReadFile(path)
			return nil, strings.TrimSpace(string(other)), ErrHeld
		}
		return nil, "", fmt.Errorf("locking %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(holder+"\n"), 0)
	return &Lock{f: f}, "", nil
}

// Unlock clears the holder text and releases the lock; a nil or released Lock is a no-op.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	cerr := l.f.Close()
	l.f = nil
	if err != nil {
		return err
	}
	return cerr
}
