package why

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/store"

	"github.com/flowq/flowq/engine/internal/golden"
)

// t0 is 2026-03-01 10:00:00 UTC, the first hour of the hand-made records.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).Unix()

const (
	v2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	// A custom format with the two fields the analysis leans on.
	v5Header = v2Header + " tcp-flags flow-direction"
)

// r2 is a default-format record (no tcp-flags, no flow-direction).
func r2(eni, src, dst string, sport, dport, proto int, start int64, action string) string {
	return fmt.Sprintf("2 123456789012 %s %s %s %d %d %d 3 180 %d %d %s OK", eni, src, dst, sport, dport, proto, start, start+50, action)
}

// r5 is a record with tcp-flags and flow-direction.
func r5(eni, src, dst string, sport, dport, proto int, start int64, action string, flags int, dir string) string {
	return fmt.Sprintf("5 123456789012 %s %s %s %d %d %d 3 180 %d %d %s OK %d %s", eni, src, dst, sport, dport, proto, start, start+50, action, flags, dir)
}

func gap5(eni, status string, start int64) string {
	return fmt.Sprintf("5 123456789012 %s - - - - - - - %d %d - %s - -", eni, start, start+59, status)
}

// edgeStore holds hand-made records for the cases flowgen does not plant.
func edgeStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	m := int64(60)
	v5 := []string{v5Header}
	// RST: the destination answers every SYN with a reset.
	for i := int64(0); i < 2; i++ {
		s := t0 + i*10*m
		p := 41000 + int(i)
		v5 = append(v5,
			r5("eni-r1", "10.1.0.10", "10.1.0.20", p, 8080, 6, s, "ACCEPT", 2, "egress"),
			r5("eni-r2", "10.1.0.10", "10.1.0.20", p, 8080, 6, s, "ACCEPT", 2, "ingress"),
			r5("eni-r2", "10.1.0.20", "10.1.0.10", 8080, p, 6, s, "ACCEPT", 4, "egress"),
			r5("eni-r1", "10.1.0.20", "10.1.0.10", 8080, p, 6, s, "ACCEPT", 4, "ingress"))
	}
	// The source subnet's inbound ACL rejects the SYN-ACK.
	for i := int64(0); i < 3; i++ {
		s := t0 + i*10*m
		p := 42000 + int(i)
		v5 = append(v5,
			r5("eni-s1", "10.1.0.11", "10.1.0.21", p, 443, 6, s, "ACCEPT", 2, "egress"),
			r5("eni-s2", "10.1.0.11", "10.1.0.21", p, 443, 6, s, "ACCEPT", 2, "ingress"),
			r5("eni-s2", "10.1.0.21", "10.1.0.11", 443, p, 6, s, "ACCEPT", 18, "egress"),
			r5("eni-s1", "10.1.0.21", "10.1.0.11", 443, p, 6, s, "REJECT", 18, "ingress"))
	}
	// The source's security group denies SMTP out.
	v5 = append(v5,
		r5("eni-e1", "10.1.0.12", "10.1.0.22", 43000, 25, 6, t0, "REJECT", 2, "egress"),
		r5("eni-e1", "10.1.0.12", "10.1.0.22", 43001, 25, 6, t0+5*m, "REJECT", 2, "egress"))
	// Healthy in the first hour; in the second the requests leave and the destination's
	// interface logs SKIPDATA instead of them.
	for i := int64(0); i < 2; i++ {
		s := t0 + i*20*m
		p := 44000 + int(i)
		v5 = append(v5,
			r5("eni-k1", "10.1.0.13", "10.1.0.23", p, 5432, 6, s, "ACCEPT", 3, "egress"),
			r5("eni-k2", "10.1.0.13", "10.1.0.23", p, 5432, 6, s, "ACCEPT", 3, "ingress"),
			r5("eni-k2", "10.1.0.23", "10.1.0.13", 5432, p, 6, s, "ACCEPT", 19, "egress"),
			r5("eni-k1", "10.1.0.23", "10.1.0.13", 5432, p, 6, s, "ACCEPT", 19, "ingress"))
	}
	for i := int64(0); i < 2; i++ {
		s := t0 + 60*m + i*20*m
		v5 = append(v5,
			r5("eni-k1", "10.1.0.13", "10.1.0.23", 44100+int(i), 5432, 6, s, "ACCEPT", 2, "egress"),
			gap5("eni-k2", "SKIPDATA", s))
	}
	// ICMP: echo request (type 8 in the port fields) and reply (type 0) for one pair, an
	// unanswered ping for another.
	v5 = append(v5,
		r5("eni-i1", "10.1.0.15", "10.1.0.25", 8, 0, 1, t0, "ACCEPT", 0, "egress"),
		r5("eni-i2", "10.1.0.15", "10.1.0.25", 8, 0, 1, t0, "ACCEPT", 0, "ingress"),
		r5("eni-i2", "10.1.0.25", "10.1.0.15", 0, 0, 1, t0, "ACCEPT", 0, "egress"),
		r5("eni-i1", "10.1.0.25", "10.1.0.15", 0, 0, 1, t0, "ACCEPT", 0, "ingress"),
		r5("eni-i1", "10.1.0.15", "10.1.0.26", 8, 0, 1, t0, "ACCEPT", 0, "egress"),
		r5("eni-i3", "10.1.0.15", "10.1.0.26", 8, 0, 1, t0, "ACCEPT", 0, "ingress"))
	// SSH refused inbound: from an internet scanner, and from a host of our own.
	for i := int64(0); i < 3; i++ {
		v5 = append(v5,
			r5("eni-x1", "45.155.20.7", "10.1.0.27", 49000+int(i), 22, 6, t0+i*m, "REJECT", 2, "ingress"),
			r5("eni-x1", "10.1.0.16", "10.1.0.27", 49100+int(i), 22, 6, t0+i*m, "REJECT", 2, "ingress"))
	}
	// DNS over UDP, both ways, without a port in the question.
	v5 = append(v5,
		r5("eni-u1", "10.1.0.14", "10.1.0.2", 45000, 53, 17, t0, "ACCEPT", 0, "egress"),
		r5("eni-u1", "10.1.0.2", "10.1.0.14", 53, 45000, 17, t0, "ACCEPT", 0, "ingress"),
		gap5("eni-q1", "NODATA", t0), gap5("eni-q1", "NODATA", t0+5*m))

	v2 := []string{v2Header}
	// IPv6 with a dual-stack source, default format: the source's own IPv6 address is the one
	// seen most among its IPv6 records; the destination's is settled by elimination.
	for i := int64(0); i < 2; i++ {
		s := t0 + i*10*m
		p := 46000 + int(i)
		v2 = append(v2,
			r2("eni-6a", "2600:1f18::a", "2600:1f18::b", p, 443, 6, s, "ACCEPT"),
			r2("eni-6b", "2600:1f18::a", "2600:1f18::b", p, 443, 6, s, "REJECT"),
			r2("eni-6a", "2600:1f18::a", "2600:1f18::c", p+100, 53, 17, s, "ACCEPT"),
			r2("eni-6a", "2600:1f18::c", "2600:1f18::a", 53, p+100, 17, s, "ACCEPT"),
			r2("eni-6a", "10.2.0.5", "10.2.0.2", p+200, 53, 17, s, "ACCEPT"),
			r2("eni-6a", "10.2.0.2", "10.2.0.5", 53, p+200, 17, s, "ACCEPT"))
	}
	// Default format: no listener, then (on another port) healthy. DNS traffic on both
	// interfaces makes their own addresses clear.
	for i := int64(0); i < 3; i++ {
		s := t0 + i*10*m
		p := 47000 + int(i)
		v2 = append(v2,
			r2("eni-d1", "10.2.0.7", "10.2.0.8", p, 9000, 6, s, "ACCEPT"),
			r2("eni-d2", "10.2.0.7", "10.2.0.8", p, 9000, 6, s, "ACCEPT"),
			r2("eni-d1", "10.2.0.7", "10.2.0.8", p+100, 22, 6, s, "ACCEPT"),
			r2("eni-d2", "10.2.0.7", "10.2.0.8", p+100, 22, 6, s, "ACCEPT"),
			r2("eni-d2", "10.2.0.8", "10.2.0.7", 22, p+100, 6, s, "ACCEPT"),
			r2("eni-d1", "10.2.0.8", "10.2.0.7", 22, p+100, 6, s, "ACCEPT"),
			r2("eni-d1", "10.2.0.7", "10.2.0.2", p+200, 53, 17, s, "ACCEPT"),
			r2("eni-d1", "10.2.0.2", "10.2.0.7", 53, p+200, 17, s, "ACCEPT"),
			r2("eni-d2", "10.2.0.8", "10.2.0.2", p+300, 53, 17, s, "ACCEPT"),
			r2("eni-d2", "10.2.0.2", "10.2.0.8", 53, p+300, 17, s, "ACCEPT"))
	}
	// Two interfaces that log nothing but this pair: which is which cannot be told.
	v2 = append(v2,
		r2("eni-t1", "10.2.0.30", "10.2.0.31", 48000, 80, 6, t0, "ACCEPT"),
		r2("eni-t2", "10.2.0.30", "10.2.0.31", 48000, 80, 6, t0, "ACCEPT"))

	write := func(name string, ls []string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(ls, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("v5.log", v5)
	write("v2.log", v2)
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Load(ctx, []string{filepath.Join(dir, "v5.log"), filepath.Join(dir, "v2.log")}, store.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(v5) + len(v2) - 2); sum.Rows != want || sum.Rejected != 0 {
		t.Fatalf("loaded %d rows (%d rejected), want %d", sum.Rows, sum.Rejected, want)
	}
	return st
}

func TestEdgeCases(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	tests := []struct {
		name       string
		q          Question
		verdict    Verdict
		confidence string
		records    int64
		evidence   map[string]int64
		inferred   bool
		summary    []string // substrings of the summary, notes and next steps
	}{
		{name: "reset", q: Question{Src: "10.1.0.10", Dst: "10.1.0.20", Port: 8080}, verdict: NoListener, confidence: ConfidenceHigh, records: 8,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 2, "destination-ingress-request-ACCEPT": 2,
				"destination-egress-reply-ACCEPT": 2, "source-ingress-reply-ACCEPT": 2},
			summary: []string{"reset (RST)", "port 8080/tcp"}},
		{name: "reply rejected inbound at the source", q: Question{Src: "10.1.0.11", Dst: "10.1.0.21", Port: 443, Proto: "tcp"}, verdict: NACLReturn,
			confidence: ConfidenceHigh, records: 12,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 3, "destination-ingress-request-ACCEPT": 3,
				"destination-egress-reply-ACCEPT": 3, "source-ingress-reply-REJECT": 3},
			summary: []string{"eni-s1 REJECTed the replies inbound", "1024–65535", "42000–42002"}},
		{name: "CIDRs around the NACL case", q: Question{Src: "10.1.0.8/29", Dst: "10.1.0.16/28", Port: 443}, verdict: NACLReturn,
			confidence: ConfidenceHigh, records: 12,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 3, "destination-ingress-request-ACCEPT": 3,
				"destination-egress-reply-ACCEPT": 3, "source-ingress-reply-REJECT": 3},
			summary: []string{"10.1.0.21 answered, but 10.1.0.11's interface eni-s1"}},
		{name: "egress deny, single-address CIDR", q: Question{Src: "10.1.0.0/24", Dst: "10.1.0.22/32", Port: 25}, verdict: EgressDeny,
			confidence: ConfidenceHigh, records: 2,
			evidence: map[string]int64{"source-egress-request-REJECT": 2},
			summary:  []string{"eni-e1 REJECTed its requests to 10.1.0.22 outbound"}},
		{name: "skipdata during the failure", q: Question{Src: "10.1.0.13", Dst: "10.1.0.23", Port: 5432}, verdict: PathLoss,
			confidence: ConfidenceMedium, records: 10,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 2},
			summary:  []string{"never arrived at 10.1.0.23's interface eni-k2", "SKIPDATA", "eni-k2 (2)", "Earlier: healthy until"}},
		{name: "udp any port", q: Question{Src: "10.1.0.14", Dst: "10.1.0.2", Proto: "udp"}, verdict: Healthy, confidence: ConfidenceHigh, records: 2,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 1, "source-ingress-reply-ACCEPT": 1},
			summary:  []string{"port 53/udp"}},
		{name: "icmp answered", q: Question{Src: "10.1.0.15", Dst: "10.1.0.25", Proto: "icmp"}, verdict: Healthy, confidence: ConfidenceHigh, records: 4,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 1, "destination-ingress-request-ACCEPT": 1,
				"destination-egress-reply-ACCEPT": 1, "source-ingress-reply-ACCEPT": 1},
			summary: []string{"on icmp"}},
		{name: "icmp unanswered", q: Question{Src: "10.1.0.15", Dst: "10.1.0.26"}, verdict: NoListener, confidence: ConfidenceHigh, records: 2,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 1, "destination-ingress-request-ACCEPT": 1},
			summary:  []string{"drops ICMP"}},
		{name: "ipv6 default format", q: Question{Src: "2600:1f18::a", Dst: "2600:1f18:0:0:0:0:0:b", Port: 443}, verdict: SGDeny,
			confidence: ConfidenceHigh, records: 4, inferred: true,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 2, "destination-ingress-request-REJECT": 2},
			summary:  []string{"2600:1f18::b's interface eni-6b REJECTed"}},
		{name: "ipv6 CIDR", q: Question{Src: "2600:1f18::a/128", Dst: "2600:1f18::/64", Port: 443}, verdict: SGDeny,
			confidence: ConfidenceHigh, records: 4, inferred: true,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 2, "destination-ingress-request-REJECT": 2}},
		{name: "default format, no listener", q: Question{Src: "10.2.0.7", Dst: "10.2.0.8", Port: 9000}, verdict: NoListener,
			confidence: ConfidenceMedium, records: 6, inferred: true,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 3, "destination-ingress-request-ACCEPT": 3},
			summary:  []string{"no tcp-flags", "missing reply records"}},
		{name: "default format, healthy", q: Question{Src: "10.2.0.7", Dst: "10.2.0.8", Port: 22}, verdict: Healthy,
			confidence: ConfidenceMedium, records: 12, inferred: true,
			evidence: map[string]int64{"source-egress-request-ACCEPT": 3, "destination-ingress-request-ACCEPT": 3,
				"destination-egress-reply-ACCEPT": 3, "source-ingress-reply-ACCEPT": 3}},
		{name: "default format, direction unknown", q: Question{Src: "10.2.0.30", Dst: "10.2.0.31", Port: 80}, verdict: NoListener,
			confidence: ConfidenceLow, records: 2, inferred: true,
			evidence: map[string]int64{"other-unknown-request-ACCEPT": 2},
			summary:  []string{"direction of 2 records could not be told"}},
		{name: "unknown addresses", q: Question{Src: "192.0.2.1", Dst: "198.51.100.7", Port: 443}, verdict: NoCoverage,
			confidence: ConfidenceHigh, evidence: map[string]int64{},
			summary: []string{"No flow-log records between 192.0.2.1 and 198.51.100.7 on port 443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := analyze(t, sess, tt.q)
			if rep.Verdict != tt.verdict || rep.Confidence != tt.confidence || rep.Records != tt.records {
				t.Errorf("verdict %s confidence %s records %d; want %s %s %d\n%s", rep.Verdict, rep.Confidence, rep.Records,
					tt.verdict, tt.confidence, tt.records, text(t, rep))
			}
			if got := shape(rep.Evidence); !equalMap(got, tt.evidence) {
				t.Errorf("evidence %v, want %v", got, tt.evidence)
			}
			for _, g := range rep.Evidence {
				if g.Inferred != tt.inferred {
					t.Errorf("group %s %s inferred=%v", g.Interface, g.Direction, g.Inferred)
				}
			}
			all := rep.Summary + " " + strings.Join(rep.Notes, " ") + " " + strings.Join(rep.Next, " ")
			for _, s := range tt.summary {
				if !strings.Contains(all, s) {
					t.Errorf("summary/notes/next lack %q: %s", s, all)
				}
			}
		})
	}
}

