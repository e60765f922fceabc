package cwsync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flowq/flowq/engine/filelock"
)

// ErrBusy is returned (wrapped, naming the holder) when another sync of the same log group
// into the same mirror is running: two would fetch and write the same events.
var ErrBusy = errors.New("another sync of this log group is running")

// lockGroup takes an exclusive lock on the log group's state folder, released by Unlock or when
// the process dies, so a crash never leaves a stale lock.
func lockGroup(groupDir string) (*filelock.Lock, error) {
	dir := filepath.Join(groupDir, stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, "lock")
	l, holder, err := filelock.TryLock(path, fmt.Sprintf("pid %d since %s", os.Getpid(), time.Now().UTC().Format(time.RFC3339)))
	if errors.Is(err, filelock.ErrHeld) {
		return nil, fmt.Errorf("%w (%s): %s", ErrBusy, path, holder)
	}
	return l, err
}
