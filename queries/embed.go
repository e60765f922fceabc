// Package queries holds flowq's built-in saved reports, one .sql file each, embedded in the
// binary. engine/savedquery parses their headers and binds their parameters.
package queries

import "embed"

// FS holds every built-in query file at its root.
//
//go:embed *.sql
var FS embed.FS
