// Package compat makes Athena (Trino) SQL run unchanged on DuckDB: session settings, Trino
// functions as macros and Go UDFs, a tokenizer-aware rewrite, and Athena DDL for the store.
//
// docs/athena.md is the user's account (what differs by dialect, the function table, table
// names, moving to Athena); this is the programmer's.
//
// # Go API
//
// Every flowq session (shell, query, run) calls RegisterDialect(ctx, conn, d) on its one
// connection and passes each statement through the dialect's rewrite before running it:
//
//	d, err := compat.ParseDialect(flagDialect)     // athena (trino, presto) or duckdb
//	tables, err := compat.DefaultTables()          // LoadTables(AliasFile()); missing file: no aliases
//	err = compat.RegisterDialect(ctx, conn, d)     // as store.SessionOptions.Init
//	stmt = d.RewriteWith(stmt, tables)             // d.Rewrite(stmt) knows flowq's own tables only
//	err = compat.TableHint(err, path)              // on the query's error: how to declare an unknown table name
//
// The dialect lives entirely in the rewrite: .athena on|off only changes which Dialect's rewrite
// the shell applies (no SET, so it works on read-only sessions with a locked configuration;
// SetDialect is there to validate and for future settings). In the Athena dialect the rewrite
// turns "/" into "//", renames contains (CIDR tests), sum and date_diff calls, drops catalog and
// database qualifiers before flowq's tables and resolves the aliases of Tables (tables.go), and
// names the select items it changed, and count(*), as typed (items.go). DDL prints the Athena
// table over the store or the raw deliveries.
//
// # How it is tested
//
// Every function and rewrite runs on real DuckDB: TestAthenaQueries runs AWS's documented query
// shapes unchanged on hand-written rows with hand-computed answers; TestFunctions checks each
// Trino function against values written by hand; TestQualifiedTablesRun runs qualified and
// aliased table names as Athena's console writes them; TestColumnNamesAsTyped and
// TestRewriteKeepsColumnNames check result column names; TestLockedConfiguration switches
// dialects on a locked read-only session. TestRewrite and TestRewriteTables pin the rewrite
// text; FuzzRewrite checks that it never touches strings or comments, keeps statement
// boundaries and is idempotent, with and without aliases. The DDL is checked against golden
// files in testdata.
package compat
