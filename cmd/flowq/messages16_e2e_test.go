package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Issue 16 point 15: the tutorial line with "TCP" for the protocol gets the exact reason, with
// and without a header; also seen: a missing path is a usage error; summaries use singulars.
func TestLoadMessagesIssue16(t *testing.T) {
	const line = "2 123456789012 eni-abcdef01 10.0.1.1 203.0.113.5 54321 80 TCP 10 3456 1510868790 1510868850 ACCEPT OK\n"
	const header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
	const reason = `field protocol: not a number: "TCP" (flow logs write the IANA protocol number: 6 for TCP)`
	e := newEnv(t)
	for name, body := range map[string]string{"bare.log": line, "headed.log": header + line} {
		p := filepath.Join(e.root, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.run("load", p)
		if r.code != 3 || !strings.Contains(r.stderr, reason) {
			t.Errorf("%s: want exit 3 and %q:\n%s", name, reason, r)
		}
		if strings.Contains(r.stderr, "not a flow-log header or default-format record") {
			t.Errorf("%s: the vague reason is still given:\n%s", name, r)
		}
		// One file, one rejected line: singular nouns.
		for _, want := range []string{"load: 1 file: ", "0 rows added"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%s: summary lacks %q:\n%s", name, want, r)
			}
		}
	}

	good := filepath.Join(e.root, "one.log")
	if err := os.WriteFile(good, []byte(header+strings.Replace(line, " TCP ", " 6 ", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.ok("load", good)
	for _, want := range []string{"load: 1 file: 1 loaded", "0 duplicates", "1 row added, 0 lines rejected"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, r)
		}
	}

	missing := filepath.Join(e.root, "no-such-folder")
	r = e.run("load", good, missing)
	if r.code != 2 || !strings.Contains(r.stderr, missing+": no such file or folder") {
		t.Errorf("missing path: want exit 2 naming %s:\n%s", missing, r)
	}
}

// Issue 16 point 15: a --read-only refusal names what was refused, not DuckDB's internals.
func TestReadOnlyRefusalInWords(t *testing.T) {
	e := newEnv(t)
	for stmt, kind := range map[string]string{"DELETE FROM vpc_flow_logs": "DELETE", "pragma version": "PRAGMA", "COPY (SELECT 1) TO 'x.csv'": "COPY"} {
		r := e.run("query", "--read-only", "--dialect", "duckdb", stmt)
		want := "read-only session: only a single SELECT statement may run, not " + kind
		if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "serialized to json") {
			t.Errorf("want exit 1 and %q, no DuckDB internals:\n%s", want, r)
		}
	}
}

// Issue 16, also seen: -o infers the format from the file's extension; --format wins.
func TestOutFormatFromExtension(t *testing.T) {
	e := newEnv(t)
	const sql = "SELECT 42 AS answer"
	cases := []struct{ file, want string }{
		{"a.json", "[\n{\"answer\":42}\n]"},
		{"a.ndjson", `{"answer":42}`},
		{"a.jsonl", `{"answer":42}`},
		{"a.csv", "answer\n42"},
		{"a.md", "| answer |"},
	}
	for _, c := range cases {
		p := filepath.Join(e.root, c.file)
		e.ok("query", "-o", p, sql)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(b)); !strings.Contains(strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(c.want, " ", "")) {
			t.Errorf("-o %s wrote:\n%s\nwant %s", c.file, got, c.want)
		}
	}
	p := filepath.Join(e.root, "b.json")
	e.ok("query", "-o", p, "--format", "csv", sql)
	if b, _ := os.ReadFile(p); strings.TrimSpace(string(b)) != "answer\n42" {
		t.Errorf("--format csv -o b.json wrote %q", b)
	}
}

// Issue 16, also seen: the shell's banner says how to get help and leave once.
func TestShellBannerSaysItOnce(t *testing.T) {
	e := newEnv(t)
	cmd := e.command("shell")
	cmd.Env = append(append([]string{}, e.vars...), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var seen bytes.Buffer
	buf := make([]byte, 4096)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(seen.String(), "flowq> ") && time.Now().Before(deadline) {
		tty.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := tty.Read(buf)
		seen.Write(buf[:n])
	}
	tty.Write([]byte{4}) // Ctrl-D
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
	}
	out := seen.String()
	if !strings.Contains(out, "flowq> ") {
		t.Fatalf("no prompt:\n%q", out)
	}
	for _, s := range []string{".help", "Ctrl-D"} {
		if n := strings.Count(out, s); n != 1 {
			t.Errorf("the start of the shell says %q %d times:\n%s", s, n, out)
		}
	}
}
