package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/iostreams"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
)

// factory holds what commands share: streams, global flags and how to open the store. Its
// methods are all in this file.
type factory struct {
	IO      *iostreams.IOStreams
	DataDir string
	Debug   bool
	// QueryDirs are --queries folders that add to or override the saved queries.
	QueryDirs []string
	// MemoryLimit is --memory-limit: the query sessions' memory bound ("" = FLOWQ_MEMORY_LIMIT,
	// else store.DefaultMemoryLimit).
	MemoryLimit string
	// Getenv reads the environment (FLOWQ_MEMORY_LIMIT); tests replace it.
	Getenv func(string) string
	// Now is the clock relative times (--since 7d) are read against; tests fix it.
	Now func() time.Time
	// warned: the store's warnings were printed already.
	warned bool
}

func newFactory(io *iostreams.IOStreams) *factory {
	return &factory{IO: io, Getenv: os.Getenv, Now: func() time.Time { return time.Now().UTC() }}
}

// dataDir is the data directory chosen by --data-dir, FLOWQ_DATA_DIR or the XDG default.
func (f *factory) dataDir() (string, error) {
	if f.DataDir != "" {
		return f.DataDir, nil
	}
	return store.DefaultDir()
}

// Store opens the data directory for reading: it must hold loaded data. A missing one is a
// usage error (exit 2), so a mistyped --data-dir never answers "no rows" with success.
func (f *factory) Store(ctx context.Context) (*store.Store, error) {
	dir, err := f.dataDir()
	if err != nil {
		return nil, err
	}
	st, err := store.OpenExisting(ctx, dir)
	if errors.Is(err, store.ErrNoData) {
		return nil, usageErr("%v (run flowq load/sync first, or check --data-dir / FLOWQ_DATA_DIR)", err)
	}
	if err != nil {
		return nil, err
	}
	f.warn(st)
	return st, nil
}

// StoreForWrite opens the data directory, creating it: only load, sync and demo may.
func (f *factory) StoreForWrite(ctx context.Context) (*store.Store, error) {
	dir, err := f.dataDir()
	if err != nil {
		return nil, err
	}
	st, err := store.Create(ctx, dir)
	if err != nil {
		return nil, err
	}
	f.warn(st)
	return st, nil
}

// warn prints what Open noticed (a data dir others can open) once per process.
func (f *factory) warn(st *store.Store) {
	if f.warned {
		return
	}
	f.warned = true
	for _, w := range st.Warnings() {
		fmt.Fprintln(f.IO.ErrOut, "warning:", w)
	}
}

// Debugf writes a debug message to stderr when --debug is set.
func (f *factory) Debugf(format string, args ...any) {
	if f.Debug {
		fmt.Fprintf(f.IO.ErrOut, "debug: "+format+"\n", args...)
	}
}

// catalog loads the saved queries: built-in, the user's folder, then --queries folders.
func (f *factory) catalog() (*savedquery.Catalog, error) {
	c, err := savedquery.DefaultCatalog(f.QueryDirs...)
	if err != nil {
		return nil, err
	}
	for _, e := range c.Errors() {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", e)
	}
	return c, nil
}

// progress returns a bar for counts of bytes or of items, or nil when not on a terminal.
func (f *factory) progress(bytes bool) *progress {
	if !f.IO.ShowProgress() {
		return nil
	}
	return &progress{f: f, bytes: bytes}
}

// printJSON is every command's --json: v indented on stdout.
func (f *factory) printJSON(v any) error {
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// openSession opens a query session in a dialect (athena or duckdb) with its compatibility
// layer and the user's declared Athena table names: the session rewrites every statement it
// runs from that dialect.
func (f *factory) openSession(ctx context.Context, readOnly bool, name string) (*store.Session, error) {
	d, err := dialect(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	tables, err := compat.DefaultTables()
	if err != nil {
		return nil, err
	}
	aliasFile, _ := compat.AliasFile() // only named in hints; no file is no aliases
	limit, err := f.memoryLimit()
	if err != nil {
		return nil, err
	}
	return st.OpenSession(ctx, store.SessionOptions{Init: sessionInit(d, st.Dir()), Dialect: d, ReadOnly: readOnly,
		Tables: tables, AliasFile: aliasFile, MemoryLimit: limit, Progress: f.queryProgress()})
}

// memoryLimit is the sessions' memory limit: --memory-limit, else FLOWQ_MEMORY_LIMIT, else ""
// (the store's default). A bad value is a usage error naming where it came from.
func (f *factory) memoryLimit() (string, error) {
	v, from := f.MemoryLimit, "--memory-limit"
	if v == "" && f.Getenv != nil {
		v, from = f.Getenv("FLOWQ_MEMORY_LIMIT"), "FLOWQ_MEMORY_LIMIT"
	}
	if v == "" {
		return "", nil
	}
	l, err := store.ParseMemoryLimit(v)
	if err != nil {
		return "", usageErr("%s: %v", from, err)
	}
	return l, nil
}
