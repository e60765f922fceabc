package main

import (
	"context"
	"fmt"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/spf13/cobra"
)

func newAthenaCmd(f *factory, runDDLF func(context.Context, *athenaDDLOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "athena",
		Short: "Move to Athena when the data outgrows one machine",
		Long:  "Commands that help run the same data and the same .sql files in Amazon Athena. See docs/athena.md.",
	}
	cmd.AddCommand(newAthenaDDLCmd(f, runDDLF))
	cmd.AddCommand(newAthenaPublishCmd(f, nil))
	return cmd
}

// athenaDDLOptions holds everything `flowq athena ddl` needs.
type athenaDDLOptions struct {
	f   *factory
	ddl compat.DDLOptions // from the flags; the store adds extra columns and, with --raw, days
	raw bool
}

// parseLogType reads --log-type: vpc (default) or transit-gateway (tgw).
func parseLogType(s string) (flowlog.LogType, error) {
	switch s {
	case "", "vpc":
		return flowlog.VPC, nil
	case "transit-gateway", "tgw":
		return flowlog.TransitGateway, nil
	}
	return flowlog.VPC, usageErr("--log-type: want vpc or transit-gateway, not %q", s)
}

// newAthenaDDLCmd only parses; runF (tests) or runAthenaDDL does the work.
func newAthenaDDLCmd(f *factory, runF func(context.Context, *athenaDDLOptions) error) *cobra.Command {
	opts := &athenaDDLOptions{f: f}
	var from, logType string
	cmd := &cobra.Command{
		Use:   "ddl",
		Short: "Print CREATE EXTERNAL TABLE for the local store (or the raw mirror) as Athena sees it",
		Long: `Print the Athena DDL for the data as flowq stores it: upload the store's tables folder with
  aws s3 sync DATA_DIR/tables s3://BUCKET/PREFIX/tables
then run the printed statements in Athena; the table has the same column names and the same
"date" partition as the local vpc_flow_logs, so saved queries run there too.

With --raw, print AWS's documented table for the text deliveries in their S3 key layout instead
(the source bucket, or a flowq mirror uploaded as is), with one partition per loaded day.`,
		Example: `  flowq athena ddl --location s3://my-bucket/flowq
  flowq athena ddl --location s3://my-bucket/flowq --projection
  flowq athena ddl --log-type transit-gateway --location s3://my-bucket/flowq
  flowq athena ddl --raw --location s3://my-flow-logs --account 123456789012 --region eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ddl.LogType, err = parseLogType(logType); err != nil {
				return err
			}
			opts.ddl.Layout = compat.StoreLayout
			if opts.raw {
				opts.ddl.Layout = compat.RawLayout
			}
			if from != "" {
				t, err := time.Parse("2006-01-02", from)
				if err != nil {
					return usageErr("--from: want YYYY-MM-DD: %v", err)
				}
				opts.ddl.From = t
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAthenaDDL(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ddl.Location, "location", "", "S3 URL above the data (store: the prefix holding tables/; raw: the prefix holding AWSLogs/)")
	fl.StringVar(&logType, "log-type", "vpc", "the table's log type: vpc (vpc_flow_logs) or transit-gateway (transit_gateway_flow_logs)")
	fl.BoolVar(&opts.raw, "raw", false, "DDL for the raw text deliveries instead of the store's Parquet")
	fl.BoolVar(&opts.ddl.Projection, "projection", false, "use partition projection on date instead of MSCK REPAIR TABLE")
	fl.StringVar(&from, "from", "", "first day of the projection range (YYYY-MM-DD)")
	fl.StringVar(&opts.ddl.Account, "account", "", "raw: account id in the key layout")
	fl.StringVar(&opts.ddl.Region, "region", "", "raw: flow-log region in the key layout")
	fl.StringVar(&opts.ddl.Org, "org", "", "raw: organisation segment (o-xxxx) after AWSLogs/")
	fl.BoolVar(&opts.ddl.Hive, "hive", false, "raw: Hive-compatible key layout")
	return cmd
}

func runAthenaDDL(ctx context.Context, opts *athenaDDLOptions) error {
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	led, err := st.Ledger()
	if err != nil {
		return err
	}
	ddl := opts.ddl
	ddl.ExtraColumns = led.UnknownColumnsOf(ddl.LogType.Table())
	if opts.raw {
		kd := led.KeyDays(ddl.Account, ddl.Region)
		if ddl.LogType == flowlog.TransitGateway {
			kd = led.KeyDaysOf(ddl.LogType.Table(), ddl.Account, ddl.Region)
		}
		ddl.Account, ddl.Region, ddl.Days = kd.Account, kd.Region, kd.Days
	}
	_, err = fmt.Fprint(opts.f.IO.Out, compat.DDL(ddl)+compat.SummaryDDL(ddl))
	return err
}
