package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/flowq/flowq/engine/cwsync"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/s3sync"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/timespec"
	"github.com/spf13/cobra"
)

// syncOptions holds everything `flowq sync` needs, for an S3 or a CloudWatch Logs source.
type syncOptions struct {
	f                 *factory
	bucket, prefix    string // s3://BUCKET/PREFIX
	group             string // cw://LOG_GROUP; "" for S3
	profile, region   string
	endpoint          string
	pathStyle         bool
	accounts, regions []string
	rng               timespec.Range // half-open [From, To), for both sources
	concurrency       int
	dryRun, noLoad    bool
	wait              bool
	// CloudWatch Logs only
	streams      []string
	header       flowlog.Header // from --log-format (default: version 2); unset with --lookup-format
	lookupFormat bool
}

// newSyncCmd only parses; runF (tests) or runSync does the work.
func newSyncCmd(f *factory, runF func(context.Context, *syncOptions) error) *cobra.Command {
	opts := &syncOptions{f: f}
	var tf timeFlags
	var logFormat string
	cmd := &cobra.Command{
		Use:   "sync s3://BUCKET[/PREFIX] | cw://LOG_GROUP",
		Short: "Mirror flow-log objects from S3 (or CloudWatch Logs) and load the new ones",
		Long: `Copy the flow-log objects of a bucket to the local mirror under the data dir, keeping the S3 key
layout (any of AWS's four layouts, with or without an organisation segment), then load what is
new. Parallel, incremental (only new or changed objects are fetched), resumable after a crash,
and never leaves a half-written file. Credentials come from the standard AWS chain (environment,
--profile / AWS_PROFILE, SSO, roles).

The time range is half-open, as for every command: --since (or --from) is the first instant
kept, --until the first one left out, and --to names the last day or hour kept.

Exit status: 0 when every object was synced and loaded; 3 when some objects failed (each is
named on stderr) or a file could not be loaded; 1 on other errors.`,
		Example: `  flowq sync s3://my-flow-logs --since 7d
  flowq sync s3://central-logs/vpc --accounts 123456789012 --regions eu-west-1,us-east-1 --from 2024-05-01 --to 2024-05-07
  flowq sync s3://bucket --endpoint-url http://127.0.0.1:9000 --path-style --no-load
  flowq sync cw://vpc-flow-logs --since 24h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parseSource(args[0]); err != nil {
				return err
			}
			var err error
			if opts.rng, err = tf.parse(f); err != nil {
				return err
			}
			if opts.group != "" {
				if opts.dryRun {
					return usageErr("--dry-run is not supported for cw:// sources")
				}
				if opts.lookupFormat && logFormat != "" {
					return usageErr("use either --log-format or --lookup-format")
				}
				if !opts.lookupFormat {
					// No format: a transit gateway's streams (named after it) read with its default.
					if opts.header, err = cwsync.HeaderFor(logFormat, opts.streams...); err != nil {
						return usageErr("--log-format: %v", err)
					}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSync(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.profile, "profile", "", "AWS shared config profile (default $AWS_PROFILE)")
	fl.StringVar(&opts.region, "region", "", "AWS client region (default: the bucket's region, discovered)")
	fl.StringVar(&opts.endpoint, "endpoint-url", "", "S3-compatible endpoint URL")
	fl.BoolVar(&opts.pathStyle, "path-style", false, "path-style bucket addressing (most S3-compatible stores need it)")
	fl.StringSliceVar(&opts.accounts, "accounts", nil, "only these account ids (comma-separated)")
	fl.StringSliceVar(&opts.regions, "regions", nil, "only these flow-log regions (comma-separated)")
	tf.register(cmd, true)
	fl.IntVar(&opts.concurrency, "concurrency", 0, "parallel downloads (default 64 for S3, 4 log streams for CloudWatch Logs)")
	fl.BoolVar(&opts.dryRun, "dry-run", false, "list what would be downloaded, download nothing")
	fl.BoolVar(&opts.noLoad, "no-load", false, "only mirror the objects; don't load them")
	fl.BoolVar(&opts.wait, "wait", false, "wait for another flowq writer to finish instead of failing")
	fl.StringSliceVar(&opts.streams, "streams", nil, "CloudWatch Logs: only these log streams (ENI ids)")
	fl.StringVar(&logFormat, "log-format", "", "CloudWatch Logs: the flow log's LogFormat, e.g. '${version} ${account-id} ...' (default: version 2 layout)")
	fl.BoolVar(&opts.lookupFormat, "lookup-format", false, "CloudWatch Logs: look the LogFormat up with EC2 DescribeFlowLogs")
	return cmd
}

// parseSource reads s3://BUCKET[/PREFIX] or cw://LOG_GROUP.
func (o *syncOptions) parseSource(src string) error {
	// Log group names may start with "/" (cw:///aws/vpc/flow-logs), so the source is not
	// parsed as a URL.
	if group, ok := strings.CutPrefix(src, "cw://"); ok {
		if group == "" {
			return usageErr("cw://LOG_GROUP: no log group given")
		}
		o.group = group
		return nil
	}
	if !strings.HasPrefix(src, "s3://") {
		return usageErr("source %q is not s3://BUCKET[/PREFIX] or cw://LOG_GROUP", src)
	}
	var err error
	if o.bucket, o.prefix, err = s3sync.ParseS3URL(src); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// runSync mirrors the source (cwsync.go has the CloudWatch Logs side), then loads it.
func runSync(ctx context.Context, opts *syncOptions) error {
	if opts.group != "" {
		return runCWSync(ctx, opts)
	}
	return runS3Sync(ctx, opts)
}

func runS3Sync(ctx context.Context, opts *syncOptions) error {
	f, bucket, prefix := opts.f, opts.bucket, opts.prefix
	st, err := f.StoreForWrite(ctx)
	if err != nil {
		return err
	}
	lock, err := st.LockWriter(ctx, opts.wait, "flowq sync s3://"+bucket)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	co := s3sync.ClientOptions{Profile: opts.profile, Region: opts.region, Bucket: bucket, EndpointURL: opts.endpoint,
		PathStyle: opts.pathStyle, Concurrency: opts.concurrency}
	if f.Debug {
		co.Debug = f.IO.ErrOut
	}
	client, err := s3sync.NewClient(ctx, co)
	if err != nil {
		return err
	}
	if !opts.dryRun {
		// Temp files of a killed sync of any bucket go now, not at that bucket's next sync.
		if _, err := s3sync.CleanInterrupted(st.MirrorDir("s3")); err != nil {
			return err
		}
	}
	mirror := st.MirrorDir("s3", bucket)
	so := s3sync.Options{Bucket: bucket, Prefix: prefix, MirrorDir: mirror, Accounts: opts.accounts, Regions: opts.regions,
		From: opts.rng.From, To: opts.rng.To, Concurrency: opts.concurrency, DryRun: opts.dryRun}
	if f.Debug {
		so.Debug = f.IO.ErrOut
	}
	bar := f.progress(true)
	if bar != nil {
		so.OnProgress = func(p s3sync.Progress) {
			bar.update(p.Bytes, p.TotalBytes, fmt.Sprintf("syncing %d objects", p.Total))
		}
	}
	res, err := s3sync.Sync(ctx, client, so)
	bar.finish()
	if opts.dryRun {
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
	// A mirrored object that fails to load (a body damaged in a way no checksum caught) is
	// fetched once more and loaded again; what still fails is reported with exit 3.
	refetch := func(ctx context.Context, paths []string) ([]string, error) {
		var keys, again []string
		for _, p := range paths {
			if k, ok := s3sync.KeyOf(mirror, p); ok {
				keys, again = append(keys, k), append(again, p)
			}
		}
		if len(keys) == 0 {
			return nil, nil
		}
		fmt.Fprintf(f.IO.ErrOut, "sync: %d mirrored %s failed to load; fetching %s again\n", len(keys), plural(len(keys), "file", "files"), plural(len(keys), "it", "them"))
		if _, err := s3sync.Refetch(ctx, client, so, keys); err != nil {
			return nil, err
		}
		return again, nil
	}
	return loadAfterSync(ctx, f, st, lock, res.OK(), !opts.dryRun && !opts.noLoad, scope, refetch)
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
// refetch (may be nil) fetches mirrored files that failed to load again and returns the ones
// to load a second time.
func loadAfterSync(ctx context.Context, f *factory, st *store.Store, lock *store.Lock, syncOK, load bool, scope string,
	refetch func(ctx context.Context, paths []string) ([]string, error)) error {
	code := exitOK
	if !syncOK {
		code = exitPartial
	}
	if load {
		sum, err := loadWithProgress(ctx, f, st, []string{scope}, store.LoadOptions{Held: lock})
		if err != nil {
			return err
		}
		if sum.Failed > 0 && refetch != nil {
			var failed []string
			for _, fe := range sum.Failures[sum.LeftOut:] { // left-out files come first and are not failures
				failed = append(failed, fe.Path)
			}
			again, err := refetch(ctx, failed)
			if err != nil {
				return err
			}
			if len(again) < len(failed) {
				code = exitPartial // failures that are no mirrored object stay failures
			}
			if len(again) > 0 {
				if sum, err = loadWithProgress(ctx, f, st, again, store.LoadOptions{Held: lock}); err != nil {
					return err
				}
			}
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
