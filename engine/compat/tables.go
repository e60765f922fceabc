package compat

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// flowqTables are the views every flowq session defines.
var flowqTables = []string{"vpc_flow_logs", "load_errors"}

// Tables is what a statement's table names can mean: flowq's tables, and aliases (the names
// users gave those tables in Athena, such as the console integration's
// "fl0af0b31dcb7649c1ddaily20210415…"). Names match case-insensitively, as in Athena.
type Tables struct {
	names map[string]string // lower-case name → flowq table
}

// NewTables returns flowq's tables plus aliases (alias → flowq table). An alias must be one
// plain name (no database: qualifiers are dropped anyway), and must name one of flowq's tables.
func NewTables(aliases map[string]string) (*Tables, error) {
	t := &Tables{names: map[string]string{}}
	for _, n := range flowqTables {
		t.names[n] = n
	}
	names := make([]string, 0, len(aliases))
	for a := range aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		target := strings.ToLower(strings.TrimSpace(aliases[a]))
		key := strings.ToLower(strings.TrimSpace(a))
		switch {
		case key == "" || strings.ContainsAny(key, ". \t\"`"):
			return nil, fmt.Errorf("table alias %q: want one plain table name, without database or quotes", a)
		case t.names[key] == key:
			return nil, fmt.Errorf("table alias %q: that is flowq's own table", a)
		case target == "" || t.names[target] != target:
			return nil, fmt.Errorf("table alias %q: %q is not a flowq table (want one of %s)", a, aliases[a], strings.Join(flowqTables, ", "))
		}
		if prev, ok := t.names[key]; ok && prev != target {
			return nil, fmt.Errorf("table alias %q: given for both %s and %s", a, prev, target)
		}
		t.names[key] = target
	}
	return t, nil
}

// lookup returns the flowq table an identifier token names, if any. A nil t knows flowq's
// tables only.
func (t *Tables) lookup(tok sqlscan.Token) (string, bool) {
	name := tok.Text
	switch tok.Kind {
	case sqlscan.Word:
	case sqlscan.QuotedIdent:
		if tok.Unterminated || len(name) < 2 {
			return "", false
		}
		name = strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
	default:
		return "", false
	}
	name = strings.ToLower(name)
	if t == nil {
		for _, n := range flowqTables {
			if n == name {
				return n, true
			}
		}
		return "", false
	}
	target, ok := t.names[name]
	return target, ok
}

// AliasFile is where flowq looks for table aliases: $XDG_CONFIG_HOME/flowq/tables.conf, else
// ~/.config/flowq/tables.conf.
func AliasFile() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("table aliases: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "flowq", "tables.conf"), nil
}

// DefaultTables loads the aliases of AliasFile: what a session's RewriteWith should get.
func DefaultTables() (*Tables, error) {
	path, err := AliasFile()
	if err != nil {
		return nil, err
	}
	return LoadTables(path)
}

