package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/flowq/flowq/engine/store"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// smallDisk is a size-limited file system for the data dir: a tmpfs filled up to leave a chosen
// number of bytes free, or, where mounting is not permitted, a per-file size limit
// (RLIMIT_FSIZE via prlimit) on each flowq process.
type smallDisk struct {
	t      *testing.T
	dir    string // mount point
	tmpfs  bool
	filler string
}

func newSmallDisk(t *testing.T, e *env) *smallDisk {
	t.Helper()
	dir := filepath.Join(e.root, "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	d := &smallDisk{t: t, dir: dir, filler: filepath.Join(dir, "filler")}
	err := fmt.Errorf("FLOWQ_E2E_NO_MOUNT is set")
	if os.Getenv("FLOWQ_E2E_NO_MOUNT") == "" {
		err = syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8m,mode=0700")
	}
	if err == nil {
		d.tmpfs = true
		t.Cleanup(func() {
			if err := syscall.Unmount(dir, 0); err != nil {
				t.Errorf("unmounting %s: %v", dir, err)
			}
		})
	} else {
		t.Logf("mounting a tmpfs: %v; limiting file sizes with prlimit instead", err)
	}
	e.data = filepath.Join(dir, "data")
	for i, v := range e.vars {
		if strings.HasPrefix(v, "FLOWQ_DATA_DIR=") {
			e.vars[i] = "FLOWQ_DATA_DIR=" + e.data
		}
	}
	// The store exists before the disk fills, as newEnv's does: the runs under test only commit.
	if _, err := store.Create(context.Background(), e.data); err != nil {
		t.Fatal(err)
	}
	return d
}

// leave fills the disk so that only free bytes are left (tmpfs), or limits every file flowq
// writes to free bytes (prlimit).
func (d *smallDisk) leave(e *env, free int64) {
	d.t.Helper()
	if !d.tmpfs {
		e.wrap = []string{"prlimit", fmt.Sprintf("--fsize=%d", free), "--"}
		return
	}
	os.Remove(d.filler)
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.dir, &st); err != nil {
		d.t.Fatal(err)
	}
	avail := int64(st.Bavail) * st.Bsize
	if n := avail - free; n > 0 {
		if err := os.WriteFile(d.filler, make([]byte, n), 0o600); err != nil {
			d.t.Fatalf("filling %s: %v", d.dir, err)
		}
	}
}

// release frees the space again.
func (d *smallDisk) release(e *env) {
	e.wrap = nil
	os.Remove(d.filler)
}

// checkNothingHalfWritten asserts a failed writer left the committed state as it was: the
// ledger byte for byte, the parts it names, the rows it accounts for, and no staging folder or
// temp ledger.
func checkNothingHalfWritten(t *testing.T, e *env, ledgerBefore []byte) {
	t.Helper()
	now, _ := os.ReadFile(filepath.Join(e.data, "ledger.json"))
	if !bytes.Equal(now, ledgerBefore) {
		t.Errorf("the failed run changed ledger.json (%d bytes before, %d after)", len(ledgerBefore), len(now))
	}
	checkCommitted(t, e)
	if fileExists(filepath.Join(e.data, "staging")) {
		t.Errorf("staging folder left behind")
	}
	ents, _ := os.ReadDir(e.data)
	for _, de := range ents {
		if strings.Contains(de.Name(), ".tmp") {
			t.Errorf("temp file left in the data dir: %s", de.Name())
		}
	}
}

func TestDiskFullDuringLoad(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	disk := newSmallDisk(t, e)
	src := d.copyTo(t, filepath.Join(e.root, "src"), nil)
	// A first, successful load of one account's files, so later failures have a ledger to keep.
	var first []string
	for _, k := range d.mem.Keys() {
		if strings.Contains(k, "/012345678901/") {
			first = append(first, filepath.Join(src, filepath.FromSlash(k)))
		}
	}
	e.ok(append([]string{"load"}, first...)...)
	// Then the rest with less and less room, until it fits: each failure must be clean.
	failures := 0
	for _, free := range []int64{8 << 10, 64 << 10, 160 << 10, 256 << 10, 384 << 10, 512 << 10, 768 << 10} {
		before, _ := os.ReadFile(filepath.Join(e.data, "ledger.json"))
		disk.leave(e, free)
		r := e.run("load", src)
		disk.release(e)
		if r.code == 0 {
			t.Logf("%d KiB free: the load fitted", free>>10)
			break
		}
		failures++
		msg := strings.ToLower(r.stderr)
		if r.code != 1 || !(strings.Contains(msg, "no space left on device") || strings.Contains(msg, "file too large")) {
			t.Errorf("%d KiB free: want exit 1 and a clear disk-full error:\n%s", free>>10, r)
		}
		t.Logf("%d KiB free: %s", free>>10, lastLine(r.stderr))
		checkNothingHalfWritten(t, e, before)
	}
	if failures == 0 {
		t.Fatal("no load ran out of space")
	}
	// Space freed: a re-run converges.
	e.ok("load", src)
	checkTable(t, e, d, src)
}

func TestDiskFullDuringSync(t *testing.T) {
	d := smallData(t)
	f := newFakeS3(t, "e2e-diskfull")
	f.seed(t, d)
	e := newEnv(t)
	disk := newSmallDisk(t, e)
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)
	failures := 0
	for _, free := range []int64{16 << 10, 96 << 10, 224 << 10, 512 << 10} {
		before, _ := os.ReadFile(filepath.Join(e.data, "ledger.json"))
		disk.leave(e, free)
		r := e.run(f.syncArgs()...)
		disk.release(e)
		if r.code == 0 {
			t.Logf("%d KiB free: the sync fitted", free>>10)
			break
		}
		failures++
		msg := strings.ToLower(r.stderr)
		if (r.code != 1 && r.code != 3) || !(strings.Contains(msg, "no space left on device") || strings.Contains(msg, "file too large")) {
			t.Errorf("%d KiB free: want exit 1 or 3 and a clear disk-full error:\n%s", free>>10, r)
		}
		t.Logf("%d KiB free: exit %d: %s", free>>10, r.code, lastLine(r.stderr))
		checkNothingHalfWritten(t, e, before)
		// Every file under its final name is a complete object, and no temp download is left.
		checkMirror(t, mirror, d, false)
		filepath.WalkDir(mirror, func(p string, de fs.DirEntry, err error) error {
			if err == nil && strings.Contains(de.Name(), ".flowq-tmp-") {
				t.Errorf("temp download left after a failed (not killed) run: %s", p)
			}
			return nil
		})
	}
	if failures == 0 {
		t.Fatal("no sync ran out of space")
	}
	e.ok(f.syncArgs()...)
	checkMirror(t, mirror, d, true)
	checkTable(t, e, d, mirror)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
