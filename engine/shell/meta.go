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

	"github.com/flowq/flowq/engine/output"
)

// Command is one meta-command. The one table of Commands drives dispatch, .help and completion;
// other packages add theirs (e.g. .chart, .why) through Config.ExtraCommands.
type Command struct {
	Name  string // with the dot: ".mode"
	Usage string // argument synopsis for .help: "table|csv|json|markdown|line"
	Help  string // one line
	// Args returns completion candidates for argument number len(prev) (prev are the arguments
	// already typed before it); nil means no argument completion.
	Args func(env *Env, prev []string) []Candidate
	// PathArgs: arguments are file paths (completed from the file system).
	PathArgs bool
	// Run executes the command; args exclude the command name.
	Run func(ctx context.Context, env *Env, args []string) error
}

// errQuit is returned by .quit/.exit to end the session.
var errQuit = errors.New("quit")

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

func tableArgs(env *Env, prev []string) []Candidate {
	if len(prev) > 0 {
		return nil
	}
	var out []Candidate
	for _, t := range env.s.catalog().Tables {
		out = append(out, Candidate{Text: t.Name, Description: t.Kind})
	}
	return out
}

// builtinCommands returns the built-in meta-command table.
func builtinCommands() []Command {
	return []Command{
		{Name: ".help", Usage: "[command]", Help: "show the commands, or one command's usage",
			Args: func(env *Env, prev []string) []Candidate {
				if len(prev) > 0 {
					return nil
				}
				var out []Candidate
				for _, c := range env.s.cmds {
					out = append(out, Candidate{Text: c.Name, Description: c.Help})
				}
				return out
			},
			Run: func(ctx context.Context, env *Env, args []string) error {
				return env.s.help(args)
			}},
		{Name: ".tables", Help: "list tables and views",
			Run: func(ctx context.Context, env *Env, args []string) error {
				return env.s.runSQL(ctx, tablesQuery, nil, false)
			}},
		{Name: ".schema", Usage: "[table]", Help: "show the columns of a table or view (all when no name)",
			Args: tableArgs,
			Run: func(ctx context.Context, env *Env, args []string) error {
				if len(args) > 1 {
					return usageError{"expected at most one table name"}
				}
				q := `SELECT table_name AS "table", column_name AS "column", data_type AS "type"
FROM duckdb_columns() WHERE NOT internal`
				var qargs []any
				if len(args) == 1 {
					if env.s.catalog().table(args[0]) == nil {
						return fmt.Errorf("no table or view named %q (see .tables)", args[0])
					}
					q += ` AND lower(table_name) = lower(?)`
					qargs = append(qargs, args[0])
				}
				return env.s.runSQL(ctx, q+` ORDER BY table_name, column_index`, qargs, false)
			}},
		{Name: ".queries", Help: "list the saved queries",
			Run: func(ctx context.Context, env *Env, args []string) error { return env.s.listQueries() }},
		{Name: ".run", Usage: "NAME [param=value ...]", Help: "run a saved query with parameters",
			Args: func(env *Env, prev []string) []Candidate { return env.s.runArgs(prev) },
			Run: func(ctx context.Context, env *Env, args []string) error {
				return env.s.runSaved(ctx, args)
			}},
		{Name: ".timing", Usage: "on|off", Help: "show row count and elapsed time after each result",
			Args: onOff,
			Run: func(ctx context.Context, env *Env, args []string) error {
				v, err := parseOnOff(args)
				env.s.timing = v
				return err
			}},
		{Name: ".mode", Usage: formatUsage(), Help: "set the output format",
			Args: func(env *Env, prev []string) []Candidate {
				if len(prev) > 0 {
					return nil
				}
				var out []Candidate
				for _, f := range output.Formats() {
					out = append(out, Candidate{Text: string(f)})
				}
				return out
			},
			Run: func(ctx context.Context, env *Env, args []string) error {
				if len(args) != 1 {
					return usageError{"expected one format"}
				}
				f, err := output.ParseFormat(args[0])
				if err != nil {
					return usageError{err.Error()}
				}
				env.s.format = f
				return nil
			}},
		{Name: ".output", Usage: "[FILE]", Help: "write results to FILE (truncated); no FILE: back to the screen",
			PathArgs: true,
			Run: func(ctx context.Context, env *Env, args []string) error {
				if len(args) > 1 {
					return usageError{"expected at most one file name"}
				}
				return env.s.setOutput(args)
			}},
		{Name: ".read", Usage: "FILE.sql", Help: "run the statements and commands in FILE",
			PathArgs: true,
			Run: func(ctx context.Context, env *Env, args []string) error {
				if len(args) != 1 {
					return usageError{"expected one file name"}
				}
				return env.s.readFile(ctx, args[0])
			}},
		{Name: ".status", Help: "show the data dir, loaded data and sync state",
			Run: func(ctx context.Context, env *Env, args []string) error {
				if env.s.cfg.Status == nil {
					fmt.Fprintln(env.s.errw(), "no status available in this session")
					return nil
				}
				return env.s.cfg.Status(ctx, env.s.screen())
			}},
		{Name: ".maxrows", Usage: "N", Help: "cap the rows shown on screen per result (0 = no cap)",
			Run: func(ctx context.Context, env *Env, args []string) error {
				if len(args) != 1 {
					return usageError{"expected a number"}
				}
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 0 {
					return usageError{fmt.Sprintf("expected a number >= 0, got %q", args[0])}
				}
				env.s.maxRows = n
				return nil
			}},
		{Name: ".athena", Usage: "on|off", Help: "rewrite Athena/Trino SQL (functions, syntax) before running it",
			Args: onOff,
			Run: func(ctx context.Context, env *Env, args []string) error {
				v, err := parseOnOff(args)
				if err != nil {
					return err
				}
				if v && env.s.cfg.Rewrite == nil {
					return fmt.Errorf("no Athena rewrite available in this session")
				}
				env.s.athena = v
				return nil
			}},
		{Name: ".history", Usage: "[search TEXT]", Help: "show recent inputs, or those containing TEXT (Ctrl-R at the prompt)",
			Args: func(env *Env, prev []string) []Candidate {
				if len(prev) > 0 {
					return nil
				}
				return []Candidate{{Text: "search"}}
			},
			Run: func(ctx context.Context, env *Env, args []string) error { return env.s.showHistory(args) }},
		{Name: ".quit", Help: "leave the shell", Run: func(context.Context, *Env, []string) error { return errQuit }},
		{Name: ".exit", Help: "leave the shell", Run: func(context.Context, *Env, []string) error { return errQuit }},
	}
}

