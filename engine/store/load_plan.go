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

// collected is what the named paths expand to: files to consider, paths that failed
// (unreadable, not a regular file), and files a folder walk left out, each with the reason.
type collected struct {
	files   []string
	failed  []FileError
	leftOut []FileError
	seen    map[string]bool
}

func (c *collected) add(p string) {
	if !c.seen[p] {
		c.seen[p] = true
		c.files = append(c.files, p)
	}
}

// collectFiles expands folders into the flow-log files under them. Only regular files are
// read (a FIFO or a device would block or never end); a link to a file counts as the file.
func collectFiles(ctx context.Context, paths []string, dataDir string) collected {
	col := collected{seen: map[string]bool{}}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			col.failed = append(col.failed, FileError{p, err})
			continue
		}
		info, err := os.Stat(abs)
		switch {
		case err != nil:
			col.failed = append(col.failed, FileError{p, err})
		case info.IsDir():
			if err := walkFolder(ctx, abs, dataDir, &col); err != nil {
				col.failed = append(col.failed, FileError{p, err})
			}
		case !info.Mode().IsRegular():
			col.failed = append(col.failed, FileError{abs, notRegular(info.Mode())})
		default:
			col.add(abs)
		}
	}
	sort.Strings(col.files)
	sort.Slice(col.leftOut, func(i, j int) bool { return col.leftOut[i].Path < col.leftOut[j].Path })
	return col
}

func notRegular(m fs.FileMode) error {
	kind := "special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe"
	case m&fs.ModeCharDevice != 0:
		kind = "character device"
	case m&fs.ModeDevice != 0:
		kind = "device"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	}
	return fmt.Errorf("not a regular file (%s): only regular files are loaded", kind)
}

// walkFolder adds the flow-log files under root: the syncs' own files, hidden folders and the
// store's own folders are skipped; links to files are followed, links to folders are not (no loops); a file is a
// flow log by its name (any case, rotated ".1" suffixes included) or else by its content.
// Every other file is reported as left out.
func walkFolder(ctx context.Context, root, dataDir string, col *collected) error {
	leave := func(path, why string) {
		col.leftOut = append(col.leftOut, FileError{path, errors.New("left out: " + why)})
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			col.failed = append(col.failed, FileError{path, err})
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path != root && flowqOwn(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != root && d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			leave(path, "hidden folder (not searched)")
			return fs.SkipDir
		}
		if d.IsDir() {
			// Never load the store's own tables as sources.
			switch path {
			case filepath.Join(dataDir, tablesDir), filepath.Join(dataDir, stagingDir), filepath.Join(dataDir, quarantineDir):
				return fs.SkipDir
			}
			return nil
		}
		typ := d.Type()
		if typ&fs.ModeSymlink != 0 {
			info, err := os.Stat(path)
			if err != nil {
				col.failed = append(col.failed, FileError{path, fmt.Errorf("broken link: %w", err)})
				return nil
			}
			if info.IsDir() {
				leave(path, "link to a folder (not followed)")
				return nil
			}
			typ = info.Mode().Type()
		}
		switch {
		case !typ.IsRegular():
			leave(path, notRegular(typ).Error())
		case looksLikeDelivery(d.Name()) || sniff(&candidate{path: path, size: 1}) == nil:
			col.add(path)
		default:
			leave(path, "not a flow-log file (by name or content)")
		}
		return nil
	})
}

// flowqOwn reports whether a hidden name is one of the syncs' own state, lock or temp files
// (".flowq-sync-state.jsonl", ".NAME.flowq-tmp-RAND", ".cwsync/", ".tmp-…", atomicfile's
// ".NAME.tmp-RAND"): skipped unreported.
// Other hidden files are considered like any file (S3 object names may start with a dot).
func flowqOwn(name string) bool {
	return strings.HasPrefix(name, ".") && (strings.HasPrefix(name, ".flowq-") || strings.Contains(name, ".tmp-") ||
		strings.Contains(name, ".flowq-tmp-") || name == ".cwsync")
}

// looksLikeDelivery picks flow-log files out of a folder walk by name, in any case and with a
// rotation suffix (".1"); other files are sniffed. A file named on the command line is always
// tried.
func looksLikeDelivery(name string) bool {
	name = strings.ToLower(name)
	if i := strings.LastIndexByte(name, '.'); i > 0 && isDigits(name[i+1:]) {
		name = name[:i]
	}
	for _, ext := range []string{".log.gz", ".log", ".gz", ".parquet", ".txt"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
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
			cands[i] = planFile(gctx, led, p)
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
func planFile(ctx context.Context, led *Ledger, p string) *candidate {
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
	if c.sha, err = fileSHA256(ctx, p); err != nil {
		c.res.Fatal = err
		return c
	}
	if e := led.Sources[p]; e == nil || e.SHA256 != c.sha || e.Size != c.size {
		c.sniffErr = sniff(c)
	}
	return c
}

func fileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
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
	if full <= maxLine && flowlog.LooksLikeAnyHeader(line) {
		h, typ, err := parseDeliveryHeader(string(bytes.TrimRight(line, "\r\n")), filepath.ToSlash(c.path))
		if err != nil {
			return fmt.Errorf("line 1: bad header: %w", err)
		}
		c.header, c.hasHdr, c.typ = h, true, typ
		if typ == flowlog.TransitGateway {
			// Transit gateway deliveries also use AWS's "service=vpcflowlogs" Hive folder.
			c.key, c.hasKey = flowlog.ParseTGWKey(filepath.ToSlash(c.path))
		}
	} else {
		c.header = flowlog.DefaultHeader()
		// A header-less file must at least start with a default-format record; anything else
		// (an HTML error page, JSON) is not a flow log at all.
		if _, err := c.header.ParseLine(line, nil); full > maxLine || err != nil {
			return fmt.Errorf("line 1: not a flow-log header or default-format record: %q", rawText(line[:min(len(line), 80)]))
		}
	}
	c.cols = groupColumnsOf(c.typ, c.header)
	c.group = groupKey(c.typ, c.cols)
	return nil
}

// ctxReader ends a read with the context's error once it is cancelled, so SIGTERM stops a load
// reading a large (or endless) file within one buffer.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
