package cwsync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/atomicfile"
)

// stateDir holds per-stream state and journals inside a log group's folder; the leading dot
// keeps the loader from reading it.
const stateDir = ".cwsync"

// span is a half-open range of event times in milliseconds, [Lo, Hi).
type span struct {
	Lo int64 `json:"lo"`
	Hi int64 `json:"hi"`
}

// seen identifies an event written to the mirror: its CloudWatch event id (FilterLogEvents
// gives one, GetLogEvents does not) and a digest of its time, ingestion time and message.
type seen struct {
	T  int64  `json:"t"`
	ID string `json:"id,omitempty"`
	H  string `json:"h"`
}

// streamState is what one stream has synced. Covered spans were fetched completely; the
// newest one's last Overlap is fetched again on every run, and Recent lists the events
// written in that tail so a re-fetch writes none of them twice.
type streamState struct {
	Version int    `json:"version"`
	Stream  string `json:"stream"`
	Covered []span `json:"covered"`
	Recent  []seen `json:"recent"`
	Written int64  `json:"written"` // events written over all runs
}

func statePath(groupDir, stream string) string {
	return filepath.Join(groupDir, stateDir, EscapeName(stream)+".state.json")
}

func journalPath(groupDir, stream string) string {
	return filepath.Join(groupDir, stateDir, EscapeName(stream)+".journal")
}

func readState(groupDir, stream string) (*streamState, error) {
	p := statePath(groupDir, stream)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &streamState{Version: 1, Stream: stream}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read stream state %s: %w", p, err)
	}
	var st streamState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("stream state %s is corrupt (delete it to re-sync the stream): %w", p, err)
	}
	if st.Stream != stream {
		return nil, fmt.Errorf("stream state %s belongs to stream %q, not %q", p, st.Stream, stream)
	}
	return &st, nil
}

func writeState(groupDir string, st *streamState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode stream state of %s: %w", st.Stream, err)
	}
	return writeFileAtomicThen(statePath(groupDir, st.Stream), data, nil)
}

// addSpan merges s into a sorted list of disjoint spans.
func addSpan(list []span, s span) []span {
	if s.Hi <= s.Lo {
		return list
	}
	out := make([]span, 0, len(list)+1)
	for _, c := range list {
		switch {
		case c.Hi < s.Lo || c.Lo > s.Hi:
			out = append(out, c)
		default:
			s.Lo, s.Hi = min(s.Lo, c.Lo), max(s.Hi, c.Hi)
		}
	}
	out = append(out, s)
	sort.Slice(out, func(i, j int) bool { return out[i].Lo < out[j].Lo })
	return out
}

// windows returns the parts of want not covered yet, in time order. The newest covered span
// counts only up to its Hi-overlap: its tail is fetched again to catch late events.
func windows(covered []span, want span, overlap int64) []span {
	cov := append([]span(nil), covered...)
	if n := len(cov); n > 0 {
		cov[n-1].Hi -= overlap
		if cov[n-1].Hi <= cov[n-1].Lo {
			cov = cov[:n-1]
		}
	}
	var out []span
	at := want.Lo
	for _, c := range cov {
		if c.Hi <= at || c.Lo >= want.Hi {
			continue
		}
		if c.Lo > at {
			out = append(out, span{at, min(c.Lo, want.Hi)})
		}
		at = max(at, c.Hi)
		if at >= want.Hi {
			break
		}
	}
	if at < want.Hi {
		out = append(out, span{at, want.Hi})
	}
	return out
}

// dedupe answers whether an event was already written. Event ids are authoritative when both
// sides have one; otherwise (GetLogEvents, or a state written by it) the digest decides.
type dedupe struct {
	ids     map[string]bool
	hashes  map[string]bool // digests of events written without an id
	anyHash map[string]bool // digests of all events
}

func newDedupe() *dedupe {
	return &dedupe{ids: map[string]bool{}, hashes: map[string]bool{}, anyHash: map[string]bool{}}
}

func (d *dedupe) add(s seen) {
	if s.ID != "" {
		d.ids[s.ID] = true
	} else {
		d.hashes[s.H] = true
	}
	d.anyHash[s.H] = true
}

func (d *dedupe) has(s seen) bool {
	if s.ID != "" {
		return d.ids[s.ID] || d.hashes[s.H]
	}
	return d.anyHash[s.H]
}

// journalEntry is appended before a file is renamed into place, so a crash between writing
// files and saving the stream state leaves a record of the events those files hold.
type journalEntry struct {
	Path   string `json:"path"`
	Events []seen `json:"events"`
}

// readJournal returns the entries whose files made it into place; a torn last line (crash
// mid-append) is ignored, as its file was never renamed.
func readJournal(groupDir, stream string) ([]journalEntry, error) {
	p := journalPath(groupDir, stream)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal %s: %w", p, err)
	}
	var out []journalEntry
	for line := range bytes.Lines(data) {
		var e journalEntry
		if json.Unmarshal(bytes.TrimSpace(line), &e) != nil || e.Path == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(groupDir, filepath.FromSlash(e.Path))); err == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// journal appends entries for one stream's run.
type journal struct {
	path string
	f    *os.File
}

func openJournal(groupDir, stream string) (*journal, error) {
	p := journalPath(groupDir, stream)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, fmt.Errorf("create state folder %s: %w", filepath.Dir(p), err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", p, err)
	}
	// Start on a fresh line in case the last append was torn.
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		if _, err := f.WriteString("\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("append journal %s: %w", p, err)
		}
	}
	return &journal{path: p, f: f}, nil
}

func (j *journal) append(e journalEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode journal entry for %s: %w", e.Path, err)
	}
	w := bufio.NewWriter(j.f)
	w.Write(data)
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		return fmt.Errorf("append journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }

// remove deletes the journal once the stream state records everything it listed.
func (j *journal) remove() error {
	j.f.Close()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove journal %s: %w", j.path, err)
	}
	return nil
}

// writeFileAtomicThen creates path's folder and replaces path atomically (atomicfile) with a
// hidden temp file that cleanTemps finds by tempPrefix, running beforeRename once the data is
// durable (the sync journals the file there). The folder's fsync is best effort, as some file
// systems refuse it.
func writeFileAtomicThen(path string, data []byte, beforeRename func() error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	err := atomicfile.WriteFileThen(path, data, 0o600, tempPrefix+filepath.Base(path)+".*", beforeRename)
	if err != nil && !errors.Is(err, atomicfile.ErrSyncDir) {
		return err
	}
	return nil
}

// tempPrefix marks files a crashed run may leave; hidden, so the loader never reads them.
const tempPrefix = ".tmp-"

// cleanTemps removes temp files left in a log group's folder by a crashed run.
func cleanTemps(groupDir string) error {
	err := filepath.WalkDir(groupDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), tempPrefix) {
			if err := os.Remove(path); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clean temp files in %s: %w", groupDir, err)
	}
	return nil
}
