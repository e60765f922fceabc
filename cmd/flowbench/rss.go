package main

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Peak RSS of a child cannot be read from this process's wait: Go starts children with
// vfork (CLONE_VM), and Linux carries the shared memory's high-water mark into the child at
// exec, so every child would report at least this process's own peak (gigabytes once the raw
// DuckDB queries ran). A small helper process (this binary, re-executed, still small when it
// starts its child) runs the command and reports the child's rusage. A figure no larger than
// the helper's own peak (tens of MiB) is only an upper bound, and is reported as such.

// rssCmd is the hidden sub-command of the helper: __rss OUT.json NAME ARGS...
const rssCmd = "__rss"

// rssReport is what the helper writes.
type rssReport struct {
	MaxRSS int64 `json:"max_rss"` // bytes
	Floor  int64 `json:"floor"`   // the helper's own peak when it started the command: MaxRSS ≤ Floor says only "at most Floor"
	WallNS int64 `json:"wall_ns"`
	Exit   int   `json:"exit"`
}

// rssChild is the helper's side: run the command with our stdio, then report.
func rssChild(args []string) (int, error) {
	if len(args) < 2 {
		return 2, fmt.Errorf("%s OUT.json NAME [ARGS...]", rssCmd)
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// The command dies with the helper when the benchmark is interrupted. Pdeathsig follows
	// the starting thread, so the thread is kept until the command ends.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	floor := selfHWM()
	start := time.Now()
	err := cmd.Run()
	rep := rssReport{WallNS: int64(time.Since(start)), MaxRSS: childRSS(cmd.ProcessState), Floor: floor}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		rep.Exit = ee.ExitCode()
		if rep.Exit < 0 {
			rep.Exit = 1
		}
	case err != nil:
		return 1, err
	}
	b, _ := json.Marshal(rep)
	if err := os.WriteFile(args[0], b, 0o644); err != nil {
		return 1, err
	}
	return rep.Exit, nil
}

// selfHWM is this process's peak RSS so far (VmHWM), in bytes; 0 when unknown.
func selfHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n * 1024
		}
	}
	return 0
}

// childRSS returns the peak RSS of a finished child process in bytes (Linux reports KiB).
func childRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

// measuredRun runs a command under the helper with the given stdio. It returns the command's
// own wall time and peak RSS (negative: at most that much, see rssReport.Floor); err is the
// command's failure, if any.
func (b *bench) measuredRun(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, name string, args ...string) (time.Duration, int64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	f, err := os.CreateTemp(b.tmp, "rss-*.json")
	if err != nil {
		return 0, 0, err
	}
	out := f.Name()
	f.Close()
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, self, append([]string{rssCmd, out, name}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start)
	var rep rssReport
	if b, err := os.ReadFile(out); err == nil && json.Unmarshal(b, &rep) == nil && rep.WallNS > 0 {
		wall = time.Duration(rep.WallNS)
	}
	rss := rep.MaxRSS
	if rep.Floor > 0 && rss <= rep.Floor {
		rss = -rep.Floor
	}
	return wall, rss, runErr
}

// snapshotFlowq copies the flowq binary into the run's folder, so every section measures the
// same build even when someone rebuilds bin/flowq meanwhile, and describes it.
func snapshotFlowq(src, tmp string) (path, desc string, err error) {
	in, err := os.ReadFile(src)
	if err != nil {
		return "", "", fmt.Errorf("flowq binary %s: %w (run make build)", src, err)
	}
	path = filepath.Join(tmp, "flowq")
	if err := os.WriteFile(path, in, 0o755); err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(in)
	desc = "sha256 " + hex.EncodeToString(sum[:6])
	if bi, err := buildinfo.ReadFile(path); err == nil {
		var rev, modified, when string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+modified"
				}
			case "vcs.time":
				when = s.Value
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			desc = fmt.Sprintf("%s%s (%s), %s", rev, modified, when, desc)
		}
	}
	return path, desc, nil
}
