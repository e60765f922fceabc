package why

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/store/storetest"
)

// The data sets, each loaded through the real store once per test binary: flowgen's Small,
// whose why cases are in a v5-format flow log, and Small with every flow log in the default
// format (no tcp-flags, no flow-direction).
var small, smallDefault = storetest.NewFixture(flowgen.Small()), storetest.NewFixture(defaultFormatSmall())

func defaultFormatSmall() flowgen.Config {
	cfg := flowgen.Small()
	cfg.Formats = []flowgen.Format{flowgen.FormatDefault}
	return cfg
}

func TestMain(m *testing.M) {
	code := m.Run()
	small.Remove()
	smallDefault.Remove()
	os.Exit(code)
}

func generated(t *testing.T) (*flowgen.Truth, *store.Store) { return small.Get(t) }

func generatedDefault(t *testing.T) (*flowgen.Truth, *store.Store) { return smallDefault.Get(t) }

func openSession(t *testing.T, st *store.Store) *store.Session { return storetest.Session(t, st) }

func analyze(t *testing.T, sess *store.Session, q Question) *Report {
	t.Helper()
	rep, err := Analyze(context.Background(), sess.DB, q)
	if err != nil {
		t.Fatalf("Analyze(%+v): %v", q, err)
	}
	return rep
}

// shape counts the evidence records as "side-direction-flow-action", e.g. "destination-ingress-request-REJECT".
func shape(gs []Group) map[string]int64 {
	out := map[string]int64{}
	for _, g := range gs {
		k := g.Side + "-" + g.Direction + "-" + g.Flow
		if g.Accepted > 0 {
			out[k+"-ACCEPT"] += g.Accepted
		}
		if g.Rejected > 0 {
			out[k+"-REJECT"] += g.Rejected
		}
	}
	return out
}

func eniOfSide(gs []Group, side string) []string {
	var ids []string
	for _, g := range gs {
		if g.Side == side && !slices.Contains(ids, g.Interface) {
			ids = append(ids, g.Interface)
		}
	}
	return ids
}

