package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
)

// plantedLog is a hand-written delivery of 3 records (none in the generated sets).
const plantedLog = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 999999999999 eni-0planted000001 10.99.0.1 10.99.0.2 40000 443 6 10 8400 1768431600 1768431660 ACCEPT OK
2 999999999999 eni-0planted000001 10.99.0.2 10.99.0.1 443 40000 6 12 9100 1768431600 1768431660 ACCEPT OK
2 999999999999 eni-0planted000001 198.51.100.7 10.99.0.1 51515 22 6 1 60 1768431600 1768431660 REJECT OK
`

func TestTwoWritersAndReadersDuringCommit(t *testing.T) {
	d := smallData(t)
	// A bigger set, loaded by one worker, keeps the first writer busy for a second or more.
	big, err := generate(flowgen.Bench(300000))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(big.dir) })
	e := newEnv(t)
	planted := filepath.Join(e.root, "planted.log")
	if err := os.WriteFile(planted, []byte(plantedLog), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok("load", d.dir)
	base, after := d.truth.Records, d.truth.Records+big.truth.Records

	// A shell opened before the load, reading statements from a pipe as a script would.
	sh := e.command("shell")
	shIn, _ := sh.StdinPipe()
	shOutPipe, _ := sh.StdoutPipe()
	sh.Stderr = io.Discard
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	shOut := bufio.NewReader(shOutPipe)
	ask := func() int64 {
		t.Helper()
		fmt.Fprintln(shIn, "SELECT count(*) AS n FROM vpc_flow_logs;")
		var n int64
		for {
			line, err := shOut.ReadString('\n')
			if err != nil {
				t.Fatalf("shell: %v", err)
			}
			if _, err := fmt.Sscan(strings.TrimSpace(line), &n); err == nil {
				return n
			}
		}
	}
	if n := ask(); n != base {
		t.Fatalf("shell sees %d rows before the load, want %d", n, base)
	}

	a := e.command("load", "--workers", "1", big.dir)
	var aErr strings.Builder
	a.Stderr = &aErr
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	type exit struct {
		err error
		at  time.Time
	}
	aDone := make(chan exit, 1)
	go func() {
		err := a.Wait()
		aDone <- exit{err, time.Now()}
	}()
	holder := fmt.Sprintf("pid %d", a.Process.Pid)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(e.data, "lock"))
		if strings.Contains(string(b), holder) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first load never took the lock")
		}
	}

	// Second writers fail at once, naming the holder.
	for _, args := range [][]string{
		{"load", planted},
		{"sync", "s3://any-bucket", "--endpoint-url", "http://127.0.0.1:1", "--path-style"},
	} {
		r := e.run(args...)
		select {
		case <-aDone:
			t.Fatal("the first load finished before the second writer tried: make the load bigger")
		default:
		}
		if r.code != 1 || !strings.Contains(r.stderr, holder) || !strings.Contains(r.stderr, "flowq load") || !strings.Contains(r.stderr, "--wait") {
			t.Errorf("second writer: want exit 1 naming %q and --wait:\n%s", holder, r)
		}
	}
	// With --wait the second writer waits for the first and then loads.
	type res struct {
		r   result
		end time.Time
	}
	bDone := make(chan res, 1)
	go func() {
		r := e.run("load", "--wait", planted)
		bDone <- res{r, time.Now()}
	}()

	// Readers during the load see the state before the commit or after it, never a part.
	var aEnd time.Time
	var aWaitErr error
	queries, early := 0, 0
	for running := true; running; {
		select {
		case x := <-aDone:
			aWaitErr, aEnd, running = x.err, x.at, false
			continue
		default:
		}
		n := e.count("SELECT count(*) FROM vpc_flow_logs")
		queries++
		switch n {
		case base:
			early++
		case after, after + 3:
		default:
			t.Errorf("a reader saw %d rows during the load; committed states are %d and %d", n, base, after)
		}
	}
	if aWaitErr != nil {
		t.Fatalf("first load: %v\n%s", aWaitErr, aErr.String())
	}
	t.Logf("%d queries during the load, %d before its commit", queries, early)
	if early == 0 {
		t.Errorf("no query ran before the commit")
	}
	b := <-bDone
	if b.r.code != 0 || !strings.Contains(b.r.stderr, "1 loaded") || !strings.Contains(b.r.stderr, "3 rows added") {
		t.Errorf("load --wait: %s", b.r)
	}
	if b.end.Before(aEnd) {
		t.Errorf("load --wait finished %v before the lock holder", aEnd.Sub(b.end))
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != after+3 {
		t.Errorf("after both loads: %d rows, want %d", n, after+3)
	}
	// The shell left open sees the new data on its next statement.
	if n := ask(); n != after+3 {
		t.Errorf("open shell sees %d rows after the loads, want %d", n, after+3)
	}
	shIn.Close()
	if err := sh.Wait(); err != nil {
		t.Errorf("shell: %v", err)
	}
	checkLedgerFiles(t, e, true)
}
