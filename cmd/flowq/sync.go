package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/s3sync"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// syncFlags are the options shared by S3 and CloudWatch Logs sync.
type syncFlags struct {
	profile, region, endpoint string
	pathStyle                 bool
	accounts, regions         []string
	since, from, to           string
	concurrency               int
	dryRun, noLoad, wait      bool
	// CloudWatch Logs only
	streams      []string
	logFormat    string
	lookupFormat bool
}

func newSyncCmd(f *factory) *cobra.Command {
	var sf syncFlags
	cmd := &cobra.Command{
		Use:   "sync s3://BUCKET[/PREFIX] | cw://LOG_GROUP",
		Short: "Mirror flow-log objects from S3 (or CloudWatch Logs) and load the new ones",
		Long: `Copy the flow-log objects of a bucket to the local mirror under the data dir, keeping the S3 key
layout (any of AWS's four layouts, with or without an organisation segment), then load what is
new. Parallel, incremental (only new or changed objects are fetched), resumable after a crash,
and never leaves a half-written file. Credentials come from the standard AWS chain (environment,
--profile / AWS_PROFILE, SSO, roles).

Exit status: 0 when every object was synced and loaded; 3 when some objects failed (each is
named on stderr) or a file could not be loaded; 1 on other errors.`,
		Example: `  flowq sync s3://my-flow-logs --since 7d
  flowq sync s3://central-logs/vpc --accounts 123456789012 --regions eu-west-1,us-east-1 --from 2024-05-01 --to 2024-05-07
  flowq sync s3://bucket --endpoint-url http://127.0.0.1:9000 --path-style --no-load
  flowq sync cw://vpc-flow-logs --since 24h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Log group names may start with "/" (cw:///aws/vpc/flow-logs), so the source is not
			// parsed as a URL.
			if group, ok := strings.CutPrefix(args[0], "cw://"); ok {
				return runCWSync(f, cmd, group, &sf)
			}
			if !strings.HasPrefix(args[0], "s3://") {
				return usageErr("source %q is not s3://BUCKET[/PREFIX] or cw://LOG_GROUP", args[0])
			}
			bucket, prefix, err := s3sync.ParseS3URL(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			return runS3Sync(f, cmd, bucket, prefix, &sf)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&sf.profile, "profile", "", "AWS shared config profile (default $AWS_PROFILE)")
	fl.StringVar(&sf.region, "region", "", "AWS client region (default: the bucket's region, discovered)")
	fl.StringVar(&sf.endpoint, "endpoint-url", "", "S3-compatible endpoint URL")
	fl.BoolVar(&sf.pathStyle, "path-style", false, "path-style bucket addressing (most S3-compatible stores need it)")
	fl.StringSliceVar(&sf.accounts, "accounts", nil, "only these account ids (comma-separated)")
	fl.StringSliceVar(&sf.regions, "regions", nil, "only these flow-log regions (comma-separated)")
	fl.StringVar(&sf.since, "since", "", "only partitions newer than this: 7d, 36h, 90m")
	fl.StringVar(&sf.from, "from", "", "first day or hour to sync: 2024-05-01 or 2024-05-01T13")
	fl.StringVar(&sf.to, "to", "", "last day or hour to sync (inclusive)")
	fl.IntVar(&sf.concurrency, "concurrency", 0, "parallel downloads (default 64 for S3, 4 log streams for CloudWatch Logs)")
	fl.BoolVar(&sf.dryRun, "dry-run", false, "list what would be downloaded, download nothing")
	fl.BoolVar(&sf.noLoad, "no-load", false, "only mirror the objects; don't load them")
	fl.BoolVar(&sf.wait, "wait", false, "wait for another flowq writer to finish instead of failing")
	fl.StringSliceVar(&sf.streams, "streams", nil, "CloudWatch Logs: only these log streams (ENI ids)")
	fl.StringVar(&sf.logFormat, "log-format", "", "CloudWatch Logs: the flow log's LogFormat, e.g. '${version} ${account-id} ...' (default: version 2 layout)")
	fl.BoolVar(&sf.lookupFormat, "lookup-format", false, "CloudWatch Logs: look the LogFormat up with EC2 DescribeFlowLogs")
	return cmd
}

// timeRange turns --since / --from / --to into a range.
func (sf *syncFlags) timeRange() (from, to time.Time, err error) {
	if sf.since != "" && (sf.from != "" || sf.to != "") {
		return from, to, usageErr("use either --since or --from/--to")
	}
	if sf.since != "" {
		from, err = s3sync.ParseSince(sf.since, time.Now())
		if err != nil {
			return from, to, usageErr("--since: %v", err)
		}
		return from, to, nil
	}
	if sf.from != "" || sf.to != "" {
		from, to, err = s3sync.ParseTimeRange(sf.from, sf.to)
		if err != nil {
			return from, to, usageErr("%v", err)
		}
	}
	return from, to, nil
}

func runS3Sync(f *factory, cmd *cobra.Command, bucket, prefix string, sf *syncFlags) error {
	ctx := cmd.Context()
	from, to, err := sf.timeRange()
	if err != nil {
		return err
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	lock, err := st.LockWriter(ctx, sf.wait, "flowq sync s3://"+bucket)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	co := s3sync.ClientOptions{Profile: sf.profile, Region: sf.region, Bucket: bucket, EndpointURL: sf.endpoint,
		PathStyle: sf.pathStyle, Concurrency: sf.concurrency}
	if f.Debug {
		co.Debug = f.IO.ErrOut
	}
	client, err := s3sync.NewClient(ctx, co)
	if err != nil {
		return err
	}
	if !sf.dryRun {
		// Temp files of a killed sync of any bucket go now, not at that bucket's next sync.
		if _, err := s3sync.CleanInterrupted(st.MirrorDir("s3")); err != nil {
			return err
		}
	}
	mirror := st.MirrorDir("s3", bucket)
	opts := s3sync.Options{Bucket: bucket, Prefix: prefix, MirrorDir: mirror, Accounts: sf.accounts, Regions: sf.regions,
		From: from, To: to, Concurrency: sf.concurrency, DryRun: sf.dryRun}
	if f.Debug {
		opts.Debug = f.IO.ErrOut
	}
	bar := f.progress(true)
	if bar != nil {
		opts.OnProgress = func(p s3sync.Progress) {
			bar.update(p.Bytes, p.TotalBytes, fmt.Sprintf("syncing %d objects", p.Total))
		}
	}
	res, err := s3sync.Sync(ctx, client, opts)
	bar.finish()
	if sf.dryRun {
		for _, o := range res.Plan {
			fmt.Fprintf(f.IO.Out, "%s\t%d\n", o.Key, o.Size)
		}
	}
	fmt.Fprintf(f.IO.ErrOut, "sync: s3://%s/%s: %d listed, %d downloaded, %d unchanged, %d failed, %d refused, %s in %.2fs (%d list calls)\n",
		bucket, prefix, res.Listed, res.Downloaded, res.Skipped, res.Failed, res.Refused, output.Bytes(res.Bytes), res.Duration.Seconds(), res.ListCalls)
	printErrors(f.IO.ErrOut, res.Errors)
	if len(res.Errors) > 20 && len(res.Failures) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "  every failed object is listed in %s\n", filepath.Join(mirror, s3sync.FailedFile))
	}
	if errors.Is(err, s3sync.ErrStopped) {
		return &exitError{code: exitFailure, err: fmt.Errorf("sync stopped before finishing (re-run to resume): %w", err)}
	}
	if err != nil {
		return err
	}
	// Load the whole mirrored scope, not only this run's downloads: files downloaded by a run
	// that crashed before loading are picked up here, and loaded ones are skipped.
	scope := mirror
	if p := s3sync.NormalizePrefix(prefix); p != "" {
		scope = mirror + "/" + strings.TrimSuffix(p, "/")
	}
	return loadAfterSync(f, cmd, st, lock, res.OK(), !sf.dryRun && !sf.noLoad, scope)
}

// printErrors lists the first 20 errors of a sync on stderr.
func printErrors(w io.Writer, errs []error) {
	for i, e := range errs {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more\n", len(errs)-20)
			break
		}
		fmt.Fprintf(w, "  %v\n", e)
	}
}

// loadAfterSync loads the synced scope under the lock the sync holds (unless load is false) and
// turns the outcome into the exit status: 3 when the sync or the load left something out.
func loadAfterSync(f *factory, cmd *cobra.Command, st *store.Store, lock *store.Lock, syncOK, load bool, scope string) error {
	code := exitOK
	if !syncOK {
		code = exitPartial
	}
	if load {
		sum, err := runLoad(f, cmd, st, []string{scope}, store.LoadOptions{Held: lock})
		if err != nil {
			return err
		}
		if sum.Failed > 0 {
			code = exitPartial
		}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}
