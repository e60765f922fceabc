package iostreams

import (
	"io"
	"testing"
)

// TestPagerCommand: $PAGER on a terminal; never when output is not a terminal; PAGER=cat is
// no pager.
func TestPagerCommand(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		pager string
		want  string
	}{
		{"terminal", true, "sed s/^/P:/", "sed s/^/P:/"},
		{"not a terminal", false, "sed s/^/P:/", ""},
		{"cat", true, "cat", ""},
	}
	for _, tt := range tests {
		s := Test(nil, io.Discard, io.Discard)
		s.SetTTY(false, tt.tty, false)
		s.SetEnv(func(k string) string {
			if k == "PAGER" {
				return tt.pager
			}
			return ""
		})
		if got := s.PagerCommand(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
