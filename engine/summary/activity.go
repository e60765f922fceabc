package summary

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/flowq/flowq/engine/timespec"
)

// Activity is the records per time bucket, from the first bucket with records to the last:
// every bucket in between has an entry, so a quiet hour shows as zero instead of being skipped.
type Activity struct {
	Bucket   time.Duration
	Start    time.Time // start of the first bucket (a multiple of Bucket since the Unix epoch)
	Accepted []int64
	Rejected []int64
	Logged   []int64 // records with a log status other than SKIPDATA
	SkipData []int64 // SKIPDATA records: the flow-log service dropped records in that bucket
	SQL      string  // the statement as Athena SQL with the values written in, to show
}

// ActivityQuery counts records per bucket of $bucket seconds of start.
var ActivityQuery = query(`-- name: activity
-- description: Accepted, rejected and SKIPDATA records per time bucket.
`+rangeHeader+`-- param: bucket:int = 3600 | Bucket width in seconds
SELECT bucket_start,
       count_if(action = 'ACCEPT') AS accepted,
       count_if(action = 'REJECT') AS rejected,
       count_if(log_status <> 'SKIPDATA') AS logged,
       count_if(log_status = 'SKIPDATA') AS skipdata
FROM (
  SELECT start - start % $bucket AS bucket_start, action, log_status
  FROM vpc_flow_logs
  WHERE start IS NOT NULL
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
) t
GROUP BY bucket_start
ORDER BY bucket_start`, "activity")

// ReadActivity counts the records starting in r per bucket (a whole number of seconds). maxBuckets
// bounds the result: more buckets than that is an error, so a caller picks the bucket from the
// summary's First and Last first.
func ReadActivity(ctx context.Context, db Querier, r timespec.Range, bucket time.Duration, maxBuckets int, now time.Time) (*Activity, error) {
	sec := int64(bucket / time.Second)
	if sec <= 0 {
		return nil, fmt.Errorf("activity: bucket %v is shorter than a second", bucket)
	}
	params := rangeParams(r)
	params["bucket"] = strconv.FormatInt(sec, 10)
	stmt, args, shown, err := prepare(ActivityQuery, params, now)
	if err != nil {
		return nil, err
	}
	a := &Activity{Bucket: bucket, SQL: shown}
	rows, err := db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	defer rows.Close()
	var lo int64
	for rows.Next() {
		var st, acc, rej, logged, skip int64
		if err := rows.Scan(&st, &acc, &rej, &logged, &skip); err != nil {
			return nil, fmt.Errorf("activity: %w", err)
		}
		if len(a.Accepted) == 0 {
			lo = st
			a.Start = time.Unix(st, 0).UTC()
		}
		i := int((st - lo) / sec)
		if i >= maxBuckets {
			return nil, fmt.Errorf("activity: more than %d buckets of %v", maxBuckets, bucket)
		}
		for len(a.Accepted) <= i {
			a.Accepted, a.Rejected = append(a.Accepted, 0), append(a.Rejected, 0)
			a.Logged, a.SkipData = append(a.Logged, 0), append(a.SkipData, 0)
		}
		a.Accepted[i], a.Rejected[i], a.Logged[i], a.SkipData[i] = acc, rej, logged, skip
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	return a, nil
}

// Times are the start of each bucket.
func (a *Activity) Times() []time.Time {
	out := make([]time.Time, len(a.Accepted))
	for i := range out {
		out[i] = a.Start.Add(time.Duration(i) * a.Bucket)
	}
	return out
}

// Spark merges buckets n at a time so at most max remain, for a sparkline: the logged records per
// merged bucket, whether it is a gap (no records at all), whether it holds SKIPDATA records (the
// flow-log service dropped some: its records are still drawn), and the merged width.
func (a *Activity) Spark(max int) (values []float64, gaps, skip []bool, per time.Duration) {
	if len(a.Logged) == 0 {
		return nil, nil, nil, a.Bucket
	}
	n := (len(a.Logged) + max - 1) / max
	out := (len(a.Logged) + n - 1) / n
	values, gaps, skip = make([]float64, out), make([]bool, out), make([]bool, out)
	for i, v := range a.Logged {
		values[i/n] += float64(v)
		skip[i/n] = skip[i/n] || a.SkipData[i] > 0
	}
	for i := range gaps {
		gaps[i] = values[i] == 0 && !skip[i]
	}
	return values, gaps, skip, time.Duration(n) * a.Bucket
}
