package athena

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// QueryOptions say what to run where.
type QueryOptions struct {
	SQL       string
	Database  string // default "default"
	Workgroup string // default "primary"
	// OutputLocation is where Athena writes the result files (s3://…/); empty: the workgroup's.
	OutputLocation string
}

func (q *QueryOptions) defaults() {
	if q.Database == "" {
		q.Database = "default"
	}
	if q.Workgroup == "" {
		q.Workgroup = "primary"
	}
}

// Execution is a finished query: its id, its kind and what it scanned.
type Execution struct {
	ID            string
	StatementType string // DML, DDL or UTILITY
	ScannedBytes  int64
	EngineTime    time.Duration
}

// Cost is the query's price at Athena's SQL rate: $5 per TB scanned, each query billed at least
// 10 MB and rounded up to the next MB; DDL statements are free.
func (e Execution) Cost() float64 { return Cost(e.ScannedBytes, e.StatementType) }

// Athena's published rate for SQL queries (US regions; a few regions charge more).
const (
	DollarsPerTB = 5.0
	minBilledMB  = 10
	mb           = 1 << 20
	tb           = 1 << 40
)

// Cost prices scanned bytes at DollarsPerTB with Athena's 10 MB minimum per query, rounded up to
// whole MB; statements of type DDL cost nothing.
func Cost(scanned int64, statementType string) float64 {
	if statementType == "DDL" {
		return 0
	}
	mbs := max(int64(math.Ceil(float64(scanned)/mb)), minBilledMB)
	return float64(mbs) * mb / tb * DollarsPerTB
}

// Query starts q in Athena, polls it with backoff until it finishes, and returns its result.
// When ctx ends first, the query is stopped in Athena (StopQueryExecution) and ctx's error is
// returned. A failed query returns a *QueryFailedError with Athena's reason.
func (c *Client) Query(ctx context.Context, q QueryOptions) (*Result, error) {
	q.defaults()
	wgARN := fmt.Sprintf("arn:aws:athena:%s:*:workgroup/%s", c.region, q.Workgroup)
	if q.OutputLocation == "" {
		if err := c.checkOutputLocation(ctx, q.Workgroup); err != nil {
			return nil, err
		}
	}
	in := &sdk.StartQueryExecutionInput{
		QueryString:           aws.String(q.SQL),
		WorkGroup:             aws.String(q.Workgroup),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(q.Database)},
	}
	if q.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(q.OutputLocation)}
	}
	out, err := c.athena.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("starting athena query in workgroup %s: %w", q.Workgroup, explain(err, wgARN, q.Workgroup))
	}
	id := aws.ToString(out.QueryExecutionId)
	ex, err := c.wait(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Result{c: c, Execution: ex}, nil
}

// checkOutputLocation fails early, with the fix, when the workgroup has no result location. A
// caller who may not read the workgroup gets Athena's own refusal from StartQueryExecution.
func (c *Client) checkOutputLocation(ctx context.Context, workgroup string) error {
	wg, err := c.athena.GetWorkGroup(ctx, &sdk.GetWorkGroupInput{WorkGroup: aws.String(workgroup)})
	if err != nil {
		var pe *PermissionError
		if errors.As(explain(err, "", workgroup), &pe) {
			return nil
		}
		return fmt.Errorf("reading athena workgroup %s: %w", workgroup, explain(err, "", workgroup))
	}
	conf := wg.WorkGroup.Configuration
	if conf == nil {
		return noOutputError(workgroup)
	}
	if conf.ManagedQueryResultsConfiguration != nil && conf.ManagedQueryResultsConfiguration.Enabled {
		return nil
	}
	if conf.ResultConfiguration == nil || aws.ToString(conf.ResultConfiguration.OutputLocation) == "" {
		return noOutputError(workgroup)
	}
	return nil
}

// wait polls GetQueryExecution, doubling the pause from pollMin up to pollMax.
func (c *Client) wait(ctx context.Context, id string) (Execution, error) {
	pause := c.pollMin
	for {
		out, err := c.athena.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return Execution{}, c.stop(ctx, id)
			}
			return Execution{}, fmt.Errorf("polling athena query %s: %w", id, explain(err, "query "+id, ""))
		}
		qe := out.QueryExecution
		ex := Execution{ID: id, StatementType: string(qe.StatementType)}
		if st := qe.Statistics; st != nil {
			ex.ScannedBytes = aws.ToInt64(st.DataScannedInBytes)
			ex.EngineTime = time.Duration(aws.ToInt64(st.EngineExecutionTimeInMillis)) * time.Millisecond
		}
		var state types.QueryExecutionState
		var reason string
		if s := qe.Status; s != nil {
			state = s.State
			reason = aws.ToString(s.StateChangeReason)
			if reason == "" && s.AthenaError != nil {
				reason = aws.ToString(s.AthenaError.ErrorMessage)
			}
		}
		switch state {
		case types.QueryExecutionStateSucceeded:
			return ex, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return ex, &QueryFailedError{ID: id, State: string(state), Reason: reason}
		}
		select {
		case <-ctx.Done():
			return ex, c.stop(ctx, id)
		case <-time.After(pause):
		}
		pause = min(pause*2, c.pollMax)
	}
}

// stop asks Athena to stop the query after ctx ended, on a context of its own so the request
// still goes out, and returns ctx's error (naming the query) or the stop's failure.
func (c *Client) stop(ctx context.Context, id string) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if _, err := c.athena.StopQueryExecution(sctx, &sdk.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}); err != nil {
		return fmt.Errorf("athena query %s interrupted (%w), and stopping it failed: %w; stop it with aws athena stop-query-execution --query-execution-id %s",
			id, ctx.Err(), explain(err, "query "+id, ""), id)
	}
	return fmt.Errorf("athena query %s stopped: %w", id, ctx.Err())
}
