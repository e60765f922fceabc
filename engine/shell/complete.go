package shell

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// Candidate is one completion suggestion: Text replaces the word before the cursor.
type Candidate struct {
	Text        string
	Description string
}

// Column is a column of a table or view in the catalog.
type Column struct {
	Name string
	Type string
}

// Table is a table or view in the catalog.
type Table struct {
	Name    string
	Kind    string // "table" or "view"
	Columns []Column
}

// Function is a function or macro known to DuckDB (flowq's own macros included).
type Function struct {
	Name string
	Kind string // duckdb_functions().function_type: scalar, aggregate, macro, table_macro, table, ...
}

// Catalog is the schema snapshot completion works from; it is loaded from DuckDB at start and
// after each statement, so completion never queries the database while the user types.
type Catalog struct {
	Tables    []Table
	Functions []Function
	Keywords  []string        // upper case
	Reserved  map[string]bool // lower case; such identifiers need quoting
}

// tablesQuery lists the tables and views, for the catalog and for .tables.
const tablesQuery = `SELECT table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE NOT internal
UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal ORDER BY 1`

// Querier runs the catalog's queries: a *sql.DB, or the shell's session.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// LoadCatalog reads tables, views, columns, functions and keywords from DuckDB.
func LoadCatalog(ctx context.Context, db Querier) (*Catalog, error) {
	c := &Catalog{Reserved: map[string]bool{}}
	byName := map[string]int{}
	err := scanAll(ctx, db, "tables", tablesQuery, func(rows *sql.Rows) error {
		var t Table
		if err := rows.Scan(&t.Name, &t.Kind); err != nil {
			return err
		}
		if _, dup := byName[t.Name]; !dup {
			byName[t.Name] = len(c.Tables)
			c.Tables = append(c.Tables, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, db, "columns", `SELECT table_name, column_name, data_type FROM duckdb_columns()
		WHERE NOT internal ORDER BY table_name, column_index`, func(rows *sql.Rows) error {
		var tbl string
		var col Column
		if err := rows.Scan(&tbl, &col.Name, &col.Type); err != nil {
			return err
		}
		if i, ok := byName[tbl]; ok {
			c.Tables[i].Columns = append(c.Tables[i].Columns, col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// PRAGMA functions (enable_profiling, show_tables, ...) are statements, not SQL words; the
	// table functions behind some of them go too, unless the name is also a scalar or aggregate.
	err = scanAll(ctx, db, "functions", `SELECT function_name, min(function_type) FROM duckdb_functions()
		WHERE regexp_matches(function_name, '^[A-Za-z_][A-Za-z0-9_]*$') AND function_type <> 'pragma'
		AND NOT (function_type = 'table' AND function_name IN
			(SELECT function_name FROM duckdb_functions() WHERE function_type = 'pragma'))
		GROUP BY function_name ORDER BY function_name`, func(rows *sql.Rows) error {
		var f Function
		if err := rows.Scan(&f.Name, &f.Kind); err != nil {
			return err
		}
		c.Functions = append(c.Functions, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, db, "keywords", `SELECT keyword_name, keyword_category FROM duckdb_keywords() ORDER BY 1`,
		func(rows *sql.Rows) error {
			var k, cat string
			if err := rows.Scan(&k, &cat); err != nil {
				return err
			}
			c.Keywords = append(c.Keywords, strings.ToUpper(k))
			if cat == "reserved" {
				c.Reserved[strings.ToLower(k)] = true
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// scanAll runs query and calls scan for each row; errors name the catalog part (what).
func scanAll(ctx context.Context, db Querier, what, query string, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("load catalog %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("load catalog %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load catalog %s: %w", what, err)
	}
	return nil
}

func (c *Catalog) table(name string) *Table {
	for i := range c.Tables {
		if strings.EqualFold(c.Tables[i].Name, name) {
			return &c.Tables[i]
		}
	}
	return nil
}

func (c *Catalog) isKeyword(w string) bool {
	w = strings.ToUpper(w)
	i := sort.SearchStrings(c.Keywords, w)
	return i < len(c.Keywords) && c.Keywords[i] == w
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// quoteIdent quotes a name when SQL needs it: reserved words ("end") and odd characters.
func (c *Catalog) quoteIdent(name string) string {
	if plainIdent.MatchString(name) && !c.Reserved[name] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// sqlSeparators end a completion word in SQL. Every candidate Text is free of them, which go-prompt
// relies on when it re-inserts an accepted suggestion (see docs/design.md, "Shell: go-prompt").
const sqlSeparators = " \t\n(),;=<>+-*/|'.:[]{}%!~^&@#?"

// metaSeparators end a completion word in a meta-command line: paths complete per segment.
const metaSeparators = " \t\n/="

// tableContext lists words after which a table name is expected.
var tableContext = map[string]bool{"FROM": true, "JOIN": true, "INTO": true, "UPDATE": true,
	"TABLE": true, "DESCRIBE": true, "SUMMARIZE": true}

// clauseWords are the words that start a clause, used to see whether a ',' continues a FROM list.
var clauseWords = map[string]bool{"SELECT": true, "FROM": true, "JOIN": true, "WHERE": true, "GROUP": true,
	"ORDER": true, "HAVING": true, "ON": true, "USING": true, "LIMIT": true, "SET": true, "VALUES": true,
	"INTO": true, "UPDATE": true, "QUALIFY": true, "WINDOW": true, "BY": true}

const maxCandidates = 200

// CompleteSQL returns the candidates for the word ending at byte offset cursor of text (the
// whole input buffer, possibly several statements and lines) and the byte offset where that word
// starts. An empty word yields candidates only where the context is specific (after FROM/JOIN,
// after "alias."), so typing a space does not pop up the whole dictionary.
func (c *Catalog) CompleteSQL(text string, cursor int) ([]Candidate, int) {
	before := text[:cursor]
	_, stmtBefore := sqlscan.Split(before)
	// Split trims the rest; recover where it starts in the buffer.
	stmtStart := strings.LastIndex(before, stmtBefore)
	if stmtBefore == "" {
		stmtStart = cursor
	}
	toks := sqlscan.Tokenize(before[stmtStart:])
	word, wordPos := "", len(before)-stmtStart
	if n := len(toks); n > 0 {
		last := toks[n-1]
		switch {
		case last.Kind == sqlscan.String || last.IsComment():
			if last.Kind != sqlscan.BlockComment || last.Unterminated {
				return nil, cursor
			}
		case last.Kind == sqlscan.Word:
			word, wordPos = last.Text, last.Pos
			toks = toks[:n-1]
		case last.Kind == sqlscan.QuotedIdent && last.Unterminated:
			word, wordPos = last.Text, last.Pos
			toks = toks[:n-1]
		case last.Kind == sqlscan.Number:
			return nil, cursor
		}
	}
	start := stmtStart + wordPos
	sig := sqlscan.Significant(toks)

	// The whole statement (also after the cursor) tells which tables are in play.
	after := text[cursor:]
	stmtsAfter, restAfter := sqlscan.Split(after)
	tail := restAfter
	if len(stmtsAfter) > 0 {
		tail = stmtsAfter[0]
	}
	refs := c.tableRefs(sqlscan.Significant(sqlscan.Tokenize(before[stmtStart:] + " " + tail)))

	prefix := strings.ToLower(strings.TrimPrefix(word, `"`))
	var out []Candidate
	seen := map[string]bool{}
	add := func(text, desc string) {
		if seen[text] || len(out) >= maxCandidates {
			return
		}
		seen[text] = true
		out = append(out, Candidate{Text: text, Description: desc})
	}
	addColumns := func(t *Table) {
		for _, col := range t.Columns {
			if strings.HasPrefix(strings.ToLower(col.Name), prefix) {
				add(c.quoteIdent(col.Name), col.Type)
			}
		}
	}
	addTables := func() {
		for i := range c.Tables {
			if strings.HasPrefix(strings.ToLower(c.Tables[i].Name), prefix) {
				add(c.quoteIdent(c.Tables[i].Name), c.Tables[i].Kind)
			}
		}
	}

	n := len(sig)
	// alias.col or table.col
	if n >= 2 && sig[n-1].Kind == sqlscan.Operator && sig[n-1].Text == "." {
		q := unquote(sig[n-2].Text)
		if t, ok := refs[strings.ToLower(q)]; ok {
			addColumns(t)
		} else if t := c.table(q); t != nil {
			addColumns(t)
		}
		return out, start
	}
	if n >= 1 && sig[n-1].Kind == sqlscan.Word && tableContext[strings.ToUpper(sig[n-1].Text)] ||
		n >= 1 && sig[n-1].Kind == sqlscan.Operator && sig[n-1].Text == "," && lastClause(sig) == "FROM" {
		addTables()
		for _, f := range c.Functions {
			if strings.HasPrefix(f.Kind, "table") && strings.HasPrefix(strings.ToLower(f.Name), prefix) && prefix != "" {
				add(f.Name, f.Kind)
			}
		}
		return out, start
	}
	if word == "" {
		return nil, cursor
	}
	if n >= 1 && sig[n-1].Kind == sqlscan.Word && strings.EqualFold(sig[n-1].Text, "AS") {
		if !inCast(sig) {
			return nil, cursor // a new alias: nothing to complete
		}
		for _, t := range typeNames {
			if strings.HasPrefix(strings.ToLower(t), prefix) {
				add(t, "type")
			}
		}
		return out, start
	}
	// General position: the statement's columns first, then functions, keywords, tables.
	if len(refs) > 0 {
		var ts []*Table
		for _, t := range refs {
			ts = append(ts, t)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
		for _, t := range ts {
			addColumns(t)
		}
	} else {
		// No FROM yet (SELECT typed first): offer every table's columns.
		for i := range c.Tables {
			addColumns(&c.Tables[i])
		}
	}
	if strings.HasPrefix(word, `"`) {
		return out, start
	}
	for _, f := range c.Functions {
		if strings.HasPrefix(strings.ToLower(f.Name), prefix) {
			add(f.Name, f.Kind)
		}
	}
	upper := word != strings.ToLower(word)
	for _, k := range c.Keywords {
		if strings.HasPrefix(strings.ToLower(k), prefix) {
			if upper {
				add(k, "keyword")
			} else {
				add(strings.ToLower(k), "keyword")
			}
		}
	}
	addTables()
	return out, start
}

// typeNames are offered after CAST(x AS: DuckDB's, and the Athena (Trino) types flowq's
// rewrite understands (IPADDRESS, IPPREFIX).
var typeNames = []string{"BIGINT", "BLOB", "BOOLEAN", "DATE", "DECIMAL", "DOUBLE", "FLOAT", "HUGEINT",
	"INTEGER", "INTERVAL", "IPADDRESS", "IPPREFIX", "JSON", "SMALLINT", "TIME", "TIMESTAMP", "TIMESTAMPTZ", "TINYINT", "UBIGINT",
	"UINTEGER", "USMALLINT", "UTINYINT", "UUID", "VARCHAR"}

// inCast reports whether the innermost open parenthesis of sig follows CAST or TRY_CAST.
func inCast(sig []sqlscan.Token) bool {
	depth := 0
	for i := len(sig) - 1; i >= 0; i-- {
		switch sig[i].Text {
		case ")":
			depth++
		case "(":
			if depth == 0 {
				return i > 0 && (strings.EqualFold(sig[i-1].Text, "CAST") || strings.EqualFold(sig[i-1].Text, "TRY_CAST"))
			}
			depth--
		}
	}
	return false
}

// lastClause returns the last clause-starting word among sig, upper case.
func lastClause(sig []sqlscan.Token) string {
	for i := len(sig) - 1; i >= 0; i-- {
		if sig[i].Kind == sqlscan.Word && clauseWords[strings.ToUpper(sig[i].Text)] {
			return strings.ToUpper(sig[i].Text)
		}
		if sig[i].Kind == sqlscan.Operator && (sig[i].Text == "(" || sig[i].Text == ")") {
			return ""
		}
	}
	return ""
}

// tableRefs finds catalog tables named in the statement, keyed by lower-case table name and by
// alias ("FROM vpc_flow_logs f" and "FROM vpc_flow_logs AS f" both give f).
func (c *Catalog) tableRefs(sig []sqlscan.Token) map[string]*Table {
	refs := map[string]*Table{}
	for i, tk := range sig {
		if tk.Kind != sqlscan.Word && tk.Kind != sqlscan.QuotedIdent {
			continue
		}
		if i+1 < len(sig) && sig[i+1].Text == "." { // schema qualifier or alias.col
			continue
		}
		t := c.table(unquote(tk.Text))
		if t == nil {
			continue
		}
		refs[strings.ToLower(t.Name)] = t
		j := i + 1
		if j < len(sig) && sig[j].Kind == sqlscan.Word && strings.EqualFold(sig[j].Text, "AS") {
			j++
		}
		if j < len(sig) && (sig[j].Kind == sqlscan.QuotedIdent ||
			sig[j].Kind == sqlscan.Word && !c.isKeyword(sig[j].Text)) {
			refs[strings.ToLower(unquote(sig[j].Text))] = t
		}
	}
	return refs
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.TrimPrefix(s, `"`)
}

// completePath lists directory entries matching the partial path: the returned candidates are
// the final path segment only (directories without their slash; see metaSeparators).
func completePath(partial string) []Candidate {
	dir, base := filepath.Split(partial)
	readDir := expandHome(dir)
	if readDir == "" {
		readDir = "."
	}
	ents, err := os.ReadDir(readDir)
	if err != nil {
		return nil
	}
	var out []Candidate
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if strings.ContainsAny(name, " \t\n=") {
			continue // cannot be re-inserted safely by go-prompt
		}
		desc := "file"
		if e.IsDir() {
			desc = "directory"
		}
		out = append(out, Candidate{Text: name, Description: desc})
		if len(out) >= maxCandidates {
			break
		}
	}
	return out
}
