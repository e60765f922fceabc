package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
)

func TestSyncAllLayoutsLoadAndResync(t *testing.T) {
	d := smallData(t)
	layouts := map[flowgen.Layout]bool{}
	for _, fl := range d.truth.FlowLogs {
		layouts[fl.Layout] = true
	}
	if len(layouts) != 4 {
		t.Fatalf("the data set covers %d layouts, want all 4", len(layouts))
	}
	f := newFakeS3(t, "e2e-flowlogs")
	f.seed(t, d)
	e := newEnv(t)
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)

	r := e.ok(f.syncArgs()...)
	if r.stdout != "" {
		t.Errorf("sync wrote to stdout:\n%s", r)
	}
	want := fmt.Sprintf("%d listed, %d downloaded, 0 unchanged, 0 failed, 0 refused", d.truth.Objects, d.truth.Objects)
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, fmt.Sprintf("%d rows added", d.truth.Records)) {
		t.Errorf("sync summary: want %q and %d rows added:\n%s", want, d.truth.Records, r)
	}
	if f.signed.Load() == 0 {
		t.Errorf("no request was signed with the environment's credentials")
	}
	checkMirror(t, mirror, d, true)
	checkTable(t, e, d, mirror)

	// A second run finds nothing new: nothing downloaded, nothing loaded.
	gets := f.gets.Load()
	r = e.ok(f.syncArgs()...)
	if !strings.Contains(r.stderr, fmt.Sprintf("0 downloaded, %d unchanged", d.truth.Objects)) ||
		!strings.Contains(r.stderr, "0 loaded (0 replaced)") || !strings.Contains(r.stderr, "0 rows added") {
		t.Errorf("re-sync:\n%s", r)
	}
	if n := f.gets.Load() - gets; n != 0 {
		t.Errorf("re-sync fetched %d objects", n)
	}
	checkTable(t, e, d, mirror)

	// --no-load mirrors only; `flowq load MIRROR` then gives the same table.
	e2 := newEnv(t)
	mirror2 := filepath.Join(e2.data, "mirror", "s3", f.bucket)
	r = e2.ok(f.syncArgs("--no-load")...)
	if strings.Contains(r.stderr, "load:") {
		t.Errorf("--no-load loaded:\n%s", r)
	}
	if l := e2.ledger(); l != nil && len(l.Sources) > 0 {
		t.Errorf("--no-load: ledger has %d sources", len(l.Sources))
	}
	checkMirror(t, mirror2, d, true)
	e2.ok("load", mirror2)
	checkTable(t, e2, d, mirror2)
}
