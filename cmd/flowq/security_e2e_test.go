package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// checkPerms asserts every folder under root is 0700 and every file 0600.
func checkPerms(t *testing.T, root string) (files int) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDataDirPermissionsAndNoSecretsInDebug(t *testing.T) {
	d := smallData(t)
	f := newFakeS3(t, "e2e-perms")
	f.seed(t, d)
	e := newEnv(t)
	// A permissive umask must not widen what flowq creates.
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	r := e.ok(append([]string{"--debug"}, f.syncArgs()...)...)
	// A bad line, so load_errors has a part too.
	bad := filepath.Join(e.root, "bad.log")
	if err := os.WriteFile(bad, []byte(plantedLog+"2 999999999999 eni-x 10.0.0.1 not-a-number\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := e.ok("--debug", "load", bad)
	r3 := e.ok("--debug", "query", "--format", "csv", "SELECT count(*) AS n FROM load_errors")
	if strings.TrimSpace(r3.stdout) != "n\n1" {
		t.Errorf("load_errors should hold the one bad line:\n%s", r3)
	}
	if !strings.Contains(r.stderr, "GET") {
		t.Errorf("--debug printed no requests:\n%s", r)
	}
	// An error from S3 (no such bucket) rendered with --debug.
	r4 := e.run("--debug", "sync", "s3://no-such-bucket", "--endpoint-url", f.srv.URL, "--path-style")
	if r4.code == 0 {
		t.Errorf("sync of a missing bucket: %s", r4)
	}
	for _, out := range []result{r, r2, r3, r4} {
		for _, secret := range []string{testSecretKey, testToken, "X-Amz-Security-Token", "Signature="} {
			if strings.Contains(out.stdout+out.stderr, secret) {
				t.Errorf("%q appears in the output of flowq %v", secret, out.args)
			}
		}
	}
	// The shell's history file, written by an interactive session on a pty.
	shellOnPty(t, e, "SELECT 40+2 AS answer;", "42")
	if !fileExists(filepath.Join(e.data, "history")) {
		t.Errorf("the interactive shell wrote no history file")
	}

	info, err := os.Stat(e.data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %04o", info.Mode().Perm())
	}
	n := checkPerms(t, e.data)
	// ledger, lock, history, Parquet parts, load_errors part, sync journal, mirror files.
	if n < d.truth.Objects+5 {
		t.Errorf("only %d files checked", n)
	}
	for _, p := range []string{"ledger.json", "lock", "history", "tables/load_errors", "mirror/s3/" + f.bucket + "/.flowq-sync-state.jsonl"} {
		if !fileExists(filepath.Join(e.data, p)) {
			t.Errorf("%s not found: the permission check missed it", p)
		}
	}
}

// shellOnPty runs `flowq shell` on a pseudo-terminal, enters stmt, waits for answer (text the
// statement's echo does not contain) and leaves with Ctrl-D.
func shellOnPty(t *testing.T, e *env, stmt, answer string) {
	t.Helper()
	commandOnPty(t, e, []string{"shell"}, stmt, answer)
}

// commandOnPty runs flowq with args on a pseudo-terminal, as shellOnPty does.
func commandOnPty(t *testing.T, e *env, args []string, stmt, answer string) {
	t.Helper()
	cmd := e.command(args...)
	cmd.Env = append(append([]string{}, e.vars...), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var seen bytes.Buffer
	outc := make(chan []byte, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			if n > 0 {
				outc <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				close(outc)
				return
			}
		}
	}()
	waitFor := func(s string, d time.Duration) bool {
		deadline := time.After(d)
		for !strings.Contains(seen.String(), s) {
			select {
			case b, ok := <-outc:
				if !ok {
					return false
				}
				seen.Write(b)
			case <-deadline:
				return false
			}
		}
		return true
	}
	// Keys typed before the editor is up arrive as pasted text, so wait for its prompt.
	if !waitFor("flowq> ", 20*time.Second) {
		t.Fatalf("no prompt:\n%q", seen.String())
	}
	for _, c := range stmt {
		tty.Write([]byte(string(c)))
	}
	if !waitFor(stmt, 10*time.Second) {
		t.Fatalf("no echo:\n%q", seen.String())
	}
	tty.Write([]byte("\r"))
	if !waitFor(answer, 20*time.Second) {
		t.Fatalf("no answer:\n%q", seen.String())
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for i := 0; ; i++ {
		time.Sleep(200 * time.Millisecond)
		tty.Write([]byte{4}) // Ctrl-D
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shell: %v\n%q", err, seen.String())
			}
			return
		case b := <-outc:
			seen.Write(b)
		case <-time.After(2 * time.Second):
		}
		if i == 10 {
			cmd.Process.Kill()
			t.Fatalf("the shell did not exit on Ctrl-D:\n%q", seen.String())
		}
	}
}

func TestSyncRefusesHostileKeys(t *testing.T) {
	f := newFakeS3(t, "e2e-hostile")
	day := "AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/01/15/"
	good := day + "111111111111_vpcflowlogs_us-east-1_fl-0abc_20260115T0005Z_good.log"
	f.put(t, good, []byte(plantedLog))
	e := newEnv(t)
	// Keys in the flow-log structure, which the sync lists: each must be refused and named.
	hostile := []string{
		day + "../../../../../../../../../escape-rel.log",
		day + "/" + strings.TrimPrefix(filepath.Join(e.root, "escape-abs.log"), "/"),
		day + `..\..\..\escape-win.log`,
		day + "\uff0e\uff0e/\uff0e\uff0e/\uff0e\uff0e/escape-fullwidth.log",
		day + "\u2024\u2024/\u2024\u2024/escape-leader.log",
		day + "a\u2215..\u2215..\u2215escape-divslash.log",
		day + "x\u202egol.exe",
		day + "e\u0301scape.log",
		day + "zero\u200bwidth.log",
		day + strings.Repeat("n", 300) + ".log",
		day + strings.Repeat("deep/", 200) + "x.log",
		day + "./dot.log",
		day + "...",
		day + "nul\x00byte.log",
		day + "esc\x1b[31mred.log",
	}
	// Keys outside it (absolute, traversal before the account): never listed as flow logs,
	// and never written either.
	outsideKeys := []string{
		"../escape-top.log",
		"AWSLogs/../../../escape-mid.log",
		"/" + strings.TrimPrefix(filepath.Join(e.root, "escape-abs2.log"), "/"),
	}
	for _, k := range append(append([]string{}, hostile...), outsideKeys...) {
		f.put(t, k, []byte(plantedLog))
	}
	r := e.run(f.syncArgs()...)
	if r.code != 3 {
		t.Errorf("want exit 3 (some objects refused):\n%s", r)
	}
	var listed, downloaded, refused int
	if i := strings.Index(r.stderr, "listed"); i < 0 {
		t.Errorf("no summary:\n%s", r)
	} else {
		line := r.stderr[strings.LastIndex(r.stderr[:i], ":")+1:]
		fmt.Sscanf(line, " %d listed, %d downloaded, 0 unchanged, 0 failed, %d refused", &listed, &downloaded, &refused)
	}
	// Keys outside the structure may be listed (and then refused) or never listed at all.
	if downloaded != 1 || refused < len(hostile) || refused != listed-1 {
		t.Errorf("summary: %d listed, %d downloaded, %d refused; want 1 downloaded and %d or more refused:\n%s", listed, downloaded, refused, len(hostile), r)
	}
	for _, k := range hostile {
		// The key's end, quoted as the message quotes it (the listing's XML turns control
		// characters into U+FFFD, so the part after the last one is compared).
		q := strconv.Quote(k)
		tail := q[max(0, len(q)-9):]
		if !strings.Contains(r.stderr, tail) {
			t.Errorf("refusal of %q not reported (looked for %s)", k, tail)
		}
	}
	if strings.ContainsAny(r.stderr, "\x00\x1b\u202e") {
		t.Errorf("raw control characters from a key reached the terminal")
	}
	// Nothing but the good object in the mirror, and nothing anywhere else under the test root
	// but flowq's own files.
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)
	got := mirrorFiles(t, mirror)
	if len(got) != 1 || !bytes.Equal(got[good], []byte(plantedLog)) {
		t.Errorf("mirror holds %v", keys(got))
	}
	var outside []string
	filepath.WalkDir(e.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.HasPrefix(p, mirror+"/") || strings.HasPrefix(p, filepath.Join(e.data, "tables")+"/") {
			return nil
		}
		rel, _ := filepath.Rel(e.root, p)
		outside = append(outside, rel)
		return nil
	})
	sort.Strings(outside)
	if strings.Join(outside, " ") != "data/ledger.json data/lock" {
		t.Errorf("files outside the mirror and tables: %v", outside)
	}
	for _, p := range []string{"/escape-top.log", "/escape-mid.log", "/escape-rel.log", filepath.Join(filepath.Dir(e.root), "escape-top.log"),
		filepath.Join(e.root, "escape-abs.log"), filepath.Join(e.root, "escape-abs2.log")} {
		if fileExists(p) {
			t.Errorf("%s was written", p)
		}
	}
	// The good object was loaded.
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != 3 {
		t.Errorf("table has %d rows, want the good object's 3", n)
	}
}

