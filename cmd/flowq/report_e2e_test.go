package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportHTMLThroughCLI: report --html writes the whole page for the range asked (its
// summary counts the planted day's records) through atomicfile, leaving no temp file, and a
// folder that does not exist is an error that leaves nothing behind.
func TestReportHTMLThroughCLI(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	e.ok("load", d.dir)
	day := keys(d.truth.ByDate)[0]
	next, err := time.Parse("2006-01-02", day)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.root, "r.html")
	r := e.ok("report", "--html", out, "--since", day, "--until", next.AddDate(0, 0, 1).Format("2006-01-02"), "--title", "e2e")
	if want := fmt.Sprintf(", %d records, ", d.truth.ByDate[day]); !strings.Contains(r.stderr, "report: wrote "+out) || !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q, want the file and %q", r.stderr, want)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<title>e2e") || !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
		t.Errorf("report is not a whole page: %d bytes, starts %q", len(b), firstLine(string(b)))
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("report mode: %v, %v", info, err)
	}
	left, _ := filepath.Glob(filepath.Join(e.root, ".r.html.tmp-*"))
	if len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
	// "-" is stdout: the same page there, and no file named "-".
	r = e.ok("report", "--html", "-", "--title", "e2e stdout")
	if !strings.Contains(r.stdout, "<title>e2e stdout") || !strings.HasSuffix(strings.TrimSpace(r.stdout), "</html>") {
		t.Errorf("report --html - stdout is not the page: %d bytes, starts %q", len(r.stdout), firstLine(r.stdout))
	}
	if _, err := os.Stat(filepath.Join(e.root, "-")); err == nil {
		t.Errorf("report --html - wrote a file named -")
	}
	missing := filepath.Join(e.root, "no-such-dir", "r.html")
	if r := e.run("report", "--html", missing); r.code != exitFailure || !strings.Contains(r.stderr, missing) {
		t.Errorf("report into a missing folder: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := e.run("report", "--html", out, "--since", "2024-05-01", "--until", "2024-04-01"); r.code != exitUsage || !strings.Contains(r.stderr, "empty time range") {
		t.Errorf("empty range: exit %d, stderr %q", r.code, r.stderr)
	}
}
