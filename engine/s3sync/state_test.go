package s3sync

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestStateJournal(t *testing.T) {
	mirror := t.TempDir()
	path := filepath.Join(mirror, stateFile)
	// 10 keys each recorded 20 times (sizes 0..19; the last wins), then a torn line.
	var buf bytes.Buffer
	for round := range 20 {
		for k := range 10 {
			fmt.Fprintf(&buf, `{"k":"key%d","s":%d,"e":"etag%d-%d"}`+"\n", k, round, k, round)
		}
	}
	buf.WriteString(`{"k":"key3","s":99`)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := openState(mirror, false)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := st.lookup("key3"); !ok || e.Size != 19 || e.ETag != "etag3-19" {
		t.Errorf("key3 = %+v %v, want the last whole line (size 19)", e, ok)
	}
	if err := st.record(stateEntry{Key: "new", Size: 5, ETag: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != 11 || data[len(data)-1] != '\n' {
		t.Errorf("journal after compaction and one append has %d lines, want 11:\n%s", n, data)
	}
	// Read-only (dry run) opening neither rewrites nor creates.
	other := t.TempDir()
	if _, err := openState(other, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(other, stateFile)); !os.IsNotExist(err) {
		t.Errorf("read-only open created the journal: %v", err)
	}
	st, err = openState(mirror, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if e, ok := st.lookup("new"); !ok || e.Size != 5 {
		t.Errorf("appended entry lost: %+v %v", e, ok)
	}
}
