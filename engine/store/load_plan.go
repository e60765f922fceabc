package store

// Load step 1 and 2: plan (which files to load, skip or replace) and sniff (format and header).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/flowlog"
	"golang.org/x/sync/errgroup"
)

// collectFiles expands folders into the flow-log files under them, skipping hidden entries.
func collectFiles(ctx context.Context, paths []string, dataDir string) ([]string, []FileError) {
	var out []string
	var errs []FileError
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			errs = append(errs, FileError{p, err})
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			errs = append(errs, FileError{p, err})
			continue
		}
		if !info.IsDir() {
			add(abs)
			continue
		}
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, FileError{path, err})
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			name := d.Name()
			if path != abs && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				// Never load the store's own tables as sources.
				if path == filepath.Join(dataDir, tablesDir) || path == filepath.Join(dataDir, stagingDir) || path == filepath.Join(dataDir, quarantineDir) {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && looksLikeDelivery(name) {
				add(path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, FileError{p, err})
		}
	}
	sort.Strings(out)
	return out, errs
}

// looksLikeDelivery picks flow-log files out of a folder walk by name; a file named on the
// command line is always tried.
func looksLikeDelivery(name string) bool {
	for _, ext := range []string{".log.gz", ".log", ".gz", ".parquet", ".txt"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// plan decides, per file, whether to skip it (loaded, unchanged), skip it as a duplicate of
// another loaded file, or load it (new or changed); and sniffs the files to load.
func (l *loader) plan(ctx context.Context, files []string) ([]*candidate, error) {
	led, sum := l.led, &l.sum
	cands := make([]*candidate, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.opts.Workers)
	for i, p := range files {
		i, p := i, p
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			cands[i] = planFile(led, p)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	bySHA := make(map[string]*SourceEntry, len(led.Sources))
	for _, e := range led.Sources {
		bySHA[e.SHA256+"/"+fmt.Sprint(e.Size)] = e
	}
	var todo []*candidate
	for _, c := range cands {
		if c.res.Fatal != nil {
			l.fail(c.path, c.res.Fatal)
			continue
		}
		prev := led.Sources[c.path]
		if prev != nil && prev.SHA256 == c.sha && prev.Size == c.size {
			prev.ModTime = c.mtime
			sum.Skipped++
			continue
		}
		if other := bySHA[c.sha+"/"+fmt.Sprint(c.size)]; other != nil && other.Path != c.path {
			sum.Duplicates++
			continue
		}
		bySHA[c.sha+"/"+fmt.Sprint(c.size)] = &SourceEntry{Path: c.path}
		c.old = prev
		if c.sniffErr != nil {
			l.fail(c.path, c.sniffErr)
			continue
		}
		todo = append(todo, c)
	}
	// Files of one column layout load together.
	sort.SliceStable(todo, func(i, j int) bool {
		return todo[i].group < todo[j].group
	})
	return todo, nil
}

// planFile stats a file and, unless the ledger has it with the same size and mtime, hashes it;
// a file that may load is sniffed here, in parallel.
func planFile(led *Ledger, p string) *candidate {
	c := &candidate{path: p}
	info, err := os.Stat(p)
	if err != nil {
		c.res.Fatal = err
		return c
	}
	c.size, c.mtime = info.Size(), info.ModTime().UnixNano()
	if e := led.Sources[p]; e != nil && e.Size == c.size && e.ModTime == c.mtime {
		c.sha = e.SHA256 // unchanged: skip without reading
		return c
	}
	if c.sha, err = fileSHA256(p); err != nil {
		c.res.Fatal = err
		return c
	}
	if e := led.Sources[p]; e == nil || e.SHA256 != c.sha || e.Size != c.size {
		c.sniffErr = sniff(c)
	}
	return c
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sniff detects the file's format by content and reads its header.
func sniff(c *candidate) error {
	c.key, c.hasKey = flowlog.ParseKey(filepath.ToSlash(c.path))
	if c.size == 0 {
		return errors.New("empty file (0 bytes): not a flow-log delivery")
	}
	f, err := os.Open(c.path)
	if err != nil {
		return err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if n == 4 && string(magic) == "PAR1" {
		c.kind = "parquet"
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	lr, err := newSniffReader().open(f)
	if err != nil {
		return fmt.Errorf("not a readable flow-log file: %w", err)
	}
	c.kind = "text"
	if n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		c.kind = "gzip"
	}
	line, full, err := lr.next()
	if err != nil && err != io.EOF {
		return fmt.Errorf("line 1: %w", describeReadErr(err))
	}
	if full == 0 {
		return errors.New("no lines: not a flow-log delivery")
	}
	if full <= maxLine && flowlog.LooksLikeHeader(line) {
		h, err := flowlog.ParseHeader(string(bytes.TrimRight(line, "\r\n")))
		if err == nil {
			h, err = renameReserved(h)
		}
		if err != nil {
			return fmt.Errorf("line 1: bad header: %w", err)
		}
		c.header, c.hasHdr = h, true
	} else {
		c.header = flowlog.DefaultHeader()
		// A header-less file must at least start with a default-format record; anything else
		// (an HTML error page, JSON) is not a flow log at all.
		if _, err := c.header.ParseLine(line, nil); full > maxLine || err != nil {
			return fmt.Errorf("line 1: not a flow-log header or default-format record: %q", rawText(line[:min(len(line), 80)]))
		}
	}
	c.cols = groupColumns(c.header)
	c.group = strings.Join(c.cols, ",")
	return nil
}
