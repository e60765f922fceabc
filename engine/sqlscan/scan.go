// Package sqlscan tokenizes SQL text and splits it into statements, knowing quotes, "end"-style
// quoted identifiers, dollar quoting and -- and /* */ comments, so ';' inside them never splits.
package sqlscan

import "strings"

// Kind is the lexical class of a token.
type Kind int

// Token kinds. Word covers keywords and plain identifiers alike: the scanner does not know SQL's
// grammar, only what it takes to find statement ends and to rewrite calls safely.
const (
	Whitespace   Kind = iota
	Word              // keyword or unquoted identifier: select, vpc_flow_logs, E (before a non-quote)
	QuotedIdent       // "end", with "" as an escaped quote
	String            // 'it''s', E'a\'b', $$text$$, $tag$text$tag$
	Number            // 42, 3.14, .5, 1e10, 0x1F, 1_000
	Param             // $1, $name, ?
	Operator          // punctuation and operators: ( ) , . :: <= <> || etc.
	Semicolon         // ;
	LineComment       // -- to end of line (the newline is not part of it)
	BlockComment      // /* ... */, nested
)

var kindNames = [...]string{"Whitespace", "Word", "QuotedIdent", "String", "Number", "Param",
	"Operator", "Semicolon", "LineComment", "BlockComment"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Token is one lexical unit. Concatenating the Text of all tokens gives back the input exactly.
type Token struct {
	Kind Kind
	Text string
	Pos  int // byte offset of Text in the input
	// Unterminated marks a string, quoted identifier or block comment that runs to the end of
	// the input without its closing delimiter.
	Unterminated bool
}

// IsComment reports whether the token is a line or block comment.
func (t Token) IsComment() bool { return t.Kind == LineComment || t.Kind == BlockComment }

// IsSpace reports whether the token is whitespace or a comment: text that separates tokens but
// carries no meaning.
func (t Token) IsSpace() bool { return t.Kind == Whitespace || t.IsComment() }

// Tokenize splits s into tokens. It never fails: unknown bytes become one-byte Operator tokens
// and unclosed quotes or comments become a final token flagged Unterminated.
func Tokenize(s string) []Token {
	var toks []Token
	for i := 0; i < len(s); {
		t := next(s, i)
		toks = append(toks, t)
		i += len(t.Text)
	}
	return toks
}

// multi-byte operators, longest first so "->>" wins over "->".
var operators = []string{"->>", "**=", "::", "<=", ">=", "<>", "!=", "||", "->", "**", "//", "=>",
	"==", "<<", ">>", ":=", "!~", "~~", "^@"}

func next(s string, i int) Token {
	c := s[i]
	mk := func(k Kind, end int, unterminated bool) Token {
		return Token{Kind: k, Text: s[i:end], Pos: i, Unterminated: unterminated}
	}
	switch {
	case isSpace(c):
		j := i + 1
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		return mk(Whitespace, j, false)
	case c == '-' && i+1 < len(s) && s[i+1] == '-':
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return mk(LineComment, len(s), false)
		}
		j += i
		if j > i && s[j-1] == '\r' {
			j-- // keep a CRLF line ending out of the comment, like a plain newline
		}
		return mk(LineComment, j, false)
	case c == '/' && i+1 < len(s) && s[i+1] == '*':
		depth, j := 1, i+2
		for j < len(s) {
			switch {
			case s[j] == '*' && j+1 < len(s) && s[j+1] == '/':
				depth--
				j += 2
				if depth == 0 {
					return mk(BlockComment, j, false)
				}
			case s[j] == '/' && j+1 < len(s) && s[j+1] == '*':
				depth++
				j += 2
			default:
				j++
			}
		}
		return mk(BlockComment, len(s), true)
	case c == '\'':
		end, ok := quoted(s, i+1, '\'', false)
		return mk(String, end, !ok)
	case (c == 'e' || c == 'E') && i+1 < len(s) && s[i+1] == '\'':
		end, ok := quoted(s, i+2, '\'', true)
		return mk(String, end, !ok)
	case c == '"':
		end, ok := quoted(s, i+1, '"', false)
		return mk(QuotedIdent, end, !ok)
	case c == '$':
		return dollar(s, i)
	case c == '?':
		return mk(Param, i+1, false)
	case c == ';':
		return mk(Semicolon, i+1, false)
	case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
		return mk(Number, number(s, i), false)
	case isWordStart(c):
		j := i + 1
		for j < len(s) && isWordPart(s[j]) {
			j++
		}
		return mk(Word, j, false)
	}
	for _, op := range operators {
		if strings.HasPrefix(s[i:], op) {
			return mk(Operator, i+len(op), false)
		}
	}
	return mk(Operator, i+1, false)
}

