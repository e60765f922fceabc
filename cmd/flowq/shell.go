package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/shell"
	"github.com/spf13/cobra"
)

// savedQueries adapts the report catalog to what the shell needs.
type savedQueries struct{ c *savedquery.Catalog }

func (s savedQueries) List() []shell.SavedQuery {
	var out []shell.SavedQuery
	for _, q := range s.c.List() {
		sq := shell.SavedQuery{Name: q.Name, Description: q.Description}
		for _, p := range q.Params {
			sq.Params = append(sq.Params, shell.Param{Name: p.Name, Default: p.Default, Description: p.Description})
		}
		out = append(out, sq)
	}
	return out
}

func (s savedQueries) Run(ctx context.Context, name string, params map[string]string) (string, []any, error) {
	q, err := s.c.Resolve(name)
	if err != nil {
		return "", nil, err
	}
	// Saved queries are Athena SQL: always rewritten, whatever the shell's .athena setting.
	return savedquery.Prepare(q, params)
}

func newShellCmd(f *factory) *cobra.Command {
	var format, dialect string
	var maxRows int
	var readOnly, noTiming bool
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Interactive SQL over the loaded flow logs (plain `flowq` on a terminal too)",
		Long: `An interactive SQL session over vpc_flow_logs: completion (keywords, tables, columns, functions,
saved queries), multi-line statements ending with ';', persistent history with Ctrl-R search,
meta-commands (.help lists them), Ctrl-C cancels the running query, Ctrl-D exits.

With input from a pipe or file it runs the statements without a prompt and exits non-zero on
the first error:
  flowq shell < report.sql
  echo "SELECT count(*) FROM vpc_flow_logs;" | flowq shell --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := f.Store(ctx)
			if err != nil {
				return err
			}
			cat, err := f.catalog()
			if err != nil {
				return err
			}
			sess, err := f.openSession(ctx, readOnly, dialect)
			if err != nil {
				return err
			}
			defer sess.Close()
			interactive := f.IO.IsStdinTTY()
			cfg := shell.Config{
				DB:              sess.DB,
				BeforeStatement: sess.Refresh,
				Check:           sess.CheckStatement,
				Rewrite:         compat.Rewrite,
				Athena:          dialect == "athena",
				HistoryPath:     filepath.Join(st.Dir(), "history"),
				Queries:         savedQueries{cat},
				Status: func(ctx context.Context, w io.Writer) error {
					return printStatus(ctx, f, w)
				},
				In: f.IO.In, Out: f.IO.Out, Err: f.IO.ErrOut,
				Interactive:   interactive,
				MaxRows:       maxRows,
				NoTiming:      noTiming,
				ExtraCommands: extraShellCommands(f),
				Banner: fmt.Sprintf("flowq %s — SQL over VPC Flow Logs in %s. Type .help for commands, Ctrl-D to exit.",
					version, st.Dir()),
			}
			if format != "" {
				ff, err := output.ParseFormat(format)
				if err != nil {
					return usageErr("%v", err)
				}
				cfg.Format = ff
			} else if !f.IO.IsStdoutTTY() {
				cfg.Format = output.CSV
			}
			err = shell.Run(ctx, cfg)
			switch {
			case errors.Is(err, context.Canceled), errors.Is(err, shell.ErrTerminated):
				return &exitError{code: exitInterrupted}
			case errors.Is(err, shell.ErrReported):
				return &exitError{code: exitFailure} // the shell already printed the error
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "result format: table, csv, json, ndjson, markdown, line (default table on a terminal, else csv)")
	cmd.Flags().IntVar(&maxRows, "max-rows", 0, "rows shown per result in table mode (default 1000 interactively)")
	cmd.Flags().BoolVar(&readOnly, "read-only", false, "forbid writes and file or network access outside the data dir")
	cmd.Flags().BoolVar(&noTiming, "no-timing", false, "don't print row counts and timings")
	cmd.Flags().StringVar(&dialect, "dialect", "athena", "SQL dialect: athena or duckdb (switch with .athena on|off)")
	return cmd
}