func TestEdgeNoCoverage(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	rep := analyze(t, sess, Question{Src: "10.1.0.14", Dst: "10.1.0.99", Port: 443})
	if rep.Verdict != NoCoverage || rep.Coverage == nil {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	c := rep.Coverage
	if len(c.Sides) != 2 || c.Sides[0].InRange != 2 || c.Sides[0].Total != 2 || c.Sides[1].Total != 0 {
		t.Errorf("sides %+v", c.Sides)
	}
	if len(c.Quiet) != 1 || c.Quiet[0].ID != "eni-q1" || c.Quiet[0].NoData != 2 {
		t.Errorf("quiet %+v", c.Quiet)
	}
	if c.DataFirst.Unix() != t0 || c.DataLast.Unix() != t0+80*60+59 {
		t.Errorf("data span %v – %v", c.DataFirst, c.DataLast)
	}
	next := strings.Join(rep.Next, "\n")
	for _, s := range []string{"10.1.0.14 (source) appears in 2 records in the range, but never with 10.1.0.99",
		"10.1.0.99 (destination) appears in no record", "eni-q1"} {
		if !strings.Contains(next, s) {
			t.Errorf("next lacks %q:\n%s", s, next)
		}
	}
	// A range after the data: the source appears only outside it.
	rep = analyze(t, sess, Question{Src: "10.1.0.14", Dst: "10.1.0.2", Since: time.Unix(t0, 0).Add(3 * time.Hour)})
	if rep.Verdict != NoCoverage || rep.Coverage.PairTotal != 2 || rep.Coverage.Sides[0].InRange != 0 || rep.Coverage.Sides[0].Total != 2 {
		t.Errorf("after the data: %s %+v", rep.Verdict, rep.Coverage)
	}
	if !strings.Contains(strings.Join(rep.Next, " "), "widen --since") {
		t.Errorf("next %q", rep.Next)
	}
}

// TestGolden fixes the text layout on a hand-made case with an earlier phase and a gap.
func TestGolden(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	for _, c := range []struct {
		name string
		q    Question
	}{
		{"skipdata-path-loss", Question{Src: "10.1.0.13", Dst: "10.1.0.23", Port: 5432, Proto: "tcp"}},
		{"default-format-no-listener", Question{Src: "10.2.0.7", Dst: "10.2.0.8", Port: 9000}},
		{"no-coverage", Question{Src: "10.1.0.14", Dst: "10.1.0.99", Port: 443}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := text(t, analyze(t, sess, c.q))
			golden.CheckString(t, filepath.Join("testdata", c.name+".golden"), got)
		})
	}
}

