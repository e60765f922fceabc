package summary

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/output"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/timespec"
)

// Status is what `flowq status` and the shell's .status report: the store's ledger and disk use,
// and the summary of the whole table. The JSON names are part of `status --json`'s contract.
type Status struct {
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
	// Tables are the flow-log tables' rows and dates (vpc_flow_logs, transit_gateway_flow_logs).
	Tables []TableStatus `json:"tables"`
	// Hourly activity for the sparkline: records (other than SKIPDATA) per bucket of
	// BucketHours hours from FirstHour (Unix seconds); gaps are buckets with no records at all,
	// skipdata those holding SKIPDATA records (some records lost; the rest are still counted).
	FirstHour   int64     `json:"first_hour,omitempty"`
	BucketHours int64     `json:"bucket_hours,omitempty"`
	Activity    []float64 `json:"activity,omitempty"`
	Gaps        []bool    `json:"gaps,omitempty"`
	SkipData    []bool    `json:"skipdata,omitempty"`
}

// SkipMark marks, on the line under the sparkline, a bucket holding SKIPDATA records.
const SkipMark = '^'

// SparkBuckets is the most sparkline characters a status draws.
const SparkBuckets = 96

// maxHours bounds the hourly activity read for a status (about 114 years).
const maxHours = 1 << 20

// ReadStatus gathers the status of st, reading the table through db (a session on st: the
// command's own, or the shell's).
func ReadStatus(ctx context.Context, st *store.Store, db Querier) (*Status, error) {
	led, err := st.Ledger()
	if err != nil {
		return nil, err
	}
	s := Status{DataDir: st.Dir(), Parts: len(led.TableParts("vpc_flow_logs")), LedgerGen: led.Generation}
	for _, f := range store.TableColumns(led)[flowlog.AthenaColumns:] {
		s.ExtraColumns = append(s.ExtraColumns, f.Column)
	}
	s.Files, s.Rows, s.Rejected = led.Totals()
	s.TableBytes, s.MirrorBytes = st.DiskUsage()
	now := time.Now()
	sum, err := Read(ctx, db, timespec.Range{}, now)
	if err != nil {
		return nil, fmt.Errorf("reading the table: %w", err)
	}
	s.FirstDate, s.LastDate = sum.FirstDate, sum.LastDate
	if s.Tables, err = ReadTables(ctx, db); err != nil {
		return nil, err
	}
	s.Accounts, s.Regions, s.ENIs = sum.Accounts, sum.Regions, sum.ENIs
	act, err := ReadActivity(ctx, db, timespec.Range{}, time.Hour, maxHours, now)
	if err != nil {
		return nil, fmt.Errorf("reading hourly activity: %w", err)
	}
	if vals, gaps, skip, per := act.Spark(SparkBuckets); len(vals) > 0 {
		s.FirstHour, s.BucketHours = act.Start.Unix(), int64(per/time.Hour)
		s.Activity, s.Gaps = vals, gaps
		if slices.Contains(skip, true) {
			s.SkipData = skip
		}
	}
	return &s, nil
}

// WriteText writes the status for people.
func (s *Status) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "data dir:    %s\n", s.DataDir)
	fmt.Fprintf(w, "files:       %d loaded (%d Parquet files in the table)\n", s.Files, s.Parts)
	fmt.Fprintf(w, "rows:        %d (%d lines rejected: see the load_errors table)\n", s.Rows, s.Rejected)
	if s.FirstDate != "" {
		fmt.Fprintf(w, "dates:       %s .. %s\n", s.FirstDate, s.LastDate)
	} else {
		fmt.Fprintf(w, "dates:       (no data yet: run 'flowq load PATH' or 'flowq sync s3://BUCKET')\n")
	}
	writeTables(w, s.Tables)
	fmt.Fprintf(w, "accounts:    %s\n", listOrNone(s.Accounts))
	fmt.Fprintf(w, "regions:     %s\n", listOrNone(s.Regions))
	fmt.Fprintf(w, "ENIs:        %d\n", s.ENIs)
	if len(s.Activity) > 0 {
		unit := "hour"
		if s.BucketHours > 1 {
			unit = fmt.Sprintf("%d hours", s.BucketHours)
		}
		from := time.Unix(s.FirstHour, 0).UTC()
		to := from.Add(time.Duration(int64(len(s.Activity))*s.BucketHours) * time.Hour)
		fmt.Fprintf(w, "records:     %s  per %s, %s .. %s UTC (%c = no records)\n",
			output.Sparkline(s.Activity, s.Gaps), unit, from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04"), output.SparkGap)
		if n := count(s.SkipData); n > 0 {
			marks := make([]rune, len(s.SkipData))
			for i, skip := range s.SkipData {
				marks[i] = ' '
				if skip {
					marks[i] = SkipMark
				}
			}
			fmt.Fprintf(w, "SKIPDATA:    %s  %c = some records lost (SKIPDATA rows in %d of %d): flowq run skipdata-gaps\n",
				string(marks), SkipMark, n, len(s.SkipData))
		}
	}
	_, err := fmt.Fprintf(w, "disk:        %s table, %s mirror\n", output.Bytes(s.TableBytes), output.Bytes(s.MirrorBytes))
	return err
}

func count(bs []bool) (n int) {
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}
