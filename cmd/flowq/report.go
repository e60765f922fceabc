package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/flowq/flowq/engine/atomicfile"
	"github.com/flowq/flowq/engine/htmlreport"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/timespec"
	"github.com/spf13/cobra"
)

// reportOptions holds everything `flowq report` needs.
type reportOptions struct {
	f        *factory
	out      string // the HTML file
	rng      timespec.Range
	title    string
	readOnly bool      // --read-only: every query through the session's read-only check
	now      time.Time // the clock the range was read against
}

// newReportCmd only parses; runF (tests) or runReport does the work.
func newReportCmd(f *factory, runF func(context.Context, *reportOptions) error) *cobra.Command {
	opts := &reportOptions{f: f}
	var tf timeFlags
	cmd := &cobra.Command{
		Use:   "report --html FILE",
		Short: "Write a self-contained HTML report (charts, top talkers, blocked SSH, every saved query)",
		Long: `Write one self-contained HTML file — no network, no external assets, readable with JavaScript
disabled and when printed — to mail or attach to an incident ticket: summary numbers, traffic over
time (accepted vs rejected), top talkers, top rejected sources and ports, blocked SSH, port scans,
asymmetric flows, protocol mix and each saved query's table, with the SQL behind every panel.`,
		Example: `  flowq report --html incident.html --since 7d
  flowq report --html - --since 1d | gzip > today.html.gz
  flowq report --html may.html --since 2024-05-01 --until 2024-06-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.out == "" {
				return usageErr("--html FILE is required")
			}
			opts.now = f.Now()
			var err error
			if opts.rng, err = tf.parse(f); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runReport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.out, "html", "", "write the HTML report to FILE (- for stdout)")
	tf.register(cmd, false)
	cmd.Flags().StringVar(&opts.title, "title", "", "report title (default \"flowq report\")")
	cmd.Flags().BoolVar(&opts.readOnly, "read-only", false, "run the saved queries (--queries packs from others) as single SELECTs with no file or network access outside the data dir")
	return cmd
}

func runReport(ctx context.Context, opts *reportOptions) error {
	f := opts.f
	ho := htmlreport.Options{Title: opts.title, Now: opts.now, Since: opts.rng.From, Until: opts.rng.To}
	var err error
	if ho.Catalog, err = f.catalog(); err != nil {
		return err
	}
	for _, q := range ho.Catalog.List() {
		if q.Shadows == savedquery.BuiltinSource {
			fmt.Fprintf(f.IO.ErrOut, "report: saved query %s from %s overrides the built-in one\n", q.Name, q.Source)
		}
	}
	sess, err := f.openSession(ctx, opts.readOnly, "athena")
	if err != nil {
		return err
	}
	defer sess.Close()
	start := time.Now()
	rep, err := htmlreport.Build(ctx, sess, ho) // the session's door: read-only checks every query
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		return fmt.Errorf("writing %s: %w", opts.out, err)
	}
	if opts.out == "-" {
		// "-" is stdout, as for every other tool: never a file of that name.
		if _, err := f.IO.Out.Write(page.Bytes()); err != nil {
			return fmt.Errorf("writing the report to stdout: %w", err)
		}
		fmt.Fprintf(f.IO.ErrOut, "report: wrote %s to stdout, %d records\n", output.Bytes(int64(page.Len())), rep.Summary.Records)
		return nil
	}
	// Written beside the target, fsynced and renamed: a failed run or a crash never leaves half a report.
	err = atomicfile.WriteFile(opts.out, page.Bytes(), 0o644, "."+filepath.Base(opts.out)+".tmp-*")
	if errors.Is(err, atomicfile.ErrSyncDir) {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err) // the report is in place; only the rename's durability is in doubt
	} else if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "report: wrote %s (%s, %d records, %.2fs)\n", opts.out, output.Bytes(int64(page.Len())), rep.Summary.Records, time.Since(start).Seconds())
	return nil
}
