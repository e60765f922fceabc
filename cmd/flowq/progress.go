package main

import (
	"time"

	"github.com/flowq/flowq/engine/store"
	"github.com/schollz/progressbar/v3"
)

// progress is a progress bar on stderr for long work, drawn only when flowq runs on a terminal
// and created once the total is known. A nil *progress draws nothing.
type progress struct {
	f     *factory
	bytes bool // the counts are bytes
	bar   *progressbar.ProgressBar
}

// update moves the bar to done of total, creating it with desc at the first known total.
func (p *progress) update(done, total int64, desc string) {
	if p == nil {
		return
	}
	if p.bar == nil {
		if total <= 0 {
			return
		}
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.f.IO.ErrOut),
			progressbar.OptionSetDescription(desc), progressbar.OptionShowBytes(p.bytes),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	_ = p.bar.Set64(done)
}

// finish clears the bar before the summary is printed.
func (p *progress) finish() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}

// queryProgress returns the session's progress function: a percentage bar on stderr for a
// statement that runs longer than a second, cleared when it ends; nil when not on a terminal.
// It is called from the session's poller, one call at a time.
func (f *factory) queryProgress() store.ProgressFunc {
	if !f.IO.ShowProgress() {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(percent float64, done bool) {
		if done {
			if bar != nil {
				_ = bar.Clear()
				bar = nil
			}
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(100, progressbar.OptionSetWriter(f.IO.ErrOut),
				progressbar.OptionSetDescription("query (Ctrl-C cancels)"), progressbar.OptionSetWidth(30),
				progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetElapsedTime(true),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			if percent < 0 {
				// Drawn at once, also when DuckDB cannot tell the percentage yet (-1).
				_ = bar.RenderBlank()
			}
		}
		_ = bar.Set(int(max(0, min(percent, 100))))
	}
}
