package main

import (
	"context"
	"database/sql"

	"github.com/flowq/flowq/engine/compat"
)

// dialect reads --dialect ("athena" or "duckdb"); anything else is a usage error.
func dialect(name string) (compat.Dialect, error) {
	d, err := compat.ParseDialect(name)
	if err != nil {
		return d, usageErr("%v", err)
	}
	return d, nil
}

// sessionInit installs the compatibility layer for a dialect on a session's connection.
func sessionInit(d compat.Dialect) func(ctx context.Context, conn *sql.Conn) error {
	return func(ctx context.Context, conn *sql.Conn) error {
		return compat.RegisterDialect(ctx, conn, d)
	}
}
