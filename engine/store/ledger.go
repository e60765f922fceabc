package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/atomicfile"
	"github.com/flowq/flowq/engine/flowlog"
)

// Ledger is the commit point of the store: which source files were loaded into which Parquet
// parts. A part not named here is not part of the table.
type Ledger struct {
	Format     int                     `json:"format"`
	Generation uint64                  `json:"generation"`
	NextSource int64                   `json:"next_source"`
	NextBatch  int64                   `json:"next_batch"`
	Sources    map[string]*SourceEntry `json:"sources"` // by absolute path
	Parts      []Part                  `json:"parts"`
	ErrorParts []string                `json:"error_parts"`
	// Columns are the columns present in at least one part, in the order first seen; the view
	// shows later fields and unknown header fields only when present, and fills absent Athena
	// columns with NULL.
	Columns []string `json:"columns"`
	// TableCols are the present columns of the other tables (transit_gateway_flow_logs), by
	// table; see ColumnsOf.
	TableCols map[string][]string `json:"table_columns,omitempty"`
	// Summaries is the version of the summary tables (summary.go) the parts named here are
	// complete and current for; 0 (absent): none are, and the next load builds them.
	Summaries int `json:"summaries,omitempty"`
}

// UnknownColumns are the present columns that are not known flow-log fields (text columns).
func (l *Ledger) UnknownColumns() []string {
	var out []string
	for _, c := range l.Columns {
		if _, known := flowlog.Lookup(c); !known {
			out = append(out, c)
		}
	}
	return out
}

// SourceEntry records one loaded source file.
type SourceEntry struct {
	ID       int64     `json:"id"`
	Path     string    `json:"path"`
	Size     int64     `json:"size"`
	ModTime  int64     `json:"mtime_ns"`
	SHA256   string    `json:"sha256"`
	Rows     int64     `json:"rows"`
	Rejected int64     `json:"rejected"`
	Batch    int64     `json:"batch"`
	Format   string    `json:"format"` // gzip, text or parquet
	Header   string    `json:"header,omitempty"`
	LoadedAt time.Time `json:"loaded_at"`
}

// Part is one live Parquet file of the flow-log table.
type Part struct {
	Path    string  `json:"path"` // relative to the data dir, slash-separated
	Batch   int64   `json:"batch"`
	Sources []int64 `json:"sources"`
}

func newLedger() *Ledger {
	return &Ledger{Format: 1, NextSource: 1, NextBatch: 1, Sources: map[string]*SourceEntry{}}
}

// readLedger reads the ledger and refuses one that names a part outside DATA/tables (a
// tampered ledger would make flowq read, then delete, any Parquet file).
func readLedger(path string) (*Ledger, error) {
	l, err := readLedgerUnchecked(path)
	if err != nil {
		return nil, err
	}
	for _, p := range append(append([]string(nil), l.ErrorParts...), l.partPaths()...) {
		if !confinedPart(p) {
			return nil, fmt.Errorf("ledger %s names part %q outside the data dir's tables folder; run `flowq doctor --fix`", path, p)
		}
	}
	return l, nil
}

func (l *Ledger) partPaths() []string {
	out := make([]string, len(l.Parts))
	for i, p := range l.Parts {
		out[i] = p.Path
	}
	return out
}

// confinedPart reports whether a ledger path names a Parquet file under DATA/tables: relative,
// clean (no "..") and slash-separated.
func confinedPart(p string) bool {
	return !path.IsAbs(p) && path.Clean(p) == p && strings.HasPrefix(p, tablesDir+"/") &&
		!strings.Contains(p, `\`) && strings.HasSuffix(p, ".parquet")
}

func readLedgerUnchecked(path string) (*Ledger, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return newLedger(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ledger %s: %w", path, err)
	}
	l := newLedger()
	if err := json.Unmarshal(b, l); err != nil {
		return nil, fmt.Errorf("ledger %s is damaged: %w", path, err)
	}
	if l.Sources == nil {
		l.Sources = map[string]*SourceEntry{}
	}
	return l, nil
}

// write commits the ledger atomically: temp file, fsync, rename, fsync of the folder.
func (l *Ledger) write(path string) error {
	l.Generation++
	sort.Slice(l.Parts, func(i, j int) bool { return l.Parts[i].Path < l.Parts[j].Path })
	b, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, filePerm, "."+filepath.Base(path)+".tmp-*")
}

// swapParts drops the parts at the given paths and adds others, in memory; write commits it.
func (l *Ledger) swapParts(drop []string, add []Part) {
	gone := make(map[string]bool, len(drop))
	for _, p := range drop {
		gone[p] = true
	}
	kept := l.Parts[:0]
	for _, p := range l.Parts {
		if !gone[p.Path] {
			kept = append(kept, p)
		}
	}
	l.Parts = append(kept, add...)
}

// Files and rows loaded.
func (l *Ledger) Totals() (files int, rows, rejected int64) {
	for _, s := range l.Sources {
		files++
		rows += s.Rows
		rejected += s.Rejected
	}
	return
}
