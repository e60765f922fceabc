package main

import (
	"testing"

	"github.com/flowq/flowq/engine/timespec"
)

// TestTimeFlagsOneConvention: the same --since/--until give the same half-open range to every
// command that takes them (issue 15: `why` took --since 2024-05-01, `sync` refused it).
func TestTimeFlagsOneConvention(t *testing.T) {
	want := timespec.Range{From: utc(2024, 5, 1, 0), To: utc(2024, 5, 2, 6)}
	flags := []string{"--since", "2024-05-01", "--until", "2024-05-02T06"}
	ranges := map[string]timespec.Range{}
	if o, err := parseCmd(t, newSyncCmd, append([]string{"s3://logs"}, flags...)...); err != nil {
		t.Errorf("sync: %v", err)
	} else {
		ranges["sync s3"] = o.rng
	}
	if o, err := parseCmd(t, newSyncCmd, append([]string{"cw://g"}, flags...)...); err != nil {
		t.Errorf("sync cw: %v", err)
	} else {
		ranges["sync cw"] = o.rng
	}
	if o, err := parseCmd(t, newReportCmd, append([]string{"--html", "r.html"}, flags...)...); err != nil {
		t.Errorf("report: %v", err)
	} else {
		ranges["report"] = o.rng
	}
	if o, err := parseCmd(t, newWhyCmd, append([]string{"10.0.0.1", "10.0.0.2"}, flags...)...); err != nil {
		t.Errorf("why: %v", err)
	} else {
		ranges["why"] = timespec.Range{From: o.q.Since, To: o.q.Until}
	}
	wf := whyFlags{since: "2024-05-01", until: "2024-05-02T06"}
	if q, err := wf.question("10.0.0.1", "10.0.0.2", testNow); err != nil {
		t.Errorf(".why: %v", err)
	} else {
		ranges[".why"] = timespec.Range{From: q.Since, To: q.Until}
	}
	for name, got := range ranges {
		if got != want {
			t.Errorf("%s: %v .. %v, want %v .. %v", name, got.From, got.To, want.From, want.To)
		}
	}
	if len(ranges) != 5 {
		t.Errorf("%d commands parsed, want 5", len(ranges))
	}
}
