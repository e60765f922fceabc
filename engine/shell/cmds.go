package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/output"
)

// The meta-command handlers and completers of builtinCommands, one named function each.

// errQuit is returned by .quit/.exit to end the session.
var errQuit = errors.New("quit")

// ErrReadOnlyFiles refuses a meta-command that names a file in a read-only session.
var ErrReadOnlyFiles = errors.New("read-only session: meta-commands may not read or write files")

// usageError marks a wrong invocation; its text is followed by the command's usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func onOff(_ *Env, prev []string) []Candidate {
	if len(prev) > 0 {
		return nil
	}
	return []Candidate{{Text: "on"}, {Text: "off"}}
}

func parseOnOff(args []string) (bool, error) {
	if len(args) != 1 {
		return false, usageError{"expected on or off"}
	}
	switch strings.ToLower(args[0]) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, usageError{fmt.Sprintf("expected on or off, got %q", args[0])}
}

// firstArg offers cands for the first argument only.
func firstArg(prev []string, cands ...Candidate) []Candidate {
	if len(prev) > 0 {
		return nil
	}
	return cands
}

func commandArgs(env *Env, prev []string) []Candidate {
	var out []Candidate
	for _, c := range env.s.cmds {
		out = append(out, Candidate{Text: c.Name, Description: c.Help})
	}
	return firstArg(prev, out...)
}

func tableArgs(env *Env, prev []string) []Candidate {
	var out []Candidate
	for _, t := range env.s.catalog().Tables {
		out = append(out, Candidate{Text: t.Name, Description: t.Kind})
	}
	return firstArg(prev, out...)
}

func formatArgs(_ *Env, prev []string) []Candidate {
	var out []Candidate
	for _, f := range output.Formats() {
		out = append(out, Candidate{Text: string(f)})
	}
	return firstArg(prev, out...)
}

func chartArgs(_ *Env, prev []string) []Candidate {
	return firstArg(prev, Candidate{Text: "bar"}, Candidate{Text: "line"})
}

func historyArgs(_ *Env, prev []string) []Candidate {
	return firstArg(prev, Candidate{Text: "search"})
}

// cmdHelp lists the table, or one command's usage.
func cmdHelp(_ context.Context, env *Env, args []string) error {
	s := env.s
	w := tabwriter.NewWriter(s.screen(), 0, 0, 2, ' ', 0)
	if len(args) > 0 {
		name := args[0]
		if !strings.HasPrefix(name, ".") {
			name = "." + name
		}
		cmd, ok := s.lookup(strings.ToLower(name))
		if !ok {
			return fmt.Errorf("unknown command %s (see .help)", name)
		}
		fmt.Fprintf(w, "%s %s\n    %s\n", cmd.Name, cmd.Usage, cmd.Help)
		return w.Flush()
	}
	for _, c := range s.cmds {
		fmt.Fprintf(w, "%s %s\t%s\n", c.Name, c.Usage, c.Help)
	}
	fmt.Fprintln(w, "\nSQL statements end with ';' and may span lines. Tab completes; Ctrl-R searches history;")
	fmt.Fprintln(w, "Ctrl-C cancels a running query or clears the line; Ctrl-D on an empty line exits.")
	return w.Flush()
}

func cmdTables(ctx context.Context, env *Env, _ []string) error {
	return env.s.runSQL(ctx, statement{sql: tablesQuery, dialect: compat.DuckDB})
}

func cmdSchema(ctx context.Context, env *Env, args []string) error {
	if len(args) > 1 {
		return usageError{"expected at most one table name"}
	}
	q := `SELECT table_name AS "table", column_name AS "column", data_type AS "type"
FROM duckdb_columns() WHERE NOT internal`
	var qargs []any
	if len(args) == 1 {
		if env.s.catalog().table(args[0]) == nil {
			env.s.refreshCatalog(ctx) // a script loads no catalog up front; new tables appear
		}
		if env.s.catalog().table(args[0]) == nil {
			return fmt.Errorf("no table or view named %q (see .tables)", args[0])
		}
		q += ` AND lower(table_name) = lower(?)`
		qargs = append(qargs, args[0])
	}
	return env.s.runSQL(ctx, statement{sql: q + ` ORDER BY table_name, column_index`, args: qargs, dialect: compat.DuckDB})
}

