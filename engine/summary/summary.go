// Package summary computes the headline numbers of the loaded flow logs over a time range —
// counts, dates, accounts, regions, ENIs and activity per time bucket — for status and the HTML report.
package summary

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/timespec"
)

// Querier is what the summary needs of a session: its database, with the compatibility layer
// registered (store.Session.DB).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Summary is the headline numbers of vpc_flow_logs over a range.
type Summary struct {
	Records, Bytes, Packets int64
	Accepted, Rejected      int64
	NoData, SkipData        int64
	First, Last             time.Time // earliest start, latest end; zero without records
	FirstDate, LastDate     string    // the first and last "date" partitions (YYYY-MM-DD); "" without records
	Accounts, Regions       []string  // distinct, sorted; empty (not nil) without records
	ENIs                    int64     // distinct interface ids
	// Interval is the flow logs' aggregation interval as the records show it: 10 minutes when
	// at least a tenth of the records span more than 90 seconds, else 1 minute (AWS offers
	// these two); zero without records. A chart bucket finer than it draws a sawtooth.
	Interval time.Duration
	SQL      string // the statement as Athena SQL with the range written in, to show
}

// rangeHeader declares the range parameters of the queries: records with since <= start < until.
const rangeHeader = `-- param: since = | Only records starting at or after this time
-- param: until = | Only records starting before this time
`

// query parses one of the package's own queries (a bug in flowq if it fails).
func query(text, name string) savedquery.Query {
	q, err := savedquery.Parse(text, name, "summary:"+name)
	if err != nil {
		panic(err)
	}
	return q
}

// Query is the summary statement (Athena SQL): counts are cast to BIGINT so both engines return
// the same types.
var Query = query(`-- name: summary
-- description: Headline numbers of the loaded flow logs over a range.
`+rangeHeader+`SELECT count(*) AS records,
       CAST(coalesce(sum(bytes), 0) AS BIGINT) AS bytes,
       CAST(coalesce(sum(packets), 0) AS BIGINT) AS packets,
       count_if(action = 'ACCEPT') AS accepted,
       count_if(action = 'REJECT') AS rejected,
       count_if(log_status = 'NODATA') AS nodata,
       count_if(log_status = 'SKIPDATA') AS skipdata,
       min(start) AS first_start,
       max("end") AS last_end,
       CAST(min("date") AS VARCHAR) AS first_date,
       CAST(max("date") AS VARCHAR) AS last_date,
       coalesce(array_join(array_sort(array_agg(DISTINCT account_id) FILTER (WHERE account_id IS NOT NULL AND account_id <> '-')), ','), '') AS accounts,
       coalesce(array_join(array_sort(array_agg(DISTINCT region) FILTER (WHERE region IS NOT NULL AND region <> '-')), ','), '') AS regions,
       count(DISTINCT interface_id) AS interfaces,
       count_if("end" - start > 90) AS long_records,
       count_if("end" IS NOT NULL AND start IS NOT NULL) AS timed_records
FROM vpc_flow_logs
WHERE ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)`, "summary")

// rangeParams are the since/until parameters of r (Unix seconds).
func rangeParams(r timespec.Range) map[string]string {
	p := map[string]string{}
	if !r.From.IsZero() {
		p["since"] = strconv.FormatInt(r.From.Unix(), 10)
	}
	if !r.To.IsZero() {
		p["until"] = strconv.FormatInt(r.To.Unix(), 10)
	}
	return p
}

// prepare binds q's parameters and returns the DuckDB statement, its arguments and the Athena
// text with the values written in.
func prepare(q savedquery.Query, params map[string]string, now time.Time) (stmt string, args []any, shown string, err error) {
	if shown, err = savedquery.Render(q, params, now); err != nil {
		return "", nil, q.SQL, fmt.Errorf("query %s: %w", q.Name, err)
	}
	if stmt, args, err = savedquery.PrepareAt(q, params, now); err != nil {
		return "", nil, shown, fmt.Errorf("query %s: %w", q.Name, err)
	}
	return stmt, args, shown, nil
}

// Read computes the summary of the records starting in r (a zero Range: all of them).
func Read(ctx context.Context, db Querier, r timespec.Range, now time.Time) (*Summary, error) {
	stmt, args, shown, err := prepare(Query, rangeParams(r), now)
	if err != nil {
		return nil, err
	}
	s := &Summary{SQL: shown}
	rows, err := db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("summary: %w", err)
		}
		return nil, fmt.Errorf("summary: no row")
	}
	// count_if over no rows is NULL in DuckDB: every number is scanned as nullable.
	var n [12]sql.NullInt64
	var firstDate, lastDate sql.NullString
	var accounts, regions string
	if err := rows.Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6],
		&n[7], &n[8], &firstDate, &lastDate, &accounts, &regions, &n[9], &n[10], &n[11]); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Records, s.Bytes, s.Packets = n[0].Int64, n[1].Int64, n[2].Int64
	s.Accepted, s.Rejected, s.NoData, s.SkipData = n[3].Int64, n[4].Int64, n[5].Int64, n[6].Int64
	s.ENIs = n[9].Int64
	if long, timed := n[10].Int64, n[11].Int64; timed > 0 {
		s.Interval = time.Minute
		if long*10 >= timed {
			s.Interval = 10 * time.Minute
		}
	}
	first, last := n[7], n[8]
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if first.Valid {
		s.First = time.Unix(first.Int64, 0).UTC()
	}
	if last.Valid {
		s.Last = time.Unix(last.Int64, 0).UTC()
	}
	s.FirstDate, s.LastDate = firstDate.String, lastDate.String
	s.Accounts, s.Regions = splitList(accounts), splitList(regions)
	return s, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
