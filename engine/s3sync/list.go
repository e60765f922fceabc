package s3sync

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/flowq/flowq/engine/awsconf"
	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/timespec"
)

// Object is one listed S3 object.
type Object struct {
	Key  string
	Size int64
	ETag string // without quotes
	Path string // local path under the mirror (set once the key is checked)
}

const (
	maxPreDepth   = 2  // folders searched below the given prefix for an "AWSLogs/" folder
	maxDirectDays = 62 // a bounded range up to this many days lists day folders without discovery
)

// lister walks the bucket along the flow-log key layouts, listing with a delimiter to discover
// orgs, accounts, regions and dates, and listing objects only in the partitions in range.
type lister struct {
	api     API
	opts    *Options
	sem     chan struct{}
	calls   atomic.Int64
	found   atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	objects []Object
	err     error
	rng     timespec.Range // the partitions kept; To is now when only From is given
}

func listObjects(ctx context.Context, api API, opts *Options, prefix string) ([]Object, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l := &lister{api: api, opts: opts, sem: make(chan struct{}, opts.ListConcurrency), rng: timespec.Range{From: opts.From, To: opts.To}}
	if !l.rng.From.IsZero() && l.rng.To.IsZero() {
		l.rng.To = opts.now()
	}
	fail := func(err error) {
		l.mu.Lock()
		if l.err == nil {
			l.err = err
			cancel()
		}
		l.mu.Unlock()
	}
	l.spawn(ctx, fail, func() error { return l.walk(ctx, prefix, 0, l.spawnFn(ctx, fail)) })
	l.wg.Wait()
	if l.err == nil && !l.found.Load() {
		// No flow-log layout under the prefix: mirror it as a plain folder.
		l.objects = nil
		l.err = l.listAll(ctx, prefix)
		l.wg.Wait()
	}
	if l.err != nil {
		return nil, l.calls.Load(), l.err
	}
	slices.SortFunc(l.objects, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return l.objects, l.calls.Load(), nil
}

type spawner func(func() error)

func (l *lister) spawn(ctx context.Context, fail func(error), fn func() error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		if ctx.Err() != nil {
			return
		}
		if err := fn(); err != nil {
			fail(err)
		}
	}()
}

func (l *lister) spawnFn(ctx context.Context, fail func(error)) spawner {
	return func(fn func() error) { l.spawn(ctx, fail, fn) }
}

// page lists one prefix, following continuation tokens; the semaphore bounds calls in flight.
func (l *lister) page(ctx context.Context, prefix string, delim bool, fn func(*s3.ListObjectsV2Output)) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(l.opts.Bucket), Prefix: aws.String(prefix)}
	if delim {
		in.Delimiter = aws.String("/")
	}
	for {
		select {
		case l.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		out, err := l.call(ctx, in)
		<-l.sem
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", l.opts.Bucket, prefix, awsconf.Explain(err, "bucket "+l.opts.Bucket))
		}
		fn(out)
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// call makes one list request, retrying transient failures beyond the SDK's own retries:
// one failed listing would end the whole run.
func (l *lister) call(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	var err error
	for attempt := 0; attempt < l.opts.Attempts; attempt++ {
		if attempt > 0 {
			wait := backoff(l.opts.RetryBase, attempt)
			if l.opts.OnRetry != nil {
				l.opts.OnRetry(awsconf.Retry{Op: "ListObjectsV2", Attempt: attempt + 1, Max: l.opts.Attempts, Delay: wait, Err: err})
			}
			if serr := sleepCtx(ctx, wait); serr != nil {
				return nil, serr
			}
		}
		l.calls.Add(1)
		var out *s3.ListObjectsV2Output
		out, err = l.api.ListObjectsV2(ctx, in)
		// Unreachable endpoints stop the run (stopsRun) instead of rounds of SDK retries.
		if err == nil || ctx.Err() != nil || stopsRun(err) || permanent(err) {
			return out, err
		}
	}
	return nil, err
}

// children lists the sub-folders of prefix (and keeps any objects found directly in it).
func (l *lister) children(ctx context.Context, prefix string) ([]string, error) {
	var subs []string
	err := l.page(ctx, prefix, true, func(out *s3.ListObjectsV2Output) {
		for _, cp := range out.CommonPrefixes {
			subs = append(subs, aws.ToString(cp.Prefix))
		}
		l.add(out)
	})
	return subs, err
}

func (l *lister) listAll(ctx context.Context, prefix string) error {
	return l.page(ctx, prefix, false, l.add)
}

// add keeps the listed objects that pass the filters.
func (l *lister) add(out *s3.ListObjectsV2Output) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, o := range out.Contents {
		key := aws.ToString(o.Key)
		if !l.keep(key) {
			continue
		}
		l.objects = append(l.objects, Object{
			Key: key, Size: aws.ToInt64(o.Size), ETag: trimETag(aws.ToString(o.ETag)),
		})
	}
}

