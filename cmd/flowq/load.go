package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// loadOptions holds everything `flowq load` needs.
type loadOptions struct {
	f       *factory
	paths   []string
	strict  bool
	wait    bool
	json    bool
	workers int
}

// newLoadCmd only parses; runF (tests) or runLoad does the work.
func newLoadCmd(f *factory, runF func(context.Context, *loadOptions) error) *cobra.Command {
	opts := &loadOptions{f: f}
	cmd := &cobra.Command{
		Use:   "load PATH...",
		Short: "Load flow-log files or folders into the local table",
		Long: `Load flow-log files (gzip or plain text with a header line, or Parquet) and folders of them
(recursively) into the vpc_flow_logs table. Files already loaded are skipped; a file that changed
replaces its rows. Rejected lines are kept in the load_errors table.

Exit status: 0 when every file loaded; 3 when a whole file could not be loaded (or, with --strict,
when any line was rejected); 1 on other errors.`,
		Example: `  flowq load ~/flowlogs
  flowq load AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/05/01/*.log.gz`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLoad(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.strict, "strict", false, "exit non-zero when any line is rejected")
	cmd.Flags().BoolVar(&opts.wait, "wait", false, "wait for another flowq writer to finish instead of failing")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the summary as JSON on stdout")
	cmd.Flags().IntVar(&opts.workers, "workers", 0, "parallel file parsers (default: number of CPUs)")
	return cmd
}

func runLoad(ctx context.Context, opts *loadOptions) error {
	f := opts.f
	for _, p := range opts.paths {
		// A mistyped path is a usage error (exit 2), not a partly failed load, and creates
		// no data dir.
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return usageErr("%s: no such file or folder", p)
		}
	}
	st, err := f.StoreForWrite(ctx)
	if err != nil {
		return err
	}
	sum, err := loadWithProgress(ctx, f, st, opts.paths, store.LoadOptions{Wait: opts.wait, Workers: opts.workers})
	if opts.json {
		// The summary is printed even when the load failed: it says how far it got.
		if jerr := f.printJSON(summaryJSON(sum)); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil {
		return err
	}
	return loadExit(sum, opts.strict)
}

// loadWithProgress loads with a progress bar on a terminal and prints the summary to stderr.
func loadWithProgress(ctx context.Context, f *factory, st *store.Store, paths []string, lo store.LoadOptions) (store.LoadSummary, error) {
	bar := f.progress(true)
	if bar != nil {
		lo.Progress = func(p store.LoadProgress) { bar.update(p.BytesDone, p.BytesTotal, "loading") }
	}
	if f.Debug {
		lo.Logf = f.Debugf
	}
	sum, err := st.Load(ctx, paths, lo)
	bar.finish()
	printLoadSummary(f.IO.ErrOut, sum)
	return sum, err
}

func printLoadSummary(w io.Writer, s store.LoadSummary) {
	secs := s.Elapsed.Seconds()
	rate := ""
	if secs > 0 && s.Rows > 0 {
		rate = fmt.Sprintf(", %.0f rows/s", float64(s.Rows)/secs)
	}
	fmt.Fprintf(w, "load: %s: %d loaded (%d replaced), %d already loaded, %s, %d failed, %d partly loaded; %s added, %s rejected, %s in %.2fs%s\n",
		count(s.Files, "file", "files"), s.Loaded, s.Replaced, s.Skipped, count(s.Duplicates, "duplicate", "duplicates"), s.Failed, s.Partial,
		count(s.Rows, "row", "rows"), count(s.Rejected, "line", "lines"), output.Bytes(s.Bytes), secs, rate)
	if s.LeftOut > 0 {
		fmt.Fprintf(w, "load: %d %s left out: not flow logs (listed below)\n", s.LeftOut, plural(s.LeftOut, "file", "files"))
	}
	const maxShown = 20
	for i, fe := range s.Failures {
		if i == maxShown {
			fmt.Fprintf(w, "  … and %d more (see the load_errors table)\n", len(s.Failures)-maxShown)
			break
		}
		fmt.Fprintf(w, "  %s\n", fe.Error())
	}
}

func loadExit(s store.LoadSummary, strict bool) error {
	if s.Failed > 0 || (strict && (s.Rejected > 0 || s.Partial > 0)) {
		return &exitError{code: exitPartial}
	}
	return nil
}

func summaryJSON(s store.LoadSummary) map[string]any {
	var fails []map[string]string
	for _, fe := range s.Failures {
		fails = append(fails, map[string]string{"path": fe.Path, "error": fe.Err.Error()})
	}
	return map[string]any{
		"files": s.Files, "loaded": s.Loaded, "replaced": s.Replaced, "skipped": s.Skipped,
		"duplicates": s.Duplicates, "failed": s.Failed, "partial": s.Partial, "rows": s.Rows,
		"rejected": s.Rejected, "bytes": s.Bytes, "left_out": s.LeftOut, "seconds": s.Elapsed.Seconds(), "failures": fails,
	}
}

// count writes n with its noun: "1 file", "2 files".
func count[N int | int64](n N, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(int(n), one, many))
}

// plural picks the word for n things: "1 file", "2 files".
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
