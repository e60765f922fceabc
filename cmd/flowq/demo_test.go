package main

import "testing"

func TestDemoFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		dir     string
		records int
		err     string
	}{
		{nil, "", 0, ""},
		{[]string{"--dir", "/tmp/d", "--records", "5000"}, "/tmp/d", 5000, ""},
		{[]string{"--records", "lots"}, "", 0, `invalid argument "lots"`},
		{[]string{"now"}, "", 0, "unknown command"},
	} {
		got, err := parseCmd(t, newDemoCmd, tc.args...)
		if tc.err != "" {
			checkUsage(t, err, tc.err)
			continue
		}
		if err != nil || got.dir != tc.dir || got.records != tc.records {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}