// LoadTables reads the table aliases in path (see ReadAliases) into Tables. A missing file
// means no aliases; any other problem is an error naming the file.
func LoadTables(path string) (*Tables, error) {
	aliases, err := ReadAliases(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewTables(nil)
	}
	if err != nil {
		return nil, err
	}
	t, err := NewTables(aliases)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReadAliases reads a table-alias file: one "athena_name = flowq_table" a line; blank lines
// and lines starting with # are ignored. Errors name the file and line.
func ReadAliases(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table aliases: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		name, table, ok := strings.Cut(s, "=")
		name, table = strings.TrimSpace(name), strings.TrimSpace(table)
		if !ok || name == "" || table == "" {
			return nil, fmt.Errorf("%s:%d: want athena_table_name = flowq_table, got %q", path, line, s)
		}
		key := strings.ToLower(name)
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s:%d: %s is already given on line %d", path, line, name, prev)
		}
		if _, err := NewTables(map[string]string{name: table}); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		seen[key] = line
		out[name] = table
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

var (
	// tableStarts are the words after which a table name follows.
	tableStarts = map[string]bool{"from": true, "join": true, "describe": true}
	// A comma at the top of FROM, ON or USING separates tables (conditions have none).
	fromList = map[string]bool{"from": true, "on": true, "using": true}
)

// tableEdits drops the qualifiers in front of flowq's tables and aliases, and turns aliases into
// the tables they name (see RewriteWith).
func tableEdits(stmt string, toks []sqlscan.Token, tables *Tables) []edit {
	var edits []edit
	query := queryParens(toks)
	clause := clauses(toks)
	ctes := cteNames(toks)
	for i := 0; i < len(toks); i++ {
		if !isIdent(toks[i]) || (i > 0 && toks[i-1].Text == ".") {
			continue
		}
		// The chain of names joined by "." that starts here.
		end := i
		for end+2 < len(toks) && toks[end+1].Text == "." && isIdent(toks[end+2]) {
			end += 2
		}
		next, prev := "", ""
		if end+1 < len(toks) {
			next = toks[end+1].Text
		}
		if i > 0 {
			prev = strings.ToLower(toks[i-1].Text)
		}
		parts := (end-i)/2 + 1
		inTable := query[i] && (tableStarts[prev] || (prev == "," && fromList[clause[i-1]]))
		switch {
		case next == "(" || next == ".":
		case inTable && parts <= 3:
			edits = append(edits, tableRef(stmt, toks, i, end, tables, ctes)...)
		case !inTable && (parts == 3 || parts == 4):
			// A column named through its table: "default"."vpc_flow_logs".srcaddr. Only flowq's
			// own names: an alias could as well be a column or struct field.
			if _, ok := (*Tables)(nil).lookup(toks[end-2]); ok {
				edits = append(edits, dropQualifiers(stmt, toks[i:end-2])...)
			}
		}
		i = end
	}
	return edits
}

// tableRef resolves the table reference toks[i..end] ("[catalog.][db.]name"): qualifiers go,
// and an alias becomes its table, keeping the alias as the correlation name.
func tableRef(stmt string, toks []sqlscan.Token, i, end int, tables *Tables, ctes map[string]bool) []edit {
	target, ok := tables.lookup(toks[end])
	if !ok {
		return nil
	}
	name := strings.Trim(strings.ToLower(toks[end].Text), `"`)
	if name != target && i == end && ctes[name] {
		return nil // a WITH query of the same name as an alias
	}
	edits := dropQualifiers(stmt, toks[i:end])
	if name != target {
		text := target
		if !strings.EqualFold(toks[i-1].Text, "describe") && !explicitAlias(toks, end+1) {
			text += " AS " + toks[end].Text
		}
		if i == end && isWordByte(stmt[toks[end].Pos-1]) {
			text = " " + text
		}
		edits = append(edits, edit{pos: toks[end].Pos, n: len(toks[end].Text), text: text, table: true})
	}
	return edits
}

// dropQualifiers deletes the qualifier names and dots toks (never the space or comments between
// them), keeping a space where the text before would otherwise run into the table name.
func dropQualifiers(stmt string, toks []sqlscan.Token) []edit {
	var out []edit
	for k, t := range toks {
		text := ""
		if k == 0 && t.Pos > 0 && isWordByte(stmt[t.Pos-1]) {
			text = " "
		}
		out = append(out, edit{pos: t.Pos, n: len(t.Text), text: text, table: true})
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '"' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdent(t sqlscan.Token) bool { return t.Kind == sqlscan.Word || t.Kind == sqlscan.QuotedIdent }

// notTableAlias are words that may follow a table reference without being its alias.
var notTableAlias = map[string]bool{"where": true, "join": true, "inner": true, "left": true,
	"right": true, "full": true, "outer": true, "cross": true, "natural": true, "on": true,
	"using": true, "group": true, "order": true, "limit": true, "offset": true, "union": true,
	"except": true, "intersect": true, "having": true, "window": true, "qualify": true,
	"tablesample": true, "for": true, "lateral": true, "fetch": true, "returning": true,
	"set": true, "values": true, "select": true, "pivot": true, "unpivot": true,
	"positional": true, "asof": true, "anti": true, "semi": true, "with": true}

// explicitAlias reports whether toks[k] starts a table alias ("AS f", "f", "\"f\"").
func explicitAlias(toks []sqlscan.Token, k int) bool {
	if k >= len(toks) {
		return false
	}
	switch t := toks[k]; t.Kind {
	case sqlscan.QuotedIdent:
		return true
	case sqlscan.Word:
		return !notTableAlias[strings.ToLower(t.Text)]
	}
	return false
}

// queryParens reports, for each token, whether it sits in query text: at the top level or in
// parentheses that open a query, not in a call such as extract(hour FROM ts).
func queryParens(toks []sqlscan.Token) []bool {
	out := make([]bool, len(toks))
	stack := []bool{true}
	for i, t := range toks {
		switch t.Text {
		case "(", "[", "{":
			q := false
			if i+1 < len(toks) {
				switch strings.ToLower(toks[i+1].Text) {
				case "select", "with", "from", "values", "table", "(":
					q = true
				}
			}
			out[i] = stack[len(stack)-1]
			stack = append(stack, q)
			continue
		case ")", "]", "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		}
		out[i] = stack[len(stack)-1]
	}
	return out
}

// cteNames lists (lower-case) the names of WITH queries: a name after WITH, RECURSIVE or a comma,
// followed by "AS (" or by a column list and "AS (".
func cteNames(toks []sqlscan.Token) map[string]bool {
	out := map[string]bool{}
	match := closers(toks)
	for i := 1; i+2 < len(toks); i++ {
		prev := strings.ToLower(toks[i-1].Text)
		if !isIdent(toks[i]) || (prev != "with" && prev != "recursive" && prev != ",") {
			continue
		}
		j := i + 1
		if toks[j].Text == "(" {
			if match[j] < 0 {
				continue
			}
			j = match[j] + 1
		}
		if j+1 < len(toks) && strings.EqualFold(toks[j].Text, "as") && toks[j+1].Text == "(" {
			out[strings.Trim(strings.ToLower(toks[i].Text), `"`)] = true
		}
	}
	return out
}

// closers gives, for each "(", the index of its ")", or -1 when it is not closed.
func closers(toks []sqlscan.Token) []int {
	out := make([]int, len(toks))
	var open []int
	for i, t := range toks {
		out[i] = -1
		switch t.Text {
		case "(":
			open = append(open, i)
		case ")":
			if n := len(open); n > 0 {
				out[open[n-1]] = i
				open = open[:n-1]
			}
		}
	}
	return out
}

// unknownTable matches DuckDB's errors for a table name it cannot find.
var unknownTable = regexp.MustCompile(`Table with name (\S+) does not exist|Catalog "([^"]+)" does not exist`)

// TableHint adds to a query's error, when DuckDB found no table of that name, how to declare an
// Athena table name in aliasFile; other errors come back unchanged. Sessions call it on the
// errors of statements they ran through RewriteWith.
func TableHint(err error, aliasFile string) error {
	if err == nil {
		return nil
	}
	m := unknownTable.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	name := "NAME"
	if m[1] != "" {
		parts := strings.Split(strings.Trim(m[1], `"`), ".")
		name = parts[len(parts)-1]
	}
	return &hintError{err: err, hint: fmt.Sprintf("if %s is the name of your flow-log table in Athena, declare it in %s as a line %q",
		name, aliasFile, name+" = vpc_flow_logs")}
}

type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() + "\nHint: " + e.hint }
func (e *hintError) Unwrap() error { return e.err }
