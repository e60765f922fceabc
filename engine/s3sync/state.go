package s3sync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/flowq/flowq/engine/atomicfile"
)

// stateFile is the journal of synced objects at the mirror root. One JSON object per line,
// appended after the object is renamed into place and its folder fsynced (folderGate); the
// last line for a key wins.
const stateFile = ".flowq-sync-state.jsonl"

type stateEntry struct {
	Key  string `json:"k"`
	Size int64  `json:"s"`
	ETag string `json:"e"`
}

// state is the crash-safe record of what the mirror holds. An entry is written only after its
// file is in place, so a crash can lose entries (the object is then checked or fetched again)
// but never claim a file that is not there.
type state struct {
	path    string
	mu      sync.Mutex
	entries map[string]stateEntry
	f       *os.File
	w       *bufio.Writer
	dirty   bool
}

// openState reads the journal and rewrites it compactly when it holds stale lines or a torn
// last line (from a crash mid-append), so appends always start on a fresh line.
// A read-only state (dry run) neither rewrites nor creates the journal.
func openState(mirror string, readOnly bool) (*state, error) {
	s := &state{path: filepath.Join(mirror, stateFile), entries: map[string]stateEntry{}}
	data, err := os.ReadFile(s.path)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("read sync state %s: %w", s.path, err)
	}
	lines := 0
	torn := len(data) > 0 && data[len(data)-1] != '\n'
	for line := range bytes.Lines(data) {
		lines++
		var e stateEntry
		if json.Unmarshal(bytes.TrimSpace(line), &e) != nil || e.Key == "" {
			torn = true // a line we cannot read is dropped; its object is re-checked
			continue
		}
		s.entries[e.Key] = e
	}
	if readOnly {
		return s, nil
	}
	if torn || lines > 2*len(s.entries)+64 {
		if err := s.rewrite(); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sync state %s: %w", s.path, err)
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	return s, nil
}

// rewrite replaces the journal atomically with one line per live entry, through a temp file
// the mirror's cleanup finds by tmpMarker. The folder's fsync is best effort, as some file
// systems refuse it.
func (s *state) rewrite() error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range s.entries {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("encode sync state: %w", err)
		}
	}
	err := atomicfile.WriteFile(s.path, buf.Bytes(), 0o600, tempPattern(stateFile))
	if err != nil && !errors.Is(err, atomicfile.ErrSyncDir) {
		return err
	}
	return nil
}

func (s *state) lookup(key string) (stateEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	return e, ok
}

// record appends an entry; it reaches the disk at the next flush.
func (s *state) record(e stateEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode sync state for %q: %w", e.Key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[e.Key] = e
	s.dirty = true
	if _, err := s.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("append sync state %s: %w", s.path, err)
	}
	return nil
}

// flush writes buffered entries and fsyncs the journal (group commit: one fsync per batch).
func (s *state) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty || s.f == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write sync state %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("fsync sync state %s: %w", s.path, err)
	}
	s.dirty = false
	return nil
}

// close flushes and closes the journal; later calls do nothing.
func (s *state) close() error {
	if s.f == nil {
		return nil
	}
	err := s.flush()
	if cerr := s.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close sync state %s: %w", s.path, cerr)
	}
	s.f = nil
	return err
}