func TestReadOnlyRefusesHostileSQL(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	e.ok("load", d.dir)
	out := filepath.Join(e.root, "out")
	os.Mkdir(out, 0o700)
	target := func(name string) string { return filepath.Join(out, name) }
	cases := []struct {
		name, sql string
		want      string // in the error
		writes    string // a path that must not appear
	}{
		{"copy-to", "COPY (SELECT 1 AS x) TO '" + target("x.csv") + "'", "read-only session", target("x.csv")},
		{"read-passwd", "SELECT * FROM read_csv('/etc/passwd')", "Permission Error", ""},
		{"read-text", "SELECT * FROM read_text('" + filepath.Join(e.data, "ledger.json") + "')", "Permission Error", ""},
		{"glob", "SELECT * FROM glob('/etc/*')", "Permission Error", ""},
		{"attach", "ATTACH '" + target("evil.duckdb") + "' AS evil", "read-only session", target("evil.duckdb")},
		{"install", "INSTALL httpfs", "read-only session", ""},
		{"load-ext", "LOAD httpfs", "read-only session", ""},
		{"enable-access", "SET enable_external_access=true", "read-only session", ""},
		{"unlock", "SET lock_configuration=false", "read-only session", ""},
		{"widen-dirs", "SET allowed_directories=['/']", "read-only session", ""},
		{"export", "EXPORT DATABASE '" + target("export") + "'", "read-only session", target("export")},
		{"secret", "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')", "read-only session", ""},
		{"url", "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')", "Permission Error", ""},
		// Writes into the store's own folders, which allowed_directories alone would permit.
		{"copy-into-store", "COPY (SELECT 1 AS x) TO '" + filepath.Join(e.data, "tables", "vpc_flow_logs", "x.parquet") + "' (FORMAT parquet)", "read-only session", filepath.Join(e.data, "tables", "vpc_flow_logs", "x.parquet")},
		{"create-table", "CREATE TABLE t AS SELECT 1", "read-only session", ""},
		{"drop-view", "DROP VIEW vpc_flow_logs", "read-only session", ""},
		{"two-statements", "SELECT 1; COPY (SELECT 1) TO '" + target("y.csv") + "'", "statement", target("y.csv")},
	}
	// A COPY over a loaded part must not touch it.
	parts, _ := filepath.Glob(filepath.Join(e.data, "tables", "vpc_flow_logs", "date=*", "*.parquet"))
	if len(parts) == 0 {
		t.Fatal("no Parquet parts after load")
	}
	partBefore, _ := os.ReadFile(parts[0])
	cases = append(cases, struct {
		name, sql string
		want      string
		writes    string
	}{"overwrite-part", "COPY (SELECT * FROM vpc_flow_logs LIMIT 0) TO '" + parts[0] + "' (FORMAT parquet, USE_TMP_FILE false)", "read-only session", ""})
	for _, c := range cases {
		file := filepath.Join(e.root, c.name+".sql")
		if err := os.WriteFile(file, []byte(c.sql+";\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"run", file, "--read-only"}, {"query", "-f", file, "--read-only"}} {
			r := e.run(args...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s: want a refusal naming %q:\n%s", c.name, c.want, r)
			}
			if c.writes != "" && fileExists(c.writes) {
				t.Errorf("%s: %s was written", c.name, c.writes)
				os.RemoveAll(c.writes)
			}
		}
	}
	// Still readable in read-only mode, and untouched.
	r := e.ok("query", "--read-only", "--format", "csv", "SELECT count(*) FROM vpc_flow_logs")
	if strings.TrimSpace(r.stdout) != "count(*)\n"+strconv.FormatInt(d.truth.Records, 10) {
		t.Errorf("read-only query: %s", r)
	}
	ents, _ := os.ReadDir(out)
	if len(ents) != 0 {
		t.Errorf("files written: %v", ents)
	}
	if partAfter, _ := os.ReadFile(parts[0]); !bytes.Equal(partBefore, partAfter) {
		t.Errorf("a loaded Parquet part changed under --read-only")
	}
	// Without --read-only the shell runs SQL with the user's rights: COPY writes where the user
	// can (documented in docs/reliability.md).
	e.ok("query", "COPY (SELECT 1 AS x) TO '"+target("mine.csv")+"'")
	if b, err := os.ReadFile(target("mine.csv")); err != nil || string(b) != "x\n1\n" {
		t.Errorf("COPY without --read-only: %q %v", b, err)
	}
	// But never an extension download: a URL does not make DuckDB fetch httpfs into ~/.duckdb.
	r = e.run("query", "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')")
	if r.code == 0 || !strings.Contains(r.stderr, "Install it first") || strings.Contains(r.stderr, "download") {
		t.Errorf("a URL without --read-only: want a refusal to auto-install httpfs:\n%s", r)
	}
	if fileExists(filepath.Join(e.root, "home", ".duckdb", "extensions")) {
		t.Errorf("an extensions folder was created under HOME")
	}
}