// cmdQueries lists the saved queries, or one query's parameters with the values they take.
func cmdQueries(_ context.Context, env *Env, args []string) error {
	s := env.s
	if s.cfg.Queries == nil {
		fmt.Fprintln(s.errw(), "no saved queries in this session")
		return nil
	}
	if len(args) > 1 {
		return usageError{"expected at most one query name"}
	}
	list := s.cfg.Queries.List()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	w := tabwriter.NewWriter(s.screen(), 0, 0, 2, ' ', 0)
	if len(args) == 1 {
		q, ok := findQuery(list, args[0])
		if !ok {
			return fmt.Errorf("no saved query %q (see .queries)", args[0])
		}
		fmt.Fprintf(w, "%s — %s\n", q.Name, q.Description)
		if len(q.Params) == 0 {
			fmt.Fprintln(w, "no parameters")
			return w.Flush()
		}
		fmt.Fprintln(w, "\nparameter\tdefault\tvalues\tdescription")
		for _, p := range q.Params {
			def := p.Default
			if def == "" {
				def = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, def, paramValues(p), p.Description)
		}
		fmt.Fprintf(w, "\n.run %s %s=VALUE ...  (Tab completes names and values)\n", q.Name, q.Params[0].Name)
		return w.Flush()
	}
	fmt.Fprintln(w, "name\tparameters\tdescription")
	for _, q := range list {
		var ps []string
		for _, p := range q.Params {
			switch {
			case len(p.Choices) > 0:
				ps = append(ps, p.Name+"="+strings.Join(p.Choices, "|"))
			case p.Default != "":
				ps = append(ps, p.Name+"="+p.Default)
			default:
				ps = append(ps, p.Name)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", q.Name, strings.Join(ps, " "), q.Description)
	}
	fmt.Fprintln(w, "\n.queries NAME shows a query's parameters and the values they take.")
	return w.Flush()
}

// paramValues says what values a parameter takes: its choices, else its hint.
func paramValues(p Param) string {
	switch {
	case len(p.Choices) > 0:
		return "one of " + strings.Join(p.Choices, ", ")
	case p.Hint != "":
		return p.Hint
	}
	return "any text"
}

func findQuery(list []SavedQuery, name string) (SavedQuery, bool) {
	for _, q := range list {
		if q.Name == name {
			return q, true
		}
	}
	return SavedQuery{}, false
}

// savedQueryNames completes .queries: the query names.
func savedQueryNames(env *Env, prev []string) []Candidate {
	return firstArg(prev, savedQueryArgs(env, nil)...)
}

// savedQueryValues completes the value of NAME= after .run QUERY: the parameter's choices, or
// example values, and an empty candidate saying what the value takes (see completeMeta).
func savedQueryValues(env *Env, prev []string, key string) []Candidate {
	if env.s.cfg.Queries == nil || len(prev) == 0 {
		return nil
	}
	q, ok := findQuery(env.s.cfg.Queries.List(), prev[0])
	if !ok {
		return nil
	}
	for _, p := range q.Params {
		if p.Name != key {
			continue
		}
		vals, desc := p.Choices, ""
		if len(vals) == 0 {
			vals, desc = p.Examples, "example"
		}
		// The empty candidate describes what the value takes, for when nothing else matches.
		out := []Candidate{{Description: paramValues(p)}}
		for _, v := range vals {
			d := desc
			if v == p.Default {
				d = "default"
			}
			out = append(out, Candidate{Text: v, Description: d})
		}
		return out
	}
	return nil
}

// savedQueryArgs completes .run: query names, then the query's parameters not given yet.
func savedQueryArgs(env *Env, prev []string) []Candidate {
	s := env.s
	if s.cfg.Queries == nil {
		return nil
	}
	list := s.cfg.Queries.List()
	if len(prev) == 0 {
		var out []Candidate
		for _, q := range list {
			out = append(out, Candidate{Text: q.Name, Description: q.Description})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
		return out
	}
	for _, q := range list {
		if q.Name != prev[0] {
			continue
		}
		given := map[string]bool{}
		for _, a := range prev[1:] {
			k, _, _ := strings.Cut(a, "=")
			given[k] = true
		}
		var out []Candidate
		for _, p := range q.Params {
			if given[p.Name] {
				continue
			}
			desc := p.Description
			if len(p.Choices) > 0 {
				desc = strings.TrimSpace(desc + " (" + strings.Join(p.Choices, "|") + ")")
			}
			if p.Default != "" {
				desc = strings.TrimSpace(desc + " (default " + p.Default + ")")
			}
			out = append(out, Candidate{Text: p.Name, Description: desc})
		}
		return out
	}
	return nil
}

// cmdRun runs a saved query; like typed SQL it becomes the result .chart draws.
func cmdRun(ctx context.Context, env *Env, args []string) error {
	s := env.s
	if len(args) == 0 {
		return usageError{"expected a query name (see .queries)"}
	}
	if s.cfg.Queries == nil {
		return fmt.Errorf("no saved queries in this session")
	}
	params, err := parseParams(args[1:])
	if err != nil {
		return err
	}
	q, qargs, err := s.cfg.Queries.Run(ctx, args[0], params)
	if err != nil {
		return fmt.Errorf(".run %s: %w", args[0], err)
	}
	// Saved queries are Athena SQL, whatever .athena says.
	st := statement{sql: q, args: qargs, dialect: compat.Athena}
	s.last = st
	return s.runSQL(ctx, st)
}

// cmdChart draws the last result (typed SQL or .run), run again, or the given SQL. The SQL is
// taken from the raw line, quotes and all: WHERE action='REJECT' must stay a string literal.
func cmdChart(ctx context.Context, env *Env, _ []string) error {
	s := env.s
	kind := output.ChartAuto
	text := env.RawArgs()
	first, after := cutWord(text)
	if k, err := output.ParseChartKind(first); err == nil && first != "" {
		kind = k
		text = after
	}
	st := s.last
	if text = strings.TrimSuffix(strings.TrimSpace(text), ";"); text != "" {
		st = statement{sql: text, dialect: s.sess.Dialect()}
	}
	if st.sql == "" {
		return fmt.Errorf("no query yet; run one, or give the SQL: .chart bar SELECT ...")
	}
	start := time.Now()
	rows, err := s.sess.RunIn(ctx, st.dialect, st.sql, st.args...)
	if err != nil {
		return &stmtError{st.sql, err}
	}
	defer rows.Close()
	data, err := output.ChartFromRows(rows)
	if err != nil {
		return err
	}
	_, th := s.io.TerminalSize()
	o := s.renderOptions()
	width, height := output.ChartSize(o.Width, th)
	caps := s.io.Caps()
	opts := output.ChartOptions{Kind: kind, Width: width, Height: height, Unicode: caps.Unicode,
		Color: caps.Color && s.outFile == nil}
	if err := output.Chart(s.resultWriter(), data, opts); err != nil {
		return err
	}
	fmt.Fprintf(s.screen(), "(%s)\n", output.FormatElapsed(time.Since(start)))
	return nil
}

func cmdTiming(_ context.Context, env *Env, args []string) error {
	v, err := parseOnOff(args)
	env.s.timing = v
	return err
}

// cmdMode sets the format; DuckDB's CLI names are accepted (box, duckbox and column draw a
// table, jsonlines is ndjson). Alone it shows the current format.
func cmdMode(_ context.Context, env *Env, args []string) error {
	s := env.s
	switch len(args) {
	case 0:
		fmt.Fprintf(s.screen(), "mode: %s\n", s.format)
		return nil
	case 1:
	default:
		return usageError{"expected one format"}
	}
	name := strings.ToLower(args[0])
	switch name {
	case "box", "duckbox", "column":
		name = string(output.Table)
	case "jsonlines":
		name = string(output.NDJSON)
	}
	f, err := output.ParseFormat(name)
	if err != nil {
		return usageError{err.Error()}
	}
	s.format = f
	return nil
}

// cmdHeaders turns csv's header row on or off, as DuckDB's and SQLite's .headers do.
func cmdHeaders(_ context.Context, env *Env, args []string) error {
	v, err := parseOnOff(args)
	if err != nil {
		return err
	}
	env.s.headers = v
	if !v && env.s.format != output.CSV {
		fmt.Fprintf(env.s.screen(), "(headers off applies to csv output; %s output always names the columns)\n", env.s.format)
	}
	return nil
}

// cmdPager turns paging of tall results on or off.
func cmdPager(_ context.Context, env *Env, args []string) error {
	v, err := parseOnOff(args)
	if err != nil {
		return err
	}
	env.s.pager = v
	return nil
}

// cmdOutput sends results to a file (truncated), or back to the screen.
func cmdOutput(_ context.Context, env *Env, args []string) error {
	s := env.s
	if len(args) > 1 {
		return usageError{"expected at most one file name"}
	}
	if s.outFile != nil {
		err := s.outFile.Close()
		s.outFile = nil
		if err != nil {
			return fmt.Errorf("close output: %w", err)
		}
	}
	if len(args) == 0 {
		return nil
	}
	f, err := os.Create(expandHome(args[0]))
	if err != nil {
		return fmt.Errorf(".output: %w", err)
	}
	s.outFile = f
	return nil
}

func cmdRead(ctx context.Context, env *Env, args []string) error {
	if len(args) != 1 {
		return usageError{"expected one file name"}
	}
	return env.s.readFile(ctx, args[0])
}

func cmdStatus(ctx context.Context, env *Env, _ []string) error {
	s := env.s
	if s.cfg.Status == nil {
		fmt.Fprintln(s.errw(), "no status available in this session")
		return nil
	}
	return s.cfg.Status(ctx, s.screen())
}

func cmdMaxRows(_ context.Context, env *Env, args []string) error {
	if len(args) != 1 {
		return usageError{"expected a number"}
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		return usageError{fmt.Sprintf("expected a number >= 0, got %q", args[0])}
	}
	env.s.maxRows = n
	return nil
}

// cmdAthena switches the dialect typed SQL is read in.
func cmdAthena(_ context.Context, env *Env, args []string) error {
	v, err := parseOnOff(args)
	if err != nil {
		return err
	}
	d := compat.DuckDB
	if v {
		d = compat.Athena
	}
	env.s.sess.SetDialect(d)
	return nil
}

func cmdHistory(_ context.Context, env *Env, args []string) error {
	s := env.s
	var list []string
	switch {
	case len(args) == 0:
		all := s.hist.Entries()
		list = all[max(0, len(all)-20):]
	case strings.EqualFold(args[0], "search") && len(args) >= 2:
		found := s.hist.Search(strings.Join(args[1:], " "))
		for i := len(found) - 1; i >= 0; i-- { // oldest first, like the plain listing
			list = append(list, found[i])
		}
	default:
		return usageError{"expected nothing or: search TEXT"}
	}
	for _, e := range list {
		fmt.Fprintln(s.screen(), e)
	}
	return nil
}

func cmdQuit(context.Context, *Env, []string) error { return errQuit }

// cutWord splits s at its first blank: the first word and the rest, trimmed.
func cutWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t\r\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}
