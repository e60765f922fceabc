package flowgen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Sink receives generated objects. Put may be called from several goroutines at once.
type Sink interface {
	Put(ctx context.Context, key string, data []byte) error
}

// dirSink writes each key as a file below root.
type dirSink struct{ root string }

// DirSink returns a Sink that writes key K to root/K, creating folders as needed. Each file is
// written to a temporary name and renamed, so a reader never sees a half-written object.
func DirSink(root string) Sink { return dirSink{root: root} }

func (d dirSink) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path := filepath.Join(d.root, filepath.FromSlash(key))
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("flowgen: create folder for %s: %w", key, err)
	}
	f, err := os.CreateTemp(dir, ".flowgen-*")
	if err != nil {
		return fmt.Errorf("flowgen: write %s: %w", key, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("flowgen: write %s: %w", key, werr)
	}
	return nil
}

// MemSink keeps objects in memory: for tests and for seeding a test S3 server.
type MemSink struct {
	mu   sync.Mutex
	objs map[string][]byte
}

// NewMemSink returns an empty in-memory sink.
func NewMemSink() *MemSink { return &MemSink{objs: map[string][]byte{}} }

// Put stores a copy of data under key.
func (m *MemSink) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.objs == nil {
		m.objs = map[string][]byte{}
	}
	m.objs[key] = append([]byte(nil), data...)
	return nil
}

// Get returns the object stored under key.
func (m *MemSink) Get(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	return b, ok
}

// Keys returns the stored keys in sorted order.
func (m *MemSink) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.objs))
	for k := range m.objs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Len returns the number of stored objects.
func (m *MemSink) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.objs)
}
