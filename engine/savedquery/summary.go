package savedquery

// Summary forms: a saved query that a summary table (vpc_flow_summary_*, kept by every load)
// answers exactly has a second statement in summary/NAME.sql beside it. flowq runs that form by
// default when the session's summaries are current; the query's own SQL stays the raw-table
// form, Athena-portable, which --print shows and --raw runs.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// SummaryDir is the folder, beside the query files, of their summary forms.
const SummaryDir = "summary"

// SummaryForm is a query's statement over the summary tables.
type SummaryForm struct {
	SQL    string
	Source string // the summary file
	// Requires are parameter values (as text) the form needs: it answers exactly only then,
	// e.g. window=3600 for a form read from hourly buckets. Other values run the raw form.
	Requires map[string]string
}

// parseSummary reads a summary file for q: comment lines (a "-- requires: NAME=VALUE ..." line
// lists required values), then one statement that uses only q's parameters.
func parseSummary(q Query, text, source string) (*SummaryForm, error) {
	sf := &SummaryForm{Source: source, Requires: map[string]string{}}
	lines := strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if !strings.HasPrefix(line, "--") {
			break
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(line, "--")), "requires:")
		if !ok {
			continue
		}
		for _, w := range strings.Fields(rest) {
			k, v, ok := strings.Cut(w, "=")
			if !ok {
				return nil, fmt.Errorf("%s:%d: requires %q: want NAME=VALUE", source, i+1, w)
			}
			p, declared := q.Param(k)
			if !declared {
				return nil, fmt.Errorf("%s:%d: requires parameter %q, which query %s does not declare", source, i+1, k, q.Name)
			}
			if _, err := convert(p, v, fixedNow); err != nil {
				return nil, fmt.Errorf("%s:%d: requires %s: %w", source, i+1, k, err)
			}
			sf.Requires[k] = v
		}
	}
	body := 0
	for body < len(lines) && (strings.HasPrefix(strings.TrimSpace(lines[body]), "--") || strings.TrimSpace(lines[body]) == "") {
		body++
	}
	var real []string
	for _, s := range sqlscan.Statements(strings.Join(lines[body:], "\n")) {
		if len(sqlscan.Significant(sqlscan.Tokenize(s))) > 0 {
			real = append(real, s)
		}
	}
	if len(real) != 1 {
		return nil, fmt.Errorf("%s: %d statements; a summary form is one statement", source, len(real))
	}
	sf.SQL = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(real[0]), ";"))
	for _, ref := range paramRefs(sf.SQL) {
		if _, ok := q.Param(ref); !ok {
			return nil, fmt.Errorf("%s: SQL uses $%s but query %s declares no such parameter (declared: %s)",
				source, ref, q.Name, listOrNone(q.ParamNames()))
		}
	}
	return sf, nil
}

// WithSummary returns q with its summary form as the statement, when it has one and the
// parameters (given, or their defaults) are those the form requires; else q and false. The
// caller checks that the summaries are current (store.Session.SummariesReady).
func (q Query) WithSummary(params map[string]string) (Query, bool) {
	if q.Summary == nil {
		return q, false
	}
	vals, err := Values(q, params, fixedNow)
	if err != nil {
		return q, false // Bind reports it
	}
	for k, want := range q.Summary.Requires {
		p, _ := q.Param(k)
		w, err := convert(p, want, fixedNow)
		if err != nil || fmt.Sprint(vals[k]) != fmt.Sprint(w) {
			return q, false
		}
	}
	out := q
	out.SQL, out.Summary = q.Summary.SQL, nil
	return out, true
}

// addSummaries attaches to the catalog's queries the summary forms in fsys's summary folder
// (one per query name; a file for an unknown query is an error).
func (c *Catalog) addSummaries(fsys fs.FS, source string, only map[string]bool) error {
	names, err := fs.Glob(fsys, SummaryDir+"/*.sql")
	if err != nil {
		return err
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".sql")
		q, ok := c.byName[name]
		if !ok || (only != nil && !only[name]) {
			return fmt.Errorf("%s/%s: no query %s for this summary form", source, n, name)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", source, n, err)
		}
		sf, err := parseSummary(q, string(b), source+"/"+n)
		if err != nil {
			return err
		}
		q.Summary = sf
		c.byName[name] = q
	}
	return nil
}

// addDirSummaries reads dir/summary/*.sql for the queries the folder defined (a user's query
// that overrides a built-in one has no summary form unless the folder gives one).
func (c *Catalog) addDirSummaries(dir string, defined map[string]bool) error {
	if _, err := os.Stat(filepath.Join(dir, SummaryDir)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := c.addSummaries(os.DirFS(dir), dir, defined); err != nil {
		c.errs = append(c.errs, err)
	}
	return nil
}
