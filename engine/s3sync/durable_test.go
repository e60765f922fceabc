package s3sync

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSyncFsyncsEachFolderOnceBeforeJournaling checks the folder fsyncs of a run: each folder
// that received files is fsynced once (not once per file), before the journal on disk names
// any of its files, and the parents of new folders are fsynced too; a no-op run fsyncs nothing.
func TestSyncFsyncsEachFolderOnceBeforeJournaling(t *testing.T) {
	f := newFakeS3(t)
	seed := seedLayouts(f)
	api := f.client(t, nil)
	mirror := t.TempDir()
	ctx := context.Background()

	var mu sync.Mutex
	synced := map[string]int{}
	firstRun := true // later runs start with a journal that names the folder's other files
	opts := testOpts(mirror)
	opts.syncDir = func(dir string) error {
		// The journal on disk must not name a file in dir yet. (The group commit runs every
		// 200 ms; a slow listing below makes sure it has run while folders are released.)
		mu.Lock()
		check := firstRun
		mu.Unlock()
		journal, _ := os.ReadFile(filepath.Join(mirror, stateFile))
		for line := range strings.Lines(string(journal)) {
			for _, o := range seed {
				if check && strings.Contains(line, `"`+o.key+`"`) && filepath.Dir(filepath.Join(mirror, o.key)) == dir {
					t.Errorf("journal names %s before its folder was fsynced", o.key)
				}
			}
		}
		mu.Lock()
		synced[dir]++
		mu.Unlock()
		return nil
	}
	f.SetLatency(5 * time.Millisecond) // 5 ms per request: the run spans several group commits
	res, err := Sync(ctx, api, opts)
	if err != nil || res.Downloaded != len(seed) {
		t.Fatalf("first sync: %s %v", summary(res), err)
	}

	leaves := map[string]bool{}
	for _, o := range seed {
		leaves[filepath.Dir(filepath.Join(mirror, o.key))] = true
	}
	created := 0 // every folder below the mirror was created by this run
	filepath.WalkDir(mirror, func(p string, de os.DirEntry, err error) error {
		if err == nil && de.IsDir() && p != mirror {
			created++
			if !leaves[p] && synced[filepath.Dir(p)] == 0 {
				t.Errorf("parent of new folder %s not fsynced", p)
			}
		}
		return nil
	})
	total := 0
	for dir, n := range synced {
		total += n
		if leaves[dir] && n != 1 {
			t.Errorf("folder %s fsynced %d times, want once", dir, n)
		}
	}
	for dir := range leaves {
		if synced[dir] == 0 {
			t.Errorf("folder %s received files but was not fsynced", dir)
		}
	}
	if synced[mirror] == 0 {
		t.Errorf("mirror root (parent of new folders) not fsynced")
	}
	// Far fewer than one per file: each leaf once, each parent at most once per new child.
	if len(leaves) >= len(seed) || total > len(leaves)+created {
		t.Errorf("%d folder fsyncs for %d files in %d folders (%d created)", total, len(seed), len(leaves), created)
	}

	// Nothing to fetch: no fsync at all.
	mu.Lock()
	firstRun = false
	clear(synced)
	mu.Unlock()
	if res, err := Sync(ctx, api, opts); err != nil || res.Skipped != len(seed) || len(synced) != 0 {
		t.Fatalf("no-op sync: %s %v, fsyncs %v", summary(res), err, synced)
	}

	// One changed object in an existing folder: that folder only. (The journal already names
	// the folder's other files; only this one's entry waits for the fsync.)
	seed[5].body = flowGzip(seed[5].key+"v2", 9)
	f.put(seed[5].key, seed[5].body)
	if res, err := Sync(ctx, api, opts); err != nil || res.Downloaded != 1 {
		t.Fatalf("sync after change: %s %v", summary(res), err)
	}
	want := filepath.Dir(filepath.Join(mirror, seed[5].key))
	if len(synced) != 1 || synced[want] != 1 {
		t.Errorf("after one change fsyncs %v, want %s once", synced, want)
	}
	assertMirror(t, mirror, seed)
}
