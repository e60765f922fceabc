package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/flowq/flowq/engine/savedquery"
	"github.com/spf13/cobra"
)

// runOptions holds everything `flowq run` needs.
type runOptions struct {
	f        *factory
	ref      string            // a saved query's name or a .sql file
	params   map[string]string // --param NAME=VALUE
	alert    bool
	printSQL bool
	raw      bool // run the raw-table form even where a summary form answers
	out      *outputFlags
	remote   athenaRemote // --on athena and the AWS options
}

// newRunCmd only parses; runF (tests) or runRun does the work.
func newRunCmd(f *factory, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{f: f, out: &outputFlags{}}
	var params []string
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
			opts.ref = args[0]
			var err error
			if opts.params, err = savedquery.ParseAssignments(params); err != nil {
				return usageErr("--param: %v", err)
			}
			if _, err := dialect(opts.out.dialect); err != nil {
				return err
			}
			if _, err := opts.remote.remote(opts.out); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
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
	cmd.Flags().BoolVar(&opts.alert, "alert", false, "exit with status 4 when the query returns rows")
	cmd.Flags().BoolVar(&opts.printSQL, "print", false, "print the SQL with parameters as literals instead of running it")
	cmd.Flags().BoolVar(&opts.raw, "raw", false, "run the raw-table (Athena) form, not the summary form flowq runs by default where one answers")
	opts.out.register(cmd, true)
	opts.remote.register(cmd)
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	f, of := opts.f, opts.out
	c, err := f.catalog()
	if err != nil {
		return err
	}
	q, err := c.Resolve(opts.ref)
	if err != nil {
		return usageErr("%v", err)
	}
	if opts.printSQL {
		text, err := savedquery.Render(q, opts.params, f.Now())
		if err != nil {
			return usageErr("%v", err)
		}
		fmt.Fprintln(f.IO.Out, strings.TrimSpace(text)+";")
		return nil
	}
	if opts.remote.isRemote() {
		st, err := runSavedOnAthena(ctx, f, &opts.remote, q, opts.params, of)
		if err != nil {
			return err
		}
		if opts.alert && st.Rows > 0 {
			return &exitError{code: exitAlert, err: fmt.Errorf("alert: %s returned %d rows", q.Name, st.Rows)}
		}
		return nil
	}
	// Saved queries are Athena SQL and get the Athena rewrite; --dialect duckdb is for a
	// user's own .sql file written for DuckDB.
	prepare := savedquery.Prepare
	if of.dialect == "duckdb" {
		prepare = savedquery.Bind
	}
	if _, _, err := prepare(q, opts.params); err != nil {
		return usageErr("%v", err)
	}
	sess, err := f.openSession(ctx, of.readOnly, of.dialect)
	if err != nil {
		return err
	}
	defer sess.Close()
	// The summary form answers exactly as the raw one (engine/savedquery summary.go), from the
	// summary tables, when the store's are current; --raw runs the raw form.
	if !opts.raw && sess.SummariesReady() {
		q, _ = q.WithSummary(opts.params)
	}
	stmt, bound, err := prepare(q, opts.params)
	if err != nil {
		return usageErr("%v", err)
	}
	st, err := runPrepared(ctx, f, sess, stmt, bound, of)
	if err != nil {
		return fmt.Errorf("query %s (%s): %w", q.Name, q.Source, err)
	}
	if opts.alert && st.Rows > 0 {
		return &exitError{code: exitAlert, err: fmt.Errorf("alert: %s returned %d rows", q.Name, st.Rows)}
	}
	return nil
}

// queriesOptions holds everything `flowq queries` needs.
type queriesOptions struct {
	f    *factory
	name string // "" lists them all
	json bool
	dirs bool
}

