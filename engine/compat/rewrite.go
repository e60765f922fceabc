package compat

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// Rewrite applies the Athena dialect's rewrite; see Dialect.Rewrite.
func Rewrite(stmt string) string { return Athena.Rewrite(stmt) }

// Rewrite adjusts one statement for what macros and UDFs cannot do, working on tokens so that
// strings, quoted identifiers and comments are never touched. In the Athena dialect it
//
//   - turns the division operator "/" into "//", DuckDB's integer division for integer operands
//     (7/2 = 3, -7/2 = -3 as in Trino) and ordinary division otherwise: exactly what DuckDB's
//     integer_division setting does, but per statement, so switching dialects needs no SET
//     (a read-only session locks its configuration);
//   - drops the catalog and database in front of flowq's tables, as Athena's console writes
//     them ("AwsDataCatalog"."default"."vpc_flow_logs", mydb.vpc_flow_logs): see RewriteWith;
//
// and renames function names in calls:
//
//   - contains(net, addr) → cidr_contains(net, addr) when the call is Trino's CIDR test: addr is
//     CAST(… AS IPADDRESS) / IPADDRESS '…', or net is a CIDR string literal or an IPPREFIX;
//     contains on lists and strings is left to DuckDB;
//   - sum(x) → flowq_sum(x), which returns BIGINT for integer input as Trino does (DuckDB gives
//     HUGEINT); sum(DISTINCT …), sum(…) FILTER and sum(…) OVER are left alone, since macros cannot
//     take them (they still return HUGEINT);
//   - date_diff(unit, a, b) → date_sub(unit, a, b): Trino counts whole units, DuckDB's date_diff
//     counts boundaries crossed, DuckDB's date_sub counts whole units.
//
// A renamed call that forms a whole select item gets an alias spelling the original call, so
// result columns keep the names DuckDB would have given them; any other select item without an
// alias that the rewrite changed, and count(*), get an alias spelling the item as typed
// ("7/2", not "(7 // 2)"; "count(*)", not DuckDB's "count_star()"). Rewriting is idempotent.
// The DuckDB dialect returns the statement unchanged.
func (d Dialect) Rewrite(stmt string) string { return d.RewriteWith(stmt, nil) }

// RewriteWith is Rewrite with the table names of tables: in table position (after FROM, JOIN,
// DESCRIBE or a comma in a FROM list) any catalog and database in front of one of flowq's tables
// or of an alias is dropped, and an alias becomes the flowq table it names, keeping the alias as
// the correlation name ("FROM db.flows" → "FROM vpc_flow_logs AS flows"). A nil tables knows
// flowq's tables only.
func (d Dialect) RewriteWith(stmt string, tables *Tables) string {
	if d != Athena {
		return stmt
	}
	toks := sqlscan.Significant(sqlscan.Tokenize(stmt))
	edits := callEdits(stmt, toks)
	edits = append(edits, tableEdits(stmt, toks, tables)...)
	edits = append(edits, itemAliases(stmt, toks, edits)...)
	if len(edits) == 0 {
		return stmt
	}
	sort.SliceStable(edits, func(a, b int) bool { return edits[a].pos < edits[b].pos })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(stmt[last:e.pos])
		b.WriteString(e.text)
		last = e.pos + e.n
	}
	b.WriteString(stmt[last:])
	return b.String()
}

// edit replaces n bytes of the statement at pos with text.
type edit struct {
	pos, n int
	text   string
	alias  bool // an " AS …" naming a select item
	table  bool // a table name resolved: leaves column names as they were
}

// callEdits turns "/" into "//" and renames contains, sum and date_diff calls (see Rewrite).
func callEdits(stmt string, toks []sqlscan.Token) []edit {
	var edits []edit
	clause := clauses(toks)
	for i, t := range toks {
		if t.Kind == sqlscan.Operator && t.Text == "/" {
			edits = append(edits, edit{pos: t.Pos, n: 1, text: "//"})
			continue
		}
		if t.Kind != sqlscan.Word || i+1 >= len(toks) || toks[i+1].Text != "(" {
			continue
		}
		if i > 0 && (toks[i-1].Text == "." || toks[i-1].Text == "::") {
			continue // qualified (system.main.sum) or a type: not ours to rename
		}
		name := strings.ToLower(t.Text)
		if name != "contains" && name != "sum" && name != "date_diff" {
			continue
		}
		args, end, ok := callArgs(toks, i+1)
		if !ok {
			continue
		}
		next := ""
		if end+1 < len(toks) {
			next = strings.ToLower(toks[end+1].Text)
		}
		repl := renamed(name, args, next)
		if repl == "" {
			continue
		}
		edits = append(edits, edit{pos: t.Pos, n: len(t.Text), text: repl})
		// A renamed call that is a whole select item keeps the column name DuckDB would have
		// given the original call ("sum(bytes)", not "flowq_sum(bytes)").
		prev := ""
		if i > 0 {
			prev = strings.ToLower(toks[i-1].Text)
		}
		if clause[i] == "select" && itemStart[prev] && itemEnd[next] {
			alias := name + oneLine(stmt[toks[i+1].Pos:toks[end].Pos+1])
			edits = append(edits, edit{pos: toks[end].Pos + 1, text: ` AS ` + quoteIdent(alias), alias: true})
		}
	}
	return edits
}

