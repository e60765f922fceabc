// Package queries holds flowq's built-in saved reports, one .sql file each, embedded in the
// binary. engine/savedquery parses their headers and binds their parameters.
package queries

import "embed"

// FS holds every built-in query file at its root, and in summary/ the summary forms of those
// a summary table answers exactly (same name; engine/savedquery reads them as Query.Summary).
//
//go:embed *.sql summary/*.sql
var FS embed.FS
