package main

import "testing"

func TestStatusFlags(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantJSON bool
		err      string
	}{
		{nil, false, ""},
		{[]string{"--json"}, true, ""},
		{[]string{"extra"}, false, "unknown command"},
		{[]string{"--jsn"}, false, "unknown flag: --jsn"},
	} {
		got, err := parseCmd(t, newStatusCmd, tc.args...)
		if tc.err != "" {
			checkUsage(t, err, tc.err)
			continue
		}
		if err != nil || got.json != tc.wantJSON {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}
