package cwsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/flowq/flowq/engine/awsconf"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/flowq/flowq/engine/flowlog"
)

// event is one log event as fetched.
type event struct {
	seen
	stream  string
	Message string
}

// digest identifies an event's content: time, ingestion time and message.
func digest(ts, ingest int64, msg string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%s", ts, ingest, msg)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// streamRun is one stream's work in a run: open, accept pages of events, then finish (or
// fail, keeping what was written journaled for the next run).
type streamRun struct {
	s       *syncer
	stream  string
	overlap int64
	st      *streamState
	wins    []span  // time windows to fetch, in order
	maxSeen []int64 // per window: newest event time received, -1 if none
	dd      *dedupe // events written before this run that may come again
	adopted []seen  // events of journaled files of a failed run
	buf     []event
	j       *journal

	// Both below are pruned to the last overlap before the newest event, so a long backfill
	// needs memory for one overlap window, not for every event.
	written  []seen           // events written this run
	runSeen  map[string]int64 // this run's events by key, against an API repeating one
	maxT     int64            // newest event time written this run
	pruneLen int
	count    int64 // events written this run
}

func (r *streamRun) key(e seen) string {
	if e.ID != "" {
		return e.ID
	}
	return "h:" + e.H
}

// prune drops what no later check needs: the final newest span ends after every written
// event, so Recent keeps nothing older than maxT-overlap.
func (r *streamRun) prune() {
	if len(r.written)+len(r.runSeen) < r.pruneLen {
		return
	}
	cut := r.maxT - r.overlap
	kept := r.written[:0]
	for _, e := range r.written {
		if e.T >= cut {
			kept = append(kept, e)
		}
	}
	r.written = kept
	for k, t := range r.runSeen {
		if t < cut {
			delete(r.runSeen, k)
		}
	}
	r.pruneLen = 2*(len(r.written)+len(r.runSeen)) + 4096
}

// openRun reads the stream's state and any journal of a failed run, and plans the windows:
// the wanted range minus what is covered, the newest span's tail fetched again.
func (s *syncer) openRun(stream string, want span) (*streamRun, error) {
	st, err := readState(s.groupDir, stream)
	if err != nil {
		return nil, err
	}
	adopted, err := readJournal(s.groupDir, stream)
	if err != nil {
		return nil, err
	}
	overlap := s.opts.Overlap.Milliseconds()
	r := &streamRun{s: s, stream: stream, overlap: overlap, st: st, dd: newDedupe(),
		runSeen: map[string]int64{}, maxT: -1 << 62, pruneLen: 4096}
	for _, e := range st.Recent {
		r.dd.add(e)
	}
	// Events of files a failed run wrote: skipped now, and kept in Recent while the coverage
	// has not passed them (that run may have fetched further than this one).
	for _, je := range adopted {
		for _, e := range je.Events {
			r.dd.add(e)
			r.adopted = append(r.adopted, e)
		}
	}
	r.wins = windows(st.Covered, want, overlap)
	r.maxSeen = make([]int64, len(r.wins))
	for i := range r.maxSeen {
		r.maxSeen[i] = -1
	}
	return r, nil
}

// accept takes a page of events; those outside the stream's windows (a batched request
// covers the union of several streams' windows) are not this run's to judge.
func (r *streamRun) accept(evs []event) error {
	s := r.s
	var fetched, dups int64
	for _, ev := range evs {
		wi := -1
		for i, w := range r.wins {
			if ev.T >= w.Lo && ev.T < w.Hi {
				wi = i
				break
			}
		}
		if wi < 0 {
			continue
		}
		fetched++
		r.maxSeen[wi] = max(r.maxSeen[wi], ev.T)
		k := r.key(ev.seen)
		if _, again := r.runSeen[k]; again || r.dd.has(ev.seen) {
			dups++
			continue
		}
		r.runSeen[k] = ev.T
		r.maxT = max(r.maxT, ev.T)
		r.buf = append(r.buf, ev)
	}
	s.count(fetched, dups)
	if len(r.buf) >= s.opts.FlushEvents {
		if err := r.flush(); err != nil {
			return err
		}
		r.prune()
	}
	return nil
}

// fail keeps what was fetched: its files are journaled, so the next run adopts them.
func (r *streamRun) fail(err error) error {
	if ferr := r.flush(); ferr != nil {
		err = errors.Join(err, ferr)
	}
	if r.j != nil {
		r.j.close()
	}
	return err
}

// finish writes what is buffered, then records the coverage and the tail's events, then
// drops the journal. A window followed by synced data is complete; the newest window counts
// only up to its newest event, so a stream that lags is fetched again from there.
func (r *streamRun) finish() error {
	if err := r.flush(); err != nil {
		return r.fail(err)
	}
	st := r.st
	covered := st.Covered
	for i, w := range r.wins {
		done := w
		followed := false
		for _, c := range st.Covered {
			if c.Lo >= w.Hi {
				followed = true
			}
		}
		if !followed {
			done.Hi = max(w.Lo, min(w.Hi, r.maxSeen[i]+1))
		}
		covered = addSpan(covered, done)
	}
	st.Covered = covered
	st.Written += r.count + int64(len(r.adopted)) // the failed run never counted its files
	st.Recent = recent(append(st.Recent, r.adopted...), r.written, covered, r.overlap)
	if err := writeState(r.s.groupDir, st); err != nil {
		return r.fail(err)
	}
	if r.j != nil {
		return r.j.remove()
	}
	if err := os.Remove(journalPath(r.s.groupDir, r.stream)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove journal of stream %s: %w", r.stream, err)
	}
	return nil
}

// runOne fetches one stream's windows on its own.
func (s *syncer) runOne(ctx context.Context, r *streamRun) error {
	for _, w := range r.wins {
		var err error
		if s.opts.Method == MethodGet {
			err = s.fetchGet(ctx, r.stream, w, r.accept)
		} else {
			err = s.fetchFilter(ctx, []string{r.stream}, w, func(evs []event) error { return r.accept(evs) })
		}
		if err != nil {
			return r.fail(err)
		}
	}
	return r.finish()
}

// runBatch fetches several streams (one window each, close in time) with one
// FilterLogEvents pagination over the union of their windows, routing events by stream.
func (s *syncer) runBatch(ctx context.Context, runs []*streamRun) []error {
	byName := make(map[string]*streamRun, len(runs))
	names := make([]string, 0, len(runs))
	u := runs[0].wins[0]
	for _, r := range runs {
		byName[r.stream] = r
		names = append(names, r.stream)
		u.Lo, u.Hi = min(u.Lo, r.wins[0].Lo), max(u.Hi, r.wins[0].Hi)
	}
	errs := make([]error, len(runs))
	err := s.fetchFilter(ctx, names, u, func(evs []event) error {
		// Events arrive interleaved: hand each stream its share in order.
		parts := map[string][]event{}
		for _, ev := range evs {
			parts[ev.stream] = append(parts[ev.stream], ev)
		}
		for name, part := range parts {
			if r := byName[name]; r != nil {
				if err := r.accept(part); err != nil {
					return fmt.Errorf("stream %s: %w", name, err)
				}
			}
		}
		return nil
	})
	for i, r := range runs {
		if err != nil {
			errs[i] = r.fail(err)
		} else {
			errs[i] = r.finish()
		}
	}
	return errs
}

// batchSpread is how far apart the window starts of streams fetched together may be: a
// batch fetches from the earliest, so other streams' already-synced events cost transfer.
const batchSpread = int64(time.Hour / time.Millisecond)

// planBatches groups runs for FilterLogEvents: streams with exactly one window, ending
// together and starting within batchSpread, up to size per request (the API takes 100).
// The rest are fetched one by one.
func planBatches(runs []*streamRun, size int) (batches [][]*streamRun, single []*streamRun) {
	var cand []*streamRun
	for _, r := range runs {
		if size > 1 && len(r.wins) == 1 {
			cand = append(cand, r)
		} else {
			single = append(single, r)
		}
	}
	sort.SliceStable(cand, func(i, j int) bool {
		a, b := cand[i].wins[0], cand[j].wins[0]
		if a.Hi != b.Hi {
			return a.Hi < b.Hi
		}
		return a.Lo < b.Lo
	})
	for len(cand) > 0 {
		n := 1
		first := cand[0].wins[0]
		for n < len(cand) && n < size && cand[n].wins[0].Hi == first.Hi && cand[n].wins[0].Lo-first.Lo <= batchSpread {
			n++
		}
		if n == 1 {
			single = append(single, cand[0])
		} else {
			batches = append(batches, cand[:n:n])
		}
		cand = cand[n:]
	}
	return batches, single
}

// recent keeps the events the next run will fetch again: those in the newest span's tail.
func recent(old, added []seen, covered []span, overlap int64) []seen {
	if len(covered) == 0 {
		return nil
	}
	cut := covered[len(covered)-1].Hi - overlap
	var out []seen
	keep := map[string]bool{}
	for _, list := range [][]seen{old, added} {
		for _, e := range list {
			k := e.ID + "/" + e.H
			if e.T >= cut && !keep[k] {
				keep[k] = true
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out
}

// fetchGet pages through one window of a stream with GetLogEvents.
func (s *syncer) fetchGet(ctx context.Context, stream string, w span, page func([]event) error) error {
	in := &cloudwatchlogs.GetLogEventsInput{
		LogStreamName: aws.String(stream),
		StartTime:     aws.Int64(w.Lo),
		EndTime:       aws.Int64(w.Hi), // GetLogEvents: end is exclusive
		StartFromHead: aws.Bool(true),
	}
	if s.opts.PageLimit > 0 {
		in.Limit = aws.Int32(s.opts.PageLimit)
	}
	s.setGroup(&in.LogGroupName, &in.LogGroupIdentifier)
	for {
		var out *cloudwatchlogs.GetLogEventsOutput
		err := s.call(ctx, func(ctx context.Context) (err error) {
			out, err = s.api.GetLogEvents(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("get log events: %w", awsconf.Explain(err, "log group "+s.group))
		}
		evs := make([]event, 0, len(out.Events))
		for _, e := range out.Events {
			ts, ing, msg := aws.ToInt64(e.Timestamp), aws.ToInt64(e.IngestionTime), aws.ToString(e.Message)
			evs = append(evs, event{seen: seen{T: ts, H: digest(ts, ing, msg)}, stream: stream, Message: msg})
		}
		if err := page(evs); err != nil {
			return err
		}
		// The end of the stream is when the forward token comes back unchanged.
		next := aws.ToString(out.NextForwardToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return nil
		}
		in.NextToken = out.NextForwardToken
	}
}

// fetchFilter pages through one window of one or more streams with FilterLogEvents.
func (s *syncer) fetchFilter(ctx context.Context, streams []string, w span, page func([]event) error) error {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogStreamNames: streams,
		StartTime:      aws.Int64(w.Lo),
		EndTime:        aws.Int64(w.Hi - 1), // FilterLogEvents: end is inclusive
	}
	if s.opts.PageLimit > 0 {
		in.Limit = aws.Int32(s.opts.PageLimit)
	}
	s.setGroup(&in.LogGroupName, &in.LogGroupIdentifier)
	for {
		var out *cloudwatchlogs.FilterLogEventsOutput
		err := s.call(ctx, func(ctx context.Context) (err error) {
			out, err = s.api.FilterLogEvents(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("filter log events: %w", awsconf.Explain(err, "log group "+s.group))
		}
		evs := make([]event, 0, len(out.Events))
		for _, e := range out.Events {
			ts, ing, msg := aws.ToInt64(e.Timestamp), aws.ToInt64(e.IngestionTime), aws.ToString(e.Message)
			name := aws.ToString(e.LogStreamName)
			if name == "" && len(streams) == 1 {
				name = streams[0]
			}
			evs = append(evs, event{seen: seen{T: ts, ID: aws.ToString(e.EventId), H: digest(ts, ing, msg)}, stream: name, Message: msg})
		}
		if err := page(evs); err != nil {
			return err
		}
		// FilterLogEvents may return empty pages with a token; only a missing token ends it.
		if aws.ToString(out.NextToken) == "" {
			return nil
		}
		in.NextToken = out.NextToken
	}
}

// flush writes the buffered events: one new file per UTC hour, each journaled before it is
// renamed into place.
func (r *streamRun) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	s := r.s
	byHour := map[int64][]event{}
	for _, ev := range r.buf {
		h := ev.T / 3600000
		if ev.T < 0 {
			h = (ev.T - 3599999) / 3600000
		}
		byHour[h] = append(byHour[h], ev)
	}
	hours := make([]int64, 0, len(byHour))
	for h := range byHour {
		hours = append(hours, h)
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i] < hours[j] })
	if r.j == nil {
		j, err := openJournal(s.groupDir, r.stream)
		if err != nil {
			return err
		}
		r.j = j
	}
	for _, h := range hours {
		evs := byHour[h]
		sort.Slice(evs, func(i, j int) bool {
			a, b := evs[i], evs[j]
			if a.T != b.T {
				return a.T < b.T
			}
			if a.ID != b.ID {
				return a.ID < b.ID
			}
			return a.H < b.H
		})
		var buf bytes.Buffer
		keys := sha256.New()
		buf.WriteString(s.header)
		buf.WriteByte('\n')
		var mismatched, lines int64
		seens := make([]seen, 0, len(evs))
		var fields [][]byte
		for _, ev := range evs {
			seens = append(seens, ev.seen)
			fmt.Fprintf(keys, "%s/%s\n", ev.ID, ev.H)
			msg := cleanMessage(ev.Message)
			if msg == "" {
				mismatched++
				continue
			}
			at := buf.Len()
			buf.WriteString(msg)
			// Counted in place: no copy of the message and no new slice per event.
			if fields = flowlog.SplitFields(buf.Bytes()[at:], fields[:0]); len(fields) != s.fields {
				mismatched++
			}
			for _, x := range s.extra {
				buf.WriteByte(' ')
				buf.WriteString(x)
			}
			buf.WriteByte('\n')
			lines++
		}
		if lines == 0 {
			// Only empty messages: nothing to load, no file. They are remembered like
			// written events; if a crash loses that, they are skipped again next time.
			r.written = append(r.written, seens...)
			s.mu.Lock()
			s.res.Mismatched += mismatched
			s.mu.Unlock()
			continue
		}
		hour := time.UnixMilli(h * 3600000).UTC()
		name := fileName(r.stream, time.UnixMilli(evs[0].T), hex.EncodeToString(keys.Sum(nil)[:6]))
		path := filepath.Join(hourDir(s.groupDir, r.stream, hour), name)
		rel, err := filepath.Rel(s.groupDir, path)
		if err != nil {
			return fmt.Errorf("file %s: %w", path, err)
		}
		err = writeFileAtomicThen(path, buf.Bytes(), func() error {
			return r.j.append(journalEntry{Path: filepath.ToSlash(rel), Events: seens})
		})
		if err != nil {
			return err
		}
		r.written = append(r.written, seens...)
		r.count += int64(len(seens))
		s.mu.Lock()
		s.res.Files = append(s.res.Files, path)
		s.res.Written += lines
		s.res.Mismatched += mismatched
		s.prog.Written += lines
		s.prog.Files++
		s.reportLocked()
		s.mu.Unlock()
	}
	r.buf = r.buf[:0]
	return nil
}

// cleanMessage makes an event one record line: trailing blanks dropped, inner line breaks
// (never in real flow-log records) turned into spaces so one event stays one line.
func cleanMessage(m string) string {
	m = strings.TrimRight(m, " \t\r\n")
	if strings.ContainsAny(m, "\r\n") {
		m = strings.NewReplacer("\r", " ", "\n", " ").Replace(m)
	}
	return m
}

func (s *syncer) count(fetched, dups int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.Fetched += fetched
	s.res.Duplicates += dups
	s.prog.Fetched += fetched
	s.prog.Duplicates += dups
	if fetched > 0 {
		s.reportLocked()
	}
}

// call runs one request, retrying throttling and server errors with capped exponential
// backoff and full jitter. The SDK retries too; this layer outlasts a long throttling storm
// without failing the stream.
func (s *syncer) call(ctx context.Context, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := s.wait(ctx); err != nil {
			return err
		}
		err := fn(ctx)
		s.mu.Lock()
		s.res.Requests++
		s.mu.Unlock()
		if err == nil {
			return nil
		}
		if !retryable(err) || attempt+1 >= s.opts.Attempts || ctx.Err() != nil {
			return err
		}
		s.mu.Lock()
		s.res.Throttled++
		s.mu.Unlock()
		d := min(s.opts.RetryMax, s.opts.RetryBase<<min(attempt, 20))
		t := time.NewTimer(rand.N(d) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// wait spaces requests evenly under Options.RateLimit.
func (s *syncer) wait(ctx context.Context) error {
	if s.opts.RateLimit <= 0 {
		return nil
	}
	gap := time.Duration(float64(time.Second) / s.opts.RateLimit)
	s.rateMu.Lock()
	now := time.Now()
	at := s.nextSlot
	if at.Before(now) {
		at = now
	}
	s.nextSlot = at.Add(gap)
	s.rateMu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var throttleCodes = map[string]bool{
	"ThrottlingException": true, "Throttling": true, "TooManyRequestsException": true,
	"RequestLimitExceeded": true, "ServiceUnavailableException": true, "ServiceUnavailable": true,
	"InternalFailure": true,
}

func retryable(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && throttleCodes[ae.ErrorCode()] {
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	return false
}
