package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/flowlog"
)

// manifestVersion changes when the manifest's meaning changes, so old caches are rebuilt.
const manifestVersion = 1

// fileInfo is one generated object and what a baseline needs to know about it.
type fileInfo struct {
	Key     string `json:"key"`     // path below the data root, "/"-separated (the S3 key)
	Header  string `json:"header"`  // its header line; "" when it has none (default format)
	Date    string `json:"date"`    // partition day from the key, yyyy-mm-dd
	Size    int64  `json:"size"`    // bytes on disk (compressed)
	Raw     int64  `json:"raw"`     // bytes decompressed
	Records int64  `json:"records"` // lines that are not the header
}

// dataset is a generated data set in the cache.
type dataset struct {
	Version int        `json:"version"`
	Config  string     `json:"config"` // the generator config, for the reader
	Files   []fileInfo `json:"files"`
	Root    string     `json:"-"` // folder holding the objects
}

func (d *dataset) totals() (records, size, raw int64) {
	for _, f := range d.Files {
		records += f.Records
		size += f.Size
		raw += f.Raw
	}
	return
}

// paths returns the files' absolute paths.
func (d *dataset) paths() []string {
	out := make([]string, len(d.Files))
	for i, f := range d.Files {
		out[i] = filepath.Join(d.Root, filepath.FromSlash(f.Key))
	}
	return out
}

// pathsBySize returns the files' absolute paths, largest first (by the manifest's sizes), which
// balances parallel workers.
func (d *dataset) pathsBySize() []string {
	files := append([]fileInfo(nil), d.Files...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Size > files[j].Size })
	return (&dataset{Root: d.Root, Files: files}).paths()
}

// cacheKey names a generator config: its seed and every field, hashed.
func cacheKey(kind string, cfg flowgen.Config) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("v%d %#v", manifestVersion, cfg)))
	return kind + "-" + hex.EncodeToString(h[:6])
}

func prepareBench(ctx context.Context, cacheDir string, records int, logf func(string, ...any)) (*dataset, error) {
	return prepare(ctx, cacheDir, fmt.Sprintf("bench%d", records), flowgen.Bench(records), logf)
}

// prepare returns the data set of cfg from the cache, generating it (and its manifest) when
// missing. The manifest is written last, so an interrupted generation is redone.
func prepare(ctx context.Context, cacheDir, kind string, cfg flowgen.Config, logf func(string, ...any)) (*dataset, error) {
	dir := filepath.Join(cacheDir, cacheKey(kind, cfg))
	manifest := filepath.Join(dir, "manifest.json")
	root := filepath.Join(dir, "data")
	if b, err := os.ReadFile(manifest); err == nil {
		var d dataset
		if err := json.Unmarshal(b, &d); err == nil && d.Version == manifestVersion {
			d.Root, _ = filepath.Abs(root)
			logf("data: %s from the cache (%s)", kind, dir)
			return &d, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear cache %s: %w", dir, err)
	}
	logf("data: generating %s into %s", kind, dir)
	start := time.Now()
	if _, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(root)); err != nil {
		return nil, fmt.Errorf("generate %s: %w", kind, err)
	}
	logf("data: generated in %.1fs; scanning", time.Since(start).Seconds())
	d, err := scanDir(ctx, root)
	if err != nil {
		return nil, err
	}
	d.Config = fmt.Sprintf("%+v", cfg)
	b, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", manifest, err)
	}
	d.Root, _ = filepath.Abs(root)
	return d, nil
}

// scanDir builds the manifest of the objects below root: header, day and sizes of each.
func scanDir(ctx context.Context, root string) (*dataset, error) {
	var keys []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	sort.Strings(keys)
	d := &dataset{Version: manifestVersion, Files: make([]fileInfo, len(keys))}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for i, k := range keys {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			fi, err := scanFile(root, k)
			d.Files[i] = fi
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return d, nil
}

// countingWriter counts bytes and newlines.
type countingWriter struct{ bytes, lines int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

func scanFile(root, key string) (fileInfo, error) {
	fi := fileInfo{Key: key}
	k, ok := flowlog.ParseKey(key)
	if !ok {
		return fi, fmt.Errorf("%s: not a flow-log key", key)
	}
	fi.Date = k.Date.Format("2006-01-02")
	p := filepath.Join(root, filepath.FromSlash(key))
	f, err := os.Open(p)
	if err != nil {
		return fi, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fi, err
	}
	fi.Size = st.Size()
	r, err := openText(f, p)
	if err != nil {
		return fi, err
	}
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return fi, fmt.Errorf("read %s: %w", p, err)
	}
	line := strings.TrimRight(first, "\r\n")
	var cw countingWriter
	if _, err := io.Copy(&cw, br); err != nil {
		return fi, fmt.Errorf("read %s: %w", p, err)
	}
	fi.Raw = int64(len(first)) + cw.bytes
	fi.Records = cw.lines
	if flowlog.LooksLikeHeader([]byte(line)) {
		fi.Header = line
	} else if line != "" {
		fi.Records++ // the first line was a record
	}
	return fi, nil
}

// openText returns the decompressed text of a .gz file, or the file itself.
func openText(f io.Reader, name string) (io.Reader, error) {
	if !strings.HasSuffix(name, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", name, err)
	}
	return zr, nil
}

// group is the files of one header line and day: one read_csv with explicit columns.
type group struct {
	Header string   `json:"header"` // "" for header-less files (default format)
	Date   string   `json:"date"`
	Files  []string `json:"files"` // absolute paths
}

// fields returns the group's fields in file order.
func (g group) fields() ([]flowlog.Field, error) {
	if g.Header == "" {
		return flowlog.DefaultHeader().Fields, nil
	}
	h, err := flowlog.ParseHeader(g.Header)
	if err != nil {
		return nil, fmt.Errorf("header %q: %w", g.Header, err)
	}
	return h.Fields, nil
}

// groups splits files by header line and day, in a stable order.
func groups(root string, files []fileInfo) []group {
	idx := map[[2]string]int{}
	var out []group
	for _, f := range files {
		k := [2]string{f.Header, f.Date}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, group{Header: f.Header, Date: f.Date})
		}
		out[i].Files = append(out[i].Files, filepath.Join(root, filepath.FromSlash(f.Key)))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].Header < out[j].Header
	})
	return out
}

// subset returns about `records` records' worth of files, chosen in a fixed pseudo-random order
// so that subsets of growing size are nested and each looks like the whole (same mix of sizes,
// formats and layouts).
func subset(files []fileInfo, records int64) []fileInfo {
	order := make([]fileInfo, len(files))
	copy(order, files)
	sort.Slice(order, func(i, j int) bool { return mix(order[i].Key) < mix(order[j].Key) })
	var n int64
	for i, f := range order {
		if n >= records {
			return order[:i]
		}
		n += f.Records
	}
	return order
}

// mix is a stable hash for shuffling (FNV-1a).
func mix(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// linkTree makes dst hold the given files of root at the same relative paths (hard links,
// or copies across file systems), so a subset keeps the S3 key layout.
func linkTree(root, dst string, files []fileInfo) error {
	for _, f := range files {
		src := filepath.Join(root, filepath.FromSlash(f.Key))
		to := filepath.Join(dst, filepath.FromSlash(f.Key))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.Link(src, to); err == nil {
			continue
		}
		if err := copyFile(src, to); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}
