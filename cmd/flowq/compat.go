package main

import (
	"context"
	"database/sql"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/cost"
)

// dialect reads --dialect ("athena" or "duckdb"); anything else is a usage error.
func dialect(name string) (compat.Dialect, error) {
	d, err := compat.ParseDialect(name)
	if err != nil {
		return d, usageErr("%v", err)
	}
	return d, nil
}

// sessionInit installs the compatibility layer for a dialect on a session's connection, then
// what the cost reports read (engine/cost: prices, cost_flows) for the data dir.
func sessionInit(d compat.Dialect, dataDir string) func(ctx context.Context, conn *sql.Conn) error {
	return func(ctx context.Context, conn *sql.Conn) error {
		if err := compat.RegisterDialect(ctx, conn, d); err != nil {
			return err
		}
		return cost.RegisterSession(ctx, conn, dataDir)
	}
}
