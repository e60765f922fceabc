package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/flowq/flowq/engine/athena"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/spf13/cobra"
)

// awsFlags are the standard AWS options, spelled as `sync` spells them.
type awsFlags struct {
	profile, region, endpoint string
}

func (a *awsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&a.profile, "profile", "", "AWS shared config profile (default $AWS_PROFILE)")
	fl.StringVar(&a.region, "region", "", "AWS region of the Athena workgroup and the bucket (default $AWS_REGION or the profile's)")
	fl.StringVar(&a.endpoint, "endpoint-url", "", "endpoint URL for S3 and Athena (emulators, VPC endpoints)")
}

// athenaClient builds the S3 and Athena clients from the flags.
func (a *awsFlags) athenaClient(ctx context.Context, f *factory) (*athena.Client, error) {
	var debug io.Writer
	if f.Debug {
		debug = f.IO.ErrOut
	}
	return athena.New(ctx, athena.ClientOptions{Profile: a.profile, Region: a.region, EndpointURL: a.endpoint, Debug: debug})
}

// Athena names: databases and tables are lower-case letters, digits and underscores; workgroups
// also take dots and hyphens.
var (
	athenaDatabaseName  = regexp.MustCompile(`^[a-z0-9_]{1,255}$`)
	athenaWorkgroupName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,128}$`)
)

// athenaTarget is where queries run in Athena, shared by `athena publish` and `--on athena`.
type athenaTarget struct {
	database, workgroup, outputLocation string
	aws                                 awsFlags
}

func (t *athenaTarget) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&t.database, "database", "default", "Athena database holding the vpc_flow_logs table")
	fl.StringVar(&t.workgroup, "workgroup", "primary", "Athena workgroup to run in")
	fl.StringVar(&t.outputLocation, "output-location", "", "s3:// folder for Athena's result files (default: the workgroup's)")
	t.aws.register(cmd)
}

// validate checks the names and the result location; errors are usage errors.
func (t *athenaTarget) validate() error {
	if !athenaDatabaseName.MatchString(t.database) {
		return usageErr("--database %q: Athena database names are lower-case letters, digits and underscores", t.database)
	}
	if !athenaWorkgroupName.MatchString(t.workgroup) {
		return usageErr("--workgroup %q: letters, digits, '.', '_' and '-' only (at most 128)", t.workgroup)
	}
	if t.outputLocation != "" {
		if _, err := athena.ParseS3URL(t.outputLocation); err != nil {
			return usageErr("--output-location: %v", err)
		}
	}
	return nil
}

// athenaPublishOptions holds everything `flowq athena publish` needs, filled from flags and args.
type athenaPublishOptions struct {
	f      *factory
	target athena.S3URL
	athena athenaTarget
	dryRun bool
}

// newAthenaPublishCmd parses `flowq athena publish` into athenaPublishOptions and calls runF
// (tests) or runAthenaPublish.
func newAthenaPublishCmd(f *factory, runF func(context.Context, *athenaPublishOptions) error) *cobra.Command {
	opts := &athenaPublishOptions{f: f}
	cmd := &cobra.Command{
		Use:   "publish s3://BUCKET/PREFIX",
		Short: "Upload the store to S3 and create the Athena table over it",
		Long: `Upload the store's Parquet parts to s3://BUCKET/PREFIX/tables/ and create (or update) the
vpc_flow_logs table in Athena over them, with partition projection on date, so no repair is ever
needed. Only parts not yet published are sent, each checked by size and MD5; parts a later load
compacted away are deleted from S3 once their replacements are up. A journal in the data
directory makes a second publish send nothing and a publish after a crash resume.

Then run saved queries there: flowq run NAME --on athena.`,
		Example: `  flowq athena publish s3://my-bucket/flowq --database netlogs
  flowq athena publish s3://my-bucket/flowq --dry-run
  flowq athena publish s3://my-bucket/flowq --workgroup analysts --output-location s3://my-bucket/athena-results/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("give one s3://BUCKET/PREFIX to publish to\nRun '%s --help' for usage.", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := athena.ParseS3URL(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			opts.target = u
			if err := opts.athena.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAthenaPublish(cmd.Context(), opts)
		},
	}
	opts.athena.register(cmd)
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "list what would be uploaded, deleted and created, and change nothing")
	return cmd
}

func runAthenaPublish(ctx context.Context, opts *athenaPublishOptions) error {
	f := opts.f
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	c, err := opts.athena.aws.athenaClient(ctx, f)
	if err != nil {
		return err
	}
	bar := f.progress(true)
	po := athena.PublishOptions{Target: opts.target, Database: opts.athena.database, Workgroup: opts.athena.workgroup,
		OutputLocation: opts.athena.outputLocation, DryRun: opts.dryRun,
		Progress: func(done, total int64) { bar.update(done, total, "publishing") }}
	if opts.dryRun {
		po.Logf = func(format string, args ...any) { fmt.Fprintf(f.IO.Out, format+"\n", args...) }
	} else {
		po.Logf = func(format string, args ...any) { f.Debugf(format, args...) }
	}
	res, err := c.Publish(ctx, st, po)
	bar.finish()
	if err != nil {
		return fmt.Errorf("publishing to %s: %w", opts.target, err)
	}
	if opts.dryRun {
		return nil
	}
	table := "up to date"
	if res.TableUpdated {
		table = "created"
	}
	fmt.Fprintf(f.IO.ErrOut, "published ledger generation %d to %s: %d parts uploaded (%s), %d already there, %d deleted; table %s.vpc_flow_logs %s\n",
		res.Generation, opts.target, res.Uploaded+res.Adopted, output.Bytes(res.UploadedBytes), res.Unchanged, res.Deleted, opts.athena.database, table)
	return nil
}