func formatUsage() string {
	var names []string
	for _, f := range output.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, "|")
}

// parseMeta splits a meta-command line into the command name and its arguments. Arguments are
// separated by blanks; single or double quotes keep blanks inside one argument.
func parseMeta(line string) (name string, args []string, err error) {
	fields, _, err := splitArgs(strings.TrimSpace(line))
	if err != nil {
		return "", nil, err
	}
	if len(fields) == 0 || !strings.HasPrefix(fields[0], ".") {
		return "", nil, fmt.Errorf("not a meta-command: %q", line)
	}
	return strings.ToLower(fields[0]), append([]string{}, fields[1:]...), nil
}

// splitArgs is a small shell-like word splitter; open reports a quote left open at the end.
func splitArgs(s string) (fields []string, open bool, err error) {
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
			inWord = true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				fields = append(fields, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		fields = append(fields, cur.String())
	}
	if quote != 0 {
		return fields, true, fmt.Errorf("unclosed %c quote", quote)
	}
	return fields, false, nil
}

// parseParams turns k=v arguments into a map.
func parseParams(args []string) (map[string]string, error) {
	params := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Sprintf("expected param=value, got %q", a)}
		}
		params[k] = v
	}
	return params, nil
}

func (s *session) lookup(name string) (*Command, bool) {
	for i := range s.cmds {
		if s.cmds[i].Name == name {
			return &s.cmds[i], true
		}
	}
	return nil, false
}

// dispatch runs one meta-command line.
func (s *session) dispatch(ctx context.Context, line string) error {
	name, args, err := parseMeta(line)
	if err != nil {
		return err
	}
	cmd, ok := s.lookup(name)
	if !ok {
		return fmt.Errorf("unknown command %s (see .help)", name)
	}
	err = cmd.Run(ctx, &Env{s: s}, args)
	var ue usageError
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %s\nusage: %s %s", cmd.Name, ue.msg, cmd.Name, cmd.Usage)
	}
	return err
}

func (s *session) help(args []string) error {
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

func (s *session) listQueries() error {
	if s.cfg.Queries == nil {
		fmt.Fprintln(s.errw(), "no saved queries in this session")
		return nil
	}
	list := s.cfg.Queries.List()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	w := tabwriter.NewWriter(s.screen(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "name\tparameters\tdescription")
	for _, q := range list {
		var ps []string
		for _, p := range q.Params {
			if p.Default != "" {
				ps = append(ps, p.Name+"="+p.Default)
			} else {
				ps = append(ps, p.Name)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", q.Name, strings.Join(ps, " "), q.Description)
	}
	return w.Flush()
}

func (s *session) runArgs(prev []string) []Candidate {
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
			if p.Default != "" {
				desc = strings.TrimSpace(desc + " (default " + p.Default + ")")
			}
			out = append(out, Candidate{Text: p.Name, Description: desc})
		}
		return out
	}
	return nil
}

func (s *session) runSaved(ctx context.Context, args []string) error {
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
	// Saved queries are bound by the report package in DuckDB's dialect: no Athena rewrite.
	return s.runSQL(ctx, q, qargs, false)
}

func (s *session) showHistory(args []string) error {
	w := s.screen()
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
		fmt.Fprintln(w, e)
	}
	return nil
}

func (s *session) setOutput(args []string) error {
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

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}
