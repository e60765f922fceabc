package main

import (
	"context"
	"fmt"

	"github.com/flowq/flowq/engine/cwsync"
)

// runCWSync mirrors a CloudWatch Logs log group as text deliveries, then loads them.
func runCWSync(ctx context.Context, opts *syncOptions) error {
	f, group := opts.f, opts.group
	st, err := f.StoreForWrite(ctx)
	if err != nil {
		return err
	}
	lock, err := st.LockWriter(ctx, opts.wait, "flowq sync cw://"+group)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	co := cwsync.ClientOptions{Profile: opts.profile, Region: opts.region, EndpointURL: opts.endpoint, Concurrency: opts.concurrency}
	if f.Debug {
		co.Debug = f.IO.ErrOut
	}
	clients, err := cwsync.NewClients(ctx, co)
	if err != nil {
		return err
	}
	header := opts.header
	if opts.lookupFormat {
		format, resources, err := cwsync.LookupFlowLog(ctx, clients.EC2, group)
		if err != nil {
			return err
		}
		f.Debugf("cw sync: log format from DescribeFlowLogs: %s (resources %v)", format, resources)
		if header, err = cwsync.HeaderFor(format, resources...); err != nil {
			return fmt.Errorf("log format of %s from DescribeFlowLogs: %w", group, err)
		}
	}
	// The range is the same half-open [From, To) as S3's: no adjustment here.
	cwo := cwsync.Options{LogGroup: group, MirrorDir: st.MirrorDir(), Region: clients.Region, Streams: opts.streams,
		From: opts.rng.From, To: opts.rng.To, Header: header, Concurrency: opts.concurrency} // concurrency 0: cwsync's default, sized for CloudWatch Logs quotas
	if len(opts.accounts) == 1 {
		cwo.Account = opts.accounts[0]
	}
	bar := f.progress(false)
	if bar != nil {
		cwo.OnProgress = func(p cwsync.Progress) {
			bar.update(int64(p.StreamsDone), int64(p.Streams), "syncing log streams")
		}
	}
	res, err := cwsync.Sync(ctx, clients.Logs, cwo)
	bar.finish()
	fmt.Fprintf(f.IO.ErrOut, "sync: cw://%s: %d streams, %d events fetched, %d written, %d duplicates skipped, %d files, %d requests (%d throttled) in %.2fs\n",
		group, res.Streams, res.Fetched, res.Written, res.Duplicates, len(res.Files), res.Requests, res.Throttled, res.Duration.Seconds())
	for _, w := range res.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "  warning: %s\n", w)
	}
	printErrors(f.IO.ErrOut, res.Errors)
	if err != nil {
		return err
	}
	// The whole group folder: files of an earlier run whose load did not finish are loaded too.
	return loadAfterSync(ctx, f, st, lock, res.OK(), !opts.noLoad && res.GroupDir != "", res.GroupDir, nil)
}
