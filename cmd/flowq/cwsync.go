package main

import (
	"fmt"
	"time"

	"github.com/flowq/flowq/engine/cwsync"
	"github.com/spf13/cobra"
)

// runCWSync mirrors a CloudWatch Logs log group as text deliveries, then loads them.
func runCWSync(f *factory, cmd *cobra.Command, group string, sf *syncFlags) error {
	ctx := cmd.Context()
	if group == "" {
		return usageErr("cw://LOG_GROUP: no log group given")
	}
	from, to, err := sf.timeRange()
	if err != nil {
		return err
	}
	if !to.IsZero() {
		// --to is inclusive (its last nanosecond); cwsync's To is the first instant left out.
		to = to.Add(time.Nanosecond)
	}
	if sf.dryRun {
		return usageErr("--dry-run is not supported for cw:// sources")
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	lock, err := st.LockWriter(ctx, sf.wait, "flowq sync cw://"+group)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	co := cwsync.ClientOptions{Profile: sf.profile, Region: sf.region, EndpointURL: sf.endpoint, Concurrency: sf.concurrency}
	if f.Debug {
		co.Debug = f.IO.ErrOut
	}
	clients, err := cwsync.NewClients(ctx, co)
	if err != nil {
		return err
	}
	format := sf.logFormat
	if sf.lookupFormat {
		if format != "" {
			return usageErr("use either --log-format or --lookup-format")
		}
		if format, err = cwsync.LookupFormat(ctx, clients.EC2, group); err != nil {
			return err
		}
		f.Debugf("cw sync: log format from DescribeFlowLogs: %s", format)
	}
	header, err := cwsync.ParseLogFormat(format)
	if err != nil {
		return usageErr("--log-format: %v", err)
	}
	concurrency := sf.concurrency // 0: cwsync's default, sized for CloudWatch Logs quotas
	opts := cwsync.Options{LogGroup: group, MirrorDir: st.MirrorDir(), Region: clients.Region, Streams: sf.streams,
		From: from, To: to, Header: header, Concurrency: concurrency}
	if len(sf.accounts) == 1 {
		opts.Account = sf.accounts[0]
	}
	bar := f.progress(false)
	if bar != nil {
		opts.OnProgress = func(p cwsync.Progress) {
			bar.update(int64(p.StreamsDone), int64(p.Streams), "syncing log streams")
		}
	}
	res, err := cwsync.Sync(ctx, clients.Logs, opts)
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
	return loadAfterSync(f, cmd, st, lock, res.OK(), !sf.noLoad && res.GroupDir != "", res.GroupDir)
}
