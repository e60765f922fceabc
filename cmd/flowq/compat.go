package main

import (
	"context"
	"database/sql"

	"github.com/flowq/flowq/engine/compat"
)

// compatInit installs the Athena compatibility layer on a session's connection.
func compatInit(ctx context.Context, conn *sql.Conn) error {
	return compat.Register(ctx, conn)
}

// sessionInit returns the session initialiser for a dialect ("athena" or "duckdb").
func (f *factory) sessionInit(dialect string) func(ctx context.Context, conn *sql.Conn) error {
	d, err := compat.ParseDialect(dialect)
	if err != nil {
		d = compat.Athena
	}
	return func(ctx context.Context, conn *sql.Conn) error {
		return compat.RegisterDialect(ctx, conn, d)
	}
}

// rewrite applies the dialect's tokenizer-aware statement rewrite.
func (f *factory) rewrite(stmt, dialect string) (string, error) {
	d, err := compat.ParseDialect(dialect)
	if err != nil {
		return "", usageErr("%v", err)
	}
	return d.Rewrite(stmt)
}
