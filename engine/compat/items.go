package compat

import (
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// itemAliases names the select items the rewrite changed, and count(*), by their text as typed,
// so result columns show what the user wrote rather than the rewrite ("(7 // 2)") or DuckDB's
// spelling ("count_star()"). Items with an alias of their own, and those callEdits already
// named, are left alone.
func itemAliases(stmt string, toks []sqlscan.Token, edits []edit) []edit {
	var changes []int // positions of the edits that change an item's text, sorted
	named := map[int]bool{}
	for _, e := range edits {
		switch {
		case e.alias:
			named[e.pos] = true
		case !e.table:
			changes = append(changes, e.pos)
		}
	}
	sort.Ints(changes)
	var out []edit
	for _, it := range selectItems(toks) {
		item := toks[it[0] : it[1]+1]
		first, last := item[0], item[len(item)-1]
		end := last.Pos + len(last.Text)
		if named[end] || hasAlias(item) || unterminated(item) {
			continue
		}
		k := sort.SearchInts(changes, first.Pos)
		if changed := k < len(changes) && changes[k] < end; !changed && !isCountStar(item) {
			continue
		}
		out = append(out, edit{pos: end, text: " AS " + quoteIdent(typed(item)), alias: true})
	}
	return out
}

// typed spells tokens as the user typed them, with each run of spaces and comments as one space
// and line breaks inside tokens as spaces: a rewrite keeps every line where it was, so error
// positions still name the script's line (sqlscan.Statement.LineAt).
func typed(toks []sqlscan.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && toks[i-1].Pos+len(toks[i-1].Text) < t.Pos {
			b.WriteByte(' ')
		}
		b.WriteString(oneLine(t.Text))
	}
	return b.String()
}

// unterminated reports an unclosed quote in an item: text after it is inside the quote.
func unterminated(item []sqlscan.Token) bool {
	for _, t := range item {
		if t.Unterminated {
			return true
		}
	}
	return false
}

func isCountStar(item []sqlscan.Token) bool {
	return len(item) == 4 && strings.EqualFold(item[0].Text, "count") && item[1].Text == "(" &&
		item[2].Text == "*" && item[3].Text == ")"
}

// hasAlias reports whether a select item ends in an alias ("x AS n", "x n"). When unsure it
// says yes: a missing alias only leaves DuckDB's column name, a second one is a syntax error.
func hasAlias(item []sqlscan.Token) bool {
	n := len(item)
	if n < 2 {
		return false
	}
	last, prev := item[n-1], item[n-2]
	switch {
	case last.Kind == sqlscan.QuotedIdent:
	case last.Kind == sqlscan.Word && !notAlias[strings.ToLower(last.Text)]:
	default:
		return false
	}
	// "a.b" and "x::int" end in a name that is no alias; ")" and words before it can be.
	return prev.Kind != sqlscan.Operator || prev.Text == ")" || prev.Text == "]"
}

// notAlias are words that end an expression and cannot be an unquoted alias.
var notAlias = map[string]bool{"end": true, "null": true, "true": true, "false": true}

// selectItems returns the first and last token index of every select item, at every depth.
func selectItems(toks []sqlscan.Token) [][2]int {
	var items [][2]int
	starts := []int{-1} // per parenthesis depth: the current item's first token, or -1
	closeItem := func(end int) {
		d := len(starts) - 1
		if starts[d] >= 0 && starts[d] <= end {
			items = append(items, [2]int{starts[d], end})
		}
		starts[d] = -1
	}
	for i, t := range toks {
		d := len(starts) - 1
		w := ""
		if t.Kind == sqlscan.Word {
			w = strings.ToLower(t.Text)
		}
		switch {
		case t.Text == "(" || t.Text == "[" || t.Text == "{":
			starts = append(starts, -1)
		case t.Text == ")" || t.Text == "]" || t.Text == "}":
			closeItem(i - 1)
			if d > 0 {
				starts = starts[:d]
			}
		case t.Kind == sqlscan.Semicolon:
			closeItem(i - 1)
		case w == "select":
			closeItem(i - 1)
			starts[d] = i + 1
			if i+1 < len(toks) && (strings.EqualFold(toks[i+1].Text, "distinct") || strings.EqualFold(toks[i+1].Text, "all")) {
				starts[d] = i + 2
				if i+2 < len(toks) && strings.EqualFold(toks[i+2].Text, "on") {
					starts[d] = -1 // DISTINCT ON (…): left alone
				}
			}
		case t.Text == "," && starts[d] >= 0:
			closeItem(i - 1)
			starts[d] = i + 1
		case w != "" && (clauseWords[w] || w == "into") && starts[d] >= 0:
			closeItem(i - 1)
		}
	}
	closeItem(len(toks) - 1)
	return items
}
