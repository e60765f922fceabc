package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestWhyStatusChartDDLThroughCLI drives the commands that sit on top of the table — why,
// status's sparkline, --chart and athena ddl — on generated data whose answers are known.
func TestWhyStatusChartDDLThroughCLI(t *testing.T) {
	d := smallData(t)
	e := newEnv(t)
	e.ok("load", d.dir)

	// why: every planted case gets its verdict, in text and JSON.
	for _, name := range []string{"nacl-return", "sg-deny", "no-listener", "healthy", "mixed"} {
		c, ok := d.truth.FindWhy(name)
		if !ok {
			t.Fatalf("no planted why case %s", name)
		}
		dst := c.Dst
		if c.DstPort > 0 {
			dst = fmt.Sprintf("%s:%d", c.Dst, c.DstPort)
		}
		r := e.ok("why", c.Src, dst)
		if !strings.HasPrefix(r.stdout, "Verdict: "+c.Verdict+" ") {
			t.Errorf("why %s: text starts %q, want verdict %s", name, firstLine(r.stdout), c.Verdict)
		}
		r = e.ok("why", c.Src, dst, "--format", "json")
		var rep struct {
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Verdict != c.Verdict {
			t.Errorf("why %s --format json: verdict %q (%v), want %s", name, rep.Verdict, err, c.Verdict)
		}
	}
	if r := e.run("why", "10.0.0.1"); r.code != exitUsage {
		t.Errorf("why with one address: exit %d, want %d", r.code, exitUsage)
	}

	// status: the hourly activity adds up to the non-SKIPDATA records that have a start.
	r := e.ok("status", "--json")
	var st struct {
		Rows     int64     `json:"rows"`
		Activity []float64 `json:"activity"`
		Gaps     []bool    `json:"gaps"`
		SkipData []bool    `json:"skipdata"`
		First    int64     `json:"first_hour"`
		Bucket   int64     `json:"bucket_hours"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	var sum float64
	for _, v := range st.Activity {
		sum += v
	}
	want := e.count("SELECT count(*) FROM vpc_flow_logs WHERE start IS NOT NULL AND log_status <> 'SKIPDATA'")
	if int64(sum) != want || st.Rows != d.truth.Records {
		t.Errorf("status: activity sums to %.0f (want %d), rows %d (want %d)", sum, want, st.Rows, d.truth.Records)
	}
	// SKIPDATA hours are marked apart from the records drawn: exactly the planted hours (the
	// data spans fewer than 96 hours, so a bucket is one hour).
	if len(d.truth.SkipdataGaps) > 0 {
		wantHours := map[int64]bool{}
		for _, g := range d.truth.SkipdataGaps {
			wantHours[g.Hour.Unix()] = true
		}
		marked := 0
		for i, skip := range st.SkipData {
			if skip {
				marked++
				if h := st.First + int64(i)*3600; !wantHours[h] {
					t.Errorf("status: hour %s marked SKIPDATA, none planted", time.Unix(h, 0).UTC())
				}
			}
			if i < len(st.Gaps) && st.Gaps[i] && st.Activity[i] > 0 {
				t.Errorf("status: hour %d has %.0f records but is drawn as a gap", i, st.Activity[i])
			}
		}
		if st.Bucket != 1 || marked != len(wantHours) {
			t.Errorf("status: %d SKIPDATA hours marked (bucket %d h), want %d", marked, st.Bucket, len(wantHours))
		}
	}
	if r := e.ok("status"); !strings.Contains(r.stdout, "records:") || !strings.Contains(r.stdout, "per hour") {
		t.Errorf("status has no sparkline line:\n%s", r.stdout)
	}

	// --chart: a bar per action, longest for ACCEPT, with the exact counts printed.
	r = e.ok("query", "--chart=bar", "SELECT action, count(*) AS n FROM vpc_flow_logs GROUP BY 1 ORDER BY 2 DESC")
	for action, n := range d.truth.ByAction {
		if !strings.Contains(r.stdout, fmt.Sprintf("%d", n)) && !strings.Contains(r.stdout, groupThousands(n)) {
			t.Errorf("chart lacks %s = %d:\n%s", action, n, r.stdout)
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(d.truth.ByAction) || !strings.HasPrefix(lines[0], "ACCEPT") {
		t.Errorf("chart rows:\n%s", r.stdout)
	}

	// athena ddl: the store's Parquet table with the date partition, and the raw table with one
	// partition per loaded day.
	r = e.ok("athena", "ddl", "--location", "s3://bucket/flowq")
	for _, s := range []string{"CREATE EXTERNAL TABLE", "`srcaddr` string", "`end` bigint", "PARTITIONED BY (`date` date)", "STORED AS PARQUET", "s3://bucket/flowq/tables/vpc_flow_logs/", "MSCK REPAIR TABLE"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("athena ddl lacks %q:\n%s", s, r.stdout)
		}
	}
	r = e.ok("athena", "ddl", "--raw", "--location", "s3://logs")
	for date := range d.truth.ByDate {
		if !strings.Contains(r.stdout, "PARTITION (`date`='"+date+"')") {
			t.Errorf("raw ddl lacks the partition of %s:\n%s", date, r.stdout)
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// groupThousands writes n with comma separators, as table and chart output do.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestRunDialect: a .sql file runs as Athena SQL by default (7/2 = 3), as DuckDB SQL with
// --dialect duckdb (3.5); an unknown dialect is a usage error.
func TestRunDialect(t *testing.T) {
	e := newEnv(t)
	file := e.root + "/div.sql"
	if err := writeText(file, "SELECT 7/2 AS d;\n"); err != nil {
		t.Fatal(err)
	}
	if r := e.ok("run", file, "--format", "csv"); strings.TrimSpace(r.stdout) != "d\n3" {
		t.Errorf("athena: %q", r.stdout)
	}
	if r := e.ok("run", file, "--dialect", "duckdb", "--format", "csv"); strings.TrimSpace(r.stdout) != "d\n3.5" {
		t.Errorf("duckdb: %q", r.stdout)
	}
	if r := e.run("run", file, "--dialect", "presto-ish"); r.code != exitUsage {
		t.Errorf("unknown dialect: exit %d", r.code)
	}
}

func writeText(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