// keep applies the account, region and time filters to one key; keys outside the layouts are
// kept only when no filter is set (the mirror then equals the prefix).
func (l *lister) keep(key string) bool {
	k, ok := flowlog.ParseKey(key)
	if !ok {
		return len(l.opts.Accounts) == 0 && len(l.opts.Regions) == 0 && l.rng.IsZero()
	}
	if len(l.opts.Accounts) > 0 && !slices.Contains(l.opts.Accounts, k.Account) {
		return false
	}
	if len(l.opts.Regions) > 0 && !slices.Contains(l.opts.Regions, k.Region) {
		return false
	}
	if k.Hour >= 0 {
		return l.rng.Overlaps(k.Date.Add(time.Duration(k.Hour)*time.Hour), time.Hour)
	}
	return l.rng.Overlaps(k.Date, 24*time.Hour)
}

// walk descends one folder. Above "AWSLogs/" it searches a few levels; below it, the position
// of the folder in the layout says what its children are.
func (l *lister) walk(ctx context.Context, node string, depth int, spawn spawner) error {
	segs := strings.Split(strings.TrimSuffix(node, "/"), "/")
	at := -1
	if node != "" {
		at = slices.Index(segs, "AWSLogs")
	}
	if at < 0 {
		if depth > maxPreDepth {
			return nil
		}
		subs, err := l.children(ctx, node)
		if err != nil {
			return err
		}
		for _, c := range subs {
			spawn(func() error { return l.walk(ctx, c, depth+1, spawn) })
		}
		return nil
	}
	l.found.Store(true)
	rest := segs[at+1:]
	orgLevel := len(rest) == 0 // directly under AWSLogs/: orgs or accounts
	if len(rest) > 0 && strings.HasPrefix(rest[0], "o-") {
		rest = rest[1:]
	}
	switch len(rest) {
	case 0:
		subs, err := l.children(ctx, node)
		if err != nil {
			return err
		}
		for _, c := range subs {
			seg := lastSeg(c)
			if orgLevel && strings.HasPrefix(seg, "o-") {
				spawn(func() error { return l.walk(ctx, c, depth+1, spawn) })
				continue
			}
			acct := strings.TrimPrefix(seg, "aws-account-id=")
			if len(l.opts.Accounts) > 0 && !slices.Contains(l.opts.Accounts, acct) {
				continue
			}
			spawn(func() error { return l.walk(ctx, c, depth+1, spawn) })
		}
	case 1: // account folder: the service folder's name is known, no need to list
		svc := "vpcflowlogs/"
		if strings.HasPrefix(rest[0], "aws-account-id=") {
			svc = "aws-service=vpcflowlogs/"
		}
		return l.walk(ctx, node+svc, depth+1, spawn)
	case 2:
		if strings.TrimPrefix(rest[1], "aws-service=") != "vpcflowlogs" {
			return nil
		}
		subs, err := l.children(ctx, node)
		if err != nil {
			return err
		}
		for _, c := range subs {
			region := strings.TrimPrefix(lastSeg(c), "aws-region=")
			if len(l.opts.Regions) > 0 && !slices.Contains(l.opts.Regions, region) {
				continue
			}
			spawn(func() error { return l.walkDate(ctx, c, nil, spawn) })
		}
	default: // region folder or below
		if strings.TrimPrefix(rest[1], "aws-service=") != "vpcflowlogs" {
			return nil // another service's logs (ELB, CloudTrail...) are not flow logs
		}
		hive := strings.HasPrefix(rest[0], "aws-account-id=")
		var parts []int
		for _, s := range rest[3:] {
			if i := strings.IndexByte(s, '='); i >= 0 && hive {
				s = s[i+1:]
			}
			n, err := strconv.Atoi(s)
			if err != nil || len(parts) >= 4 {
				return l.listAll(ctx, node) // not a date folder: take what is there, filtered
			}
			parts = append(parts, n)
		}
		return l.walkDate(ctx, node, parts, spawn)
	}
	return nil
}

