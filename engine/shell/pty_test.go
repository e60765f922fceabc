package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/iostreams"
	"golang.org/x/sys/unix"
)

// TestMain doubles as the shell program for the pseudo-terminal tests: the test binary re-runs
// itself with FLOWQ_SHELL_HELPER=1, which opens the planted DuckDB table and runs Run on the
// real terminal, so no separate build is needed.
func TestMain(m *testing.M) {
	if os.Getenv("FLOWQ_SHELL_HELPER") == "1" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}

func helperMain() int {
	// Like cmd/flowq's main: a context cancelled by SIGINT/SIGTERM. Ctrl-C during a query must
	// still only cancel that query.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openFlowDB(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	defer db.Close()
	if err := registerCompat(ctx, db); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	sess := &dbSession{db: db, dialect: compat.DuckDB}
	// .boom panics while its argument is completed, i.e. inside go-prompt with the terminal raw.
	boom := Command{Name: ".boom", Help: "test: panic in completion",
		Args: func(*Env, []string) []Candidate { panic("boom in completer") },
		Run:  func(context.Context, *Env, []string) error { return nil }}
	err = Run(ctx, Config{Session: sess, IO: iostreams.System(), HistoryPath: os.Getenv("FLOWQ_SHELL_HISTORY"),
		Queries: fakeQueries{}, Banner: "flowq test shell", ExtraCommands: []Command{boom}})
	switch {
	case errors.Is(err, ErrTerminated):
		fmt.Fprintln(os.Stderr, "helper: terminated")
		return 3
	case err != nil:
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// ptyShell is a shell process on a pseudo-terminal, with everything it printed.
type ptyShell struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	tty  *os.File // kept open to read the terminal mode after the shell exits
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // wait() looks at output after this offset
	done chan error
}

// startShell runs the shell on a new 120×40 pseudo-terminal. env adds to the environment;
// without a PAGER in it, PAGER=cat turns the pager off.
func startShell(t *testing.T, history string, env ...string) *ptyShell {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FLOWQ_SHELL_HELPER=1", "FLOWQ_SHELL_HISTORY="+history, "TERM=xterm", "PAGER=cat")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &ptyShell{t: t, cmd: cmd, ptmx: ptmx, tty: tty, done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		ptmx.Close()
		tty.Close()
	})
	return s
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07`)

// clean strips ANSI escape sequences from raw and maps each kept byte to its offset in raw.
func clean(raw []byte) (string, []int) {
	var b strings.Builder
	var idx []int
	locs := ansiRE.FindAllIndex(raw, -1)
	i := 0
	for _, l := range locs {
		for ; i < l[0]; i++ {
			b.WriteByte(raw[i])
			idx = append(idx, i)
		}
		i = l[1]
	}
	for ; i < len(raw); i++ {
		b.WriteByte(raw[i])
		idx = append(idx, i)
	}
	return b.String(), idx
}

// wait blocks until the output after the mark matches re, moves the mark past the match and
// returns the output from the mark to the end of the match.
func (s *ptyShell) wait(re string, timeout time.Duration) string {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		txt, idx := clean(s.out.Bytes()[s.mark:])
		if loc := rx.FindStringIndex(txt); loc != nil && loc[1] > 0 {
			s.mark += idx[loc[1]-1] + 1
			s.mu.Unlock()
			return txt[:loc[1]]
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %q; output since mark:\n%s", re, txt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// poll is wait that reports a timeout instead of failing.
func (s *ptyShell) poll(re string, timeout time.Duration) bool {
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		txt, idx := clean(s.out.Bytes()[s.mark:])
		if loc := rx.FindStringIndex(txt); loc != nil && loc[1] > 0 {
			s.mark += idx[loc[1]-1] + 1
			s.mu.Unlock()
			return true
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// typeText sends text in one write (go-prompt reads it as plain characters) and waits until the
// editor shows it, so a control key sent next arrives in a read of its own even on a busy machine.
func (s *ptyShell) typeText(text string) {
	s.t.Helper()
	if _, err := s.ptmx.Write([]byte(text)); err != nil {
		s.t.Fatal(err)
	}
	s.waitNoMark(regexp.QuoteMeta(text), 10*time.Second)
}

// waitNoMark is wait without moving the mark.
func (s *ptyShell) waitNoMark(re string, timeout time.Duration) {
	s.t.Helper()
	s.mu.Lock()
	mark := s.mark
	s.mu.Unlock()
	s.wait(re, timeout)
	s.mu.Lock()
	s.mark = mark
	s.mu.Unlock()
}

// key sends one control key on its own, as go-prompt needs to recognise it.
func (s *ptyShell) key(k string) {
	s.t.Helper()
	time.Sleep(40 * time.Millisecond)
	if _, err := s.ptmx.Write([]byte(k)); err != nil {
		s.t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
}

func (s *ptyShell) termios() *unix.Termios {
	s.t.Helper()
	tio, err := unix.IoctlGetTermios(int(s.tty.Fd()), unix.TCGETS)
	if err != nil {
		s.t.Fatal(err)
	}
	return tio
}

func cooked(tio *unix.Termios) bool {
	return tio.Lflag&unix.ICANON != 0 && tio.Lflag&unix.ECHO != 0 && tio.Lflag&unix.ISIG != 0
}

func (s *ptyShell) exit(timeout time.Duration) error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(timeout):
		s.mu.Lock()
		out := ansiRE.ReplaceAllString(s.out.String(), "")
		s.mu.Unlock()
		s.t.Fatalf("shell did not exit; output:\n%s", out)
	}
	return nil
}

const (
	keyEnter = "\r"
	keyTab   = "\t"
	keyCtrlC = "\x03"
	keyCtrlD = "\x04"
	keyCtrlR = "\x12"
	keyLeft  = "\x1b[D"
)

func TestPTYSession(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "history")
	sh := startShell(t, hist)
	sh.wait(`flowq> `, 20*time.Second)
	if cooked(sh.termios()) {
		t.Fatal("terminal still in cooked mode at the prompt: go-prompt did not take it raw")
	}

	// A multi-line query, with a table name and a column name accepted from completion.
	sh.typeText("SELECT dstport, count(*) AS n")
	sh.key(keyEnter)
	sh.wait(`\.\.\.\.\.\. ?$`, 5*time.Second) // continuation prompt
	sh.typeText("FROM vpc_fl")
	sh.key(keyTab)
	sh.waitNoMark(`FROM vpc_flow_logs`, 5*time.Second)
	sh.typeText(" WHERE act")
	sh.key(keyTab)
	sh.waitNoMark(`WHERE action`, 5*time.Second)
	sh.typeText(" = 'ACCEPT' GROUP BY 1 ORDER BY 1;")
	sh.key(keyEnter)
	// ACCEPT rows: dstport 443 three times, 53 once (see flowRows).
	out := sh.wait(`\(2 rows[^)]*\)`, 10*time.Second)
	if !regexp.MustCompile(`FROM vpc_flow_logs WHERE action = 'ACCEPT'`).MatchString(out) {
		t.Errorf("completion did not produce the expected statement; output:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\W*53\W+1\W*$`).MatchString(out) || !regexp.MustCompile(`(?m)^\W*443\W+3\W*$`).MatchString(out) {
		t.Errorf("wrong result; output:\n%s", out)
	}
	sh.wait(`flowq> `, 5*time.Second)

	// A slow query, cancelled with Ctrl-C: the prompt comes back and the session goes on.
	sh.typeText("SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 8;")
	sh.key(keyEnter)
	time.Sleep(500 * time.Millisecond)
	// A Ctrl-C that lands before the shell hands the terminal back to cooked mode is read as a
	// key by the next prompt instead; on a busy machine, press it again like a user would.
	var start time.Time
	for i := 0; ; i++ {
		start = time.Now()
		sh.key(keyCtrlC)
		if sh.poll(`Interrupted`, 2*time.Second) {
			break
		}
		if i == 3 {
			t.Fatal("Ctrl-C did not interrupt the slow query")
		}
	}
	sh.wait(`flowq> `, 5*time.Second)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("prompt took %v to come back after Ctrl-C", d)
	} else {
		t.Logf("Ctrl-C to prompt: %v", d)
	}
	sh.typeText("SELECT sum(bytes) AS total FROM vpc_flow_logs;")
	sh.key(keyEnter)
	// 1000+500+2500+80+1234567 = 1238647
	sh.wait(`1,?238,?647`, 10*time.Second)
	sh.wait(`flowq> `, 5*time.Second)

	// An error shows DuckDB's message with the position, and the session goes on.
	sh.typeText("SELECT nosuchcol FROM vpc_flow_logs;")
	sh.key(keyEnter)
	out = sh.wait(`(?s)Error: .*flowq> `, 5*time.Second)
	if !strings.Contains(out, `Referenced column "nosuchcol" not found`) || !regexp.MustCompile(`LINE 1: .*\n +\^`).MatchString(out) {
		t.Errorf("error without message or position; output:\n%s", out)
	}

	// A wide result fits the 120-column terminal.
	sh.typeText("SELECT * FROM vpc_flow_logs ORDER BY bytes;")
	sh.key(keyEnter)
	out = sh.wait(`(?s)\(5 rows[^)]*\).*flowq> `, 10*time.Second)
	for _, line := range strings.Split(out, "\n") {
		if w := utf8.RuneCountInString(strings.TrimRight(line, "\r")); w > 120 {
			t.Errorf("line of %d columns in a 120-column terminal: %q", w, line)
		}
	}
	if !strings.Contains(out, "1.2 MiB") {
		t.Errorf("wide result lacks the bytes of the planted row:\n%s", out)
	}

	// Ctrl-C at the prompt clears the line.
	sh.typeText("SELECT 'half typed")
	sh.key(keyCtrlC)
	sh.typeText("SELECT 40 + 2 AS answer;")
	sh.key(keyEnter)
	out = sh.wait(`\(1 row`, 5*time.Second)
	if !strings.Contains(out, "42") || strings.Contains(out, "Parser Error") {
		t.Errorf("line not cleared by Ctrl-C; output:\n%s", out)
	}
	sh.wait(`flowq> `, 5*time.Second)

	sh.key(keyCtrlD)
	if err := sh.exit(5 * time.Second); err != nil {
		t.Fatalf("shell exit: %v", err)
	}
	if os.Getenv("SHOWPTY") != "" {
		sh.mu.Lock()
		t.Logf("%q", sh.out.String())
		sh.mu.Unlock()
	}
	if !cooked(sh.termios()) {
		t.Errorf("terminal not restored to cooked mode: lflag=%#x", sh.termios().Lflag)
	}

	// History: persisted, private, and searchable with Ctrl-R in the next session.
	fi, err := os.Stat(hist)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("history mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(hist)
	if !strings.Contains(string(data), `"SELECT dstport, count(*) AS n\nFROM vpc_flow_logs WHERE action = 'ACCEPT' GROUP BY 1 ORDER BY 1;"`) {
		t.Errorf("history file lacks the multi-line statement:\n%s", data)
	}

	sh2 := startShell(t, hist)
	sh2.wait(`flowq> `, 20*time.Second)
	sh2.typeText("GROUP BY")
	sh2.key(keyCtrlR)
	sh2.waitNoMark(`history search 'GROUP BY'`, 5*time.Second)
	sh2.key(keyEnter)
	out = sh2.wait(`\(2 rows[^)]*\)`, 10*time.Second)
	if !regexp.MustCompile(`(?m)^\W*443\W+3\W*$`).MatchString(out) {
		t.Errorf("Ctrl-R did not recall the grouped query; output:\n%s", out)
	}
	sh2.wait(`flowq> `, 5*time.Second)
	sh2.key(keyCtrlD)
	if err := sh2.exit(5 * time.Second); err != nil {
		t.Fatalf("second shell exit: %v", err)
	}
}

func TestPTYSigterm(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "history")
	sh := startShell(t, hist)
	sh.wait(`flowq> `, 20*time.Second)
	sh.typeText("SELECT 1")
	if err := sh.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := sh.exit(5 * time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("exit = %v, want the helper's code 3 for ErrTerminated (Run returned, cleanup ran)", err)
	}
	if !cooked(sh.termios()) {
		t.Errorf("terminal not restored after SIGTERM: lflag=%#x", sh.termios().Lflag)
	}
}

func TestPTYPanicRestoresTerminal(t *testing.T) {
	sh := startShell(t, "")
	sh.wait(`flowq> `, 20*time.Second)
	if cooked(sh.termios()) {
		t.Fatal("terminal cooked at the prompt; the test could not tell a restore")
	}
	// Raw write: the panic comes before the editor could echo the text.
	if _, err := sh.ptmx.Write([]byte(".boom x")); err != nil {
		t.Fatal(err)
	}
	err := sh.exit(5 * time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit = %v, want a panic (exit status 2)", err)
	}
	sh.wait(`boom in completer`, 2*time.Second)
	if !cooked(sh.termios()) {
		t.Errorf("terminal not restored after a panic: lflag=%#x", sh.termios().Lflag)
	}
}
