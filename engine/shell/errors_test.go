package shell

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type posErr struct{ pos int }

func (e posErr) Error() string { return "athena rewrite: unexpected token" }
func (e posErr) Position() int { return e.pos }

func TestFormatError(t *testing.T) {
	duck := errors.New("Parser Error: syntax error at or near \"selec\"\n\nLINE 1: selec 1\n        ^")
	tests := []struct {
		name string
		stmt string
		err  error
		want string
	}{
		{"DuckDB's own LINE and caret kept", "selec 1", duck, duck.Error()},
		{"offset from the error drawn as a caret", "SELECT a,\n  b c d\nFROM t", posErr{14},
			"athena rewrite: unexpected token\n\nLINE 2:   b c d\n            ^"},
		{"offset in the message", "SELECT ]", errors.New("Parser Error: bad char at position 7"),
			"Parser Error: bad char at position 7\n\nLINE 1: SELECT ]\n               ^"},
		{"offset beyond the statement ignored", "SELECT 1", posErr{99}, "athena rewrite: unexpected token"},
		{"cancellation", "SELECT 1", fmt.Errorf("query: %w", context.Canceled), "Interrupted: query cancelled"},
		{"DuckDB interrupt", "SELECT 1", errors.New("INTERRUPT Error: Interrupted!"), "Interrupted: query cancelled"},
	}
	for _, tt := range tests {
		if got := formatError(tt.stmt, tt.err); got != tt.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, got, tt.want)
		}
	}
}
