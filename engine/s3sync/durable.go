package s3sync

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/flowq/flowq/engine/atomicfile"
)

// folderGate holds journal entries back until the renames they stand for are durable.
//
// A file renamed into a folder survives a power cut only once the folder is fsynced, and a
// new folder only once its parent is. The journal must never name a file the disk may lose,
// so a finished object's entry waits here until its folder is done: when the last of the
// run's objects in that folder has finished (downloaded, adopted or failed), the folder is
// fsynced once, then the parents of folders this run created, and only then are its entries
// written to the journal, whose group commit (downloader.run) fsyncs them later. The listing
// is sorted by key, so folders finish one after another and entries reach the journal as
// the run goes, at the cost of one folder fsync per folder per run, not one per file.
// One goroutine does the fsyncs and journal appends, in order, so no worker waits on a disk
// flush. Entries of a run cut short (cancel, stop) are released when the workers have stopped.
type folderGate struct {
	mu      sync.Mutex
	left    map[string]int          // unfinished objects of this run, by folder
	waiting map[string][]stateEntry // finished objects' entries, by folder
	parents map[string]bool         // parents of folders this run created; true once fsynced since

	ready chan released // folders to fsync and journal, for the releasing goroutine
	err   error         // first journal write error (the releasing goroutine's)
}

type released struct {
	dir     string
	entries []stateEntry
}

func newFolderGate(todo []Object) *folderGate {
	g := &folderGate{left: map[string]int{}, waiting: map[string][]stateEntry{}, parents: map[string]bool{}}
	for _, o := range todo {
		g.left[filepath.Dir(o.Path)]++
	}
	return g
}

// mkdir creates dir (within mirror) and notes the parent of every folder it had to create.
// Creation is serialised so that a folder found existing was noted by whoever created it.
func (g *folderGate) mkdir(mirror, dir string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var missing []string
	for p := dir; len(p) > len(mirror); p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		missing = append(missing, p)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, p := range missing {
		g.parents[filepath.Dir(p)] = false // (again) needs an fsync before entries below it
	}
	return nil
}

// done marks one object of dir finished, with its journal entry when it succeeded; the last
// one releases the folder.
func (d *downloader) done(dir string, e *stateEntry) {
	g := d.gate
	g.mu.Lock()
	if e != nil {
		g.waiting[dir] = append(g.waiting[dir], *e)
	}
	g.left[dir]--
	var ready []stateEntry
	if g.left[dir] <= 0 {
		ready = g.waiting[dir]
		delete(g.waiting, dir)
		delete(g.left, dir)
	}
	g.mu.Unlock()
	if len(ready) > 0 {
		g.ready <- released{dir, ready}
	}
}

// startReleaser starts the goroutine that fsyncs finished folders and journals their
// entries. The returned finish, called once the workers have stopped, releases the folders a
// stopped run left unfinished, waits for the goroutine and returns the first journal error.
func (d *downloader) startReleaser() (finish func() error) {
	g := d.gate
	g.ready = make(chan released, 64)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for r := range g.ready {
			d.releaseFolder(r.dir, r.entries)
		}
	}()
	return func() error {
		g.mu.Lock()
		rest := g.waiting
		g.waiting = map[string][]stateEntry{}
		g.mu.Unlock()
		for dir, entries := range rest {
			if len(entries) > 0 {
				g.ready <- released{dir, entries}
			}
		}
		close(g.ready)
		<-stopped
		return g.err
	}
}

// releaseFolder fsyncs dir and the parents of new folders, then journals the entries.
// A folder fsync that fails is reported on the debug writer and the entries are journaled
// all the same: some file systems refuse to fsync a folder (as the journal's own rewrite
// accepts), and withholding entries there would make every run fetch everything again.
func (d *downloader) releaseFolder(dir string, entries []stateEntry) {
	g := d.gate
	syncDir := d.opts.syncDir
	if syncDir == nil {
		syncDir = atomicfile.SyncDir
	}
	if err := syncDir(dir); err != nil {
		d.dbg.Printf("%v (the folder's new files may not survive a power cut)", err)
	}
	g.mu.Lock()
	var parents []string
	for p, synced := range g.parents {
		if !synced {
			parents = append(parents, p)
			g.parents[p] = true // claimed: a folder created from now on resets it
		}
	}
	g.mu.Unlock()
	for _, p := range parents {
		if err := syncDir(p); err != nil {
			d.dbg.Printf("%v (new folders in it may not survive a power cut)", err)
		}
	}
	for _, e := range entries {
		if err := d.st.record(e); err != nil && g.err == nil {
			g.err = err
		}
	}
}
