package main

import (
	"reflect"
	"testing"
)

func TestRunFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		ref    string
		params map[string]string
		alert  bool
		print  bool
		out    outputFlags
		err    string
	}{
		{"name only", []string{"blocked-ssh"}, "blocked-ssh", map[string]string{}, false, false,
			outputFlags{dialect: "athena", maxRows: 1000}, ""},
		{"params and output", []string{"top-talkers", "-p", "by=pair", "--param", "since=24h", "--format", "json", "--out", "x.json", "--alert", "--max-rows", "0"},
			"top-talkers", map[string]string{"by": "pair", "since": "24h"}, true, false,
			outputFlags{dialect: "athena", format: "json", out: "x.json"}, ""},
		{"file in duckdb", []string{"./mine.sql", "--dialect", "duckdb", "--read-only", "--print"}, "./mine.sql", map[string]string{}, false, true,
			outputFlags{dialect: "duckdb", readOnly: true, maxRows: 1000}, ""},
		{"chart without value", []string{"q", "--chart"}, "q", map[string]string{}, false, false,
			outputFlags{dialect: "athena", maxRows: 1000, chart: "auto"}, ""},
		{"param without =", []string{"q", "--param", "since"}, "", nil, false, false, outputFlags{}, "--param"},
		{"bad dialect", []string{"q", "--dialect", "mysql"}, "", nil, false, false, outputFlags{}, "mysql"},
		{"no name", nil, "", nil, false, false, outputFlags{}, "accepts 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCmd(t, newRunCmd, tc.args...)
			if tc.err != "" {
				checkUsage(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ref != tc.ref || !reflect.DeepEqual(got.params, tc.params) || got.alert != tc.alert || got.printSQL != tc.print || *got.out != tc.out {
				t.Errorf("got ref %q params %v alert %v print %v out %+v", got.ref, got.params, got.alert, got.printSQL, *got.out)
			}
		})
	}
}

func TestQueriesFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want queriesOptions
		err  string
	}{
		{nil, queriesOptions{}, ""},
		{[]string{"port-scans", "--json"}, queriesOptions{name: "port-scans", json: true}, ""},
		{[]string{"--dirs"}, queriesOptions{dirs: true}, ""},
		{[]string{"a", "b"}, queriesOptions{}, "accepts at most 1 arg"},
	} {
		got, err := parseCmd(t, newQueriesCmd, tc.args...)
		if tc.err != "" {
			checkUsage(t, err, tc.err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got.f = nil
		if *got != tc.want {
			t.Errorf("%v: got %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
