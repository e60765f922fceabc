package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flowq/flowq/engine/htmlreport"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/spf13/cobra"
)

func newReportCmd(f *factory) *cobra.Command {
	var out, since, until, title string
	var readOnly bool
	cmd := &cobra.Command{
		Use:   "report --html FILE",
		Short: "Write a self-contained HTML report (charts, top talkers, blocked SSH, every saved query)",
		Long: `Write one self-contained HTML file — no network, no external assets, readable with JavaScript
disabled and when printed — to mail or attach to an incident ticket: summary numbers, traffic over
time (accepted vs rejected), top talkers, top rejected sources and ports, blocked SSH, port scans,
asymmetric flows, protocol mix and each saved query's table, with the SQL behind every panel.`,
		Example: `  flowq report --html incident.html --since 7d
  flowq report --html may.html --since 2024-05-01 --until 2024-06-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("--html FILE is required")
			}
			ctx := cmd.Context()
			now := time.Now().UTC()
			opts := htmlreport.Options{Title: title, Now: now}
			var err error
			if since != "" {
				if opts.Since, err = savedquery.ParseTime(since, now); err != nil {
					return usageErr("--since: %v", err)
				}
			}
			if until != "" {
				if opts.Until, err = savedquery.ParseTime(until, now); err != nil {
					return usageErr("--until: %v", err)
				}
			}
			if opts.Catalog, err = f.catalog(); err != nil {
				return err
			}
			for _, q := range opts.Catalog.List() {
				if q.Shadows == savedquery.BuiltinSource {
					fmt.Fprintf(f.IO.ErrOut, "report: saved query %s from %s overrides the built-in one\n", q.Name, q.Source)
				}
			}
			sess, err := f.openSession(ctx, readOnly, "athena")
			if err != nil {
				return err
			}
			defer sess.Close()
			start := time.Now()
			rep, err := htmlreport.Build(ctx, sess, opts) // the session's door: read-only checks every query
			if err != nil {
				return err
			}
			// Written beside the target and renamed: a failed run never leaves half a report.
			tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
			if err != nil {
				return fmt.Errorf("writing %s: %w", out, err)
			}
			defer os.Remove(tmp.Name())
			if err := rep.WriteHTML(tmp); err != nil {
				tmp.Close()
				return fmt.Errorf("writing %s: %w", out, err)
			}
			if err := tmp.Chmod(0o644); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("writing %s: %w", out, err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return fmt.Errorf("writing %s: %w", out, err)
			}
			info, _ := os.Stat(out)
			fmt.Fprintf(f.IO.ErrOut, "report: wrote %s (%s, %d records, %.2fs)\n", out, output.Bytes(info.Size()), rep.Summary.Records, time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "html", "", "write the HTML report to FILE")
	cmd.Flags().StringVar(&since, "since", "", "only records starting at or after: 7d, 36h, 2024-05-01, RFC 3339")
	cmd.Flags().StringVar(&until, "until", "", "only records starting before this time")
	cmd.Flags().StringVar(&title, "title", "", "report title (default \"flowq report\")")
	cmd.Flags().BoolVar(&readOnly, "read-only", false, "run the saved queries (--queries packs from others) as single SELECTs with no file or network access outside the data dir")
	return cmd
}
