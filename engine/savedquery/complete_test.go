package savedquery

import (
	"reflect"
	"testing"
)

// TestCompleteAssignment: --param and .run complete parameter names (with their '='), then
// the values a parameter takes: its choices, or look-backs for a time.
func TestCompleteAssignment(t *testing.T) {
	q, err := Parse(`-- name: t
-- param: since = | from
-- param: by = pair [pair src dst pkt-src] | group by
-- param: limit = 10 | rows
-- param: cidr required | where
SELECT $since, $by, $limit, $cidr`, "t", "t.sql")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		word  string
		given []string
		want  []string
	}{
		{"", nil, []string{"since=", "by=", "limit=", "cidr="}},
		{"", []string{"by=src", "limit=5"}, []string{"since=", "cidr="}},
		{"b", nil, []string{"by="}},
		{"by=", nil, []string{"by=pair", "by=src", "by=dst", "by=pkt-src"}},
		{"by=p", nil, []string{"by=pair", "by=pkt-src"}},
		{"since=", nil, []string{"since=1h", "since=24h", "since=7d", "since=30d"}},
		{"limit=", nil, nil},
		{"nosuch=", nil, nil},
	}
	for _, tt := range tests {
		got := CompleteAssignment(q, tt.word, tt.given)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q (given %q) = %q, want %q", tt.word, tt.given, got, tt.want)
		}
	}
}

func TestParamHint(t *testing.T) {
	tests := []struct {
		p    Param
		want string
	}{
		{Param{Name: "by", Type: TypeString, Choices: []string{"pair", "src"}}, "one of pair, src"},
		{Param{Name: "since", Type: TypeTime}, "a time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds"},
		{Param{Name: "limit", Type: TypeInt}, "an integer"},
		{Param{Name: "cidr", Type: TypeCIDR}, "an address or CIDR: 10.0.1.5, 10.0.0.0/16, 2001:db8::/32"},
		{Param{Name: "region", Type: TypeString}, "text"},
	}
	for _, tt := range tests {
		if got := tt.p.Hint(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.p.Name, got, tt.want)
		}
	}
}

// TestTopTalkersByChoices: the built-in top-talkers lists the nine groupings of by, which
// `flowq queries top-talkers`, the shell and completion show.
func TestTopTalkersByChoices(t *testing.T) {
	c, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	q, ok := c.Lookup("top-talkers")
	if !ok {
		t.Fatal("no top-talkers")
	}
	p, _ := q.Param("by")
	want := []string{"pair", "src", "dst", "eni", "instance", "subnet", "pkt-pair", "pkt-src", "pkt-dst"}
	if !reflect.DeepEqual(p.Suggestions(), want) {
		t.Errorf("by suggestions = %q, want %q", p.Suggestions(), want)
	}
}
