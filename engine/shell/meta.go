package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/flowq/flowq/engine/output"
)

// Command is one meta-command. The one table of Commands (Commands) drives dispatch, .help,
// completion and docs/shell.md; other packages add theirs (e.g. .why) through
// Config.ExtraCommands.
type Command struct {
	Name  string // with the dot: ".mode"
	Usage string // argument synopsis for .help: "table|csv|json|markdown|line"
	Help  string // one line
	// Args returns completion candidates for argument number len(prev) (prev are the arguments
	// already typed before it); nil means no argument completion.
	Args func(env *Env, prev []string) []Candidate
	// ArgValues completes the VALUE of a KEY=VALUE argument (prev as for Args); nil offers
	// nothing after the '='.
	ArgValues func(env *Env, prev []string, key string) []Candidate
	// Files: the arguments name files outside the data dir. They are completed from the file
	// system, and a read-only session refuses the command when given any.
	Files bool
	// Run executes the command; args exclude the command name.
	Run func(ctx context.Context, env *Env, args []string) error
}

// builtinCommands is the built-in meta-command table: each handler is a named function in
// cmds.go.
func builtinCommands() []Command {
	return []Command{
		{Name: ".help", Usage: "[command]", Help: "show the commands, or one command's usage", Args: commandArgs, Run: cmdHelp},
		{Name: ".tables", Help: "list tables and views", Run: cmdTables},
		{Name: ".schema", Usage: "[table]", Help: "show the columns of a table or view (all when no name)", Args: tableArgs, Run: cmdSchema},
		{Name: ".queries", Usage: "[NAME]", Help: "list the saved queries, or one query's parameters and their allowed values", Args: savedQueryNames, Run: cmdQueries},
		{Name: ".run", Usage: "NAME [param=value ...]", Help: "run a saved query with parameters", Args: savedQueryArgs, ArgValues: savedQueryValues, Run: cmdRun},
		{Name: ".chart", Usage: "[bar|line] [SQL]", Help: "chart the last result (or the given SQL, kept as typed): first column a label or time, the others numbers", Args: chartArgs, Run: cmdChart},
		{Name: ".timing", Usage: "on|off", Help: "show row count and elapsed time after each result", Args: onOff, Run: cmdTiming},
		{Name: ".timer", Usage: "on|off", Help: "same as .timing (DuckDB's name)", Args: onOff, Run: cmdTiming},
		{Name: ".mode", Usage: "[" + formatUsage() + "]", Help: "set the output format (DuckDB's box and duckbox are table); alone: show it", Args: formatArgs, Run: cmdMode},
		{Name: ".headers", Usage: "on|off", Help: "print the header row in csv output (table, markdown and line always name the columns)", Args: onOff, Run: cmdHeaders},
		{Name: ".pager", Usage: "on|off", Help: "page results taller than the terminal through $PAGER (default less -FRX)", Args: onOff, Run: cmdPager},
		{Name: ".output", Usage: "[FILE]", Help: "write results to FILE (truncated); no FILE: back to the screen", Files: true, Run: cmdOutput},
		{Name: ".read", Usage: "FILE.sql", Help: "run the statements and commands in FILE", Files: true, Run: cmdRead},
		{Name: ".status", Help: "show the data dir, loaded data and sync state", Run: cmdStatus},
		{Name: ".maxrows", Usage: "N", Help: "cap the rows shown on screen per result (0 = no cap)", Run: cmdMaxRows},
		{Name: ".athena", Usage: "on|off", Help: "rewrite Athena/Trino SQL (functions, syntax) before running it", Args: onOff, Run: cmdAthena},
		{Name: ".history", Usage: "[search TEXT]", Help: "show recent inputs, or those containing TEXT (Ctrl-R at the prompt)", Args: historyArgs, Run: cmdHistory},
		{Name: ".quit", Help: "leave the shell", Run: cmdQuit},
		{Name: ".exit", Help: "leave the shell", Run: cmdQuit},
	}
}

// Commands is the meta-command table of a shell with the extra commands: the built-in ones in
// their order, an extra one with a built-in name in its place, the other extras after them.
func Commands(extra []Command) []Command {
	cmds := builtinCommands()
next:
	for _, c := range extra {
		for i := range cmds {
			if cmds[i].Name == c.Name {
				cmds[i] = c
				continue next
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func formatUsage() string {
	var names []string
	for _, f := range output.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, "|")
}

// rawArgs is the text after a meta-command's name, as typed (quotes kept): SQL arguments
// (.chart SELECT ... WHERE action='REJECT') must reach DuckDB verbatim.
func rawArgs(line string) string {
	line = strings.TrimSpace(line)
	i := strings.IndexAny(line, " \t\r\n")
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(line[i:])
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
	if cmd.Files && len(args) > 0 && s.sess.ReadOnly() {
		// Like SQL in a read-only session, nothing may read or write files outside the data
		// dir: .output would write a file a script chooses, .read show a file in its errors.
		return fmt.Errorf("%s: %w", cmd.Name, ErrReadOnlyFiles)
	}
	err = cmd.Run(ctx, &Env{s: s, raw: rawArgs(line)}, args)
	var ue usageError
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %s\nusage: %s %s", cmd.Name, ue.msg, cmd.Name, cmd.Usage)
	}
	return err
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}
