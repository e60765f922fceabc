package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/summary"
)

// subcommands parses the "Available Commands:" section of a help text.
func subcommands(help string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case strings.HasPrefix(line, "Available Commands:"):
			in = true
		case in && strings.TrimSpace(line) == "":
			in = false
		case in:
			if f := strings.Fields(line); len(f) > 0 && f[0] != "help" && f[0] != "completion" {
				out = append(out, f[0])
			}
		}
	}
	return out
}

func TestCLIHelpAndUsage(t *testing.T) {
	e := newEnv(t)
	root := e.ok("--help")
	cmds := subcommands(root.stdout)
	for _, want := range []string{"load", "query", "run", "status", "sync", "shell", "queries"} {
		if !strings.Contains(" "+strings.Join(cmds, " ")+" ", " "+want+" ") {
			t.Errorf("--help does not list %q: %v", want, cmds)
		}
	}
	// Every command and nested command answers --help with exit 0 and a Usage section.
	queue := [][]string{}
	for _, c := range cmds {
		queue = append(queue, []string{c})
	}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		r := e.run(append(path, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%s", r)
			continue
		}
		for _, sub := range subcommands(r.stdout) {
			queue = append(queue, append(append([]string{}, path...), sub))
		}
	}
	// Bad flags and arguments: exit 2 with a message on stderr, nothing on stdout.
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"query", "--no-such-flag", "SELECT 1"},
		{"load", "--workers", "many", "x"},
		{"run", "blocked-ssh", "--param", "limit=ten"},
		{"run", "no-such-query"},
		{"query", "--format", "xml", "SELECT 1"},
		{"sync", "ftp://bucket"},
		{"load"},
		{"nosuch"},
		{"query", "SELECT 1", "SELECT 2"},
		{"status", "extra"},
	} {
		r := e.run(args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "flowq:") {
			t.Errorf("want exit 2, a message on stderr and no stdout:\n%s", r)
		}
	}
}

