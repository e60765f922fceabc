package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/spf13/cobra"
)

func newAthenaCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "athena",
		Short: "Move to Athena when the data outgrows one machine",
		Long:  "Commands that help run the same data and the same .sql files in Amazon Athena. See docs/athena.md.",
	}
	var loc, from, account, region, org string
	var raw, projection, hive bool
	ddl := &cobra.Command{
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
  flowq athena ddl --raw --location s3://my-flow-logs --account 123456789012 --region eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts := compat.DDLOptions{Location: loc, Projection: projection, Account: account, Region: region, Org: org, Hive: hive}
			if raw {
				opts.Layout = compat.RawLayout
			}
			if from != "" {
				t, err := time.Parse("2006-01-02", from)
				if err != nil {
					return usageErr("--from: want YYYY-MM-DD: %v", err)
				}
				opts.From = t
			}
			st, err := f.Store(ctx)
			if err != nil {
				return err
			}
			led, err := st.Ledger()
			if err != nil {
				return err
			}
			opts.ExtraColumns = led.UnknownColumns()
			if raw {
				// The days (and, when not given, the account and region) the loaded mirror holds.
				days := map[string]time.Time{}
				for p := range led.Sources {
					k, ok := flowlog.ParseKey(p)
					if !ok || (account != "" && k.Account != account) || (region != "" && k.Region != region) {
						continue
					}
					if opts.Account == "" {
						opts.Account = k.Account
					}
					if opts.Region == "" {
						opts.Region = k.Region
					}
					days[k.Date.Format("2006-01-02")] = k.Date
				}
				for _, d := range days {
					opts.Days = append(opts.Days, d)
				}
				sort.Slice(opts.Days, func(i, j int) bool { return opts.Days[i].Before(opts.Days[j]) })
			}
			fmt.Fprint(f.IO.Out, compat.DDL(opts))
			return nil
		},
	}
	fl := ddl.Flags()
	fl.StringVar(&loc, "location", "", "S3 URL above the data (store: the prefix holding tables/; raw: the prefix holding AWSLogs/)")
	fl.BoolVar(&raw, "raw", false, "DDL for the raw text deliveries instead of the store's Parquet")
	fl.BoolVar(&projection, "projection", false, "use partition projection on date instead of MSCK REPAIR TABLE")
	fl.StringVar(&from, "from", "", "first day of the projection range (YYYY-MM-DD)")
	fl.StringVar(&account, "account", "", "raw: account id in the key layout")
	fl.StringVar(&region, "region", "", "raw: flow-log region in the key layout")
	fl.StringVar(&org, "org", "", "raw: organisation segment (o-xxxx) after AWSLogs/")
	fl.BoolVar(&hive, "hive", false, "raw: Hive-compatible key layout")
	cmd.AddCommand(ddl)
	return cmd
}
