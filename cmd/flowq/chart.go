package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/shell"
	"github.com/flowq/flowq/engine/store"
)

// chartKind parses bar|line|auto.
func chartKind(s string) (output.ChartKind, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return output.ChartAuto, nil
	case "bar", "bars":
		return output.ChartBar, nil
	case "line", "lines":
		return output.ChartLine, nil
	}
	return "", fmt.Errorf("unknown chart kind %q (want bar, line or auto)", s)
}

// renderChart draws rows as a terminal chart width columns wide (80 when 0) and as high as the
// terminal allows (20 lines when not on one).
func renderChart(f *factory, w io.Writer, rows *sql.Rows, kind output.ChartKind, width int) error {
	data, err := output.ChartFromRows(rows)
	if err != nil {
		return err
	}
	_, th := f.IO.TerminalSize()
	height := 20
	if th > 8 {
		height = min(th-4, 30)
	}
	if width <= 0 {
		width = 80
	}
	tty := f.IO.IsStdoutTTY()
	opts := output.DetectTerm(tty, os.Getenv).ChartOptions(width, height)
	opts.Kind = kind
	return output.Chart(w, data, opts)
}

// chartStatement runs one statement and charts its result.
func chartStatement(ctx context.Context, f *factory, sess *store.Session, stmt string, args []any, kind output.ChartKind, w io.Writer) error {
	rows, err := sess.Query(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return renderChart(f, w, rows, kind, f.IO.TerminalWidth())
}

// extraShellCommands are the meta-commands the CLI adds to the shell's table.
func extraShellCommands(f *factory) []shell.Command {
	return []shell.Command{
		{
			Name:  ".chart",
			Usage: "[bar|line] [SQL]",
			Help:  "chart the last query's result (or the given SQL): first column a label or time, the others numbers",
			Args: func(env *shell.Env, prev []string) []shell.Candidate {
				if len(prev) > 0 {
					return nil
				}
				return []shell.Candidate{{Text: "bar"}, {Text: "line"}}
			},
			Run: func(ctx context.Context, env *shell.Env, args []string) error {
				kind := output.ChartAuto
				if len(args) > 0 {
					if k, err := chartKind(args[0]); err == nil {
						kind = k
						args = args[1:]
					}
				}
				stmt := strings.TrimSuffix(strings.TrimSpace(strings.Join(args, " ")), ";")
				if stmt == "" {
					stmt = env.LastQuery()
				}
				if stmt == "" {
					return fmt.Errorf(".chart: no query yet; run one, or give the SQL: .chart bar SELECT ...")
				}
				start := time.Now()
				rows, err := env.Query(ctx, stmt)
				if err != nil {
					return err
				}
				defer rows.Close()
				if err := renderChart(f, env.Out(), rows, kind, env.RenderOptions().Width); err != nil {
					return err
				}
				fmt.Fprintf(env.Screen(), "(%s)\n", output.FormatElapsed(time.Since(start)))
				return nil
			},
		},
		whyShellCommand(f),
	}
}
