package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shellScript runs flowq with args (the shell command among them) and script on stdin.
func (e *env) shellScript(script string, args ...string) result {
	e.t.Helper()
	cmd := e.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(script), &out, &errb
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	if cmd.ProcessState == nil {
		e.t.Fatalf("flowq shell: %v", err)
	}
	r.code = cmd.ProcessState.ExitCode()
	return r
}

// queryPack writes a folder of saved queries (name → SQL) for --queries.
func queryPack(t *testing.T, dir string, queries map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, sql := range queries {
		text := "-- name: " + name + "\n-- description: test query " + name + "\n" + sql + "\n"
		if err := os.WriteFile(filepath.Join(dir, name+".sql"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestShellChartDrawsWhatRunShowed: `.chart` after `.run` charts the saved query's rows, not the
// SQL typed before it (issue 15: the shell's .chart charted a different result than .run showed).
func TestShellChartDrawsWhatRunShowed(t *testing.T) {
	e := newEnv(t)
	pack := queryPack(t, filepath.Join(e.root, "pack"), map[string]string{
		"two-bars": "SELECT 'alpha' AS label, 42 AS n UNION ALL SELECT 'beta', 7 ORDER BY 1",
	})
	r := e.shellScript("SELECT 'typed' AS label, 1 AS n;\n.run two-bars\n.chart bar\n", "--queries", pack, "shell")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	_, chart, ok := strings.Cut(r.stdout, "beta,7\n")
	if !ok {
		t.Fatalf(".run printed no two-bars result:\n%s", r)
	}
	if !strings.Contains(chart, "alpha") || !strings.Contains(chart, "beta") || strings.Contains(chart, "typed") {
		t.Errorf(".chart drew another result than .run showed:\n%s", chart)
	}
}

// TestReadOnlyShellMetaCommands: --read-only holds in the shell's meta-commands too (issue 17
// point 3): .output FILE cannot write a file a script chooses, .read FILE cannot show a file's
// first word in its error, .run cannot read a query file by path.
func TestReadOnlyShellMetaCommands(t *testing.T) {
	e := newEnv(t)
	secret := filepath.Join(e.root, "secret.txt")
	if err := os.WriteFile(secret, []byte("hunter2 stays private\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(e.root, "evil.sh")
	cases := []struct{ name, script string }{
		{"output", ".output " + evil + "\nSELECT '#!/bin/sh' AS line;\n"},
		{"output-after-select", "SELECT 1 AS a;\n.output " + evil + "\nSELECT 'touch /tmp/pwned' AS line;\n"},
		{"read", ".read " + secret + "\n"},
		{"run-file", ".run " + secret + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.shellScript(c.script, "shell", "--read-only")
			if r.code != exitFailure || !strings.Contains(r.stderr, "read-only session") {
				t.Errorf("want a refusal (exit 1) naming the read-only session:\n%s", r)
			}
			if strings.Contains(r.stdout+r.stderr, "hunter2") {
				t.Errorf("the secret file's content was shown:\n%s", r)
			}
			if fileExists(evil) {
				t.Errorf("%s was written", evil)
				os.Remove(evil)
			}
		})
	}
	// Without --read-only .output writes where the user asks.
	e.ok("query", "SELECT 1") // creates the data dir
	if r := e.shellScript(".output "+evil+"\nSELECT 'ok' AS line;\n", "shell"); r.code != 0 {
		t.Fatalf("%s", r)
	}
	if b, err := os.ReadFile(evil); err != nil || string(b) != "line\nok\n" {
		t.Errorf(".output without --read-only: %q %v", b, err)
	}
}

// TestReportReadOnlyQueryPack: `report --read-only` runs a query pack's queries through the
// read-only check (a COPY into the store is refused and shown in its panel, the store untouched),
// and report says on stderr when a pack overrides a built-in query.
func TestReportReadOnlyQueryPack(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	e.ok("load", d.dir)
	parts, _ := filepath.Glob(filepath.Join(e.data, "tables", "vpc_flow_logs", "date=*", "*.parquet"))
	if len(parts) == 0 {
		t.Fatal("no Parquet parts after load")
	}
	before, _ := os.ReadFile(parts[0])
	planted := filepath.Join(e.data, "tables", "planted.csv")
	pack := queryPack(t, filepath.Join(e.root, "pack"), map[string]string{
		// Same name as a built-in query: an override.
		"blocked-ssh": "COPY (SELECT * FROM vpc_flow_logs LIMIT 0) TO '" + parts[0] + "' (FORMAT parquet, USE_TMP_FILE false)",
		"plant":       "COPY (SELECT 1 AS x) TO '" + planted + "'",
	})
	html := filepath.Join(e.root, "r.html")
	r := e.run("--queries", pack, "report", "--html", html, "--read-only")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	if !strings.Contains(r.stderr, "saved query blocked-ssh from "+filepath.Join(pack, "blocked-ssh.sql")+" overrides the built-in one") {
		t.Errorf("no note of the override on stderr:\n%s", r)
	}
	if strings.Contains(r.stderr, "plant from") {
		t.Errorf("a new query is not an override:\n%s", r)
	}
	if after, _ := os.ReadFile(parts[0]); !bytes.Equal(before, after) {
		t.Error("a loaded Parquet part changed under report --read-only")
	}
	if fileExists(planted) {
		t.Errorf("%s was written", planted)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "read-only session"); n < 2 {
		t.Errorf("the report shows %d read-only refusals, want one per pack query", n)
	}
}
