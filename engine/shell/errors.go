package shell

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// ErrReported marks an error whose details Run has already written to Config.Err; the caller
// only needs it for the exit status.
var ErrReported = errors.New("shell: statement failed")

// positioner is implemented by errors that know the character offset of the fault in the
// statement text (e.g. the Athena rewrite's tokenizer errors).
type positioner interface{ Position() int }

var offsetRE = regexp.MustCompile(`(?i)\b(?:at (?:character |char )?(?:position|offset)|position:?|offset:?) (\d+)\b`)

// formatError renders a statement error for people: DuckDB's text as is (it already carries
// "LINE n: ..." and a caret for parser/binder errors); if only a character offset is known, the
// offending line of stmt is printed with a caret drawn under that character.
func formatError(stmt string, err error) string {
	if errors.Is(err, context.Canceled) || isInterrupt(err) {
		return "Interrupted: query cancelled"
	}
	msg := strings.TrimRight(err.Error(), "\n")
	if strings.Contains(msg, "\nLINE ") || strings.HasPrefix(msg, "LINE ") {
		return msg
	}
	pos := -1
	var p positioner
	if errors.As(err, &p) {
		pos = p.Position()
	} else if m := offsetRE.FindStringSubmatch(msg); m != nil {
		pos, _ = strconv.Atoi(m[1])
	}
	if pos < 0 || stmt == "" || pos > len(stmt) {
		return msg
	}
	return msg + "\n\n" + caretAt(stmt, pos)
}

// caretAt prints the line of s holding byte offset pos and a caret under it, in DuckDB's style.
func caretAt(s string, pos int) string {
	lineNo := 1 + strings.Count(s[:pos], "\n")
	start := strings.LastIndexByte(s[:pos], '\n') + 1
	end := strings.IndexByte(s[pos:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += pos
	}
	label := "LINE " + strconv.Itoa(lineNo) + ": "
	col := len([]rune(s[start:pos]))
	return label + s[start:end] + "\n" + strings.Repeat(" ", len(label)+col) + "^"
}

func isInterrupt(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "INTERRUPT Error") || strings.Contains(m, "Interrupted!")
}

var lineMarkRE = regexp.MustCompile(`(?m)^LINE (\d+): `)

// errorLine is the line of its statement a statement error points at (DuckDB's "LINE n: ", or
// the one formatError draws from a character offset), 1 when it points nowhere.
func errorLine(err error) int {
	var se *stmtError
	msg := err.Error()
	if errors.As(err, &se) {
		msg = formatError(se.stmt, se.err)
	}
	if m := lineMarkRE.FindStringSubmatch(msg); m != nil {
		if n, _ := strconv.Atoi(m[1]); n > 0 {
			return n
		}
	}
	return 1
}
