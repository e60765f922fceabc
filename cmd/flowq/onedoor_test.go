package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// dbMethods are the database/sql methods that send SQL to DuckDB.
var dbMethods = map[string]bool{
	"QueryContext": true, "QueryRowContext": true, "ExecContext": true, "PrepareContext": true,
	"Query": true, "QueryRow": true, "Exec": true, "Prepare": true, "BeginTx": true, "Begin": true,
}

// dbCalls lists "file:func: call" for every call of a dbMethods method and every use of a
// session's DB field in the non-test Go files of dir.
func dbCalls(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkgs := map[string]bool{}
		for _, imp := range f.Imports {
			name := strings.Trim(imp.Path.Value, `"`)
			name = name[strings.LastIndexByte(name, '/')+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			pkgs[name] = true
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && pkgs[id.Name] {
					return true // a package's function or type, e.g. savedquery.Query
				}
				if dbMethods[sel.Sel.Name] || sel.Sel.Name == "DB" {
					out = append(out, filepath.Base(path)+":"+fn.Name.Name+": "+exprString(sel))
					return false // s.DB.QueryContext once, not also s.DB
				}
				return true
			})
		}
	}
	return out
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		return exprString(x.Fun) + "()"
	}
	return "?"
}

// TestStatementsHaveOneDoor: a statement from cmd/flowq (query, run, demo, the shell with .run
// and .chart) reaches DuckDB only through store.Session.RunIn, which refreshes, rewrites from the
// dialect, checks read-only sessions and queries. Neither cmd/flowq nor engine/shell calls a
// database/sql query method; the exceptions hand the handle to an engine analysis that runs its
// own fixed SQL. In the store, RunIn is the one caller of DB.QueryContext in the session.
// (By hand: grep -n 'QueryContext\|QueryRowContext\|ExecContext\|\.DB\b' cmd/flowq/*.go
// engine/shell/*.go engine/store/session.go engine/store/run.go | grep -v _test.)
func TestStatementsHaveOneDoor(t *testing.T) {
	allowed := map[string]string{
		"athena_publish.go:renderOnAthena: c.Query":        "--on athena: the statement runs in Athena, not DuckDB",
		"inventory.go:runInventoryLookup: db.QueryContext": "the inventory's own fixed lookup SQL",
		"run.go:RunIn: s.DB":                               "s.DB.Conn: a statement with a progress bar holds its connection",
		"run.go:RunIn: conn.QueryContext":                  "the door itself, on the held connection",
		"session.go:Limits: s.DB.QueryRowContext":          "the session's own settings, for status",
		"why.go:writeWhy: sess.DB":                         "why.Analyze runs its own fixed SQL, after sess.Refresh",
		"status.go:runStatus: sess.DB":                     "summary.ReadStatus runs its own fixed SQL",
		"status.go:writeStatus: sess.DB":                   "summary.ReadStatus runs its own fixed SQL",
		"complete.go:scanAll: db.QueryContext":             "the shell's Querier is duckdbQuerier, i.e. Session.RunIn",
		"run.go:RunIn: s.DB.QueryContext":                  "the door itself",
		"run.go:QueryContext: s.Query":                     "Query is RunIn in DuckDB's dialect",
		"session.go:CheckStatement: s.DB.QueryRowContext":  "the read-only check's json_serialize_sql",
		"session.go:OpenSession: conn.ExecContext":         "the session's settings",
		"session.go:refreshOn: conn.ExecContext":           "the views over the ledger's parts",
		"session.go:Refresh: s.DB":                         "s.DB.Conn for the refresh",
		"session.go:Close: s.DB":                           "s.DB.Close",
	}
	var found []string
	for _, dir := range []string{".", "../../engine/shell"} {
		found = append(found, dbCalls(t, dir)...)
	}
	for _, c := range dbCalls(t, "../../engine/store") {
		if strings.HasPrefix(c, "session.go:") || strings.HasPrefix(c, "run.go:") {
			found = append(found, c)
		}
	}
	for _, c := range found {
		if _, ok := allowed[c]; !ok {
			t.Errorf("%s reaches DuckDB without Session.RunIn", c)
		}
	}
}
