// Package atomicfile replaces files so readers see the old content or the new, never a part:
// a temp file in the same folder is written, fsynced and renamed over the target.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrSyncDir marks a failed fsync of a folder (SyncDir, or WriteFile after its rename): the new
// file is in place, but the rename may not survive a power cut. Some file systems refuse to
// fsync a folder; callers that accept that can ignore errors matching it (errors.Is).
var ErrSyncDir = errors.New("fsync folder")

// WriteFile writes data to path atomically: a temp file named by pattern (as os.CreateTemp,
// so callers can find their own leftovers by name) is created in path's folder, given mode
// perm, written, fsynced and renamed over path, and then the folder is fsynced. The temp file
// is removed when any step before the rename fails. Errors name path.
func WriteFile(path string, data []byte, perm os.FileMode, pattern string) error {
	return WriteFileThen(path, data, perm, pattern, nil)
}

// WriteFileThen is WriteFile with a step run after the data is durable and before the rename;
// when the step fails, the temp file is removed, path is left as it was, and the step's error
// is returned as it is.
func WriteFileThen(path string, data []byte, perm os.FileMode, pattern string, beforeRename func() error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if beforeRename != nil {
		if err := beforeRename(); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// SyncFile flushes a written file's data to disk.
func SyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return nil
}

// SyncDir makes renames and new names in dir durable. Its errors match ErrSyncDir.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSyncDir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%w: %w", ErrSyncDir, err)
	}
	return nil
}
