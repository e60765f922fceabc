package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// demoQueries are the saved queries the demo runs, with their parameters.
var demoQueries = []struct {
	name   string
	params map[string]string
}{
	{"traffic-by-protocol", nil},
	{"blocked-ssh", map[string]string{"limit": "5"}},
	{"top-talkers", map[string]string{"by": "pair", "limit": "5"}},
	{"port-scans", map[string]string{"limit": "3"}},
	{"asymmetric-flows", map[string]string{"limit": "5"}},
}

// demoOptions holds everything `flowq demo` needs.
type demoOptions struct {
	f       *factory
	dir     string // "" : flowq-demo beside the data dir
	records int    // 0: the demo preset
}

// newDemoCmd only parses; runF (tests) or runDemo does the work.
func newDemoCmd(f *factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{f: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a realistic sample data set, load it and show example results",
		Long: `Generate a deterministic, realistic sample of VPC Flow Logs (all four S3 key layouts, default
and custom formats, planted attacks and faults) into a demo data directory of its own, load it,
and print a few example results. Your own data directory is never touched. Works offline.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDemo(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.dir, "dir", "", "demo data directory (default: flowq-demo beside the data dir)")
	cmd.Flags().IntVar(&opts.records, "records", 0, "background records to generate (default: the demo preset)")
	return cmd
}

func runDemo(ctx context.Context, opts *demoOptions) error {
	f, dir := opts.f, opts.dir
	if dir == "" {
		base, err := store.DefaultDir()
		if err != nil {
			return err
		}
		dir = filepath.Join(filepath.Dir(base), "flowq-demo")
	}
	st, err := store.Create(ctx, dir)
	if err != nil {
		return err
	}
	cfg := flowgen.Demo()
	if opts.records > 0 {
		cfg.Records = opts.records
	}
	mirror := st.MirrorDir("s3", "flowq-demo-bucket")
	start := time.Now()
	truth, err := flowgen.Generate(ctx, cfg, flowgen.DirSink(mirror))
	if err != nil {
		return fmt.Errorf("generating demo data: %w", err)
	}
	fmt.Fprintf(f.IO.ErrOut, "demo: generated %d records in %d files under %s (%.1fs)\n",
		truth.Records, len(truth.Files), mirror, time.Since(start).Seconds())
	sum, err := loadWithProgress(ctx, f, st, []string{mirror}, store.LoadOptions{})
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &exitError{code: exitPartial, err: fmt.Errorf("demo data failed to load")}
	}
	sess, err := st.OpenSession(ctx, store.SessionOptions{Init: sessionInit(compat.Athena, st.Dir())})
	if err != nil {
		return err
	}
	defer sess.Close()
	of := outputFlags{format: "table", maxRows: 20, dialect: "athena"}
	cat, err := f.catalog()
	if err != nil {
		return err
	}
	for _, dq := range demoQueries {
		q, ok := cat.Lookup(dq.name)
		if !ok {
			return fmt.Errorf("demo: saved query %s is missing", dq.name)
		}
		stmt, args, err := savedquery.Prepare(q, dq.params)
		if err != nil {
			return err
		}
		fmt.Fprintf(f.IO.Out, "\n== flowq run %s%s\n   %s\n\n", q.Name, paramFlags(dq.params), q.Description)
		if _, err := runPrepared(ctx, f, sess, stmt, args, &of); err != nil {
			return fmt.Errorf("demo: %s: %w", q.Name, err)
		}
	}
	self, _ := os.Executable()
	if self == "" {
		self = "flowq"
	}
	fmt.Fprintf(f.IO.Out, "\nThe demo data is in %s. Explore it with:\n  %s --data-dir %s shell\n  %s --data-dir %s queries\n",
		dir, self, dir, self, dir)
	return nil
}

// paramFlags shows parameters as the --param flags that give them.
func paramFlags(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf(" --param %s=%s", k, params[k])
	}
	return out
}