// renamed gives the new name of a call to name with args, followed by the word next, or "".
func renamed(name string, args [][]sqlscan.Token, next string) string {
	switch name {
	case "contains":
		if len(args) == 2 && (isIPAddressExpr(args[1]) || isCIDRExpr(args[0])) {
			return "cidr_contains"
		}
	case "sum":
		if len(args) == 1 && len(args[0]) > 0 && next != "filter" && next != "over" {
			first := strings.ToLower(args[0][0].Text)
			if first != "distinct" && first != "all" && args[0][0].Text != "*" {
				return "flowq_sum"
			}
		}
	case "date_diff":
		if len(args) == 3 {
			return "date_sub"
		}
	}
	return ""
}

// oneLine turns line breaks into spaces, so an alias made of the user's text adds no line.
func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

var (
	itemStart = map[string]bool{"select": true, ",": true, "distinct": true, "all": true}
	itemEnd   = map[string]bool{"": true, ",": true, "from": true, ")": true, ";": true, "union": true,
		"except": true, "intersect": true, "order": true, "limit": true, "where": true, "group": true,
		"having": true, "window": true, "qualify": true, "into": true}
	clauseWords = map[string]bool{"select": true, "from": true, "where": true, "group": true,
		"having": true, "order": true, "limit": true, "window": true, "qualify": true, "on": true,
		"using": true, "values": true, "set": true, "returning": true, "union": true, "except": true,
		"intersect": true}
)

// clauses returns, for each token, the clause keyword last seen at its parenthesis depth
// ("select", "from", …, or "" inside a call's parentheses before any clause keyword).
func clauses(toks []sqlscan.Token) []string {
	out := make([]string, len(toks))
	stack := []string{""}
	for i, t := range toks {
		switch t.Text {
		case "(", "[", "{":
			out[i] = stack[len(stack)-1]
			stack = append(stack, "")
			continue
		case ")", "]", "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			out[i] = stack[len(stack)-1]
			continue
		}
		if w := strings.ToLower(t.Text); t.Kind == sqlscan.Word && clauseWords[w] {
			stack[len(stack)-1] = w
		}
		out[i] = stack[len(stack)-1]
	}
	return out
}

// callArgs splits the argument list that opens at toks[open] ("(") into top-level arguments and
// returns the index of the closing ")". ok is false when the list is not closed.
func callArgs(toks []sqlscan.Token, open int) (args [][]sqlscan.Token, end int, ok bool) {
	depth := 0
	start := open + 1
	for j := open; j < len(toks); j++ {
		switch toks[j].Text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				if j > start || len(args) > 0 {
					args = append(args, toks[start:j])
				}
				return args, j, true
			}
		case ",":
			if depth == 1 {
				args = append(args, toks[start:j])
				start = j + 1
			}
		}
	}
	return nil, 0, false
}

// isIPAddressExpr reports whether an argument is typed IPADDRESS in Trino: CAST(x AS IPADDRESS),
// TRY_CAST(…), x::IPADDRESS or the literal IPADDRESS '…'.
func isIPAddressExpr(arg []sqlscan.Token) bool { return isTypedAs(arg, "ipaddress") }

// isCIDRExpr reports whether an argument is a network: a string literal holding a valid CIDR,
// or an expression typed IPPREFIX.
func isCIDRExpr(arg []sqlscan.Token) bool {
	if len(arg) == 1 && arg[0].Kind == sqlscan.String {
		s, ok := stringValue(arg[0].Text)
		if !ok {
			return false
		}
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	return isTypedAs(arg, "ipprefix")
}

func isTypedAs(arg []sqlscan.Token, typ string) bool {
	n := len(arg)
	if n == 2 && strings.EqualFold(arg[0].Text, typ) && arg[1].Kind == sqlscan.String {
		return true // type-prefixed literal
	}
	if n >= 2 && arg[n-2].Text == "::" && strings.EqualFold(arg[n-1].Text, typ) {
		return true
	}
	if n >= 6 && arg[1].Text == "(" && arg[n-1].Text == ")" &&
		(strings.EqualFold(arg[0].Text, "cast") || strings.EqualFold(arg[0].Text, "try_cast")) &&
		strings.EqualFold(arg[n-3].Text, "as") && strings.EqualFold(arg[n-2].Text, typ) {
		// The closing paren must close the CAST's own paren, not an inner one.
		_, end, ok := callArgs(arg, 1)
		return ok && end == n-1
	}
	return false
}

// stringValue returns the value of a plain '…' string literal token.
func stringValue(tok string) (string, bool) {
	if len(tok) < 2 || tok[0] != '\'' || tok[len(tok)-1] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(tok[1:len(tok)-1], "''", "'"), true
}
