package shell

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChartAfterRun: .chart draws the result the user saw last, also when it came from .run
// (it used to chart the last typed SQL instead). top_talkers limit=2 over the planted rows:
// 10.0.0.1 sends 1000+500+1234567 = 1,236,067 bytes, 10.0.0.4 2,500; 10.0.0.5 (80) is cut.
func TestChartAfterRun(t *testing.T) {
	script := "SELECT 'typed' AS label, 7 AS n;\n.run top_talkers limit=2\n.chart bar\n"
	out, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true, Queries: fakeQueries{}}, script)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	_, chart, _ := strings.Cut(out, "10.0.0.4,2500\n")
	if !strings.Contains(chart, "10.0.0.1") || !strings.Contains(chart, "10.0.0.4") {
		t.Errorf("chart lacks the .run result's labels:\n%s", chart)
	}
	if strings.Contains(chart, "typed") || strings.Contains(chart, "10.0.0.5") {
		t.Errorf("chart shows rows .run did not:\n%s", chart)
	}
}

// TestChartNeedsAQuery: .chart before any result says what to do.
func TestChartNeedsAQuery(t *testing.T) {
	_, errOut, err := runScriptText(t, Config{NoTiming: true}, ".chart\n")
	if !errors.Is(err, ErrReported) || !strings.Contains(errOut, "no query yet") {
		t.Errorf("err = %v, stderr = %q", err, errOut)
	}
}

// TestReadOnlyMetaCommands: a read-only session refuses the meta-commands that name files, so a
// script cannot write a file of its choosing (.output) or show a file's first word in an error
// (.read); without --read-only both still work.
func TestReadOnlyMetaCommands(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("hunter2 is the password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "evil.sh")
	cases := []struct{ name, script string }{
		{"output", ".output " + target + "\nSELECT '#!/bin/sh' AS x;\n"},
		{"read", ".read " + secret + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sess := testSession(t)
			sess.readOnly = true
			_, errOut, err := runScriptText(t, Config{Session: sess, Format: "csv", NoTiming: true}, c.script)
			if !errors.Is(err, ErrReported) || !strings.Contains(errOut, "read-only session") {
				t.Errorf("err = %v, stderr = %q; want the command refused", err, errOut)
			}
			if strings.Contains(errOut, "hunter2") {
				t.Errorf("stderr shows the file's content: %q", errOut)
			}
			if _, err := os.Stat(target); err == nil {
				t.Errorf("%s was written", target)
			}
		})
	}
	// .output with no file (back to the screen) is harmless and allowed.
	sess := testSession(t)
	sess.readOnly = true
	if out, errOut, err := runScriptText(t, Config{Session: sess, Format: "csv", NoTiming: true}, ".output\nSELECT 1 AS a;\n"); err != nil || out != "a\n1\n" {
		t.Errorf(".output alone: err = %v, out = %q, stderr = %q", err, out, errOut)
	}
	// Not read-only: .read runs the file, and its bad SQL is reported as such.
	_, errOut, err := runScriptText(t, Config{NoTiming: true}, ".read "+secret+"\n")
	if !errors.Is(err, ErrReported) || !strings.Contains(errOut, "hunter2") {
		t.Errorf("writable session: err = %v, stderr = %q", err, errOut)
	}
}
