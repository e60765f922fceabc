package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/store"
	"github.com/spf13/cobra"
)

// statusInfo is what `flowq status` reports.
type statusInfo struct {
	DataDir      string   `json:"data_dir"`
	Files        int      `json:"files"`
	Rows         int64    `json:"rows"`
	Rejected     int64    `json:"rejected_lines"`
	FirstDate    string   `json:"first_date,omitempty"`
	LastDate     string   `json:"last_date,omitempty"`
	Accounts     []string `json:"accounts"`
	Regions      []string `json:"regions"`
	ENIs         int64    `json:"enis"`
	TableBytes   int64    `json:"table_bytes"`
	MirrorBytes  int64    `json:"mirror_bytes"`
	Parts        int      `json:"parquet_files"`
	LedgerGen    uint64   `json:"ledger_generation"`
	ExtraColumns []string `json:"extra_columns,omitempty"`
	// Hourly activity for the sparkline: records per bucket of BucketHours hours from
	// FirstHour (Unix seconds); gaps are buckets with no records or with SKIPDATA.
	FirstHour   int64     `json:"first_hour,omitempty"`
	BucketHours int64     `json:"bucket_hours,omitempty"`
	Activity    []float64 `json:"activity,omitempty"`
	Gaps        []bool    `json:"gaps,omitempty"`
}

// sparkBuckets is the most sparkline characters status draws.
const sparkBuckets = 96

func newStatusCmd(f *factory) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what is loaded: files, rows, dates, accounts, regions, disk used",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonOut {
				info, err := gatherStatus(cmd.Context(), f)
				if err != nil {
					return err
				}
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			return printStatus(cmd.Context(), f, f.IO.Out)
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	return cmd
}

// gatherStatus reads what status reports from the ledger and the table.
func gatherStatus(ctx context.Context, f *factory) (*statusInfo, error) {
	st, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	led, err := st.Ledger()
	if err != nil {
		return nil, err
	}
	info := statusInfo{DataDir: st.Dir(), Parts: len(led.Parts), LedgerGen: led.Generation}
	for _, f := range store.TableColumns(led)[flowlog.AthenaColumns:] {
		info.ExtraColumns = append(info.ExtraColumns, f.Column)
	}
	info.Files, info.Rows, info.Rejected = led.Totals()
	info.TableBytes, info.MirrorBytes = st.DiskUsage()
	sess, err := f.openSession(ctx, false, "duckdb")
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	var first, last *string
	var accts, regions string
	err = sess.DB.QueryRowContext(ctx, `SELECT CAST(min("date") AS VARCHAR), CAST(max("date") AS VARCHAR),
				coalesce(string_agg(DISTINCT account_id, ',' ORDER BY account_id), ''),
				coalesce(string_agg(DISTINCT region, ',' ORDER BY region), ''),
				count(DISTINCT interface_id) FROM vpc_flow_logs`).Scan(&first, &last, &accts, &regions, &info.ENIs)
	if err != nil {
		return nil, fmt.Errorf("reading the table: %w", err)
	}
	if first != nil {
		info.FirstDate, info.LastDate = *first, *last
	}
	info.Accounts, info.Regions = splitNonEmpty(accts), splitNonEmpty(regions)
	if err := hourlyActivity(ctx, sess.DB, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// printStatus writes the status for people.
func printStatus(ctx context.Context, f *factory, w io.Writer) error {
	info, err := gatherStatus(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "data dir:    %s\n", info.DataDir)
	fmt.Fprintf(w, "files:       %d loaded (%d Parquet files in the table)\n", info.Files, info.Parts)
	fmt.Fprintf(w, "rows:        %d (%d lines rejected: see the load_errors table)\n", info.Rows, info.Rejected)
	if info.FirstDate != "" {
		fmt.Fprintf(w, "dates:       %s .. %s\n", info.FirstDate, info.LastDate)
	} else {
		fmt.Fprintf(w, "dates:       (no data yet: run 'flowq load PATH' or 'flowq sync s3://BUCKET')\n")
	}
	fmt.Fprintf(w, "accounts:    %s\n", listOrNone(info.Accounts))
	fmt.Fprintf(w, "regions:     %s\n", listOrNone(info.Regions))
	fmt.Fprintf(w, "ENIs:        %d\n", info.ENIs)
	if len(info.Activity) > 0 {
		unit := "hour"
		if info.BucketHours > 1 {
			unit = fmt.Sprintf("%d hours", info.BucketHours)
		}
		from := time.Unix(info.FirstHour, 0).UTC()
		to := from.Add(time.Duration(int64(len(info.Activity))*info.BucketHours) * time.Hour)
		fmt.Fprintf(w, "records:     %s  per %s, %s .. %s UTC (%c = no data or SKIPDATA)\n",
			output.Sparkline(info.Activity, info.Gaps), unit, from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04"), output.SparkGap)
	}
	fmt.Fprintf(w, "disk:        %s table, %s mirror\n", output.Bytes(info.TableBytes), output.Bytes(info.MirrorBytes))
	return nil
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

// hourlyActivity fills the sparkline fields: records per hour of start, bucketed to at most
// sparkBuckets characters; a bucket is a gap when it has no records or any SKIPDATA record.
func hourlyActivity(ctx context.Context, db *sql.DB, info *statusInfo) error {
	rows, err := db.QueryContext(ctx, `SELECT start // 3600 AS h, count_if(log_status <> 'SKIPDATA') AS n,
		count_if(log_status = 'SKIPDATA') AS skip FROM vpc_flow_logs WHERE start IS NOT NULL GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("reading hourly activity: %w", err)
	}
	defer rows.Close()
	type hour struct{ h, n, skip int64 }
	var hours []hour
	for rows.Next() {
		var x hour
		if err := rows.Scan(&x.h, &x.n, &x.skip); err != nil {
			return err
		}
		hours = append(hours, x)
	}
	if err := rows.Err(); err != nil || len(hours) == 0 {
		return err
	}
	first, last := hours[0].h, hours[len(hours)-1].h
	span := last - first + 1
	per := (span + sparkBuckets - 1) / sparkBuckets
	n := (span + per - 1) / per
	info.FirstHour, info.BucketHours = first*3600, per
	info.Activity = make([]float64, n)
	info.Gaps = make([]bool, n)
	skip := make([]bool, n)
	for _, x := range hours {
		b := (x.h - first) / per
		info.Activity[b] += float64(x.n)
		skip[b] = skip[b] || x.skip > 0
	}
	for i := range info.Gaps {
		info.Gaps[i] = info.Activity[i] == 0 || skip[i]
	}
	return nil
}
