package main

import (
	"context"
	"fmt"
	"io"

	"github.com/flowq/flowq/engine/inventory"
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
	inv, err := inventory.Summarize(st.Dir())
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
			inventory.Summary
			Queries store.Limits `json:"queries"`
		}{s, inv, lim})
	}
	if err := s.WriteText(f.IO.Out); err != nil {
		return err
	}
	if err := writeLimits(f.IO.Out, lim); err != nil {
		return err
	}
	return writeInventoryStatus(f.IO.Out, inv)
}

// writeInventoryStatus says what names the answers can carry: the inventory's snapshots and
// the date of AWS's IP ranges in effect.
func writeInventoryStatus(w io.Writer, inv inventory.Summary) error {
	snap := "none (flowq inventory sync takes one)"
	if inv.Latest != nil {
		snap = fmt.Sprintf("%d, latest %s", inv.Snapshots, inv.Latest.TakenAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	_, err := fmt.Fprintf(w, "inventory snapshots: %s\nAWS IP ranges: %s (%s)\n", snap, inv.IPRangesDate, inv.IPRangesSource)
	return err
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
	inv, err := inventory.Summarize(st.Dir())
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
	if err := writeLimits(w, lim); err != nil {
		return err
	}
	return writeInventoryStatus(w, inv)
}
