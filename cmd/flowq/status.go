package main

import (
	"context"
	"io"

	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/summary"
	"github.com/spf13/cobra"
)

// statusOptions holds everything `flowq status` needs.
type statusOptions struct {
	f    *factory
	json bool
}

// newStatusCmd only parses; runF (tests) or runStatus does the work.
func newStatusCmd(f *factory, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{f: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what is loaded: files, rows, dates, accounts, regions, disk used",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print as JSON")
	return cmd
}

func runStatus(ctx context.Context, opts *statusOptions) error {
	f := opts.f
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	sess, err := f.openSession(ctx, false, "duckdb")
	if err != nil {
		return err
	}
	defer sess.Close()
	s, err := summary.ReadStatus(ctx, st, sess.DB)
	if err != nil {
		return err
	}
	if opts.json {
		return f.printJSON(s)
	}
	return s.WriteText(f.IO.Out)
}

// writeStatus is the shell's .status: the status read through the shell's own session, so it
// describes the table the shell queries.
func writeStatus(ctx context.Context, st *store.Store, sess *store.Session, w io.Writer) error {
	s, err := summary.ReadStatus(ctx, st, sess.DB)
	if err != nil {
		return err
	}
	return s.WriteText(w)
}
