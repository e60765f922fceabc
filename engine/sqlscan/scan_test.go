package sqlscan

import (
	"reflect"
	"strings"
	"testing"
)

type tk struct {
	k    Kind
	text string
	un   bool
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []tk
	}{
		{`select "end" from t`, []tk{{Word, "select", false}, {Whitespace, " ", false},
			{QuotedIdent, `"end"`, false}, {Whitespace, " ", false}, {Word, "from", false},
			{Whitespace, " ", false}, {Word, "t", false}}},
		{`'it''s;'`, []tk{{String, `'it''s;'`, false}}},
		{`"a""b"`, []tk{{QuotedIdent, `"a""b"`, false}}},
		{`E'a\'b;'x`, []tk{{String, `E'a\'b;'`, false}, {Word, "x", false}}},
		{`e'\\'`, []tk{{String, `e'\\'`, false}}},
		{`'a\'`, []tk{{String, `'a\'`, false}}}, // plain strings have no backslash escapes
		{`$$a;'b$$`, []tk{{String, `$$a;'b$$`, false}}},
		{`$x$ $$ ; $x$;`, []tk{{String, `$x$ $$ ; $x$`, false}, {Semicolon, ";", false}}},
		{`$1+$name`, []tk{{Param, "$1", false}, {Operator, "+", false}, {Param, "$name", false}}},
		{`?`, []tk{{Param, "?", false}}},
		{`$`, []tk{{Operator, "$", false}}},
		{"a--c;\nb", []tk{{Word, "a", false}, {LineComment, "--c;", false},
			{Whitespace, "\n", false}, {Word, "b", false}}},
		{"--c\r\n", []tk{{LineComment, "--c", false}, {Whitespace, "\r\n", false}}},
		{"/* a /* b */ ; */x", []tk{{BlockComment, "/* a /* b */ ; */", false}, {Word, "x", false}}},
		{"/* open", []tk{{BlockComment, "/* open", true}}},
		{"'open", []tk{{String, "'open", true}}},
		{`"open`, []tk{{QuotedIdent, `"open`, true}}},
		{"$t$ open", []tk{{String, "$t$ open", true}}},
		{"1 3.14 .5 1e10 2E-3 0x1F 1_000 7.", []tk{{Number, "1", false}, {Whitespace, " ", false},
			{Number, "3.14", false}, {Whitespace, " ", false}, {Number, ".5", false},
			{Whitespace, " ", false}, {Number, "1e10", false}, {Whitespace, " ", false},
			{Number, "2E-3", false}, {Whitespace, " ", false}, {Number, "0x1F", false},
			{Whitespace, " ", false}, {Number, "1_000", false}, {Whitespace, " ", false},
			{Number, "7.", false}}},
		{"a::int<=b<>c||d->>e", []tk{{Word, "a", false}, {Operator, "::", false}, {Word, "int", false},
			{Operator, "<=", false}, {Word, "b", false}, {Operator, "<>", false}, {Word, "c", false},
			{Operator, "||", false}, {Word, "d", false}, {Operator, "->>", false}, {Word, "e", false}}},
		{"t.x(1,2)", []tk{{Word, "t", false}, {Operator, ".", false}, {Word, "x", false},
			{Operator, "(", false}, {Number, "1", false}, {Operator, ",", false}, {Number, "2", false},
			{Operator, ")", false}}},
		{"größe", []tk{{Word, "größe", false}}},
		{"e", []tk{{Word, "e", false}}},
		{"a-b/c", []tk{{Word, "a", false}, {Operator, "-", false}, {Word, "b", false},
			{Operator, "/", false}, {Word, "c", false}}},
	}
	for _, tc := range tests {
		toks := Tokenize(tc.in)
		var got []tk
		pos := 0
		for _, x := range toks {
			if x.Pos != pos {
				t.Errorf("%q: token %q at %d, want %d", tc.in, x.Text, x.Pos, pos)
			}
			pos += len(x.Text)
			got = append(got, tk{x.Kind, x.Text, x.Unterminated})
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokenize(%q)\n got %v\nwant %v", tc.in, got, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		in    string
		stmts []string
		rest  string
	}{
		{"", nil, ""},
		{"   \n ", nil, ""},
		{"select 1;", []string{"select 1"}, ""},
		{"select 1; select 2;", []string{"select 1", "select 2"}, ""},
		{"select 1; select 2", []string{"select 1"}, "select 2"},
		{"select 1;;; ;", []string{"select 1"}, ""},
		{"select ';' ; x", []string{"select ';'"}, "x"},
		{`select "a;b" from t;`, []string{`select "a;b" from t`}, ""},
		{"select 1 -- c;\n;", []string{"select 1 -- c;"}, ""},
		{"select 1 /* ; */ + 2;", []string{"select 1 /* ; */ + 2"}, ""},
		{"select 'unterminated;", nil, "select 'unterminated;"},
		{"select 1; /* open ;", []string{"select 1"}, "/* open ;"},
		{"select 1; -- trailing", []string{"select 1"}, ""},
		{"select 1; /* closed */", []string{"select 1"}, ""},
		{"-- only a comment\n;", nil, ""},
		{"select $$a;b$$;", []string{"select $$a;b$$"}, ""},
		{"select E'\\';';", []string{"select E'\\';'"}, ""},
		{"select 1\n  from t\n where x = 'a\nb';\nselect 2;", []string{"select 1\n  from t\n where x = 'a\nb'", "select 2"}, ""},
		{"select\n", nil, "select"},
		{"select 'a  \n", nil, "select 'a  \n"}, // whitespace inside an open quote is kept
		{"select 1; /* open  ", []string{"select 1"}, "/* open  "},
		{"select \u00a0x\u0085 ;", []string{"select \u00a0x\u0085"}, ""}, // only ASCII spaces trimmed
	}
	for _, tc := range tests {
		stmts, rest := Split(tc.in)
		if !reflect.DeepEqual(stmts, tc.stmts) || rest != tc.rest {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tc.in, stmts, rest, tc.stmts, tc.rest)
		}
		if got := Complete(tc.in); got != (tc.rest == "") {
			t.Errorf("Complete(%q) = %v", tc.in, got)
		}
		want := tc.stmts
		if tc.rest != "" {
			want = append(append([]string(nil), want...), tc.rest)
		}
		if got := Statements(tc.in); !reflect.DeepEqual(got, want) {
			t.Errorf("Statements(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

func TestSignificant(t *testing.T) {
	var got []string
	for _, x := range Significant(Tokenize("a /* c */ b -- d\n c")) {
		got = append(got, x.Text)
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("Significant = %v", got)
	}
}

func TestIsStatusResult(t *testing.T) {
	tests := []struct {
		stmt string
		cols []string
		want bool
	}{
		{"SET threads = 2", []string{"Success"}, true},
		{"CREATE TABLE t AS SELECT 1", []string{"Count"}, true},
		{"/* c */ INSERT INTO t VALUES (1)", []string{"Count"}, true},
		{"SELECT count(*) AS Count FROM t", []string{"Count"}, false},
		{"(SELECT 1 AS Success)", []string{"Success"}, false},
		{"WITH x AS (SELECT 1) SELECT * FROM x", []string{"Count"}, false},
		{"SET threads = 2", []string{"a", "b"}, false},
	}
	for _, tt := range tests {
		if got := IsStatusResult(tt.stmt, tt.cols); got != tt.want {
			t.Errorf("IsStatusResult(%q, %v) = %v, want %v", tt.stmt, tt.cols, got, tt.want)
		}
	}
}

func TestLocate(t *testing.T) {
	script := "-- report\nSELECT 1;\n\n  SELECT 'a;\nb',\n  oops FROM t; /* only a comment */ ;\nSELECT\n  2"
	got := Locate(script)
	want := []Statement{
		{Text: "-- report\nSELECT 1", Offset: 0, Line: 1}, // a leading comment is part of it, as in Statements
		{Text: "SELECT 'a;\nb',\n  oops FROM t", Offset: 23, Line: 4},
		{Text: "SELECT\n  2", Offset: 76, Line: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Locate:\n got %+v\nwant %+v", got, want)
	}
	// An error at "oops" (offset 17 in the second statement) is on the script's line 6.
	if l := got[1].LineAt(strings.Index(got[1].Text, "oops")); l != 6 {
		t.Errorf("LineAt(oops) = %d, want 6", l)
	}
	if l := got[2].LineAt(1000); l != 8 {
		t.Errorf("LineAt past the end = %d, want 8", l)
	}
	if got := Locate("  \n-- nothing\n"); len(got) != 0 {
		t.Errorf("Locate(comments only) = %+v", got)
	}
}
