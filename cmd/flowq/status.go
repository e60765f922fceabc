package main

import (
	"context"
	"fmt"
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
	lim, err := sess.Limits(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		return f.printJSON(struct {
			*summary.Status
			Queries store.Limits `json:"queries"`
		}{s, lim})
	}
	if err := s.WriteText(f.IO.Out); err != nil {
		return err
	}
	return writeLimits(f.IO.Out, lim)
}

// writeLimits says what bounds every query: the memory limit (and how to raise it), the
// threads, and where queries spill beyond it.
func writeLimits(w io.Writer, l store.Limits) error {
	_, err := fmt.Fprintf(w, "queries:     memory limit %s (--memory-limit or FLOWQ_MEMORY_LIMIT to change), %d threads, spill to %s\n",
		l.MemoryLimit, l.Threads, l.TempDir)
	return err
}

// writeStatus is the shell's .status: the status read through the shell's own session, so it
// describes the table the shell queries.
func writeStatus(ctx context.Context, st *store.Store, sess *store.Session, w io.Writer) error {
	s, err := summary.ReadStatus(ctx, st, sess.DB)
	if err != nil {
		return err
	}
	lim, err := sess.Limits(ctx)
	if err != nil {
		return err
	}
	if err := s.WriteText(w); err != nil {
		return err
	}
	return writeLimits(w, lim)
}