func TestBadQuestions(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	for _, q := range []Question{
		{Src: "", Dst: "10.0.0.1"},
		{Src: "10.0.0.1", Dst: "nonsense"},
		{Src: "10.0.0.0/33", Dst: "10.0.0.1"},
		{Src: "fe80::1%eth0", Dst: "10.0.0.1"},
		{Src: "10.0.0.1", Dst: "10.0.0.2", Proto: "sctp"},
		{Src: "10.0.0.1", Dst: "10.0.0.2", Port: 70000},
		{Src: "10.0.0.1", Dst: "10.0.0.2", Since: time.Unix(t0, 0), Until: time.Unix(t0, 0)},
	} {
		if _, err := Analyze(context.Background(), sess.DB, q); err == nil {
			t.Errorf("%+v: no error", q)
		}
	}
	// Errors speak the user's terms: a host name gets told to resolve it, never netip's message.
	for _, tc := range []struct{ in, want string }{
		{"db.internal.example", `"db.internal.example" is not an IP address or CIDR: flow logs hold addresses, not host names (resolve it first, e.g. dig +short db.internal.example)`},
		{"10.0.0.300", `"10.0.0.300" is not an IP address or CIDR (like 10.0.1.5, 2600:1f18::5 or 10.0.2.0/24)`},
		{"10.0.0.0/33", `"10.0.0.0/33" is not an IP address or CIDR (like 10.0.1.5, 2600:1f18::5 or 10.0.2.0/24)`},
	} {
		_, err := Analyze(context.Background(), sess.DB, Question{Src: "10.0.0.1", Dst: tc.in})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "Parse") {
			t.Errorf("Dst %q: error %v, want %q", tc.in, err, tc.want)
		}
	}
	// A hostile value stays a value.
	rep, err := Analyze(context.Background(), sess.DB, Question{Src: "10.1.0.10", Dst: "10.1.0.20", Proto: "tcp", Port: 8080})
	if err != nil || rep.Verdict != NoListener {
		t.Fatalf("%v %v", rep, err)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		in   string
		dst  string
		port int
		err  bool
	}{
		{"10.0.0.5", "10.0.0.5", 0, false},
		{"10.0.0.5:443", "10.0.0.5", 443, false},
		{"10.0.0.0/24:5432", "10.0.0.0/24", 5432, false},
		{"10.0.0.0/24", "10.0.0.0/24", 0, false},
		{"2600:1f18::5", "2600:1f18::5", 0, false},
		{"[2600:1f18::5]:443", "2600:1f18::5", 443, false},
		{"[2600:1f18::/64]:443", "2600:1f18::/64", 443, false},
		{"2600:1f18::/64", "2600:1f18::/64", 0, false},
		{"10.0.0.5:0", "", 0, true},
		{"10.0.0.5:65536", "", 0, true},
		{"10.0.0.5:https", "", 0, true},
		{"[2600:1f18::5]x", "", 0, true},
		{"[2600:1f18::5", "", 0, true},
		{"host.example:443", "", 0, true},
	} {
		dst, port, err := ParseTarget(tt.in)
		if (err != nil) != tt.err || dst != tt.dst || port != tt.port {
			t.Errorf("ParseTarget(%q) = %q, %d, %v", tt.in, dst, port, err)
		}
	}
}

