package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/iostreams"
)

// TestMemoryLimitFlag: --memory-limit wins over FLOWQ_MEMORY_LIMIT, which wins over the store's
// default (""); a bad value is a usage error naming where it came from.
func TestMemoryLimitFlag(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		env, want string
		err       string
	}{
		{nil, "", "", ""},
		{nil, "512MiB", "524288KiB", ""},
		{[]string{"--memory-limit", "2GiB"}, "512MiB", "2097152KiB", ""},
		{[]string{"--memory-limit", "lots"}, "", "", "--memory-limit: memory limit \"lots\""},
		{nil, "1MB", "", "FLOWQ_MEMORY_LIMIT: memory limit \"1MB\": at least 16MiB"},
	} {
		f := newFactory(iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
		f.Getenv = func(k string) string {
			if k == "FLOWQ_MEMORY_LIMIT" {
				return tc.env
			}
			return ""
		}
		root := newRootCmd(f)
		root.SetArgs(append(append([]string{}, tc.args...), "queries", "--dirs"))
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		got, err := f.memoryLimit()
		if tc.err != "" {
			checkUsage(t, err, tc.err)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v env %q: %q, %v; want %q", tc.args, tc.env, got, err, tc.want)
		}
	}
}