// walkDate handles a region folder (parts empty) or a year/month/day/hour folder below it.
func (l *lister) walkDate(ctx context.Context, node string, parts []int, spawn spawner) error {
	hive := strings.Contains(node, "/aws-region=")
	switch len(parts) {
	case 0:
		if !l.rng.From.IsZero() {
			// The days meeting [From, To): a To at midnight leaves its day out.
			first := l.rng.From.UTC().Truncate(24 * time.Hour)
			n := int((l.rng.To.Sub(first) + 24*time.Hour - 1) / (24 * time.Hour))
			if n <= maxDirectDays {
				for d := range n {
					day := first.AddDate(0, 0, d)
					spawn(func() error { return l.walkDay(ctx, node+flowlog.DayPrefix(day, hive), day) })
				}
				return nil
			}
		}
		fallthrough
	case 1, 2:
		subs, err := l.children(ctx, node)
		if err != nil {
			return err
		}
		for _, c := range subs {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(lastSeg(c), "year="), "month="), "day="))
			if err != nil {
				spawn(func() error { return l.listAll(ctx, c) })
				continue
			}
			p := append(slices.Clone(parts), n)
			start, span := dateSpan(p)
			if start.IsZero() || !l.rng.Overlaps(start, span) {
				continue
			}
			if len(p) == 3 {
				spawn(func() error { return l.walkDay(ctx, c, start) })
			} else {
				spawn(func() error { return l.walkDate(ctx, c, p, spawn) })
			}
		}
		return nil
	case 3:
		start, _ := dateSpan(parts)
		return l.walkDay(ctx, node, start)
	default:
		return l.listAll(ctx, node)
	}
}

// walkDay lists a whole day when the range covers it, else only its hour folders in range
// (objects directly in a daily partition are kept: the day overlaps the range).
func (l *lister) walkDay(ctx context.Context, node string, day time.Time) error {
	if l.rng.Covers(day, 24*time.Hour) {
		return l.listAll(ctx, node)
	}
	subs, err := l.children(ctx, node)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(subs))
	for i, c := range subs {
		h, err := strconv.Atoi(strings.TrimPrefix(lastSeg(c), "hour="))
		if err == nil && !l.rng.Overlaps(day.Add(time.Duration(h)*time.Hour), time.Hour) {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = l.listAll(ctx, c) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// dateSpan turns [year], [year, month] or [year, month, day] into the period they name.
func dateSpan(p []int) (time.Time, time.Duration) {
	y, m, d := p[0], 1, 1
	if len(p) > 1 {
		m = p[1]
	}
	if len(p) > 2 {
		d = p[2]
	}
	if y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, 0
	}
	start := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if start.Day() != d {
		return time.Time{}, 0
	}
	switch len(p) {
	case 1:
		return start, start.AddDate(1, 0, 0).Sub(start)
	case 2:
		return start, start.AddDate(0, 1, 0).Sub(start)
	}
	return start, 24 * time.Hour
}

func lastSeg(prefix string) string {
	s := strings.TrimSuffix(prefix, "/")
	return s[strings.LastIndexByte(s, '/')+1:]
}

func trimETag(s string) string { return strings.Trim(s, `"`) }
