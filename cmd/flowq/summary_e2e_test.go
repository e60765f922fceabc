package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/queries"
)

// killWhenStaged starts flowq and SIGKILLs it as soon as a staging folder of a summary table
// exists: the batch's parts are encoded and its summaries are being written, uncommitted.
// It reports whether the kill landed there (false: flowq finished first).
func (e *env) killWhenStaged(args ...string) bool {
	e.t.Helper()
	cmd := e.command(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			if err != nil {
				e.t.Fatalf("flowq %v failed before the kill: %v\n%s", args, err, stderr.String())
			}
			return false
		default:
		}
		if m, _ := filepath.Glob(filepath.Join(e.data, "staging", "b*", "vpc_flow_summary_*")); len(m) > 0 {
			cmd.Process.Signal(syscall.SIGKILL)
			err := <-done
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err != nil && (!ok || !ws.Signaled()) {
				e.t.Fatalf("flowq %v failed on its own: %v\n%s", args, err, stderr.String())
			}
			return err != nil
		}
	}
}

// summaryForms are the built-in queries with a summary form, with parameters that list
// every row.
func summaryForms(t *testing.T) map[string][]string {
	t.Helper()
	c, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, q := range c.List() {
		if q.Summary == nil {
			continue
		}
		var args []string
		if _, ok := q.Param("limit"); ok {
			args = append(args, "--param", "limit=100000")
		}
		if _, ok := q.Param("min_ports"); ok {
			args = append(args, "--param", "min_ports=1")
		}
		out[q.Name] = args
	}
	if len(out) < 10 {
		t.Fatalf("only %d queries have a summary form", len(out))
	}
	return out
}

// checkForms runs every summary-backed query in its default (summary) form and with --raw,
// and requires the same CSV.
func checkForms(t *testing.T, e *env, forms map[string][]string, when string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, args := range forms {
		base := append([]string{"run", name, "--format", "csv", "--max-rows", "0"}, args...)
		sum := e.ok(base...).stdout
		raw := e.ok(append(base, "--raw")...).stdout
		if sum != raw {
			t.Errorf("%s: %s: summary form and --raw differ:\n%s\n--- raw:\n%s", when, name, head(sum), head(raw))
		}
		if strings.Count(sum, "\n") < 2 && name != "skipdata-gaps" {
			t.Errorf("%s: %s: no rows:\n%s", when, name, sum)
		}
		out[name] = sum
	}
	return out
}

func head(s string) string {
	lines := strings.SplitN(s, "\n", 12)
	return strings.Join(lines[:min(len(lines), 11)], "\n")
}

// TestSummariesLateReplacedAndKilled loads flowgen's small data set as the summaries must
// survive it: half the files first (every other delivery, so a reply's record often arrives in
// a later batch than its request), killed with -9 while the summaries of a batch are staged,
// then the rest one file per batch, then a replaced file. After each step the summary forms
// answer as the raw forms, and after the full load as the generator's truth.
func TestSummariesLateReplacedAndKilled(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	src := d.copyTo(t, filepath.Join(e.root, "src"), nil)
	keys := d.mem.Keys()
	sort.Strings(keys)
	var first []string
	for i, k := range keys {
		if i%2 == 0 {
			first = append(first, filepath.Join(src, filepath.FromSlash(k)))
		}
	}
	forms := summaryForms(t)

	// A kill while the first batch's summaries are staged leaves nothing committed.
	if !e.killWhenStaged(append([]string{"load"}, first...)...) {
		t.Fatal("flowq finished before its summaries were staged")
	}
	if led := e.ledger(); led != nil && len(led.Parts) > 0 {
		t.Fatalf("the killed first load committed %d parts", len(led.Parts))
	}
	e.ok(append([]string{"load"}, first...)...)
	checkForms(t, e, forms, "after the first half")

	// The rest in three loads (three batches), the second killed while staging its summaries
	// and run again.
	var rest []string
	for i, k := range keys {
		if i%2 == 1 {
			rest = append(rest, filepath.Join(src, filepath.FromSlash(k)))
		}
	}
	n := len(rest) / 3
	e.ok(append([]string{"load"}, rest[:n]...)...)
	if !e.killWhenStaged(append([]string{"load"}, rest[n:2*n]...)...) {
		t.Fatal("flowq finished before its summaries were staged")
	}
	checkCommitted(t, e)
	if led := e.ledger(); led.Summaries == 0 {
		t.Fatal("the ledger's summaries are not current after a kill")
	}
	checkForms(t, e, forms, "after a kill in the second half")
	e.ok(append([]string{"load"}, rest[n:2*n]...)...)
	e.ok("load", src)
	checkTable(t, e, d, src)
	got := checkForms(t, e, forms, "after the full load")

	// Against the truth: records and bytes per protocol, and the port scanner.
	for p, c := range d.truth.ByProtocol {
		found := false
		for _, l := range strings.Split(got["traffic-by-protocol"], "\n") {
			f := strings.Split(l, ",")
			if len(f) >= 5 && f[0] == fmt.Sprint(p) && f[2] == fmt.Sprint(c.Records) && f[4] == fmt.Sprint(c.Bytes) {
				found = true
			}
		}
		if !found {
			t.Errorf("traffic-by-protocol lacks protocol %d with %d records and %d bytes:\n%s", p, c.Records, c.Bytes, got["traffic-by-protocol"])
		}
	}
	if ps := d.truth.PortScan; ps == nil || !strings.Contains(got["port-scans"], ps.Source+","+fmt.Sprint(ps.Ports)+",") {
		t.Errorf("port-scans lacks the planted scanner %+v:\n%s", d.truth.PortScan, head(got["port-scans"]))
	}

	// A replaced file: its old records leave the summaries' hours, its new ones enter.
	var victim string
	for _, k := range keys {
		if strings.HasSuffix(k, ".log") {
			victim = filepath.Join(src, filepath.FromSlash(k))
			break
		}
	}
	if victim == "" {
		t.Fatal("no plain-text delivery to replace")
	}
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("%s has %d lines", victim, len(lines))
	}
	if err := os.WriteFile(victim, []byte(strings.Join(lines[:len(lines)/2], "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.ok("load", victim)
	if !strings.Contains(r.stdout+r.stderr, "replaced") {
		t.Logf("load of the replaced file said:\n%s", r)
	}
	checkForms(t, e, forms, "after a replaced file")

	// --print shows the raw, Athena-portable form.
	if out := e.ok("run", "top-talkers", "--print").stdout; strings.Contains(out, "vpc_flow_summary") || !strings.Contains(out, "FROM vpc_flow_logs") {
		t.Errorf("--print is not the raw form:\n%s", out)
	}
}
