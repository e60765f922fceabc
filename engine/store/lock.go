package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock is the data directory's writer lock: an exclusive flock, released by Unlock or when the
// process dies, so a kill -9 never leaves a stale lock behind.
type Lock struct {
	f *os.File
}

// ErrLocked is returned (wrapped, naming the holder) when another process holds the writer lock.
var ErrLocked = errors.New("data directory is locked by another flowq process")

// LockWriter takes the writer lock. With wait, it polls until the lock is free or ctx ends;
// otherwise it fails at once with ErrLocked and the holder's pid and command.
func (s *Store) LockWriter(ctx context.Context, wait bool, what string) (*Lock, error) {
	path := filepath.Join(s.dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !wait {
			holder, _ := os.ReadFile(path)
			f.Close()
			return nil, fmt.Errorf("%w (held by %s); wait for it to finish or pass --wait", ErrLocked, strings.TrimSpace(string(holder)))
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d, %s, since %s\n", os.Getpid(), what, nowUTC().Format(time.RFC3339))), 0)
	return &Lock{f: f}, nil
}

// Unlock releases the writer lock.
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
