package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/iostreams"
	"github.com/spf13/cobra"
)

// testNow is the clock of the flag-parsing tests: relative times are read against it.
var testNow = time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)

// utc is a UTC instant, for expected values.
func utc(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

// parseCmd builds a command with a runF that captures its options, runs it in-process on args
// (no store, no DuckDB) and returns the captured options, or nil and the error.
func parseCmd[O any](t *testing.T, build func(*factory, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	f := newFactory(iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	f.Now = func() time.Time { return testNow }
	var got *O
	cmd := build(f, func(_ context.Context, o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(flagError)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	usageArgs(cmd)
	err := cmd.Execute()
	if err != nil {
		return nil, err
	}
	if got == nil {
		t.Fatalf("%v: runF was not called", args)
	}
	return got, nil
}

// checkUsage fails unless err is a usage error (exit 2) whose message contains want.
func checkUsage(t *testing.T, err error, want string) {
	t.Helper()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Fatalf("error %v, want a usage error (exit 2)", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want it to contain %q", err, want)
	}
}
