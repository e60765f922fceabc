package flowgen

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/flowq/flowq/engine/flowlog"
)

// Generate writes the configured deliveries to sink, object by object, and returns what it
// planted and wrote. Output bytes and Truth depend only on cfg (not on Workers or timing).
func Generate(ctx context.Context, cfg Config, sink Sink) (*Truth, error) {
	cfg = cfg.withDefaults()
	for _, f := range cfg.Formats {
		if _, err := fieldIDs(f); err != nil {
			return nil, err
		}
	}
	for _, a := range cfg.Accounts {
		if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
			return nil, fmt.Errorf("flowgen: account id %q is not 12 digits", a)
		}
	}
	if n := len(cfg.Accounts) * len(cfg.Regions); n > 250 {
		// Each flow log's VPC gets its own 10.N.0.0/16.
		return nil, fmt.Errorf("flowgen: %d flow logs (accounts × regions); at most 250", n)
	}
	w := newWorld(cfg)
	t := &Truth{Seed: cfg.Seed, Start: cfg.Start, End: cfg.Start.Add(time.Duration(w.windows) * cfg.Window),
		Window: cfg.Window.String()}
	p := w.plant(t)
	budget := w.budget()

	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nJobs := w.windows * len(w.fls)
	jobs := make(chan int)
	g, gctx := errgroup.WithContext(ctx)
	accs := make([]*acc, workers)
	for i := range accs {
		a := newAcc(len(w.enis))
		accs[i] = a
		g.Go(func() error {
			b := &builder{w: w, p: p, a: a}
			for j := range jobs {
				if err := b.job(gctx, j, budget[j], sink); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(jobs)
		for j := 0; j < nJobs; j++ {
			select {
			case jobs <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	total := newAcc(len(w.enis))
	for _, a := range accs {
		total.merge(a)
	}
	total.fill(w, t)
	w.describe(t)
	return t, nil
}

// budget shares cfg.Records between jobs (window-major: job = window*flowLogs + flowLog) by
// flow-log weight and a day/night curve, rounding cumulatively so the shares sum exactly.
func (w *world) budget() []int {
	n := w.windows * len(w.fls)
	weights := make([]float64, n)
	var sum float64
	for win := 0; win < w.windows; win++ {
		t := w.cfg.Start.Add(time.Duration(win) * w.cfg.Window)
		h := float64(t.Hour()) + float64(t.Minute())/60
		diurnal := 1 + 0.5*math.Sin(2*math.Pi*(h-9)/24)
		if w.cfg.Steady {
			diurnal = 1
		}
		for _, fl := range w.fls {
			x := fl.weight * diurnal
			weights[win*len(w.fls)+fl.idx] = x
			sum += x
		}
	}
	out := make([]int, n)
	var cum float64
	prev := 0
	for j, x := range weights {
		cum += x
		next := int(math.Round(float64(w.cfg.Records) * cum / sum))
		out[j] = next - prev
		prev = next
	}
	return out
}

// describe lists the flow logs and their interfaces in t.
func (w *world) describe(t *Truth) {
	for _, fl := range w.fls {
		info := FlowLogInfo{ID: fl.id, Account: fl.account, Region: fl.region, VPC: fl.vpc, Layout: fl.layout,
			Format: fl.format.Name, Header: fl.format.Header()}
		for _, e := range w.enis {
			if e.fl != fl.idx {
				continue
			}
			ei := ENIInfo{ID: e.id, Instance: e.instance, Subnet: e.subnet, AZ: e.az, IPv4: w.addrs[e.v4].s, Role: e.role}
			if e.v6 >= 0 {
				ei.IPv6 = w.addrs[e.v6].s
			}
			info.Interfaces = append(info.Interfaces, ei)
		}
		t.FlowLogs = append(t.FlowLogs, info)
	}
}

// builder makes the objects of one job at a time; each worker has its own.
type builder struct {
	w    *world
	p    *plan
	a    *acc
	recs []rec
	raw  []byte
	gz   bytes.Buffer
	zw   *gzip.Writer
}

func (b *builder) job(ctx context.Context, j, n int, sink Sink) error {
	w := b.w
	fl := w.fls[j%len(w.fls)]
	win := j / len(w.fls)
	ws := w.cfg.Start.Add(time.Duration(win) * w.cfg.Window)
	g := jobGen{w: w, fl: fl, r: rand.New(rand.NewPCG(uint64(w.cfg.Seed), uint64(j)+1)),
		ws: ws.Unix(), wlen: int64(w.cfg.Window / time.Second), out: b.recs[:0]}
	gapped := b.p.gaps[j]
	if len(gapped) > 0 {
		g.gapped = map[int]bool{}
		for _, e := range gapped {
			g.gapped[e.idx] = true
		}
	}
	for len(g.out) < n {
		g.background()
	}
	g.out = append(g.out, b.p.jobs[j]...)
	for _, e := range fl.idle {
		s, _ := g.times()
		g.out = append(g.out, rec{eni: e, src: -1, dst: -1, sport: -1, dport: -1, proto: -1, packets: -1, bytes: -1,
			start: s, end: s + 59, flags: -1, path: -1, status: stNoData})
	}
	for _, e := range gapped {
		s, _ := g.times()
		g.out = append(g.out, rec{eni: e, src: -1, dst: -1, sport: -1, dport: -1, proto: -1, packets: -1, bytes: -1,
			start: s, end: s + 59, flags: -1, path: -1, status: stSkipData})
	}
	b.recs = g.out

	recs := g.out
	k := (len(recs) + w.cfg.MaxObjectRecords - 1) / w.cfg.MaxObjectRecords
	if k == 0 {
		return nil
	}
	per := (len(recs) + k - 1) / k
	for c := 0; c < k; c++ {
		lo, hi := c*per, min((c+1)*per, len(recs))
		if err := b.object(ctx, fl, win, ws, c, recs[lo:hi], sink); err != nil {
			return err
		}
	}
	return nil
}

// object formats, compresses and writes one delivery.
func (b *builder) object(ctx context.Context, fl *flowLog, win int, ws time.Time, chunk int, recs []rec, sink Sink) error {
	w := b.w
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d/%d", w.cfg.Seed, fl.id, win, chunk)
	sum := h.Sum64()
	gz := !(w.cfg.PlainEvery > 0 && (sum>>8)%uint64(w.cfg.PlainEvery) == 0)
	header := !(w.cfg.HeaderlessEvery > 0 && fl.format.Name == FormatDefault.Name && (sum>>24)%uint64(w.cfg.HeaderlessEvery) == 0)
	ext := ".log"
	if gz {
		ext = ".log.gz"
	}
	name := flowlog.FileName(fl.account, fl.region, fl.id, ws, fmt.Sprintf("%08x", uint32(sum)), ext)
	hour := -1
	if fl.layout.Hourly() {
		hour = ws.Hour()
	}
	day := time.Date(ws.Year(), ws.Month(), ws.Day(), 0, 0, 0, 0, time.UTC)
	key := flowlog.ObjectKey(w.cfg.Prefix, w.cfg.Org, fl.account, fl.region, day, hour, fl.layout.Hive(), name)

	buf := b.raw[:0]
	if header {
		buf = append(buf, fl.format.Header()...)
		buf = append(buf, '\n')
	}
	for i := range recs {
		buf = w.appendRecord(buf, fl, &recs[i])
		b.a.add(w, &recs[i])
	}
	b.raw = buf
	data := buf
	if gz {
		b.gz.Reset()
		if b.zw == nil {
			zw, err := gzip.NewWriterLevel(&b.gz, w.cfg.GzipLevel)
			if err != nil {
				return fmt.Errorf("flowgen: gzip %s: %w", key, err)
			}
			b.zw = zw
		} else {
			b.zw.Reset(&b.gz)
		}
		if _, err := b.zw.Write(data); err != nil {
			return fmt.Errorf("flowgen: gzip %s: %w", key, err)
		}
		if err := b.zw.Close(); err != nil {
			return fmt.Errorf("flowgen: gzip %s: %w", key, err)
		}
		data = b.gz.Bytes()
	}
	if err := sink.Put(ctx, key, data); err != nil {
		return err
	}
	date := day.Format(time.DateOnly)
	n := int64(len(recs))
	b.a.objects++
	b.a.byDate[date] += n
	b.a.byAccount[fl.account] += n
	b.a.byRegion[fl.region] += n
	b.a.byFormat[fl.format.Name] += n
	b.a.files[key] = FileStat{FlowLog: fl.id, Format: fl.format.Name, Records: n, Size: len(data), Gzip: gz, Header: header, Date: date}
	return nil
}
