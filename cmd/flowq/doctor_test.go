package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/iostreams"
)

// TestDoctorFlags: flags fill doctorOptions; --wait without --fix is a usage error.
func TestDoctorFlags(t *testing.T) {
	for _, tc := range []struct {
		args            []string
		fix, wait, json bool
		err             string
	}{
		{nil, false, false, false, ""},
		{[]string{"--fix"}, true, false, false, ""},
		{[]string{"--fix", "--wait", "--json"}, true, true, true, ""},
		{[]string{"--wait"}, false, false, false, "--wait applies only with --fix"},
		{[]string{"parts"}, false, false, false, "unknown command"},
	} {
		var got *doctorOptions
		var out bytes.Buffer
		f := newFactory(iostreams.Test(strings.NewReader(""), &out, &out))
		cmd := newDoctorCmd(f, func(_ context.Context, o *doctorOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(context.Background())
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err %v, want %q", tc.args, err, tc.err)
			}
			var ee *exitError
			if strings.HasPrefix(tc.err, "--") && (!errors.As(err, &ee) || ee.code != exitUsage) {
				t.Errorf("%v: err %v is not a usage error", tc.args, err)
			}
			continue
		}
		if err != nil || got == nil || got.fix != tc.fix || got.wait != tc.wait || got.json != tc.json || got.f != f {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}
