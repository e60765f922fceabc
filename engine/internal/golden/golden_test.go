package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder captures what Check reports instead of failing the real test.
type recorder struct{ fatal, errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = append(r.fatal, fmt.Sprintf(format, args...))
}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "testdata", "x.golden")
	for _, tc := range []struct {
		name       string
		update     bool
		got        string
		wantFatal  string
		wantErr    string
		wantOnDisk string
	}{
		{"missing file", false, "a\n", "-update creates it", "", ""},
		{"update writes", true, "a\n", "", "", "a\n"},
		{"same", false, "a\n", "", "", "a\n"},
		{"differs", false, "b\n", "", "differs from " + path, "a\n"},
		{"update rewrites", true, "b\n", "", "", "b\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := *update
			*update = tc.update
			defer func() { *update = old }()
			var r recorder
			CheckString(&r, path, tc.got)
			if got := strings.Join(r.fatal, ";"); (tc.wantFatal == "") != (got == "") || !strings.Contains(got, tc.wantFatal) {
				t.Errorf("fatal %q, want one containing %q", got, tc.wantFatal)
			}
			if got := strings.Join(r.errs, ";"); (tc.wantErr == "") != (got == "") || !strings.Contains(got, tc.wantErr) {
				t.Errorf("errors %q, want one containing %q", got, tc.wantErr)
			}
			b, _ := os.ReadFile(path)
			if string(b) != tc.wantOnDisk {
				t.Errorf("file holds %q, want %q", b, tc.wantOnDisk)
			}
		})
	}
}
