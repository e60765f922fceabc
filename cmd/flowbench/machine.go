package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine describes where the benchmark ran.
type machine struct {
	cpu, ram, goVersion, duckdb, commit, command string
	flowq                                        string // the benchmarked binary's build
	loadStart                                    string // /proc/loadavg when the run started
	cores                                        int
}

func (m machine) oneLine() string {
	return fmt.Sprintf("%s, %d cores, %s RAM, %s, DuckDB %s, commit %s", m.cpu, m.cores, m.ram, m.goVersion, m.duckdb, m.commit)
}

func describeMachine(ctx context.Context) machine {
	m := machine{cpu: "unknown", ram: "unknown", duckdb: "unknown", commit: "unknown", flowq: "not used",
		cores: runtime.NumCPU(), goVersion: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.cpu = cpuModel(bufio.NewScanner(f))
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if kb, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
				m.ram = fmt.Sprintf("%.1f GiB", float64(n)/(1<<20))
			}
		}
		f.Close()
	}
	if db, err := sql.Open("duckdb", ""); err == nil {
		var v string
		if db.QueryRowContext(ctx, "SELECT version()").Scan(&v) == nil {
			m.duckdb = v
		}
		db.Close()
	}
	if out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
	}
	m.loadStart = loadAvg()
	m.command = strings.TrimSpace("flowbench " + strings.Join(os.Args[1:], " "))
	return m
}

// loadAvg is the 1-minute load average: on a shared machine it says how noisy the figures are.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// cpuModel reads the first "model name" of /proc/cpuinfo.
func cpuModel(sc *bufio.Scanner) string {
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
