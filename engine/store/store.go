// Package store owns flowq's data directory: the writer lock, the ledger of loaded files, the
// loader that turns flow-log files into Parquet, and DuckDB sessions over the loaded data.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/flowq/flowq/engine/atomicfile"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Store is an opened data directory. Reading needs no lock; writing (Load) takes the writer lock.
type Store struct {
	dir      string
	warnings []string
}

// Layout of the data directory.
const (
	ledgerFile    = "ledger.json"
	lockFile      = "lock"
	tablesDir     = "tables"
	flowTable     = "vpc_flow_logs"
	errorsTable   = "load_errors"
	stagingDir    = "staging"
	quarantineDir = "quarantine" // parts flowq doctor took out of the table
	tmpDir        = "tmp"        // sessions' spill folders, one per process id
	dirPerm       = 0o700
	filePerm      = 0o600
	mirrorSubdir  = "mirror"
)

// DefaultDir returns the data directory: $FLOWQ_DATA_DIR, else $XDG_DATA_HOME/flowq, else
// ~/.local/share/flowq.
func DefaultDir() (string, error) {
	if d := os.Getenv("FLOWQ_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "flowq"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the data directory: %w (set --data-dir or FLOWQ_DATA_DIR)", err)
	}
	return filepath.Join(home, ".local", "share", "flowq"), nil
}

// Open opens (creating if needed, mode 0700) the data directory.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("creating data dir %s: %w", abs, err)
	}
	s := &Store{dir: abs}
	// flowq creates the data dir 0700; one that already existed keeps its mode, which is the
	// user's to change, but flow logs readable or replaceable by others must not go unsaid.
	if info, err := os.Stat(abs); err == nil && info.Mode().Perm()&0o077 != 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("data dir %s has mode %#o: other users can read (or replace) the flow logs; run chmod 700 %s",
			abs, info.Mode().Perm(), abs))
	}
	return s, nil
}

// ErrNoData is OpenExisting's answer for a data dir that does not exist or holds no ledger:
// nothing was ever loaded there (or the path is mistyped).
var ErrNoData = errors.New("no flowq data")

// OpenExisting opens a data directory that holds loaded data, and never creates one: every
// command but load and sync reads, and a mistyped --data-dir must not answer "no rows".
func OpenExisting(ctx context.Context, dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, ledgerFile)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w in %s", ErrNoData, abs)
		}
		return nil, fmt.Errorf("data dir %s: %w", abs, err)
	}
	return Open(ctx, abs)
}

// Create opens a data directory for a writer (load, sync), creating it and an empty ledger
// when there is none, so the directory counts as flowq data from then on (a load killed before
// its first commit leaves an empty store, not "no data"). The ledger is linked into place, never
// renamed over one: a writer that committed in between keeps its ledger.
func Create(ctx context.Context, dir string) (*Store, error) {
	s, err := Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(s.dir, ledgerFile)
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	b, err := json.MarshalIndent(newLedger(), "", " ")
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.dir, "."+ledgerFile+".new-*")
	if err != nil {
		return nil, fmt.Errorf("creating ledger in %s: %w", s.dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), filePerm)
	}
	if err != nil {
		return nil, fmt.Errorf("creating ledger in %s: %w", s.dir, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("creating ledger in %s: %w", s.dir, err)
	}
	if err := atomicfile.SyncDir(s.dir); err != nil {
		return nil, err
	}
	return s, nil
}

// Warnings are problems Open noticed that do not stop flowq (a data dir other users can
// open); the CLI prints them to stderr.
func (s *Store) Warnings() []string { return s.warnings }

// Dir is the data directory's absolute path.
func (s *Store) Dir() string { return s.dir }

// MirrorDir is where synced objects are kept, in their S3 key layout.
func (s *Store) MirrorDir(parts ...string) string {
	return filepath.Join(append([]string{s.dir, mirrorSubdir}, parts...)...)
}

// Ledger reads the current ledger (an empty one if nothing was loaded yet).
func (s *Store) Ledger() (*Ledger, error) { return readLedger(filepath.Join(s.dir, ledgerFile)) }

// recover removes what a crashed writer may have left: the staging folder, temp files and
// Parquet files no committed ledger names. Called with the writer lock held.
func (s *Store) recover(l *Ledger) error {
	if err := os.RemoveAll(filepath.Join(s.dir, stagingDir)); err != nil {
		return fmt.Errorf("removing staging folder: %w", err)
	}
	// Spill folders of sessions whose process is gone.
	if ents, err := os.ReadDir(filepath.Join(s.dir, tmpDir)); err == nil {
		for _, e := range ents {
			if pid, err := strconv.Atoi(e.Name()); err == nil && !processAlive(pid) {
				_ = os.RemoveAll(filepath.Join(s.dir, tmpDir, e.Name()))
			}
		}
	}
	live := make(map[string]bool)
	for _, p := range l.Parts {
		live[p.Path] = true
	}
	for _, p := range l.ErrorParts {
		live[p] = true
	}
	root := filepath.Join(s.dir, tablesDir)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(s.dir, path)
		rel = filepath.ToSlash(rel)
		if !live[rel] && (strings.HasSuffix(rel, ".parquet") || strings.Contains(d.Name(), ".tmp")) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("removing orphan %s: %w", path, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cleaning %s: %w", root, err)
	}
	return nil
}

// DiskUsage is the total size of the files under the data directory, mirror excluded and
// counted separately.
func (s *Store) DiskUsage() (tables, mirror int64) {
	_ = filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if strings.HasPrefix(path, filepath.Join(s.dir, mirrorSubdir)+string(os.PathSeparator)) {
			mirror += info.Size()
		} else {
			tables += info.Size()
		}
		return nil
	})
	return tables, mirror
}

func nowUTC() time.Time { return time.Now().UTC() }

// processAlive reports whether a process with the pid exists (signal 0 probes without sending).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