func TestCLILoadQueryRunStatus(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	src := d.copyTo(t, e.root+"/src", nil)

	r := e.ok("load", src)
	if r.stdout != "" {
		t.Errorf("load wrote to stdout:\n%s", r)
	}
	want := fmt.Sprintf("load: %d files: %d loaded (0 replaced), 0 already loaded, 0 duplicates, 0 failed, 0 partly loaded; %d rows added, 0 lines rejected",
		d.truth.Objects, d.truth.Objects, d.truth.Records)
	if !strings.Contains(r.stderr, want) {
		t.Errorf("summary: want %q in\n%s", want, r)
	}

	// csv: records per action.
	r = e.ok("query", "--format", "csv", "SELECT action, count(*) AS n FROM vpc_flow_logs GROUP BY action ORDER BY action")
	var lines []string
	for a, n := range d.truth.ByAction {
		lines = append(lines, fmt.Sprintf("%s,%d", a, n))
	}
	sort.Strings(lines)
	if got, want := strings.TrimSpace(r.stdout), "action,n\n"+strings.Join(lines, "\n"); got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
	// json: the same, per log status, as an array of objects.
	r = e.ok("query", "--format", "json", "SELECT log_status, count(*) AS n FROM vpc_flow_logs GROUP BY 1")
	var rows []struct {
		Status string `json:"log_status"`
		N      int64  `json:"n"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("json output: %v\n%s", err, r)
	}
	got := map[string]int64{}
	for _, row := range rows {
		got[row.Status] = row.N
	}
	if fmt.Sprint(got) != fmt.Sprint(d.truth.ByStatus) {
		t.Errorf("json by log_status %v, truth %v", got, d.truth.ByStatus)
	}

	// A saved query: blocked-ssh equals the truth's SSH-rejected sources, most attempts first.
	r = e.ok("run", "blocked-ssh", "--param", "limit=1000", "--format", "json")
	var ssh []struct {
		Source   string `json:"source"`
		Attempts int64  `json:"attempts"`
		Packets  int64  `json:"packets"`
		Targets  int64  `json:"targets"`
		Public   bool   `json:"public"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ssh); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if len(ssh) != len(d.truth.SSHRejects) {
		t.Fatalf("blocked-ssh: %d rows, truth %d sources", len(ssh), len(d.truth.SSHRejects))
	}
	for i, w := range d.truth.SSHRejects {
		g := ssh[i]
		if g.Source != w.Source || g.Attempts != w.Records || g.Packets != w.Packets || g.Targets != int64(len(w.Targets)) || g.Public != w.Public {
			t.Errorf("blocked-ssh row %d: %+v, truth %+v", i, g, w)
		}
	}

	// --alert: 4 when rows, 0 when none (and nothing on stdout but the empty result).
	if r := e.run("run", "blocked-ssh", "--alert", "--format", "csv"); r.code != 4 || !strings.Contains(r.stderr, "alert") {
		t.Errorf("alert with rows: %s", r)
	}
	if r := e.run("run", "blocked-ssh", "--alert", "--format", "csv", "--param", "since=2030-01-01"); r.code != 0 {
		t.Errorf("alert without rows: %s", r)
	}

	// Hostile parameter values are values: no rows match, the view survives.
	for _, v := range []string{
		"'; DROP VIEW vpc_flow_logs; --",
		`" OR 1=1; --`,
		"x' OR '1'='1",
		"$account",
		"'); COPY (SELECT 1) TO '" + e.root + "/pwned.csv'; --",
	} {
		for _, p := range []string{"account", "region"} {
			r := e.run("run", "blocked-ssh", "--format", "csv", "--alert", "--param", p+"="+v)
			if r.code != 0 || strings.TrimSpace(r.stdout) != "source,attempts,packets,targets,first_seen,last_seen,public" {
				t.Errorf("--param %s=%q: want no rows and exit 0:\n%s", p, v, r)
			}
		}
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != d.truth.Records {
		t.Errorf("after hostile params the table has %d rows, want %d", n, d.truth.Records)
	}
	if fileExists(e.root + "/pwned.csv") {
		t.Errorf("a parameter value was executed as SQL")
	}

	// status --json: numbers equal the truth.
	r = e.ok("status", "--json")
	var st summary.Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	dates := keys(d.truth.ByDate)
	if st.Files != d.truth.Objects || st.Rows != d.truth.Records || st.Rejected != 0 ||
		st.FirstDate != dates[0] || st.LastDate != dates[len(dates)-1] ||
		strings.Join(st.Accounts, ",") != strings.Join(keys(d.truth.ByAccount), ",") ||
		strings.Join(st.Regions, ",") != strings.Join(keys(d.truth.ByRegion), ",") ||
		st.DataDir != e.data || st.LedgerGen != 1 {
		t.Errorf("status %+v\ntruth: %d files, %d records, dates %v, accounts %v, regions %v, %d ENIs",
			st, d.truth.Objects, d.truth.Records, dates, keys(d.truth.ByAccount), keys(d.truth.ByRegion), len(d.truth.Interfaces))
	}

	// ENIs: every interface with OK records, plus those with only NODATA/SKIPDATA rows, never
	// more than the flow logs have; and what the table holds.
	allENIs := 0
	for _, fl := range d.truth.FlowLogs {
		allENIs += len(fl.Interfaces)
	}
	if st.ENIs < int64(len(d.truth.Interfaces)) || st.ENIs > int64(allENIs) ||
		st.ENIs != e.count("SELECT count(DISTINCT interface_id) FROM vpc_flow_logs") {
		t.Errorf("status: %d ENIs; truth %d with OK rows, %d in all", st.ENIs, len(d.truth.Interfaces), allENIs)
	}

	// Loading again adds nothing.
	r = e.ok("load", src)
	if !strings.Contains(r.stderr, fmt.Sprintf("0 loaded (0 replaced), %d already loaded", d.truth.Objects)) {
		t.Errorf("second load:\n%s", r)
	}
	checkTable(t, e, d, src)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBareFlowqOnTerminalOpensShell: plain `flowq` with a terminal on stdin is the shell.
func TestBareFlowqOnTerminalOpensShell(t *testing.T) {
	e := newEnv(t)
	commandOnPty(t, e, nil, "SELECT 40 + 2 AS answer;", "42")
}

// Issue 16.1: a mistyped data dir is never created and no read answers "no rows" from it:
// every command but load, sync and demo fails with exit 2 naming the dir.
func TestMistypedDataDirFails(t *testing.T) {
	e := newEnv(t)
	empty := filepath.Join(e.root, "exists-without-ledger")
	if err := os.MkdirAll(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(e.root, "flwoq"), empty} {
		for _, args := range [][]string{
			{"run", "blocked-ssh", "--alert"},
			{"query", "SELECT 1"},
			{"status"},
			{"why", "10.0.0.1", "10.0.0.2:22"},
			{"report", "--html", filepath.Join(e.root, "r.html")},
			{"athena", "ddl"},
			{"doctor"},
		} {
			r := e.run(append([]string{"--data-dir", dir}, args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "no flowq data in "+dir) || !strings.Contains(r.stderr, "--data-dir") {
				t.Errorf("want exit 2 naming %s:\n%s", dir, r)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(e.root, "flwoq")); !os.IsNotExist(err) {
		t.Errorf("the mistyped data dir was created (stat: %v)", err)
	}
	// A load creates it, and then reads work.
	r := e.run("--data-dir", filepath.Join(e.root, "new"), "load", e.root+"/exists-without-ledger")
	if r.code != 0 {
		t.Fatalf("load into a new data dir:\n%s", r)
	}
	if r := e.run("--data-dir", filepath.Join(e.root, "new"), "query", "SELECT count(*) FROM vpc_flow_logs"); r.code != 0 {
		t.Errorf("query after load:\n%s", r)
	}
}
