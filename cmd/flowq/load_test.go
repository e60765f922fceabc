package main

import (
	"reflect"
	"testing"
)

func TestLoadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want loadOptions // f is not compared
		err  string
	}{
		{"one path", []string{"logs"}, loadOptions{paths: []string{"logs"}}, ""},
		{"all flags", []string{"a.log.gz", "dir", "--strict", "--wait", "--json", "--workers", "3"},
			loadOptions{paths: []string{"a.log.gz", "dir"}, strict: true, wait: true, json: true, workers: 3}, ""},
		{"no path", nil, loadOptions{}, "requires at least 1 arg"},
		{"workers not a number", []string{"x", "--workers", "many"}, loadOptions{}, `invalid argument "many"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCmd(t, newLoadCmd, tc.args...)
			if tc.err != "" {
				checkUsage(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.f = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}