// quoted scans past a body closed by q, where a doubled q is an escaped q and, in E” strings,
// a backslash escapes the next byte. It returns the end offset and whether q was found.
func quoted(s string, j int, q byte, backslash bool) (int, bool) {
	for j < len(s) {
		switch {
		case backslash && s[j] == '\\':
			j += 2
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1, true
		default:
			j++
		}
	}
	return len(s), false
}

// dollar scans $$...$$, $tag$...$tag$ strings and $1 / $name parameters.
func dollar(s string, i int) Token {
	j := i + 1
	if j < len(s) && isDigit(s[j]) {
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return Token{Kind: Param, Text: s[i:j], Pos: i}
	}
	for j < len(s) && (isWordStart(s[j]) || (j > i+1 && isDigit(s[j]))) {
		j++
	}
	if j < len(s) && s[j] == '$' {
		delim := s[i : j+1]
		k := strings.Index(s[j+1:], delim)
		if k < 0 {
			return Token{Kind: String, Text: s[i:], Pos: i, Unterminated: true}
		}
		end := j + 1 + k + len(delim)
		return Token{Kind: String, Text: s[i:end], Pos: i}
	}
	if j > i+1 {
		return Token{Kind: Param, Text: s[i:j], Pos: i}
	}
	return Token{Kind: Operator, Text: "$", Pos: i}
}

func number(s string, i int) int {
	j := i
	if s[j] == '0' && j+1 < len(s) && (s[j+1] == 'x' || s[j+1] == 'X') && j+2 < len(s) && isHex(s[j+2]) {
		j += 2
		for j < len(s) && (isHex(s[j]) || s[j] == '_') {
			j++
		}
		return j
	}
	digits := func() {
		for j < len(s) && (isDigit(s[j]) || (s[j] == '_' && j+1 < len(s) && isDigit(s[j+1]))) {
			j++
		}
	}
	digits()
	if j < len(s) && s[j] == '.' {
		j++
		digits()
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			j = k
			digits()
		}
	}
	return j
}

// spaces are the bytes isSpace accepts; trimming uses only these, never Unicode spaces, which
// the tokenizer treats as identifier bytes.
const spaces = " \t\n\r\f\v"

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// Bytes >= 0x80 are parts of UTF-8 letters: identifiers may hold them, and treating every such
// byte alike never cuts a rune in two.
func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}
func isWordPart(c byte) bool { return isWordStart(c) || isDigit(c) || c == '$' }

// Split returns the complete statements in s (each ended by a ';' outside quotes and comments;
// the ';' is dropped and surrounding whitespace trimmed) and the incomplete rest after the last
// ';', trimmed (whitespace inside an unclosed quote or comment is kept). Statements holding
// only comments are dropped; a rest holding only whitespace and
// closed comments is returned as "", so the shell need not wait for more input after it.
func Split(s string) (stmts []string, rest string) {
	start := 0
	meaningful := false
	end := 0 // end of the last non-whitespace token: trailing text inside an open quote is kept
	for _, t := range Tokenize(s) {
		switch {
		case t.Kind == Semicolon:
			if meaningful {
				stmts = append(stmts, strings.Trim(s[start:t.Pos], spaces))
			}
			start, meaningful = t.Pos+1, false
		case t.Unterminated || !t.IsSpace():
			meaningful = true
		}
		if t.Kind != Whitespace {
			end = t.Pos + len(t.Text)
		}
	}
	if meaningful {
		rest = strings.TrimLeft(s[start:end], spaces)
	}
	return stmts, rest
}

