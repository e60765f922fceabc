package sqlscan

import (
	"strings"
	"testing"
)

// meaning is the text of the tokens that carry meaning, minus statement separators: what a
// split must preserve.
func meaning(s string) []string {
	var out []string
	for _, t := range Significant(Tokenize(s)) {
		if t.Kind != Semicolon {
			out = append(out, t.Text)
		}
	}
	return out
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"select 1; select 2",
		"select 'a;b'; select \"c;d\" -- e;\n; /* f; /* g */ ; */ x",
		"select $$a;b$$, $t$;$t$, E'\\';'; $1",
		"select 1 -- trailing",
		"/* open",
		"'open",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokenize(s)
		var b strings.Builder
		for i, x := range toks {
			if x.Text == "" {
				t.Fatalf("empty token %d in %q", i, s)
			}
			if x.Pos != b.Len() {
				t.Fatalf("token %d at %d, want %d", i, x.Pos, b.Len())
			}
			if x.Unterminated && i != len(toks)-1 {
				t.Fatalf("unterminated token %q is not last in %q", x.Text, s)
			}
			b.WriteString(x.Text)
		}
		if b.String() != s {
			t.Fatalf("tokens lose text: %q != %q", b.String(), s)
		}

		stmts, rest := Split(s)
		for _, st := range stmts {
			if st == "" || st != strings.Trim(st, spaces) {
				t.Fatalf("statement %q is empty or untrimmed", st)
			}
			// A statement re-split alone is itself: it holds no top-level ';'.
			again, r := Split(st + "\n;")
			if len(again) != 1 || again[0] != st || r != "" {
				t.Fatalf("statement %q re-splits into %q, %q", st, again, r)
			}
		}
		if rest != strings.TrimLeft(rest, spaces) {
			t.Fatalf("rest %q untrimmed", rest)
		}
		if rt := Tokenize(rest); len(rt) > 0 && rt[len(rt)-1].Kind == Whitespace {
			t.Fatalf("rest %q ends in whitespace outside a token", rest)
		}
		if Complete(s) != (rest == "") {
			t.Fatalf("Complete disagrees with rest %q", rest)
		}
		// Locate finds the same statements, each where it stands in s.
		all := Statements(s)
		loc := Locate(s)
		if len(loc) != len(all) {
			t.Fatalf("Locate found %d statements, Statements %d", len(loc), len(all))
		}
		for i, st := range loc {
			if st.Text != all[i] || s[st.Offset:st.Offset+len(st.Text)] != st.Text || st.Line != 1+strings.Count(s[:st.Offset], "\n") {
				t.Fatalf("Locate statement %d = %+v, want %q where it stands", i, st, all[i])
			}
		}
		// Joining the pieces back loses no meaningful token and adds none.
		joined := strings.Join(append(stmts, rest), "\n;\n")
		if want, got := meaning(s), meaning(joined); strings.Join(want, "\x00") != strings.Join(got, "\x00") {
			t.Fatalf("split of %q changed tokens:\n got %q\nwant %q", s, got, want)
		}
	})
}