// athenaRemote is `--on athena|local` of run and query, with where to run in Athena.
type athenaRemote struct {
	on     string
	athena athenaTarget
}

// isRemote reports --on athena (after remote validated the flags).
func (r *athenaRemote) isRemote() bool { return r.on == "athena" }

// register adds --on and the Athena flags to run or query.
func (r *athenaRemote) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.on, "on", "local", "where to run: local (DuckDB on the store) or athena (after 'flowq athena publish')")
	r.athena.register(cmd)
}

// remote reports whether --on athena was given; bad values are usage errors.
func (r *athenaRemote) remote(of *outputFlags) (bool, error) {
	switch r.on {
	case "", "local":
		return false, nil
	case "athena":
	default:
		return false, usageErr("--on %q: want local or athena", r.on)
	}
	if of.chart != "" {
		return false, usageErr("--chart draws local results only; drop it with --on athena")
	}
	if of.dialect != "athena" {
		return false, usageErr("--dialect %s cannot run in Athena", of.dialect)
	}
	return true, r.athena.validate()
}

// runSavedOnAthena runs a saved query in Athena with the parameters bound as literals, exactly
// as --print shows it (same clock, the date partition predicate included), and renders the result.
func runSavedOnAthena(ctx context.Context, f *factory, r *athenaRemote, q savedquery.Query, params map[string]string, of *outputFlags) (output.Stats, error) {
	text, err := savedquery.Render(q, params, f.Now())
	if err != nil {
		return output.Stats{}, usageErr("%v", err)
	}
	w, format, opts, closeFn, err := of.sink(f)
	if err != nil {
		return output.Stats{}, err
	}
	defer closeFn()
	c, err := r.athena.aws.athenaClient(ctx, f)
	if err != nil {
		return output.Stats{}, err
	}
	st, err := renderOnAthena(ctx, f, c, r, text, w, format, opts)
	if err != nil {
		return st, fmt.Errorf("query %s (%s) in athena: %w", q.Name, q.Source, err)
	}
	return st, closeFn()
}

// queryOnAthena runs statements in Athena one after another, rendering each result.
func queryOnAthena(ctx context.Context, f *factory, r *athenaRemote, stmts []string, of *outputFlags) error {
	w, format, opts, closeFn, err := of.sink(f)
	if err != nil {
		return err
	}
	defer closeFn()
	c, err := r.athena.aws.athenaClient(ctx, f)
	if err != nil {
		return err
	}
	for i, stmt := range stmts {
		if _, err := renderOnAthena(ctx, f, c, r, stmt, w, format, opts); err != nil {
			return fmt.Errorf("statement %d: %w", i+1, err)
		}
		if i < len(stmts)-1 && (format == output.Table || format == output.Markdown || format == output.Line) {
			fmt.Fprintln(w)
		}
	}
	return closeFn()
}

// renderOnAthena runs one statement in Athena, renders its rows, and says on stderr what it
// scanned and cost.
func renderOnAthena(ctx context.Context, f *factory, c *athena.Client, r *athenaRemote, sql string,
	w io.Writer, format output.Format, opts output.Options) (output.Stats, error) {
	start := time.Now()
	res, err := c.Query(ctx, athena.QueryOptions{SQL: sql, Database: r.athena.database, Workgroup: r.athena.workgroup,
		OutputLocation: r.athena.outputLocation})
	if err != nil {
		return output.Stats{}, err
	}
	rows, err := res.Rows(ctx)
	if err != nil {
		return output.Stats{}, err
	}
	defer rows.Close()
	var st output.Stats
	if cols, _ := rows.Columns(); len(cols) > 0 {
		if st, err = output.Render(ctx, w, rows, format, opts); err != nil {
			return st, err
		}
	}
	if opts.Terminal {
		fmt.Fprintln(f.IO.ErrOut, output.Footer(st, time.Since(start)))
	}
	fmt.Fprintln(f.IO.ErrOut, athenaCostLine(res.Execution))
	return st, nil
}

// athenaCostLine says what a query scanned and what that costs at Athena's rate.
func athenaCostLine(ex athena.Execution) string {
	return fmt.Sprintf("athena query %s: scanned %s, $%.6f at $%g per TB (10 MB minimum per query)",
		ex.ID, output.Bytes(ex.ScannedBytes), ex.Cost(), athena.DollarsPerTB)
}
