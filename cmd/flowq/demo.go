package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// demoExamples are the example results the demo prints.
var demoExamples = []struct{ title, sql string }{
	{"Records by action and log status", `SELECT action, log_status, count(*) AS records, sum(bytes) AS bytes
FROM vpc_flow_logs GROUP BY ALL ORDER BY records DESC`},
	{"Blocked SSH: rejected TCP to port 22 by source", `SELECT srcaddr, count(*) AS attempts, count(DISTINCT dstaddr) AS targets,
       from_unixtime(min(start)) AS first_seen, from_unixtime(max("end")) AS last_seen
FROM vpc_flow_logs
WHERE dstport = 22 AND protocol = 6 AND action = 'REJECT'
GROUP BY srcaddr ORDER BY attempts DESC LIMIT 5`},
	{"Top talkers by bytes (source → destination)", `SELECT srcaddr, dstaddr, sum(bytes) AS bytes, sum(packets) AS packets
FROM vpc_flow_logs WHERE log_status = 'OK'
GROUP BY srcaddr, dstaddr ORDER BY bytes DESC LIMIT 5`},
}

func newDemoCmd(f *factory) *cobra.Command {
	var dir string
	var records int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a realistic sample data set, load it and show example results",
		Long: `Generate a deterministic, realistic sample of VPC Flow Logs (all four S3 key layouts, default
and custom formats, planted attacks and faults) into a demo data directory of its own, load it,
and print a few example results. Your own data directory is never touched. Works offline.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if dir == "" {
				base, err := store.DefaultDir()
				if err != nil {
					return err
				}
				dir = filepath.Join(filepath.Dir(base), "flowq-demo")
			}
			st, err := store.Open(ctx, dir)
			if err != nil {
				return err
			}
			cfg := flowgen.Demo()
			if records > 0 {
				cfg.Records = records
			}
			mirror := st.MirrorDir("s3", "flowq-demo-bucket")
			start := time.Now()
			truth, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(mirror))
			if err != nil {
				return fmt.Errorf("generating demo data: %w", err)
			}
			fmt.Fprintf(f.IO.ErrOut, "demo: generated %d records in %d files under %s (%.1fs)\n",
				truth.Records, len(truth.Files), mirror, time.Since(start).Seconds())
			sum, err := runLoad(f, cmd, st, []string{mirror}, store.LoadOptions{})
			if err != nil {
				return err
			}
			if sum.Failed > 0 {
				return &exitError{code: exitPartial, err: fmt.Errorf("demo data failed to load")}
			}
			demo := *f
			demo.DataDir = dir
			sess, err := demo.openSession(ctx, false, "athena")
			if err != nil {
				return err
			}
			defer sess.Close()
			of := outputFlags{format: "table", maxRows: 20, dialect: "athena"}
			for _, ex := range demoExamples {
				fmt.Fprintf(f.IO.Out, "\n== %s\n%s\n\n", ex.title, ex.sql)
				if err := runStatements(ctx, &demo, sess, []string{ex.sql}, nil, &of); err != nil {
					return err
				}
			}
			self, _ := os.Executable()
			if self == "" {
				self = "flowq"
			}
			fmt.Fprintf(f.IO.Out, "\nThe demo data is in %s. Explore it with:\n  %s --data-dir %s shell\n  %s --data-dir %s queries\n",
				dir, self, dir, self, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "demo data directory (default: flowq-demo beside the data dir)")
	cmd.Flags().IntVar(&records, "records", 0, "background records to generate (default: the demo preset)")
	return cmd
}