func TestPlantedCases(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	// Four windows per single-verdict case: the record shapes flowgen plants per connection.
	n := int64(4)
	want := map[string]map[string]int64{
		flowgen.VerdictHealthy: {"source-egress-request-ACCEPT": n, "destination-ingress-request-ACCEPT": n,
			"destination-egress-reply-ACCEPT": n, "source-ingress-reply-ACCEPT": n},
		flowgen.VerdictNACLReturn: {"source-egress-request-ACCEPT": n, "destination-ingress-request-ACCEPT": n, "destination-egress-reply-REJECT": n},
		flowgen.VerdictSGDeny:     {"source-egress-request-ACCEPT": n, "destination-ingress-request-REJECT": n},
		flowgen.VerdictPathLoss:   {"source-egress-request-ACCEPT": n},
		flowgen.VerdictNoListener: {"source-egress-request-ACCEPT": n, "destination-ingress-request-ACCEPT": n},
		flowgen.VerdictNoCoverage: {},
		// The latest phase (sg-deny, three windows) is the evidence.
		"mixed": {"source-egress-request-ACCEPT": 3, "destination-ingress-request-REJECT": 3},
	}
	if len(truth.Why) != len(want) {
		t.Fatalf("flowgen planted %d why cases, the test knows %d", len(truth.Why), len(want))
	}
	for _, c := range truth.Why {
		t.Run(c.Name, func(t *testing.T) {
			rep := analyze(t, sess, Question{Src: c.Src, Dst: c.Dst, Port: c.DstPort, Proto: "tcp"})
			if string(rep.Verdict) != c.Verdict {
				t.Errorf("verdict %s, planted %s\n%s", rep.Verdict, c.Verdict, text(t, rep))
			}
			if rep.Records != c.Records {
				t.Errorf("%d records between them, planted %d", rep.Records, c.Records)
			}
			if got := shape(rep.Evidence); !equalMap(got, want[c.Name]) {
				t.Errorf("evidence %v, want %v", got, want[c.Name])
			}
			if c.Verdict == flowgen.VerdictNoCoverage {
				checkNoCoverage(t, rep, c)
				return
			}
			if ids := eniOfSide(rep.Evidence, "source"); len(ids) != 1 || ids[0] != c.SrcENI {
				t.Errorf("source-side evidence ENIs %v, planted %s", ids, c.SrcENI)
			}
			wantDst := []string{c.DstENI}
			if c.Verdict == flowgen.VerdictPathLoss {
				wantDst = nil // the destination's interface logged nothing
			}
			if ids := eniOfSide(rep.Evidence, "destination"); fmt.Sprint(ids) != fmt.Sprint(wantDst) {
				t.Errorf("destination-side evidence ENIs %v, want %v", ids, wantDst)
			}
			// Phases: verdict, times and records as planted (each window is one connection).
			if len(rep.Phases) != len(c.Phases) {
				t.Fatalf("phases %+v, planted %+v", rep.Phases, c.Phases)
			}
			for i, p := range rep.Phases {
				pp := c.Phases[i]
				if string(p.Verdict) != pp.Verdict || p.First.Unix() != pp.FirstStart || p.Last.Unix() != pp.LastEnd || p.Records != pp.Records {
					t.Errorf("phase %d %+v, planted %+v", i, p, pp)
				}
			}
			if !strings.Contains(rep.Summary, c.Dst) || !strings.Contains(rep.Summary, c.Src) {
				t.Errorf("summary does not name both sides: %s", rep.Summary)
			}
			if len(rep.Next) == 0 {
				t.Errorf("no next steps")
			}
			if rep.Confidence != ConfidenceHigh {
				t.Errorf("confidence %s (notes %v)", rep.Confidence, rep.Notes)
			}
			// Timeline: every record in some hour, connections per planted phase.
			var recs int64
			conns := map[Verdict]int{}
			for _, h := range rep.Timeline {
				recs += h.Records
				for v, k := range h.Conversations {
					conns[v] += k
				}
			}
			if recs != c.Records {
				t.Errorf("timeline holds %d records, planted %d", recs, c.Records)
			}
			wantConns := map[Verdict]int{}
			for _, p := range c.Phases {
				wantConns[Verdict(p.Verdict)] += map[string]int{"mixed": 3}[c.Name] + map[bool]int{true: 4}[c.Name != "mixed"]
			}
			if fmt.Sprint(conns) != fmt.Sprint(wantConns) {
				t.Errorf("timeline connections %v, want %v", conns, wantConns)
			}
			last := c.Phases[len(c.Phases)-1]
			switch {
			case c.Verdict == flowgen.VerdictHealthy:
				if rep.LastWorked == nil || rep.LastWorked.Unix() != last.LastEnd || rep.FailingSince != nil {
					t.Errorf("healthy: last worked %v, failing since %v; planted last end %d", rep.LastWorked, rep.FailingSince, last.LastEnd)
				}
			case len(c.Phases) == 1:
				if rep.LastWorked != nil || rep.FailingSince == nil || rep.FailingSince.Unix() != last.FirstStart {
					t.Errorf("last worked %v, failing since %v; planted first start %d", rep.LastWorked, rep.FailingSince, last.FirstStart)
				}
			}
		})
	}
}

func checkNoCoverage(t *testing.T, rep *Report, c flowgen.WhyCase) {
	t.Helper()
	cov := rep.Coverage
	if cov == nil {
		t.Fatal("no coverage section")
	}
	if len(cov.Sides) != 2 || cov.Sides[0].Total != 0 || cov.Sides[1].Total != 0 {
		t.Errorf("sides %+v: neither address appears in any record", cov.Sides)
	}
	quiet := false
	for _, q := range cov.Quiet {
		if q.ID == c.SrcENI {
			quiet = q.NoData == 24 && q.SkipData == 0 // one NODATA row per 5-minute window over 2 hours
		}
	}
	if !quiet {
		t.Errorf("the source's idle ENI %s is not listed quiet with 24 NODATA rows: %+v", c.SrcENI, cov.Quiet)
	}
	if !strings.Contains(strings.Join(rep.Next, "\n"), c.SrcENI) || !strings.Contains(strings.Join(rep.Next, "\n"), "appears in no record") {
		t.Errorf("next steps don't name the quiet ENI or the unseen address: %q", rep.Next)
	}
	if len(rep.Evidence) != 0 || len(rep.Phases) != 0 || rep.FailingSince != nil || rep.LastWorked != nil {
		t.Errorf("evidence %v phases %v", rep.Evidence, rep.Phases)
	}
}

