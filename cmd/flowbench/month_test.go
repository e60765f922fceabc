package main

import (
	"io"
	"strings"
	"testing"
)

// TestReplaceNamedSection checks the month section and the bench section are replaced apart.
func TestReplaceNamedSection(t *testing.T) {
	doc := "# B\n<!-- bench:begin -->\nA\n<!-- bench:end -->\n## Month\n<!-- bench-scale:begin -->\nOLD\n<!-- bench-scale:end -->\n"
	got, err := replaceNamedSection(doc, "bench-scale", "NEW\n")
	want := "# B\n<!-- bench:begin -->\nA\n<!-- bench:end -->\n## Month\n<!-- bench-scale:begin -->\nNEW\n<!-- bench-scale:end -->\n"
	if err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestMonthFlags(t *testing.T) {
	tests := []struct {
		name  string
		env   string
		args  []string
		scale float64
		month bool
		err   string
	}{
		{"default", "", nil, 1, false, ""},
		{"env", "0.01", []string{"-only", "month"}, 0.01, true, ""},
		{"flag beats env", "0.01", []string{"-only", "month", "-bench-scale", "0.5"}, 0.5, true, ""},
		{"bad env", "x", nil, 0, false, "BENCH_SCALE"},
		{"zero flag", "", []string{"-bench-scale", "0"}, 0, false, "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("BENCH_SCALE", tc.env)
			c, err := parseFlags(tc.args, io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.benchScale != tc.scale || c.only["month"] != tc.month || c.monthRuns != 3 {
				t.Errorf("scale %g, month %t, runs %d; want %g, %t, 3", c.benchScale, c.only["month"], c.monthRuns, tc.scale, tc.month)
			}
		})
	}
}
