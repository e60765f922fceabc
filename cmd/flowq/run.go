package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowq/flowq/engine/savedquery"
	"github.com/spf13/cobra"
)

// catalog loads the saved queries: built-in, the user's folder, then --queries folders.
func (f *factory) catalog() (*savedquery.Catalog, error) {
	c, err := savedquery.DefaultCatalog(f.QueryDirs...)
	if err != nil {
		return nil, err
	}
	for _, e := range c.Errors() {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", e)
	}
	return c, nil
}

func newRunCmd(f *factory) *cobra.Command {
	var of outputFlags
	var params []string
	var alert, printSQL bool
	cmd := &cobra.Command{
		Use:   "run NAME|FILE.sql",
		Short: "Run a saved query (see 'flowq queries') or a .sql file",
		Long: `Run a saved report by name, or a .sql file, with parameters bound as values (never spliced into
the SQL). Saved queries come with flowq; files in your queries folder (` + "`flowq queries --dirs`" + `) or a
--queries DIR add to or override them.

With --alert, exit status 4 when the report returns rows, 0 when it returns none: any saved query
can drive a cron job or CI alarm, e.g.
  flowq sync s3://logs --since 2h && flowq run blocked-ssh --param since=1h --alert --format csv`,
		Example: `  flowq run blocked-ssh
  flowq run top-talkers --param by=pair --param since=24h --format json
  flowq run traffic-from --param cidr=10.0.3.0/24 --out from.csv --format csv
  flowq run ./my-report.sql --read-only
  flowq run port-scans --print   # the SQL with literals, to paste into Athena`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			c, err := f.catalog()
			if err != nil || len(args) > 0 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			var out []string
			for _, q := range c.List() {
				out = append(out, q.Name+"\t"+q.Description)
			}
			return out, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := f.catalog()
			if err != nil {
				return err
			}
			q, err := c.Resolve(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			pm, err := savedquery.ParseAssignments(params)
			if err != nil {
				return usageErr("--param: %v", err)
			}
			if printSQL {
				text, err := savedquery.Render(q, pm, time.Now())
				if err != nil {
					return usageErr("%v", err)
				}
				fmt.Fprintln(f.IO.Out, strings.TrimSpace(text)+";")
				return nil
			}
			// Saved queries are Athena SQL and get the Athena rewrite; --dialect duckdb is for a
			// user's own .sql file written for DuckDB.
			prepare := savedquery.Prepare
			if of.dialect == "duckdb" {
				prepare = savedquery.Bind
			}
			stmt, bound, err := prepare(q, pm)
			if err != nil {
				return usageErr("%v", err)
			}
			sess, err := f.openSession(ctx, of.readOnly, of.dialect)
			if err != nil {
				return err
			}
			defer sess.Close()
			st, err := runPrepared(ctx, f, sess, stmt, bound, &of)
			if err != nil {
				return fmt.Errorf("query %s (%s): %w", q.Name, q.Source, err)
			}
			if alert && st.Rows > 0 {
				return &exitError{code: exitAlert, err: fmt.Errorf("alert: %s returned %d rows", q.Name, st.Rows)}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter as NAME=VALUE (repeatable; 'flowq queries NAME' lists the values)")
	_ = cmd.RegisterFlagCompletionFunc("param", func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		c, err := f.catalog()
		if err != nil || len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		q, ok := c.Lookup(args[0])
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		dir := cobra.ShellCompDirectiveNoFileComp
		if !strings.Contains(toComplete, "=") {
			dir |= cobra.ShellCompDirectiveNoSpace // a name: the value follows its '='
		}
		return savedquery.CompleteAssignment(q, toComplete, params), dir
	})
	cmd.Flags().BoolVar(&alert, "alert", false, "exit with status 4 when the query returns rows")
	cmd.Flags().BoolVar(&printSQL, "print", false, "print the SQL with parameters as literals instead of running it")
	of.register(cmd, true)
	return cmd
}

func newQueriesCmd(f *factory) *cobra.Command {
	var jsonOut, dirs bool
	cmd := &cobra.Command{
		Use:   "queries [NAME]",
		Short: "List the saved queries, or show one with its parameters and SQL",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dirs {
				d, err := savedquery.UserDir()
				if err != nil {
					return err
				}
				fmt.Fprintln(f.IO.Out, d)
				for _, x := range f.QueryDirs {
					fmt.Fprintln(f.IO.Out, x)
				}
				return nil
			}
			c, err := f.catalog()
			if err != nil {
				return err
			}
			list := c.List()
			if len(args) == 1 {
				q, err := c.Resolve(args[0])
				if err != nil {
					return usageErr("%v", err)
				}
				list = []savedquery.Query{q}
			}
			if jsonOut {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			if len(args) == 1 {
				q := list[0]
				fmt.Fprintf(f.IO.Out, "%s — %s\nsource: %s\n", q.Name, q.Description, q.Source)
				if q.Shadows != "" {
					fmt.Fprintf(f.IO.Out, "overrides: %s\n", q.Shadows)
				}
				fmt.Fprintln(f.IO.Out)
				for _, s := range []struct{ k, v string }{{"Finds", q.Finds}, {"False positives", q.FalsePositives}, {"Portability", q.Portability}} {
					if s.v != "" {
						fmt.Fprintf(f.IO.Out, "%s: %s\n\n", s.k, s.v)
					}
				}
				if len(q.Params) > 0 {
					fmt.Fprintln(f.IO.Out, "Parameters (--param NAME=VALUE):")
					tw := tabwriter.NewWriter(f.IO.Out, 2, 4, 2, ' ', 0)
					for _, p := range q.Params {
						def := p.Default
						if def == "" {
							def = "(none)"
						}
						desc := p.Description
						if len(p.Choices) > 0 {
							desc = strings.TrimSpace(desc + " (" + p.Hint() + ")")
						}
						fmt.Fprintf(tw, "  %s\t%s\tdefault %s\t%s\n", p.Name, p.Type, def, desc)
					}
					tw.Flush()
					fmt.Fprintln(f.IO.Out)
				}
				fmt.Fprintln(f.IO.Out, strings.TrimSpace(q.SQL))
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 2, 4, 2, ' ', 0)
			for _, q := range list {
				var ps []string
				for _, p := range q.Params {
					ps = append(ps, p.Name)
				}
				fmt.Fprintf(tw, "%s\t%s\t[%s]\n", q.Name, q.Description, strings.Join(ps, " "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&dirs, "dirs", false, "print the folders user queries are read from")
	return cmd
}