func TestMixedReportsLatestAndEarlier(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	c, ok := truth.FindWhy("mixed")
	if !ok {
		t.Fatal("no mixed case")
	}
	rep := analyze(t, sess, Question{Src: c.Src, Dst: c.Dst, Port: c.DstPort})
	if rep.Verdict != SGDeny {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	healthy, deny := c.Phases[0], c.Phases[1]
	if len(rep.Earlier) != 1 || !strings.HasPrefix(rep.Earlier[0], "healthy from "+stamp(unix(healthy.FirstStart))) {
		t.Errorf("earlier %q", rep.Earlier)
	}
	if !strings.Contains(rep.Summary, "Earlier: healthy until "+stamp(unix(healthy.LastEnd))) {
		t.Errorf("summary does not mention the earlier phase: %s", rep.Summary)
	}
	if rep.LastWorked == nil || rep.LastWorked.Unix() != healthy.LastEnd {
		t.Errorf("last worked %v, planted %d", rep.LastWorked, healthy.LastEnd)
	}
	if rep.FailingSince == nil || rep.FailingSince.Unix() != deny.FirstStart {
		t.Errorf("failing since %v, planted %d", rep.FailingSince, deny.FirstStart)
	}
	out := text(t, rep)
	for _, s := range []string{"Verdict: sg-deny", "Earlier:", "Last worked: " + stamp(unix(healthy.LastEnd)), "Failing since: " + stamp(unix(deny.FirstStart))} {
		if !strings.Contains(out, s) {
			t.Errorf("text lacks %q:\n%s", s, out)
		}
	}
	// Verdict first, then evidence, then timeline.
	iv, ie, it := strings.Index(out, "Verdict:"), strings.Index(out, "Evidence"), strings.Index(out, "Timeline")
	if !(iv == 0 && iv < ie && ie < it) {
		t.Errorf("sections out of order (%d %d %d):\n%s", iv, ie, it, out)
	}
}

// TestQuestionVariants asks about the planted cases in other ways: reversed sides without a port
// (the destination then opened nothing, so the connection direction comes from the flags), a CIDR
// around each side, a time range.
func TestQuestionVariants(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	sg, _ := truth.FindWhy(flowgen.VerdictSGDeny)
	nacl, _ := truth.FindWhy(flowgen.VerdictNACLReturn)

	// Any port: the verdict is the same.
	if rep := analyze(t, sess, Question{Src: sg.Src, Dst: sg.Dst}); rep.Verdict != SGDeny || rep.Records != sg.Records {
		t.Errorf("sg-deny without port: %s, %d records", rep.Verdict, rep.Records)
	}
	// The wrong port: nothing between them on it.
	if rep := analyze(t, sess, Question{Src: sg.Src, Dst: sg.Dst, Port: sg.DstPort + 1}); rep.Verdict != NoCoverage || rep.Records != 0 {
		t.Errorf("sg-deny on another port: %s, %d records", rep.Verdict, rep.Records)
	}
	// UDP: nothing.
	if rep := analyze(t, sess, Question{Src: sg.Src, Dst: sg.Dst, Proto: "udp"}); rep.Verdict != NoCoverage {
		t.Errorf("sg-deny over udp: %s", rep.Verdict)
	}
	// Reversed sides without a port: B→A asked, the records show A opening connections to B, so
	// they are B's replies' side... the connections were opened by the question's destination.
	rep := analyze(t, sess, Question{Src: nacl.Dst, Dst: nacl.Src})
	if rep.Verdict != NACLReturn || rep.Records != nacl.Records || len(rep.Notes) == 0 || !strings.Contains(strings.Join(rep.Notes, " "), "opened by") {
		t.Errorf("reversed nacl-return: %s, %d records, notes %q", rep.Verdict, rep.Records, rep.Notes)
	}
	// A /24 around the destination: the other why cases' addresses in it have different
	// sources, so only this pair's records match.
	dst24 := prefix24(nacl.Dst)
	rep = analyze(t, sess, Question{Src: nacl.Src, Dst: dst24, Port: nacl.DstPort})
	if rep.Verdict != NACLReturn || rep.Records != nacl.Records || rep.Question.Dst != dst24 {
		t.Errorf("nacl-return to %s: %s, %d records", dst24, rep.Verdict, rep.Records)
	}
	// A time range before the case: nothing, and the coverage says where the records are.
	first := unix(nacl.Phases[0].FirstStart)
	rep = analyze(t, sess, Question{Src: nacl.Src, Dst: nacl.Dst, Port: nacl.DstPort, Until: first.Add(-time.Minute)})
	if rep.Verdict != NoCoverage || rep.Coverage == nil || rep.Coverage.PairTotal != nacl.Records {
		t.Fatalf("before the case: %s, coverage %+v", rep.Verdict, rep.Coverage)
	}
	if !strings.Contains(strings.Join(rep.Next, " "), "outside the time range") {
		t.Errorf("next %q", rep.Next)
	}
	// A range holding only the last window.
	last := nacl.Phases[0]
	rep = analyze(t, sess, Question{Src: nacl.Src, Dst: nacl.Dst, Port: nacl.DstPort, Since: unix(last.LastEnd - 60)})
	if rep.Verdict != NACLReturn || rep.Records != 3 {
		t.Errorf("last window: %s, %d records (want 3, one connection)", rep.Verdict, rep.Records)
	}
}

func prefix24(addr string) string {
	i := strings.LastIndex(addr, ".")
	return addr[:i] + ".0/24"
}

func TestJSON(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	c, _ := truth.FindWhy("mixed")
	rep := analyze(t, sess, Question{Src: c.Src, Dst: c.Dst, Port: c.DstPort})
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Verdict string `json:"verdict"`
		Phases  []struct {
			Verdict string `json:"verdict"`
			Records int64  `json:"records"`
		} `json:"phases"`
		Evidence []struct {
			Interface string `json:"interface"`
			Samples   []struct {
				Flags string `json:"flags"`
			} `json:"samples"`
		} `json:"evidence"`
		FailingSince time.Time `json:"failing_since"`
		Question     struct {
			Src  string `json:"src"`
			Port int    `json:"port"`
		} `json:"question"`
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Verdict != "sg-deny" || len(back.Phases) != 2 || back.Phases[0].Verdict != "healthy" || back.Phases[0].Records != c.Phases[0].Records ||
		back.FailingSince.Unix() != c.Phases[1].FirstStart || back.Question.Src != c.Src || back.Question.Port != c.DstPort {
		t.Errorf("JSON round trip: %+v", back)
	}
	if len(back.Evidence) != 2 || back.Evidence[0].Interface != c.SrcENI || back.Evidence[0].Samples[0].Flags != "SYN" {
		t.Errorf("JSON evidence %+v", back.Evidence)
	}
}

func text(t *testing.T, rep *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func equalMap(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPlantedCasesDefaultFormat: the same planted cases in the default format. The special
// interfaces log nothing but their pair, so their own addresses tie; where a REJECT breaks the
// symmetry (sg-deny, nacl-return, mixed) causality places them, else the directions stay unknown
// and the confidence says so.
func TestPlantedCasesDefaultFormat(t *testing.T) {
	truth, st := generatedDefault(t)
	sess := openSession(t, st)
	n := int64(4)
	want := map[string]struct {
		confidence string
		evidence   map[string]int64
	}{
		flowgen.VerdictHealthy: {ConfidenceMedium, map[string]int64{"other-unknown-request-ACCEPT": 2 * n, "other-unknown-reply-ACCEPT": 2 * n}},
		flowgen.VerdictNACLReturn: {ConfidenceHigh, map[string]int64{"source-egress-request-ACCEPT": n, "destination-ingress-request-ACCEPT": n,
			"destination-egress-reply-REJECT": n}},
		flowgen.VerdictSGDeny:     {ConfidenceHigh, map[string]int64{"source-egress-request-ACCEPT": n, "destination-ingress-request-REJECT": n}},
		flowgen.VerdictPathLoss:   {ConfidenceLow, map[string]int64{"other-unknown-request-ACCEPT": n}},
		flowgen.VerdictNoListener: {ConfidenceLow, map[string]int64{"other-unknown-request-ACCEPT": 2 * n}},
		flowgen.VerdictNoCoverage: {ConfidenceHigh, map[string]int64{}},
		"mixed":                   {ConfidenceHigh, map[string]int64{"source-egress-request-ACCEPT": 3, "destination-ingress-request-REJECT": 3}},
	}
	for _, c := range truth.Why {
		t.Run(c.Name, func(t *testing.T) {
			rep := analyze(t, sess, Question{Src: c.Src, Dst: c.Dst, Port: c.DstPort})
			w := want[c.Name]
			if string(rep.Verdict) != c.Verdict || rep.Records != c.Records || rep.Confidence != w.confidence {
				t.Errorf("verdict %s, %d records, confidence %s; planted %s, %d records, want confidence %s\n%s",
					rep.Verdict, rep.Records, rep.Confidence, c.Verdict, c.Records, w.confidence, text(t, rep))
			}
			if got := shape(rep.Evidence); !equalMap(got, w.evidence) {
				t.Errorf("evidence %v, want %v", got, w.evidence)
			}
			for _, g := range rep.Evidence {
				if !g.Inferred {
					t.Errorf("group %+v not marked inferred", g)
				}
				if g.Side == "source" && g.Interface != c.SrcENI || g.Side == "destination" && g.Interface != c.DstENI {
					t.Errorf("group %s on the %s side; planted source %s, destination %s", g.Interface, g.Side, c.SrcENI, c.DstENI)
				}
			}
			if len(c.Phases) > 0 {
				if len(rep.Phases) != len(c.Phases) || rep.FailingSince == nil && c.Verdict != flowgen.VerdictHealthy {
					t.Errorf("phases %+v, planted %+v", rep.Phases, c.Phases)
				}
			}
		})
	}
}
