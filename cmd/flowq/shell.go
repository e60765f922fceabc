package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/shell"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// savedQueries adapts the saved-query catalog to what the shell needs.
type savedQueries struct {
	c *savedquery.Catalog
	// byNameOnly: .run takes names from the catalog only, never a file path (read-only sessions
	// read no file outside the data dir).
	byNameOnly bool
}

func (s savedQueries) List() []shell.SavedQuery {
	var out []shell.SavedQuery
	for _, q := range s.c.List() {
		sq := shell.SavedQuery{Name: q.Name, Description: q.Description}
		for _, p := range q.Params {
			sq.Params = append(sq.Params, shell.Param{Name: p.Name, Default: p.Default, Description: p.Description,
				Choices: p.Choices, Examples: p.Suggestions(), Hint: p.Hint()})
		}
		out = append(out, sq)
	}
	return out
}

// Run binds a saved query's parameters; the shell runs the Athena SQL it returns.
func (s savedQueries) Run(ctx context.Context, name string, params map[string]string) (string, []any, error) {
	var q savedquery.Query
	if s.byNameOnly {
		var ok bool
		if q, ok = s.c.Lookup(name); !ok {
			return "", nil, fmt.Errorf("no saved query %q (a read-only session runs saved queries by name only; see .queries)", name)
		}
	} else {
		var err error
		if q, err = s.c.Resolve(name); err != nil {
			return "", nil, err
		}
	}
	return savedquery.Bind(q, params)
}

// shellOptions holds everything `flowq shell` needs, filled by newShellCmd from flags.
type shellOptions struct {
	f        *factory
	format   output.Format // "" = table on a terminal, else csv
	maxRows  int
	readOnly bool
	noTiming bool
	dialect  string
}

// newShellCmd only parses: it fills shellOptions and returns usage errors, then calls runF
// (tests) or runShell.
func newShellCmd(f *factory, runF func(context.Context, *shellOptions) error) *cobra.Command {
	opts := &shellOptions{f: f}
	var format string
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
			if format != "" {
				ff, err := output.ParseFormat(format)
				if err != nil {
					return usageErr("%v", err)
				}
				opts.format = ff
			}
			if _, err := dialect(opts.dialect); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runShell(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "result format: table, csv, json, ndjson, markdown, line (default table on a terminal, else csv)")
	cmd.Flags().IntVar(&opts.maxRows, "max-rows", 0, "rows shown per result in table mode (default 1000 interactively)")
	cmd.Flags().BoolVar(&opts.readOnly, "read-only", false, "forbid writes and file or network access outside the data dir (also .output and .read)")
	cmd.Flags().BoolVar(&opts.noTiming, "no-timing", false, "don't print row counts and timings")
	cmd.Flags().StringVar(&opts.dialect, "dialect", "athena", "SQL dialect: athena or duckdb (switch with .athena on|off)")
	return cmd
}

// runShell opens a session and runs the shell on it until the user leaves.
func runShell(ctx context.Context, opts *shellOptions) error {
	f := opts.f
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	cat, err := f.catalog()
	if err != nil {
		return err
	}
	sess, err := f.openSession(ctx, opts.readOnly, opts.dialect)
	if err != nil {
		return err
	}
	defer sess.Close()
	cfg := shell.Config{
		Session:     sess,
		IO:          f.IO,
		HistoryPath: filepath.Join(st.Dir(), "history"),
		Queries:     savedQueries{c: cat, byNameOnly: opts.readOnly},
		Status: func(ctx context.Context, w io.Writer) error {
			return writeStatus(ctx, st, sess, w)
		},
		Format:        opts.format,
		MaxRows:       opts.maxRows,
		NoTiming:      opts.noTiming,
		ExtraCommands: extraShellCommands(sess),
		// The shell's next line says how to enter SQL, get help and leave: the banner
		// does not say it a second time.
		Banner: fmt.Sprintf("flowq %s — SQL over VPC Flow Logs in %s.", version, st.Dir()),
	}
	if cfg.Format == "" && !f.IO.IsStdoutTTY() {
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
}

// extraShellCommands are the meta-commands the CLI adds to the shell's table.
func extraShellCommands(sess *store.Session) []shell.Command {
	return []shell.Command{whyShellCommand(sess)}
}
