package store

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Query sessions are bounded so that no query's peak RSS grows with the data: DuckDB spills
// joins, groupings and sorts to the session's temp folder instead. The default is a quarter of
// the machine's memory (or of the cgroup's limit) and at most maxDefaultMemory: DuckDB's
// limit covers its buffer pool, and the process needs room above it (Go, the Parquet readers,
// result rows), so 1.5 GiB keeps a query under the 2 GiB peak RSS target (docs/design.md).
const (
	maxDefaultMemory = 1536 << 20
	minDefaultMemory = 256 << 20
	// maxDefaultThreads bounds a session's threads: each thread holds its own hash tables and
	// Parquet read buffers, so memory grows with threads; beyond 4 a query on one machine's
	// disk gains little.
	maxDefaultThreads = 4
)

// Limits are a session's resource bounds, shown by `flowq status`.
type Limits struct {
	MemoryLimit string `json:"memory_limit"` // as DuckDB reports it, e.g. "1.5 GiB"
	Threads     int    `json:"threads"`
	TempDir     string `json:"temp_dir"` // where queries spill
}

// DefaultMemoryLimit is the memory limit a session gets when SessionOptions.MemoryLimit is
// empty: a quarter of the memory available to the process, between 256 MiB and 1.5 GiB.
func DefaultMemoryLimit() string {
	n := availableMemory() / 4
	if n <= 0 || n > maxDefaultMemory {
		n = maxDefaultMemory
	}
	if n < minDefaultMemory {
		n = minDefaultMemory
	}
	return fmt.Sprintf("%dMiB", n>>20)
}

// DefaultThreads is the thread count a session gets when SessionOptions.Threads is 0.
func DefaultThreads() int {
	return min(runtime.GOMAXPROCS(0), maxDefaultThreads)
}

// ParseMemoryLimit checks a user's memory limit ("2GB", "512MiB", "1.5GiB") and returns it in
// DuckDB's form; a bad value is an error naming the accepted forms.
func ParseMemoryLimit(s string) (string, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return "", fmt.Errorf("memory limit %q: want a size such as 2GiB, 512MiB or 4GB", s)
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[unit]
	if err != nil || mult == 0 {
		return "", fmt.Errorf("memory limit %q: want a size such as 2GiB, 512MiB or 4GB", s)
	}
	bytes := n * mult
	if bytes < 16<<20 {
		return "", fmt.Errorf("memory limit %q: at least 16MiB", s)
	}
	return fmt.Sprintf("%dKiB", int64(bytes)>>10), nil
}

// availableMemory is the machine's memory, or the cgroup's limit when lower; 0 when unknown.
func availableMemory() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				total = kb << 10
				break
			}
		}
		f.Close()
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}
