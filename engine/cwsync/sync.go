package cwsync

import (
	"context"
	"errors"
	"fmt"
	"github.com/flowq/flowq/engine/awsconf"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/flowq/flowq/engine/flowlog"
	"golang.org/x/sync/errgroup"
)

// API is the part of *cloudwatchlogs.Client the sync uses, so tests and callers can wrap it.
type API interface {
	DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	DescribeLogStreams(ctx context.Context, in *cloudwatchlogs.DescribeLogStreamsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error)
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

// Method is the API call that reads a stream's events.
type Method int

const (
	// MethodFilter uses FilterLogEvents, whose events carry ids (the default).
	MethodFilter Method = iota
	// MethodGet uses GetLogEvents (a higher request quota; events are told apart by a digest
	// of time, ingestion time and message, since they carry no id).
	MethodGet
)

// Options say which log group to mirror and how.
type Options struct {
	LogGroup  string // log group name, or its ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)
	MirrorDir string // local root; files go under MirrorDir/cloudwatch/REGION/ACCOUNT/GROUP/
	Region    string // the client's region: fills the region column when records lack it
	Account   string // overrides the account found in the log group's ARN

	Streams  []string       // only these log streams (ENI ids); empty: every stream
	From, To time.Time      // event times in the half-open range [From, To) (timespec.Range); zero: open (To: now)
	Header   flowlog.Header // the records' layout (ParseLogFormat); zero: the version 2 default
	Method   Method

	Concurrency  int           // requests in flight: streams or batches fetched in parallel (default 4; quotas are per account)
	BatchStreams int           // FilterLogEvents: streams fetched together when their windows match (default 50, max 100)
	Overlap      time.Duration // tail of the synced range fetched again to catch late events (default 10m)
	PageLimit    int32         // events per request (0: the API's maximum)
	RateLimit    float64       // requests per second across the run, to stay under the API quota (0: no limit)
	Attempts     int           // attempts per request on throttling or 5xx, on top of the SDK's (default 8)
	RetryBase    time.Duration // first backoff (default 250ms), doubled per attempt, full jitter
	RetryMax     time.Duration // backoff cap (default 20s)
	FlushEvents  int           // events buffered per stream before files are written (default 50000)

	// OnProgress is called after each page and each finished stream; calls are serialised.
	OnProgress func(Progress)
	// Now is the clock for an open-ended range (default time.Now).
	Now func() time.Time
}

// Progress is a snapshot for a progress bar.
type Progress struct {
	Streams     int // streams selected
	StreamsDone int
	Fetched     int64 // events received
	Written     int64 // events written to files
	Duplicates  int64 // events already in the mirror (overlap window, crash recovery)
	Files       int
}

// Result sums up one run.
type Result struct {
	LogGroup string // log group name
	Account  string // from the ARN (or Options.Account); "" when unknown
	Region   string
	GroupDir string // where this log group's files are

	Streams    int      // streams selected
	Synced     int      // streams finished without error
	Fetched    int64    // events received from the API
	Written    int64    // events written (each once, ever)
	Duplicates int64    // events skipped as already written
	Mismatched int64    // written events whose field count differs from the format (the loader rejects them)
	Requests   int64    // API requests, including retried ones
	Throttled  int64    // requests retried after throttling or a 5xx
	Files      []string // paths written in this run, sorted
	Errors     []error  // per-stream failures (the other streams carry on) and missing streams
	Warnings   []string // things that did not stop the sync
	Duration   time.Duration
}

// OK reports whether every selected stream synced.
func (r Result) OK() bool { return r.Synced == r.Streams && len(r.Errors) == 0 }

func (o *Options) defaults() error {
	if o.LogGroup == "" {
		return errors.New("cloudwatch sync: no log group")
	}
	if o.MirrorDir == "" {
		return errors.New("cloudwatch sync: no mirror dir")
	}
	if len(o.Header.Fields) == 0 {
		o.Header = flowlog.DefaultHeader()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.BatchStreams <= 0 {
		o.BatchStreams = 50
	}
	o.BatchStreams = min(o.BatchStreams, 100)
	if o.Overlap <= 0 {
		o.Overlap = 10 * time.Minute
	}
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 250 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 20 * time.Second
	}
	if o.FlushEvents <= 0 {
		o.FlushEvents = 50000
	}
	if !o.To.IsZero() && !o.From.IsZero() && !o.To.After(o.From) {
		return fmt.Errorf("cloudwatch sync: empty time range %s .. %s", o.From.UTC().Format(time.RFC3339), o.To.UTC().Format(time.RFC3339))
	}
	return nil
}

// syncer is one run's shared state.
type syncer struct {
	api      API
	opts     Options
	group    string // log group name
	ident    string // LogGroupIdentifier (ARN) when the caller gave one, else ""
	groupDir string
	header   string   // header line written to files
	extra    []string // values appended to every record (account-id, region) when the format lacks them
	fields   int      // fields per record in the format

	mu   sync.Mutex
	prog Progress
	res  *Result

	rateMu   sync.Mutex
	nextSlot time.Time // when the next request may start under RateLimit
}

// Sync mirrors the log group's flow-log events into opts.MirrorDir: each stream's new events
// go to new files (one per stream and UTC hour per run), and never an event twice. A failing
// stream does not stop the others; the error return is for failures of the run itself
// (finding the log group, listing streams, the mirror folder, cancellation).
func Sync(ctx context.Context, api API, opts Options) (res Result, err error) {
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	if err := opts.defaults(); err != nil {
		return res, err
	}
	mirror, err := filepath.Abs(opts.MirrorDir)
	if err != nil {
		return res, fmt.Errorf("mirror dir %s: %w", opts.MirrorDir, err)
	}
	opts.MirrorDir = mirror
	s := &syncer{api: api, opts: opts, res: &res}
	if err := s.resolveGroup(ctx); err != nil {
		return res, err
	}
	s.groupDir = GroupDir(mirror, res.Region, res.Account, s.group)
	res.GroupDir = s.groupDir
	if err := os.MkdirAll(s.groupDir, 0o700); err != nil {
		return res, fmt.Errorf("create mirror folder %s: %w", s.groupDir, err)
	}
	lock, err := lockGroup(s.groupDir)
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
	if err := cleanTemps(s.groupDir); err != nil {
		return res, err
	}
	s.header = opts.Header.Names()
	s.fields = len(opts.Header.Fields)
	if !opts.Header.Has("account_id") && res.Account != "" {
		s.header += " account-id"
		s.extra = append(s.extra, res.Account)
	}
	if !opts.Header.Has("region") && res.Region != "" {
		s.header += " region"
		s.extra = append(s.extra, res.Region)
	}

	streams, err := s.listStreams(ctx)
	if err != nil {
		return res, err
	}
	res.Streams = len(streams)
	s.prog.Streams = len(streams)
	s.report()

	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	want := span{Lo: 0, Hi: now.UnixMilli()}
	if !opts.From.IsZero() {
		want.Lo = opts.From.UnixMilli()
	}
	if !opts.To.IsZero() {
		want.Hi = opts.To.UnixMilli()
	}

	var runs []*streamRun
	for _, name := range streams {
		r, err := s.openRun(name, want)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("stream %s: %w", name, err))
			continue
		}
		runs = append(runs, r)
	}
	batchSize := 1
	if opts.Method == MethodFilter {
		batchSize = opts.BatchStreams
	}
	batches, single := planBatches(runs, batchSize)

	done := func(name string, err error) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res.Errors = append(res.Errors, fmt.Errorf("stream %s: %w", name, err))
			return nil
		}
		res.Synced++
		s.prog.StreamsDone++
		s.reportLocked()
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Concurrency)
	for _, b := range batches {
		g.Go(func() error {
			errs := s.runBatch(gctx, b)
			for i, r := range b {
				if err := done(r.stream, errs[i]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, r := range single {
		g.Go(func() error { return done(r.stream, s.runOne(gctx, r)) })
	}
	err = g.Wait()
	sort.Strings(res.Files)
	return res, err
}

// resolveGroup finds the log group's name, account and region: from the ARN when given one,
// else from DescribeLogGroups (whose ARN names the account).
func (s *syncer) resolveGroup(ctx context.Context) error {
	res := s.res
	res.Region = s.opts.Region
	if arn, ok := ParseLogGroupARN(s.opts.LogGroup); ok {
		s.group, s.ident = arn.Name, "arn:"+arn.Partition+":logs:"+arn.Region+":"+arn.Account+":log-group:"+arn.Name
		res.LogGroup, res.Account = arn.Name, arn.Account
		if res.Region == "" {
			res.Region = arn.Region
		}
	} else {
		s.group = s.opts.LogGroup
		res.LogGroup = s.group
		arn, err := s.findGroup(ctx)
		var nf *notFoundError
		switch {
		case err == nil:
			res.Account = arn.Account
			if res.Region == "" {
				res.Region = arn.Region
			}
		case errors.As(err, &nf):
			return err
		case s.opts.Account != "":
			// Reading events needs no DescribeLogGroups permission; the caller named the account.
			res.Warnings = append(res.Warnings, err.Error()+"; using account "+s.opts.Account)
		case s.opts.Header.Has("account_id"):
			// The records carry their account; only the mirror path lacks it.
			res.Warnings = append(res.Warnings, err.Error()+"; account unknown (records carry account-id)")
		default:
			return fmt.Errorf("%w; the log format has no account-id, so name the account (--account) or allow logs:DescribeLogGroups", err)
		}
	}
	if s.opts.Account != "" {
		res.Account = s.opts.Account
	}
	return nil
}

func (s *syncer) findGroup(ctx context.Context) (LogGroupARN, error) {
	in := &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(s.group)}
	for {
		var out *cloudwatchlogs.DescribeLogGroupsOutput
		err := s.call(ctx, func(ctx context.Context) (err error) {
			out, err = s.api.DescribeLogGroups(ctx, in)
			return err
		})
		if err != nil {
			return LogGroupARN{}, fmt.Errorf("describe log group %s: %w", s.group, awsconf.Explain(err, "log group "+s.group))
		}
		for _, g := range out.LogGroups {
			if aws.ToString(g.LogGroupName) != s.group {
				continue
			}
			arn := aws.ToString(g.LogGroupArn)
			if arn == "" {
				arn = aws.ToString(g.Arn)
			}
			a, ok := ParseLogGroupARN(arn)
			if !ok {
				return LogGroupARN{}, fmt.Errorf("log group %s: unreadable ARN %q", s.group, arn)
			}
			return a, nil
		}
		if aws.ToString(out.NextToken) == "" {
			return LogGroupARN{}, &notFoundError{s.group}
		}
		in.NextToken = out.NextToken
	}
}

type notFoundError struct{ group string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("log group %s not found (check the name and the region)", e.group)
}

// listStreams returns the stream names to sync: the requested ones that exist, or all.
func (s *syncer) listStreams(ctx context.Context) ([]string, error) {
	var names []string
	if len(s.opts.Streams) == 0 {
		err := s.describeStreams(ctx, "", func(ls types.LogStream) bool {
			names = append(names, aws.ToString(ls.LogStreamName))
			return true
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		return names, nil
	}
	want := append([]string(nil), s.opts.Streams...)
	sort.Strings(want)
	for i, name := range want {
		if i > 0 && want[i-1] == name {
			continue
		}
		found := false
		err := s.describeStreams(ctx, name, func(ls types.LogStream) bool {
			found = aws.ToString(ls.LogStreamName) == name
			return !found
		})
		if err != nil {
			return nil, err
		}
		if found {
			names = append(names, name)
		} else {
			s.res.Errors = append(s.res.Errors, fmt.Errorf("stream %s not found in log group %s", name, s.group))
		}
	}
	return names, nil
}

// describeStreams pages through DescribeLogStreams until fn returns false.
func (s *syncer) describeStreams(ctx context.Context, prefix string, fn func(types.LogStream) bool) error {
	in := &cloudwatchlogs.DescribeLogStreamsInput{}
	s.setGroup(&in.LogGroupName, &in.LogGroupIdentifier)
	if prefix != "" {
		in.LogStreamNamePrefix = aws.String(prefix)
	}
	for {
		var out *cloudwatchlogs.DescribeLogStreamsOutput
		err := s.call(ctx, func(ctx context.Context) (err error) {
			out, err = s.api.DescribeLogStreams(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("list streams of log group %s: %w", s.group, awsconf.Explain(err, "log group "+s.group))
		}
		for _, ls := range out.LogStreams {
			if !fn(ls) {
				return nil
			}
		}
		next := aws.ToString(out.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return nil
		}
		in.NextToken = out.NextToken
	}
}

// setGroup names the log group in a request: by ARN when the caller gave one (cross-account
// reads need it), else by name. The API refuses both at once.
func (s *syncer) setGroup(name, ident **string) {
	if s.ident != "" {
		*ident = aws.String(s.ident)
	} else {
		*name = aws.String(s.group)
	}
}

func (s *syncer) report() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reportLocked()
}

func (s *syncer) reportLocked() {
	if s.opts.OnProgress != nil {
		s.opts.OnProgress(s.prog)
	}
}