// newQueriesCmd only parses; runF (tests) or runQueries does the work.
func newQueriesCmd(f *factory, runF func(context.Context, *queriesOptions) error) *cobra.Command {
	opts := &queriesOptions{f: f}
	cmd := &cobra.Command{
		Use:   "queries [NAME]",
		Short: "List the saved queries, or show one with its parameters and SQL",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.name = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runQueries(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&opts.dirs, "dirs", false, "print the folders user queries are read from")
	return cmd
}

func runQueries(_ context.Context, opts *queriesOptions) error {
	f := opts.f
	w := f.IO.Out
	if opts.dirs {
		d, err := savedquery.UserDir()
		if err != nil {
			return err
		}
		fmt.Fprintln(w, d)
		for _, x := range f.QueryDirs {
			fmt.Fprintln(w, x)
		}
		return nil
	}
	c, err := f.catalog()
	if err != nil {
		return err
	}
	list := c.List()
	if opts.name != "" {
		q, err := c.Resolve(opts.name)
		if err != nil {
			return usageErr("%v", err)
		}
		list = []savedquery.Query{q}
	}
	if opts.json {
		return f.printJSON(queriesJSON(list))
	}
	if opts.name != "" {
		return describeQuery(w, list[0])
	}
	return listQueries(w, list, f.IO.TerminalWidth())
}

// listQueries writes one line per query with its parameters (and their choices) when width
// is 0 (a pipe); on a terminal, the description and parameters wrap under a name column so
// no line is wider than the terminal.
func listQueries(w io.Writer, list []savedquery.Query, width int) error {
	params := func(q savedquery.Query) string {
		var ps []string
		for _, p := range q.Params {
			if len(p.Choices) > 0 {
				ps = append(ps, p.Name+"="+strings.Join(p.Choices, "|"))
			} else {
				ps = append(ps, p.Name)
			}
		}
		return strings.Join(ps, " ")
	}
	if width <= 0 {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, q := range list {
			fmt.Fprintf(tw, "%s\t%s\t[%s]\n", q.Name, q.Description, params(q))
		}
		return tw.Flush()
	}
	col := 0
	for _, q := range list {
		col = max(col, len(q.Name)+2)
	}
	col = min(col, width/3)
	text := max(width-col, 20)
	pad := strings.Repeat(" ", col)
	for _, q := range list {
		name := q.Name
		first := pad
		if len(name)+2 <= col {
			first = name + strings.Repeat(" ", col-len(name))
		} else {
			fmt.Fprintln(w, name)
		}
		lines := wrapWords(q.Description, text)
		if ps := params(q); ps != "" {
			lines = append(lines, wrapWords("parameters: "+ps, text)...)
		}
		for i, l := range lines {
			lead := pad
			if i == 0 {
				lead = first
			}
			if _, err := fmt.Fprintln(w, strings.TrimRight(lead+l, " ")); err != nil {
				return err
			}
		}
	}
	return nil
}

// wrapWords breaks s into lines of at most width runes, at spaces and after "|" (a long
// list of choices), never inside a word.
func wrapWords(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(strings.ReplaceAll(s, "|", "| ")) {
		glue := " "
		if strings.HasSuffix(cur.String(), "|") || cur.Len() == 0 {
			glue = ""
		}
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+len(glue)+utf8.RuneCountInString(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
			glue = ""
		}
		cur.WriteString(glue + word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// queryJSON is a saved query as `queries --json` prints it: snake_case keys, lists never null.
type queryJSON struct {
	Name           string      `json:"name"`
	Description    string      `json:"description"`
	Finds          string      `json:"finds"`
	FalsePositives string      `json:"false_positives"`
	Portability    string      `json:"portability"`
	Params         []paramJSON `json:"params"`
	SQL            string      `json:"sql"`
	Source         string      `json:"source"`
	Shadows        string      `json:"shadows,omitempty"`
}

type paramJSON struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Default     string   `json:"default"`
	Required    bool     `json:"required"`
	Choices     []string `json:"choices"`
	Description string   `json:"description"`
}

func queriesJSON(list []savedquery.Query) []queryJSON {
	out := make([]queryJSON, 0, len(list))
	for _, q := range list {
		j := queryJSON{Name: q.Name, Description: q.Description, Finds: q.Finds, FalsePositives: q.FalsePositives,
			Portability: q.Portability, Params: []paramJSON{}, SQL: q.SQL, Source: q.Source, Shadows: q.Shadows}
		for _, p := range q.Params {
			j.Params = append(j.Params, paramJSON{Name: p.Name, Type: string(p.Type), Default: p.Default, Required: p.Required,
				Choices: append([]string{}, p.Choices...), Description: p.Description})
		}
		out = append(out, j)
	}
	return out
}

// describeQuery writes one saved query for people: what it finds, its parameters and its SQL.
func describeQuery(w io.Writer, q savedquery.Query) error {
	fmt.Fprintf(w, "%s — %s\nsource: %s\n", q.Name, q.Description, q.Source)
	if q.Shadows != "" {
		fmt.Fprintf(w, "overrides: %s\n", q.Shadows)
	}
	if q.Summary != nil {
		fmt.Fprintf(w, "summary form: %s (run by default when the summaries are current; --raw runs the SQL below)\n", q.Summary.Source)
	}
	fmt.Fprintln(w)
	for _, s := range []struct{ k, v string }{{"Finds", q.Finds}, {"False positives", q.FalsePositives}, {"Portability", q.Portability}} {
		if s.v != "" {
			fmt.Fprintf(w, "%s: %s\n\n", s.k, s.v)
		}
	}
	if len(q.Params) > 0 {
		fmt.Fprintln(w, "Parameters (--param NAME=VALUE):")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
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
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w, strings.TrimSpace(q.SQL))
	return err
}
