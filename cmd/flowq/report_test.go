package main

import (
	"testing"

	"github.com/flowq/flowq/engine/timespec"
)

func TestReportFlags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		out   string
		rng   timespec.Range
		title string
		err   string
	}{
		{"all data", []string{"--html", "r.html"}, "r.html", timespec.Range{}, "", ""},
		{"last week", []string{"--html", "r.html", "--since", "7d", "--title", "Incident 42"}, "r.html",
			timespec.Range{From: utc(2024, 5, 3, 12)}, "Incident 42", ""},
		// The documented example: May, as [May 1, June 1).
		{"May", []string{"--html", "may.html", "--since", "2024-05-01", "--until", "2024-06-01"}, "may.html",
			timespec.Range{From: utc(2024, 5, 1, 0), To: utc(2024, 6, 1, 0)}, "", ""},
		{"no file", []string{"--since", "7d"}, "", timespec.Range{}, "", "--html FILE is required"},
		{"bad since", []string{"--html", "r.html", "--since", "last week"}, "", timespec.Range{}, "", `--since: "last week" is not a time`},
		{"empty range", []string{"--html", "r.html", "--since", "2024-06-01", "--until", "2024-05-01"}, "", timespec.Range{}, "", "empty time range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCmd(t, newReportCmd, tc.args...)
			if tc.err != "" {
				checkUsage(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.out != tc.out || got.rng != tc.rng || got.title != tc.title || !got.now.Equal(testNow) {
				t.Errorf("got %+v", *got)
			}
		})
	}
}
