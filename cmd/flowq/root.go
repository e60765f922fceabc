package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes scripts can rely on.
const (
	exitOK          = 0
	exitFailure     = 1   // the command failed
	exitUsage       = 2   // bad flags or arguments
	exitPartial     = 3   // the command finished, but some files or objects failed
	exitAlert       = 4   // `run --alert`: the report returned rows
	exitInterrupted = 130 // cancelled by Ctrl-C / SIGTERM
)

// exitError carries a specific exit code; err (may be nil) is printed to stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "flowq",
		Short: "Analyse AWS VPC Flow Logs on your own machine",
		Long: `flowq copies VPC Flow Logs from S3 to a local mirror, loads them into an embedded DuckDB
table named vpc_flow_logs with the same columns as the Athena table AWS documents, and lets
you query them with SQL, an interactive shell and saved reports.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.IO.IsStdinTTY() {
				if sh, _, err := cmd.Find([]string{"shell"}); err == nil && sh != cmd {
					sh.SetContext(cmd.Context())
					return sh.RunE(sh, nil)
				}
			}
			return cmd.Help()
		},
	}
	root.PersistentFlags().StringVar(&f.DataDir, "data-dir", "", "data directory (default $FLOWQ_DATA_DIR or $XDG_DATA_HOME/flowq)")
	root.PersistentFlags().BoolVar(&f.Debug, "debug", false, "print debug messages to stderr")
	root.PersistentFlags().StringVar(&f.MemoryLimit, "memory-limit", "", "memory a query may use before it spills to the data dir (e.g. 4GiB; default $FLOWQ_MEMORY_LIMIT, else a quarter of RAM up to 1.5GiB)")
	root.PersistentFlags().StringArrayVar(&f.QueryDirs, "queries", nil, "extra folder of saved queries (.sql), overriding built-in ones of the same name")
	root.SetFlagErrorFunc(flagError)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	for _, c := range commands(f) {
		root.AddCommand(c)
	}
	usageArgs(root)
	return root
}

// flagError makes a bad flag a usage error, exit 2.
func flagError(cmd *cobra.Command, err error) error {
	return &exitError{code: exitUsage, err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())}
}

// usageArgs makes argument-count errors (and unknown commands) usage errors, exit 2, as
// flag errors are; cobra returns them as plain errors.
func usageArgs(c *cobra.Command) {
	validate := c.Args
	if validate == nil && c.HasSubCommands() {
		validate = cobra.NoArgs
		if c.RunE == nil && c.Run == nil {
			validate = nil
		}
	}
	if validate != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := validate(cmd, args); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// usageErr marks an argument error so the process exits with exitUsage.
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}
