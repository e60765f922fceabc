package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flowq/flowq/engine/filelock"
)

// Lock is the data directory's writer lock: an exclusive flock, released by Unlock or when the
// process dies, so a kill -9 never leaves a stale lock behind.
type Lock = filelock.Lock

// ErrLocked is returned (wrapped, naming the holder) when another process holds the writer lock.
var ErrLocked = errors.New("data directory is locked by another flowq process")

// LockWriter takes the writer lock. With wait, it polls until the lock is free or ctx ends;
// otherwise it fails at once with ErrLocked and the holder's pid and command.
func (s *Store) LockWriter(ctx context.Context, wait bool, what string) (*Lock, error) {
	path := filepath.Join(s.dir, lockFile)
	me := fmt.Sprintf("pid %d, %s, since %s", os.Getpid(), what, nowUTC().Format(time.RFC3339))
	for {
		l, holder, err := filelock.TryLock(path, me)
		if !errors.Is(err, filelock.ErrHeld) {
			return l, err
		}
		if !wait {
			return nil, fmt.Errorf("%w (held by %s); wait for it to finish or pass --wait", ErrLocked, holder)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
