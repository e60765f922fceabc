package main

import (
	"testing"

	"github.com/flowq/flowq/engine/why"
)

func TestWhyFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		q      why.Question
		format string
		err    string
	}{
		{"address and port", []string{"10.0.1.15", "10.0.2.20:5432"}, why.Question{Src: "10.0.1.15", Dst: "10.0.2.20", Port: 5432}, "text", ""},
		{"ipv6, proto, look-back, json", []string{"10.0.1.0/24", "[2600:1f18::5]:443", "--proto", "TCP", "--since", "24h", "--format", "json"},
			why.Question{Src: "10.0.1.0/24", Dst: "2600:1f18::5", Port: 443, Proto: "tcp", Since: utc(2024, 5, 9, 12)}, "json", ""},
		{"dates", []string{"10.0.1.15", "10.0.2.20", "--since", "2024-05-01", "--until", "2024-05-02T06"},
			why.Question{Src: "10.0.1.15", Dst: "10.0.2.20", Since: utc(2024, 5, 1, 0), Until: utc(2024, 5, 2, 6)}, "text", ""},
		{"bad format", []string{"a", "b", "--format", "xml"}, why.Question{}, "", "--format: want text or json"},
		{"bad port", []string{"10.0.1.15", "10.0.2.20:http"}, why.Question{}, "", "http"},
		{"bad until", []string{"10.0.1.15", "10.0.2.20", "--until", "soon"}, why.Question{}, "", `--until: "soon" is not a time`},
		{"one argument", []string{"10.0.1.15"}, why.Question{}, "", "accepts 2 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCmd(t, newWhyCmd, tc.args...)
			if tc.err != "" {
				checkUsage(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.q != tc.q || got.format != tc.format {
				t.Errorf("got %+v %q, want %+v %q", got.q, got.format, tc.q, tc.format)
			}
		})
	}
}
