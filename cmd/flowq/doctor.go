package main

import (
	"context"
	"fmt"

	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// doctorOptions holds everything `flowq doctor` needs, filled by the constructor from flags.
type doctorOptions struct {
	f    *factory
	fix  bool
	wait bool
	json bool
}

// newDoctorCmd only parses; runF (tests) or runDoctor does the work.
func newDoctorCmd(f *factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{f: f}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the local table for parts that break it, and quarantine them",
		Long: `Check every Parquet part the ledger names: inside the data dir, readable, in its
date=YYYY-MM-DD folder, without a column named like flowq's own (date, _source) and with the
table's column types. With --fix, broken parts move to DATA/quarantine/ and leave the ledger in
one commit, together with the source files whose rows they held; load those files again to
restore their rows. Last, the table is queried as every command would.

Exit status: 0 when the table is healthy (or --fix made it so); 3 when problems were found and
not fixed; 1 when the table still cannot be read.`,
		Example: `  flowq doctor
  flowq doctor --fix`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.wait && !opts.fix {
				return usageErr("--wait applies only with --fix (a check takes no lock)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDoctor(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.fix, "fix", false, "quarantine the parts that break the table")
	cmd.Flags().BoolVar(&opts.wait, "wait", false, "with --fix: wait for another flowq writer to finish instead of failing")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the report as JSON on stdout")
	return cmd
}

func runDoctor(ctx context.Context, opts *doctorOptions) error {
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	rep, err := st.Doctor(ctx, store.DoctorOptions{Fix: opts.fix, Wait: opts.wait})
	if err != nil {
		return err
	}
	out := opts.f.IO.Out
	if opts.json {
		if err := opts.f.printJSON(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "checked %d parts: %d break the table\n", rep.Parts, len(rep.Problems))
		for _, p := range rep.Problems {
			if p.Action != "" {
				fmt.Fprintf(out, "  %s: %s; %s\n", p.Part, p.Reason, p.Action)
			} else {
				fmt.Fprintf(out, "  %s: %s\n", p.Part, p.Reason)
			}
		}
		if len(rep.Unloaded) > 0 {
			fmt.Fprintf(out, "%d source files left the table; load them again to restore their rows:\n", len(rep.Unloaded))
			for _, s := range rep.Unloaded {
				fmt.Fprintf(out, "  %s\n", s)
			}
		}
		if rep.TableErr == "" {
			fmt.Fprintf(out, "table: %d rows\n", rep.Rows)
		}
	}
	switch {
	case rep.TableErr != "" && (opts.fix || len(rep.Problems) == 0):
		return fmt.Errorf("the table cannot be read: %s", rep.TableErr)
	case !opts.fix && len(rep.Problems) > 0:
		fmt.Fprintln(opts.f.IO.ErrOut, "doctor: run `flowq doctor --fix` to quarantine them")
		return &exitError{code: exitPartial}
	}
	return nil
}
