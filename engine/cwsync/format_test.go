package cwsync

import (
	"strings"
	"testing"
)

func TestParseLogFormat(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"empty is the v2 default", "", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", ""},
		{"AWS default as printed", "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
			"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", ""},
		{"custom order", "${srcaddr}  ${dstaddr} ${bytes} ${interface-id} ${flow-direction} ${version}", "srcaddr dstaddr bytes interface-id flow-direction version", ""},
		{"plain names", "interface-id srcaddr action", "interface-id srcaddr action", ""},
		{"unknown field kept", "${version} ${next-hop-type}", "version next-hop-type", ""},
		{"unclosed", "${version} ${account-id", "", "malformed field"},
		{"stray dollar", "${version} $bytes", "", "malformed field"},
		{"empty braces", "${version} ${}", "", "malformed field"},
		{"repeated", "${bytes} ${packets} ${bytes}", "", "appears twice"},
		{"upper case", "${Version}", "", "invalid field name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseLogFormat(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Names(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWindows(t *testing.T) {
	tests := []struct {
		name    string
		covered []span
		want    span
		overlap int64
		out     []span
	}{
		{"nothing synced", nil, span{0, 100}, 10, []span{{0, 100}}},
		{"tail fetched again", []span{{0, 50}}, span{0, 100}, 10, []span{{40, 100}}},
		{"range inside covered but in tail", []span{{0, 50}}, span{45, 48}, 10, []span{{45, 48}}},
		{"range inside covered, before tail", []span{{0, 50}}, span{10, 30}, 10, nil},
		{"backfill before covered", []span{{50, 80}}, span{0, 100}, 10, []span{{0, 50}, {70, 100}}},
		{"gap between spans, old tail not refetched", []span{{0, 20}, {50, 80}}, span{0, 100}, 10, []span{{20, 50}, {70, 100}}},
		{"newest span shorter than overlap", []span{{0, 20}, {50, 55}}, span{0, 100}, 10, []span{{20, 100}}},
		{"jump ahead", []span{{0, 20}}, span{60, 100}, 10, []span{{60, 100}}},
		{"range ends inside gap", []span{{0, 20}, {50, 80}}, span{0, 40}, 10, []span{{20, 40}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := windows(tc.covered, tc.want, tc.overlap)
			if len(got) != len(tc.out) {
				t.Fatalf("windows = %v, want %v", got, tc.out)
			}
			for i := range got {
				if got[i] != tc.out[i] {
					t.Fatalf("windows = %v, want %v", got, tc.out)
				}
			}
		})
	}
}

func TestAddSpan(t *testing.T) {
	tests := []struct {
		name string
		list []span
		add  span
		out  []span
	}{
		{"into empty", nil, span{5, 10}, []span{{5, 10}}},
		{"empty span ignored", []span{{0, 5}}, span{7, 7}, []span{{0, 5}}},
		{"touching merges", []span{{0, 5}}, span{5, 10}, []span{{0, 10}}},
		{"bridges two", []span{{0, 5}, {8, 12}}, span{4, 9}, []span{{0, 12}}},
		{"disjoint stays sorted", []span{{10, 20}}, span{0, 5}, []span{{0, 5}, {10, 20}}},
		{"inside is absorbed", []span{{0, 20}}, span{3, 4}, []span{{0, 20}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := addSpan(tc.list, tc.add)
			if len(got) != len(tc.out) {
				t.Fatalf("got %v, want %v", got, tc.out)
			}
			for i := range got {
				if got[i] != tc.out[i] {
					t.Fatalf("got %v, want %v", got, tc.out)
				}
			}
		})
	}
}

func TestDedupe(t *testing.T) {
	d := newDedupe()
	d.add(seen{T: 1, ID: "a", H: "h1"}) // from FilterLogEvents
	d.add(seen{T: 2, H: "h2"})          // from GetLogEvents
	tests := []struct {
		name string
		s    seen
		want bool
	}{
		{"same id", seen{ID: "a", H: "other"}, true},
		{"other id, same digest as an id'd event: a distinct event", seen{ID: "b", H: "h1"}, false},
		{"id'd event whose digest was written without id", seen{ID: "c", H: "h2"}, true},
		{"no id, digest of an id'd event", seen{H: "h1"}, true},
		{"no id, digest of an id-less event", seen{H: "h2"}, true},
		{"new", seen{H: "h3"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.has(tc.s); got != tc.want {
				t.Fatalf("has(%+v) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	esc := []struct{ in, want string }{
		{"eni-0123abcd", "eni-0123abcd"},
		{"/aws/vpc/flow-logs", "%2Faws%2Fvpc%2Fflow-logs"},
		{".hidden", "%2Ehidden"},
		{"a.b c#d", "a.b%20c%23d"},
		{"", "%00"},
	}
	for _, tc := range esc {
		if got := EscapeName(tc.in); got != tc.want {
			t.Errorf("EscapeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long1, long2 := strings.Repeat("x", 300)+"1", strings.Repeat("x", 300)+"2"
	if a, b := EscapeName(long1), EscapeName(long2); len(a) > maxSegment || a == b {
		t.Errorf("long names: %q (%d) and %q must be distinct and at most %d bytes", a, len(a), b, maxSegment)
	}

	arns := []struct {
		in   string
		want LogGroupARN
		ok   bool
	}{
		{"arn:aws:logs:eu-west-1:012345678901:log-group:/aws/vpc/flow:*", LogGroupARN{"aws", "eu-west-1", "012345678901", "/aws/vpc/flow"}, true},
		{"arn:aws-cn:logs:cn-north-1:111122223333:log-group:vpc:with:colons", LogGroupARN{"aws-cn", "cn-north-1", "111122223333", "vpc:with:colons"}, true},
		{"arn:aws:logs:eu-west-1:012345678901:log-group:name", LogGroupARN{"aws", "eu-west-1", "012345678901", "name"}, true},
		{"arn:aws:s3:::bucket", LogGroupARN{}, false},
		{"/aws/vpc/flow", LogGroupARN{}, false},
		{"arn:aws:logs:eu-west-1::log-group:x", LogGroupARN{}, false},
	}
	for _, tc := range arns {
		got, ok := ParseLogGroupARN(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseLogGroupARN(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
