package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	errHook := errors.New("hook failed")
	cases := []struct {
		name     string
		old      string // content already at the target; "" for none
		missing  bool   // write into a folder that does not exist
		perm     os.FileMode
		hook     error // beforeRename's result; nil runs WriteFile
		want     string
		wantErr  error // matched with errors.Is
		wantPath bool  // the error names the target path
	}{
		{name: "new file", perm: 0o600, want: "new"},
		{name: "replaces and sets mode", old: "old", perm: 0o640, want: "new"},
		{name: "missing folder", missing: true, perm: 0o600, wantPath: true},
		{name: "failed step keeps the old file", old: "old", perm: 0o600, hook: errHook, want: "old", wantErr: errHook},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "ledger.json")
			if c.missing {
				target = filepath.Join(dir, "absent", "ledger.json")
			}
			if c.old != "" {
				if err := os.WriteFile(target, []byte(c.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if c.hook != nil {
				err = WriteFileThen(target, []byte("new"), c.perm, ".ledger.json.tmp-*", func() error {
					if b, _ := os.ReadFile(target); string(b) != c.old {
						t.Errorf("before the rename the target holds %q, want %q", b, c.old)
					}
					return c.hook
				})
			} else {
				err = WriteFile(target, []byte("new"), c.perm, ".ledger.json.tmp-*")
			}
			switch {
			case c.wantErr != nil && !errors.Is(err, c.wantErr):
				t.Fatalf("error %v, want %v", err, c.wantErr)
			case c.wantPath && (err == nil || !strings.Contains(err.Error(), target)):
				t.Fatalf("error %v does not name %s", err, target)
			case c.wantErr == nil && !c.wantPath && err != nil:
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(filepath.Dir(target))
			for _, e := range entries {
				if e.Name() != "ledger.json" {
					t.Errorf("left behind %s", e.Name())
				}
			}
			if c.missing {
				return
			}
			b, err := os.ReadFile(target)
			if err != nil || string(b) != c.want {
				t.Fatalf("target holds %q (%v), want %q", b, err, c.want)
			}
			if c.hook == nil {
				if fi, _ := os.Stat(target); fi.Mode().Perm() != c.perm {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), c.perm)
				}
			}
		})
	}
}

func TestSyncDirErrors(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(dir, "absent")); !errors.Is(err, ErrSyncDir) {
		t.Fatalf("SyncDir of a missing folder: %v, want ErrSyncDir", err)
	}
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SyncFile(f); err != nil {
		t.Fatal(err)
	}
}