func TestDecodeFlags(t *testing.T) {
	for _, tt := range []struct {
		f    int
		want string
	}{
		{0, "none"}, {1, "FIN"}, {2, "SYN"}, {3, "SYN|FIN"}, {4, "RST"}, {18, "SYN-ACK"}, {19, "SYN-ACK|FIN"},
		{6, "SYN|RST"}, {22, "SYN-ACK|RST"}, {5, "RST|FIN"}, {16, "none"}, {35, "SYN|FIN|URG"},
	} {
		if got := DecodeFlags(tt.f); got != tt.want {
			t.Errorf("DecodeFlags(%d) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestEmptyStore(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	sess := openSession(t, st)
	rep := analyze(t, sess, Question{Src: "10.0.0.1", Dst: "10.0.0.0/16", Port: 22})
	if rep.Verdict != NoCoverage || rep.Records != 0 || rep.Coverage == nil || !rep.Coverage.DataFirst.IsZero() {
		t.Fatalf("empty store: %+v", rep)
	}
	if next := strings.Join(rep.Next, " "); !strings.Contains(next, "No flow logs are loaded") {
		t.Errorf("next %q", next)
	}
	if out := text(t, rep); !strings.HasPrefix(out, "Verdict: no-coverage") {
		t.Errorf("text:\n%s", out)
	}
}

// TestWithoutCompat: a plain-address question needs no compat functions; a CIDR one says
// what is missing.
func TestWithoutCompat(t *testing.T) {
	st := edgeStore(t)
	sess, err := st.OpenSession(context.Background(), store.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	rep, err := Analyze(context.Background(), sess.DB, Question{Src: "10.1.0.12", Dst: "10.1.0.22", Port: 25})
	if err != nil || rep.Verdict != EgressDeny {
		t.Fatalf("plain addresses without compat: %v %v", rep, err)
	}
	if _, err := Analyze(context.Background(), sess.DB, Question{Src: "10.1.0.0/24", Dst: "10.1.0.22"}); err == nil || !strings.Contains(err.Error(), "cidr_contains") {
		t.Errorf("CIDR without compat: %v", err)
	}
}

// TestConcurrentCauses: two sources in one CIDR fail differently in the same hour; the verdict
// is the latest connection's and a note says the hour disagrees.
func TestConcurrentCauses(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	rep := analyze(t, sess, Question{Src: "10.1.0.8/29", Dst: "10.1.0.16/28"})
	// Latest connections start at 11:20 (the SKIPDATA case, path-loss); the RST, NACL, egress
	// and ICMP cases ran in the 10:00 hour, as did the healthy phase of the SKIPDATA pair.
	if rep.Verdict != PathLoss || rep.Conversations != 2+3+2+2+2+2 {
		t.Fatalf("verdict %s, %d connections\n%s", rep.Verdict, rep.Conversations, text(t, rep))
	}
	if len(rep.Earlier) < 2 {
		t.Errorf("earlier %q", rep.Earlier)
	}
	// Named by the concrete addresses, and only the destination's own interface as the one that
	// never saw the requests.
	if !strings.Contains(rep.Summary, "10.1.0.13's requests to 10.1.0.23") || !strings.Contains(rep.Summary, "10.1.0.23's interface eni-k2:") {
		t.Errorf("summary %s", rep.Summary)
	}
	rep = analyze(t, sess, Question{Src: "10.1.0.8/29", Dst: "10.1.0.16/28", Until: time.Unix(t0+3600, 0)})
	if !strings.Contains(strings.Join(rep.Notes, " "), "latest hour disagree") || rep.Confidence != ConfidenceMedium {
		t.Errorf("10:00 hour: %s %s notes %q", rep.Verdict, rep.Confidence, rep.Notes)
	}
}

// TestSGDenyFromInternet: a refused internet source gets "probably intended", never advice to
// open the port to it; a refused host of our own keeps the advice to allow it.
func TestSGDenyFromInternet(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	pub := analyze(t, sess, Question{Src: "45.155.20.7", Dst: "10.1.0.27", Port: 22})
	priv := analyze(t, sess, Question{Src: "10.1.0.16", Dst: "10.1.0.27", Port: 22})
	for _, rep := range []*Report{pub, priv} {
		if rep.Verdict != SGDeny || rep.Records != 3 {
			t.Fatalf("%s: verdict %s, %d records; want sg-deny, 3\n%s", rep.Question.Src, rep.Verdict, rep.Records, text(t, rep))
		}
	}
	all := func(r *Report) string { return r.Summary + " " + strings.Join(r.Next, " ") }
	for _, want := range []string{"45.155.20.7 is a public internet address, so the block is probably intended.",
		"Nothing to fix if 45.155.20.7 is not a client of yours",
		"allow port 22/tcp from 45.155.20.7 alone, never from 0.0.0.0/0"} {
		if !strings.Contains(all(pub), want) {
			t.Errorf("internet source: lacks %q:\n%s", want, all(pub))
		}
	}
	if strings.Contains(all(pub), "one must allow") {
		t.Errorf("internet source: advises allowing it:\n%s", all(pub))
	}
	if !strings.Contains(all(priv), "one must allow port 22/tcp from 10.1.0.16") || strings.Contains(all(priv), "probably intended") {
		t.Errorf("own host: %s", all(priv))
	}
}