// Statements returns every statement in s: those Split finds, then its incomplete rest, if any,
// as the last one (a script's last statement may lack its ';').
func Statements(s string) []string {
	stmts, rest := Split(s)
	if rest != "" {
		stmts = append(stmts, rest)
	}
	return stmts
}

// Statement is one statement of a script and where it stands in the script, so an error at an
// offset inside it can name the script's line.
type Statement struct {
	Text   string // as Statements returns it: trimmed, without its ';'
	Offset int    // byte offset of Text in the script
	Line   int    // 1-based line of the script on which Text starts
}

// LineAt returns the script line of byte offset off inside the statement's Text.
func (st Statement) LineAt(off int) int {
	off = max(0, min(off, len(st.Text)))
	return st.Line + strings.Count(st.Text[:off], "\n")
}

// Locate returns the statements of a script as Statements does, each with its offset and line.
func Locate(s string) []Statement {
	var out []Statement
	add := func(seg string, from int) {
		text := strings.TrimLeft(seg, spaces)
		off := from + len(seg) - len(text)
		out = append(out, Statement{Text: text, Offset: off, Line: 1 + strings.Count(s[:off], "\n")})
	}
	// The same walk as Split, keeping offsets.
	start, meaningful, end := 0, false, 0
	for _, t := range Tokenize(s) {
		switch {
		case t.Kind == Semicolon:
			if meaningful {
				add(strings.TrimRight(s[start:t.Pos], spaces), start)
			}
			start, meaningful = t.Pos+1, false
		case t.Unterminated || !t.IsSpace():
			meaningful = true
		}
		if t.Kind != Whitespace {
			end = t.Pos + len(t.Text)
		}
	}
	if meaningful {
		add(s[start:end], start) // the rest: whitespace inside an open quote stays
	}
	return out
}

// Complete reports whether s holds no unfinished statement: every statement in it is ended by
// ';' and no quote or comment is left open.
func Complete(s string) bool {
	_, rest := Split(s)
	return rest == ""
}

// Significant returns the tokens that carry meaning: all but whitespace and comments.
func Significant(toks []Token) []Token {
	out := make([]Token, 0, len(toks))
	for _, t := range toks {
		if !t.IsSpace() {
			out = append(out, t)
		}
	}
	return out
}

// IsQuery reports whether a statement returns a result set of its own (SELECT, WITH, VALUES,
// DESCRIBE, SHOW, …), as opposed to a statement such as SET, CREATE or INSERT, for which DuckDB
// answers with a single Success or Count column that is a status, not data.
func IsQuery(stmt string) bool {
	for _, t := range Significant(Tokenize(stmt)) {
		if t.Text == "(" {
			continue
		}
		switch strings.ToUpper(t.Text) {
		case "SELECT", "WITH", "FROM", "VALUES", "TABLE", "SUMMARIZE", "DESCRIBE", "SHOW", "PIVOT",
			"UNPIVOT", "EXPLAIN", "CALL", "PRAGMA":
			return true
		}
		return false
	}
	return false
}

// IsStatusResult reports whether a statement's result columns are DuckDB's status answer (a
// single Success or Count column) rather than data, so a renderer can report it instead of
// drawing a one-cell table.
func IsStatusResult(stmt string, cols []string) bool {
	return len(cols) == 1 && (cols[0] == "Success" || cols[0] == "Count") && !IsQuery(stmt)
}
