package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// testSeed returns the seed for random kill points: $FLOWQ_E2E_SEED to replay a failure, else
// the clock (logged).
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FLOWQ_E2E_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = n
	}
	t.Logf("random seed %d (replay with FLOWQ_E2E_SEED=%d)", seed, seed)
	return seed
}

// killAfter starts flowq and SIGKILLs it after delay (unless it finished first). It reports
// whether the kill landed and how long the run lasted, and fails the test if flowq failed on
// its own.
func (e *env) killAfter(delay time.Duration, args ...string) (bool, time.Duration) {
	e.t.Helper()
	cmd := e.command(args...)
	start := time.Now()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			e.t.Fatalf("flowq %v failed before the kill: %v\n%s", args, err, stderr.String())
		}
		return false, time.Since(start)
	case <-time.After(delay):
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	if err == nil {
		return false, time.Since(start) // finished in the same instant
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		e.t.Fatalf("flowq %v failed on its own: %v\n%s", args, err, stderr.String())
	}
	return true, time.Since(start)
}

// killPoint picks a kill delay within the expected life of a run; life is updated from runs
// that finished before their kill, so kill points follow the machine's speed.
type killPoint struct {
	rng  *rand.Rand
	life time.Duration
}

func (k *killPoint) next() time.Duration { return time.Duration(k.rng.Int64N(int64(k.life))) }

func (k *killPoint) ran(killed bool, took time.Duration) {
	if !killed {
		k.life = took
	}
}

// checkCommitted asserts the committed state is whole after a kill: the parts the ledger names
// exist, and the table shows exactly the rows the ledger accounts for.
func checkCommitted(t *testing.T, e *env) {
	t.Helper()
	checkLedgerFiles(t, e, false)
	var rows int64
	if led := e.ledger(); led != nil {
		_, rows, _ = led.Totals()
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != rows {
		t.Errorf("after a kill the table has %d rows, the ledger accounts for %d", n, rows)
	}
}

func TestKill9DuringLoad(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	src := d.copyTo(t, filepath.Join(e.root, "src"), nil)
	var files []string
	for _, k := range d.mem.Keys() {
		files = append(files, filepath.Join(src, filepath.FromSlash(k)))
	}
	rng := rand.New(rand.NewPCG(testSeed(t), 8))
	kp := &killPoint{rng: rng, life: 150 * time.Millisecond}
	killed := 0
	for i := range 8 {
		// Each run loads a random half of the files, so runs overlap with what earlier (killed
		// or finished) runs committed; each is killed somewhere in its ~0.1–0.3 s life.
		var subset []string
		for _, f := range files {
			if rng.IntN(2) == 0 {
				subset = append(subset, f)
			}
		}
		delay := kp.next()
		if i%3 == 2 {
			delay = time.Minute // let one run in three commit, so later runs start from committed data
		}
		k, took := e.killAfter(delay, append([]string{"load"}, subset...)...)
		kp.ran(k, took)
		if k {
			killed++
		}
		gen := uint64(0)
		if l := e.ledger(); l != nil {
			gen = l.Generation
		}
		t.Logf("run %d: %d files, kill after %v: killed %v; ledger generation %d", i, len(subset), delay, k, gen)
		checkCommitted(t, e)
	}
	t.Logf("%d of 8 runs killed", killed)
	if killed < 2 {
		t.Errorf("no run was killed: the kill points are too late for this machine")
	}
	e.ok("load", src)
	checkTable(t, e, d, src)
}

func TestKill9DuringSync(t *testing.T) {
	d := smallData(t)
	f := newFakeS3(t, "e2e-crash")
	// Objects arrive in the bucket in 7 waves, so every run has new objects to fetch and load.
	keys := d.mem.Keys()
	rng := rand.New(rand.NewPCG(testSeed(t), 9))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	// ~10 ms per object at 4 parallel downloads.
	f.latency.Store(int64(10 * time.Millisecond))
	e := newEnv(t)
	mirror := filepath.Join(e.data, "mirror", "s3", f.bucket)
	kp := &killPoint{rng: rng, life: 300 * time.Millisecond}
	killed := 0
	for i := range 7 {
		for _, k := range keys[i*len(keys)/7 : (i+1)*len(keys)/7] {
			b, _ := d.mem.Get(k)
			f.put(t, k, b)
		}
		delay := kp.next()
		gets := f.gets.Load()
		k, took := e.killAfter(delay, f.syncArgs("--concurrency", "4")...)
		kp.ran(k, took)
		if k {
			killed++
		}
		t.Logf("run %d: kill after %v: killed %v, %d objects fetched", i, delay, k, f.gets.Load()-gets)
		checkMirror(t, mirror, d, false)
		checkCommitted(t, e)
	}
	t.Logf("%d of 7 runs killed", killed)
	if killed == 0 {
		t.Errorf("no run was killed: the kill points are too late for this machine")
	}
	f.latency.Store(0)
	e.ok(f.syncArgs()...)
	checkMirror(t, mirror, d, true)
	checkTable(t, e, d, mirror)
}

// TestKill9DuringReplace kills loads that replace the rows of changed files (their old rows
// are dropped from rewritten parts in the same commit): each record is still counted once,
// with the new content of each changed file.
func TestKill9DuringReplace(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	src := d.copyTo(t, filepath.Join(e.root, "src"), nil)
	e.ok("load", src)
	// Up to 6 plain-text files with enough records; each change drops their last record.
	want := map[string]int64{}
	for key, fs := range d.truth.Files {
		want[key] = fs.Records
	}
	var victims []string
	for _, key := range d.mem.Keys() {
		if fs := d.truth.Files[key]; !fs.Gzip && fs.Records >= 8 && len(victims) < 6 {
			victims = append(victims, key)
		}
	}
	if len(victims) == 0 {
		t.Fatal("no plain-text file to change")
	}
	dropped := 0
	change := func() {
		for _, key := range victims {
			p := filepath.Join(src, filepath.FromSlash(key))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			body := bytes.TrimSuffix(b, []byte("\n"))
			if err := os.WriteFile(p, body[:bytes.LastIndexByte(body, '\n')+1], 0o600); err != nil {
				t.Fatal(err)
			}
			want[key]--
			dropped++
		}
	}
	rng := rand.New(rand.NewPCG(testSeed(t), 10))
	kp := &killPoint{rng: rng, life: 200 * time.Millisecond}
	killed := 0
	change()
	for i := range 6 {
		k, took := e.killAfter(kp.next(), "load", src)
		kp.ran(k, took)
		if k {
			killed++
		} else {
			change() // the replacement committed: change the files again for the next run
		}
		checkCommitted(t, e)
		t.Logf("run %d: killed %v", i, k)
	}
	r := e.ok("load", src)
	t.Logf("final run: %s", lastLine(r.stderr))
	led := e.ledger()
	var total int64
	for key, n := range want {
		total += n
		if s := led.Sources[filepath.Join(src, filepath.FromSlash(key))]; s == nil || s.Rows != n {
			t.Errorf("%s: ledger %+v, want %d rows", key, s, n)
		}
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != total || total != d.truth.Records-int64(dropped) {
		t.Errorf("table has %d rows, want %d (truth %d minus %d dropped records)", n, total, d.truth.Records, dropped)
	}
	checkLedgerFiles(t, e, true)
	if killed == 0 {
		t.Errorf("no run was killed")
	}
}
