package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/sqlscan"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// outputFlags are the result-format flags shared by query and run.
type outputFlags struct {
	format   string
	out      string
	maxRows  int
	readOnly bool
	dialect  string
	chart    string // "" = no chart; bar, line or auto
}

// register adds the flags; withDialect adds --dialect (not for saved queries, which are always
// Athena SQL).
func (o *outputFlags) register(cmd *cobra.Command, withDialect bool) {
	o.dialect = "athena"
	cmd.Flags().StringVar(&o.format, "format", "", "output format: table, csv, json, ndjson, markdown, line (default table on a terminal, else csv)")
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write results to FILE instead of stdout")
	cmd.Flags().IntVar(&o.maxRows, "max-rows", 1000, "rows shown in table/markdown/line mode (0 = all); csv and json are never capped")
	cmd.Flags().BoolVar(&o.readOnly, "read-only", false, "forbid writes and file or network access outside the data dir (for .sql files from others)")
	cmd.Flags().StringVar(&o.chart, "chart", "", "draw the result as a terminal chart: bar, line or auto (first column a label or time, the others numbers)")
	cmd.Flags().Lookup("chart").NoOptDefVal = "auto"
	if withDialect {
		cmd.Flags().StringVar(&o.dialect, "dialect", "athena", "SQL dialect: athena (Trino semantics: 7/2 = 3, contains() on CIDRs) or duckdb (for SQL written for DuckDB; saved queries are Athena SQL)")
	}
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, f := range output.Formats() {
			out = append(out, string(f))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// formatByExt is the format an --out file's extension asks for.
var formatByExt = map[string]output.Format{".json": output.JSON, ".ndjson": output.NDJSON, ".jsonl": output.NDJSON,
	".csv": output.CSV, ".md": output.Markdown, ".markdown": output.Markdown}

// sink opens the result destination and decides the format.
func (o *outputFlags) sink(f *factory) (io.Writer, output.Format, output.Options, func() error, error) {
	w := f.IO.Out
	closeFn := func() error { return nil }
	terminal := f.IO.IsStdoutTTY()
	if o.out != "" {
		file, err := os.OpenFile(o.out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, "", output.Options{}, nil, fmt.Errorf("opening output %s: %w", o.out, err)
		}
		w, closeFn, terminal = file, file.Close, false
	}
	format := output.CSV
	if terminal {
		format = output.Table
	}
	if ff, ok := formatByExt[strings.ToLower(filepath.Ext(o.out))]; ok && o.out != "" {
		format = ff // -o out.json writes JSON; an explicit --format still wins
	}
	if o.format != "" {
		ff, err := output.ParseFormat(o.format)
		if err != nil {
			return nil, "", output.Options{}, nil, usageErr("%v", err)
		}
		format = ff
	}
	opts := output.Options{Terminal: terminal, MaxRows: o.maxRows}
	if terminal {
		opts.Width = f.IO.TerminalWidth()
	}
	return w, format, opts, closeFn, nil
}

// validate checks the flag values that can be checked before anything runs: a bad format,
// chart kind or dialect is a usage error.
func (o *outputFlags) validate() error {
	if o.format != "" {
		if _, err := output.ParseFormat(o.format); err != nil {
			return usageErr("--format: %v", err)
		}
	}
	if o.chart != "" {
		if _, err := output.ParseChartKind(o.chart); err != nil {
			return usageErr("--chart: %v", err)
		}
	}
	if _, err := dialect(o.dialect); err != nil {
		return err
	}
	return nil
}

// queryOptions holds everything `flowq query` needs, filled by newQueryCmd from flags and args.
type queryOptions struct {
	f      *factory
	sql    string // the SQL argument, or ""
	file   string // -f FILE ("-" = stdin), or ""
	output outputFlags
	remote athenaRemote // --on athena and the AWS options
}

// newQueryCmd only parses: it fills queryOptions and returns usage errors, then calls runF
// (tests) or runQuery.
func newQueryCmd(f *factory, runF func(context.Context, *queryOptions) error) *cobra.Command {
	opts := &queryOptions{f: f}
	cmd := &cobra.Command{
		Use:   "query [SQL]",
		Short: "Run SQL against the loaded flow logs",
		Long: `Run one or more SQL statements (separated by ';') against the vpc_flow_logs table and print
the results. Athena queries run unchanged: the Trino functions Athena users rely on are provided.`,
		Example: `  flowq query "SELECT action, count(*) FROM vpc_flow_logs GROUP BY action"
  flowq query -f report.sql --format json
  echo "SELECT count(*) FROM vpc_flow_logs" | flowq query -f -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.file != "" && len(args) > 0:
				return usageErr("give either SQL or -f FILE, not both")
			case len(args) == 1:
				opts.sql = args[0]
			case opts.file == "":
				return usageErr("no SQL given: pass it as an argument or with -f FILE")
			}
			if _, err := opts.remote.remote(&opts.output); err != nil {
				return err
			}
			if err := opts.output.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runQuery(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.file, "file", "f", "", "read SQL from FILE ('-' for stdin)")
	opts.output.register(cmd, true)
	opts.remote.register(cmd)
	return cmd
}

// runQuery reads the SQL and runs its statements on a session in the chosen dialect.
func runQuery(ctx context.Context, opts *queryOptions) error {
	f := opts.f
	text := opts.sql
	switch opts.file {
	case "":
	case "-":
		b, err := io.ReadAll(f.IO.In)
		if err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
		text = string(b)
	default:
		b, err := os.ReadFile(opts.file)
		if err != nil {
			return fmt.Errorf("reading %s: %w", opts.file, err)
		}
		text = string(b)
	}
	stmts := sqlscan.Statements(text)
	if len(stmts) == 0 {
		return usageErr("no SQL statement found")
	}
	if opts.remote.isRemote() {
		return queryOnAthena(ctx, f, &opts.remote, stmts, &opts.output)
	}
	sess, err := f.openSession(ctx, opts.output.readOnly, opts.output.dialect)
	if err != nil {
		return err
	}
	defer sess.Close()
	return runStatements(ctx, f, sess, stmts, nil, &opts.output)
}

// runStatements runs statements, written in the session's dialect, in order, rendering each
// result; args bind to the last one, and --chart draws the last one.
func runStatements(ctx context.Context, f *factory, sess *store.Session, stmts []string, args []any, of *outputFlags) error {
	w, format, opts, closeFn, err := of.sink(f)
	if err != nil {
		return err
	}
	defer closeFn()
	for i, stmt := range stmts {
		last := i == len(stmts)-1
		var a []any
		if last {
			a = args
		}
		if _, err := renderStatement(ctx, f, sess, sess.Dialect(), stmt, a, of, last, w, format, opts); err != nil {
			return fmt.Errorf("statement %d: %w", i+1, err)
		}
		if !last && (format == output.Table || format == output.Markdown || format == output.Line) {
			fmt.Fprintln(w)
		}
	}
	return closeFn()
}

// runPrepared runs one statement already in DuckDB's SQL (a saved query after
// savedquery.Prepare) with bound arguments and renders (or charts) it, returning what was
// rendered.
func runPrepared(ctx context.Context, f *factory, sess *store.Session, stmt string, args []any, of *outputFlags) (output.Stats, error) {
	w, format, opts, closeFn, err := of.sink(f)
	if err != nil {
		return output.Stats{}, err
	}
	defer closeFn()
	st, err := renderStatement(ctx, f, sess, compat.DuckDB, stmt, args, of, true, w, format, opts)
	if err != nil {
		return st, err
	}
	return st, closeFn()
}

// renderStatement runs one statement written in dialect d through the session's one door
// (Session.RunIn) and renders its result to w, with the footer on a terminal; with chart (the
// --chart statement) it draws a chart instead. Statements without a result (SET, CREATE) print
// nothing.
func renderStatement(ctx context.Context, f *factory, sess *store.Session, d compat.Dialect, stmt string, args []any, of *outputFlags,
	chart bool, w io.Writer, format output.Format, opts output.Options) (output.Stats, error) {
	chart = chart && of.chart != ""
	kind, err := output.ParseChartKind(of.chart)
	if chart && err != nil {
		return output.Stats{}, usageErr("--chart: %v", err)
	}
	start := time.Now()
	rows, err := sess.RunIn(ctx, d, stmt, args...)
	if err != nil {
		return output.Stats{}, err
	}
	defer rows.Close()
	if chart {
		return output.Stats{}, renderChart(f, w, rows, kind)
	}
	st, _, err := output.RenderResult(ctx, w, stmt, rows, format, opts)
	if err != nil {
		return st, err
	}
	if opts.Terminal {
		fmt.Fprintln(f.IO.ErrOut, output.Footer(st, time.Since(start)))
	}
	return st, nil
}
