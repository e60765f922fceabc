package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// With -profile DIR the benchmark also leaves profiles for whoever hunts the bottlenecks:
// `perf record` of one more flowq load (Go and DuckDB frames alike, which Go's pprof cannot
// see inside cgo) and DuckDB's EXPLAIN ANALYZE of every saved query on the loaded data.

// profileLoad runs flowq load of the whole data set under perf and writes the recording and
// a flat report (self time by library and symbol) into dir.
func (b *bench) profileLoad(ctx context.Context, dir string) error {
	perf, err := exec.LookPath("perf")
	if err != nil {
		b.logf("profile: perf not installed: no load profile")
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data := filepath.Join(dir, "load.perf.data")
	b.logf("profile: flowq load under perf record → %s", data)
	rec := exec.CommandContext(ctx, perf, "record", "-F", "499", "-g", "-o", data, "--",
		b.cfg.flowqBin, "--data-dir", filepath.Join(b.tmp, "profile-data"), "load", b.data.Root)
	var errb bytes.Buffer
	rec.Stdout, rec.Stderr = &errb, &errb
	if err := rec.Run(); err != nil {
		return fmt.Errorf("perf record: %w\n%s", err, tail(errb.Bytes()))
	}
	os.RemoveAll(filepath.Join(b.tmp, "profile-data"))
	rep := exec.CommandContext(ctx, perf, "report", "-i", data, "--stdio", "--no-children", "-g", "none", "--sort", "dso,symbol")
	out, err := rep.Output()
	if err != nil {
		return fmt.Errorf("perf report: %w", err)
	}
	txt := filepath.Join(dir, "load.perf.txt")
	if err := os.WriteFile(txt, out, 0o644); err != nil {
		return err
	}
	b.logf("profile: flat load profile in %s (perf report -i %s for the call graphs)", txt, data)
	return nil
}

// explainQueries writes EXPLAIN ANALYZE of every saved query on the flowq session into dir.
func explainQueries(ctx context.Context, q queryer, pqs []preparedQuery, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, pq := range pqs {
		if pq.skip != "" {
			continue
		}
		rows, err := q.QueryContext(ctx, "EXPLAIN ANALYZE "+pq.stmt, pq.args...)
		if err != nil {
			return fmt.Errorf("EXPLAIN ANALYZE %s: %w", pq.name, err)
		}
		var b strings.Builder
		b.WriteString("-- " + pq.name + "\n" + pq.stmt + "\n\n")
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return fmt.Errorf("EXPLAIN ANALYZE %s: %w", pq.name, err)
			}
			b.WriteString(v + "\n")
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("EXPLAIN ANALYZE %s: %w", pq.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, pq.name+".txt"), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
