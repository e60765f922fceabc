package htmlreport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/queries"
)

// section returns the HTML of the panel with the given id.
func section(t *testing.T, html, id string) string {
	t.Helper()
	start := strings.Index(html, `<section class="panel" id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no panel %q in the report", id)
	}
	end := strings.Index(html[start:], "</section>")
	if end < 0 {
		t.Fatalf("panel %q not closed", id)
	}
	return html[start : start+end]
}

func panel(t *testing.T, r *Report, id string) *Panel {
	t.Helper()
	for _, p := range append(append([]*Panel{}, r.Panels...), r.Saved...) {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no panel %q", id)
	return nil
}

// cellText is a row's formatted value of a column.
func cellText(t *testing.T, tb *Table, row int, col string) string {
	t.Helper()
	i := tb.Col(col)
	if i < 0 {
		t.Fatalf("no column %q in %v", col, tb.Columns)
	}
	if row >= len(tb.Rows) {
		t.Fatalf("row %d of %d", row, len(tb.Rows))
	}
	return tb.Rows[row][i].Text
}

func sum(xs []int64) (n int64) {
	for _, x := range xs {
		n += x
	}
	return n
}

// TestSummaryMatchesTruth checks the headline numbers against what flowgen wrote.
func TestSummaryMatchesTruth(t *testing.T) {
	f := generated(t)
	tr, s := f.truth, f.rep.Summary
	// ENIs that wrote anything: OK rows, SKIPDATA gaps, or the idle ENIs' NODATA rows. (A
	// configured ENI may log nothing.)
	enis := map[string]bool{}
	for id := range tr.Interfaces {
		enis[id] = true
	}
	for _, fl := range tr.FlowLogs {
		for _, e := range fl.Interfaces {
			if e.Role == "idle" {
				enis[e.ID] = true
			}
		}
	}
	for _, g := range tr.SkipdataGaps {
		enis[g.Interface] = true
	}
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"records", s.Records, tr.Records},
		{"bytes", s.Bytes, tr.Bytes},
		{"packets", s.Packets, tr.Packets},
		{"accepted", s.Accepted, tr.ByAction["ACCEPT"]},
		{"rejected", s.Rejected, tr.ByAction["REJECT"]},
		{"nodata", s.NoData, tr.ByStatus["NODATA"]},
		{"skipdata", s.SkipData, tr.ByStatus["SKIPDATA"]},
		{"accounts", s.Accounts, int64(len(tr.ByAccount))},
		{"regions", s.Regions, int64(len(tr.ByRegion))},
		{"enis", s.ENIs, int64(len(enis))},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if s.First.Before(tr.Start) || s.First.After(tr.Start.Add(10*time.Minute)) {
		t.Errorf("first start %v, want within 10 min after %v", s.First, tr.Start)
	}
	if s.Last.After(tr.End.Add(10*time.Minute)) || s.Last.Before(tr.End.Add(-10*time.Minute)) {
		t.Errorf("last end %v, want within 10 min of %v", s.Last, tr.End)
	}

	// The page shows them with thousands separators.
	html := section(t, f.html, "summary")
	for _, want := range []string{
		"<dd>" + Int(tr.Records) + "</dd>",
		"<dd>" + Int(tr.Bytes) + "<small>",
		"<dd>" + Int(tr.Packets) + "</dd>",
		"<dd>" + Int(tr.ByAction["ACCEPT"]) + "<small>",
		"<dd>" + Int(tr.ByAction["REJECT"]) + "<small>",
		"<dd>" + Int(int64(len(tr.ByAccount))) + "</dd>",
		"<dd>" + Int(int64(len(tr.ByRegion))) + "</dd>",
		"<dd>" + Int(int64(len(enis))) + "</dd>",
		Time(s.First), Time(s.Last),
	} {
		if !strings.Contains(html, want) {
			t.Errorf("summary panel lacks %q", want)
		}
	}
	if tr.Records < 1000 || !strings.Contains(Int(tr.Records), ",") {
		t.Errorf("fixture too small to exercise separators: %d records", tr.Records)
	}
}

func TestTrafficMatchesTruth(t *testing.T) {
	f := generated(t)
	tr := f.rep.Traffic
	// Two hours of data: 1-minute buckets would be 120 points, over the limit, so 5 minutes.
	if tr.Bucket != 5*time.Minute {
		t.Errorf("bucket %v, want 5m", tr.Bucket)
	}
	if len(tr.Times) != 24 {
		t.Errorf("%d buckets, want 24 (23:00 to 00:55)", len(tr.Times))
	}
	if got, want := sum(tr.Accepted), f.truth.ByAction["ACCEPT"]; got != want {
		t.Errorf("accepted over all buckets = %d, want %d", got, want)
	}
	if got, want := sum(tr.Rejected), f.truth.ByAction["REJECT"]; got != want {
		t.Errorf("rejected over all buckets = %d, want %d", got, want)
	}
	for i := 1; i < len(tr.Times); i++ {
		if d := tr.Times[i].Sub(tr.Times[i-1]); d != tr.Bucket {
			t.Fatalf("bucket %d is %v after the previous one", i, d)
		}
	}
	html := section(t, f.html, "traffic")
	if !strings.Contains(html, "<svg") || !strings.Contains(html, ">accepted</text>") || !strings.Contains(html, ">rejected</text>") {
		t.Error("traffic panel lacks its chart and legend")
	}
	if strings.Count(html, "<svg") != 2 || !strings.Contains(html, "rejected only, own scale") {
		t.Error("traffic panel lacks the rejected-only chart")
	}
	if !strings.Contains(html, "per 5 minutes") {
		t.Error("traffic panel does not say its bucket width")
	}
}

func TestPanelsMatchTruth(t *testing.T) {
	f := generated(t)
	tr := f.truth

	t.Run("top-talkers", func(t *testing.T) {
		p := panel(t, f.rep, "top-talkers")
		h := tr.HeavyTalker
		top := tr.TopPairs[0]
		if top.Src != h.Src || top.Dst != h.Dst {
			t.Fatalf("truth: top pair %s->%s is not the planted heavy talker %s->%s", top.Src, top.Dst, h.Src, h.Dst)
		}
		if got, want := cellText(t, p.Table, 0, "talker"), h.Src+" -> "+h.Dst; got != want {
			t.Errorf("top talker %q, want %q", got, want)
		}
		if got, want := cellText(t, p.Table, 0, "bytes"), Int(top.Bytes); got != want {
			t.Errorf("top talker bytes %s, want %s", got, want)
		}
		if len(p.Table.Rows) != 10 {
			t.Errorf("%d rows, want 10", len(p.Table.Rows))
		}
		html := section(t, f.html, "top-talkers")
		for _, want := range []string{h.Src + " -&gt; " + h.Dst, Int(top.Bytes), "<svg"} {
			if !strings.Contains(html, want) {
				t.Errorf("panel lacks %q", want)
			}
		}
	})

	t.Run("rejected-sources", func(t *testing.T) {
		p := panel(t, f.rep, "rejected-sources")
		type kv struct {
			k string
			n int64
		}
		var want []kv
		for k, n := range tr.RejectedBySource {
			want = append(want, kv{k, n})
		}
		sort.Slice(want, func(i, j int) bool { return want[i].n > want[j].n || want[i].n == want[j].n && want[i].k < want[j].k })
		if want[0].n == want[1].n {
			t.Fatalf("truth: no single top rejected source: %v", want[:2])
		}
		if got := cellText(t, p.Table, 0, "source"); got != want[0].k {
			t.Errorf("top rejected source %s, want %s", got, want[0].k)
		}
		if got := cellText(t, p.Table, 0, "records"); got != Int(want[0].n) {
			t.Errorf("its records %s, want %d", got, want[0].n)
		}
		if p.Table.Col("dst_port") >= 0 || p.Table.Col("protocol") >= 0 {
			t.Errorf("columns %v: the all-NULL grouping columns should be dropped", p.Table.Columns)
		}
		if !strings.Contains(section(t, f.html, "rejected-sources"), ">"+want[0].k+"<") {
			t.Error("panel lacks the top rejected source")
		}
	})

	t.Run("rejected-ports", func(t *testing.T) {
		p := panel(t, f.rep, "rejected-ports")
		best, bestN := 0, int64(0)
		for port, n := range tr.RejectedByDstPort {
			if n > bestN || n == bestN && port < best {
				best, bestN = port, n
			}
		}
		if got := cellText(t, p.Table, 0, "dst_port"); got != fmt.Sprint(best) {
			t.Errorf("top rejected port %s, want %d (ports are written without separators)", got, best)
		}
		if got := cellText(t, p.Table, 0, "records"); got != Int(bestN) {
			t.Errorf("its records %s, want %d", got, bestN)
		}
		if !strings.Contains(section(t, f.html, "rejected-ports"), fmt.Sprintf(">TCP %d<", best)) {
			t.Error("the chart lacks the bar of the top port")
		}
	})

	t.Run("blocked-ssh", func(t *testing.T) {
		p := panel(t, f.rep, "blocked-ssh")
		top := tr.SSHRejects[0]
		if got := cellText(t, p.Table, 0, "source"); got != top.Source {
			t.Errorf("top SSH attacker %s, want %s", got, top.Source)
		}
		if got := cellText(t, p.Table, 0, "attempts"); got != Int(top.Records) {
			t.Errorf("its attempts %s, want %d", got, top.Records)
		}
		if len(p.Table.Rows) != len(tr.SSHRejects) {
			t.Errorf("%d sources, want %d", len(p.Table.Rows), len(tr.SSHRejects))
		}
		html := section(t, f.html, "blocked-ssh")
		for _, s := range tr.SSHRejects {
			if !strings.Contains(html, "<td>"+s.Source+"</td>") || !strings.Contains(html, `<td class="num">`+Int(s.Records)+"</td>") {
				t.Errorf("panel lacks attacker %s with %d attempts", s.Source, s.Records)
			}
		}
	})

	t.Run("port-scans", func(t *testing.T) {
		p := panel(t, f.rep, "port-scans")
		ps := tr.PortScan
		if got := cellText(t, p.Table, 0, "source"); got != ps.Source {
			t.Errorf("scanner %s, want %s", got, ps.Source)
		}
		if got := cellText(t, p.Table, 0, "ports"); got != Int(int64(ps.Ports)) {
			t.Errorf("ports %s, want %d", got, ps.Ports)
		}
		if len(p.Table.Rows) != len(tr.PortScanners) {
			t.Errorf("%d scanners, want %d", len(p.Table.Rows), len(tr.PortScanners))
		}
		if !strings.Contains(section(t, f.html, "port-scans"), "<td>"+ps.Source+"</td>") {
			t.Error("panel lacks the scanner")
		}
	})

	t.Run("asymmetric-flows", func(t *testing.T) {
		p := panel(t, f.rep, "asymmetric-flows")
		got := map[string]bool{}
		for r := range p.Table.Rows {
			got[strings.Join([]string{cellText(t, p.Table, r, "src"), cellText(t, p.Table, r, "dst"),
				cellText(t, p.Table, r, "dst_port"), cellText(t, p.Table, r, "kind")}, " ")] = true
		}
		// why's sg-deny cases (a request REJECTed at the destination) are denies, not one-sided.
		denied := map[string]bool{}
		for _, w := range tr.Why {
			for _, ph := range w.Phases {
				if ph.Verdict == "sg-deny" {
					denied[fmt.Sprintf("%s %s %d reverse-missing", w.Src, w.Dst, w.DstPort)] = true
				}
			}
		}
		for _, a := range append(append([]flowgen.AsymPair{}, tr.Asymmetric...), tr.SkipdataOneSide...) {
			k := fmt.Sprintf("%s %s %d %s", a.Src, a.Dst, a.DstPort, a.Kind)
			if got[k] == denied[k] {
				t.Errorf("planted conversation %s: listed %v, want %v (denied %v)", k, got[k], !denied[k], denied[k])
			}
		}
		if !strings.Contains(section(t, f.html, "asymmetric-flows"), tr.Asymmetric[0].Src) {
			t.Error("panel lacks the planted pairs")
		}
	})

	t.Run("protocol-mix", func(t *testing.T) {
		p := panel(t, f.rep, "protocol-mix")
		if len(p.Table.Rows) != len(tr.ByProtocol) {
			t.Errorf("%d protocols, want %d", len(p.Table.Rows), len(tr.ByProtocol))
		}
		for r := range p.Table.Rows {
			var proto int
			fmt.Sscan(cellText(t, p.Table, r, "protocol"), &proto)
			c, ok := tr.ByProtocol[proto]
			if !ok {
				t.Errorf("protocol %d not generated", proto)
				continue
			}
			if got := cellText(t, p.Table, r, "bytes"); got != Int(c.Bytes) {
				t.Errorf("protocol %d bytes %s, want %d", proto, got, c.Bytes)
			}
			if got := cellText(t, p.Table, r, "records"); got != Int(c.Records) {
				t.Errorf("protocol %d records %s, want %d", proto, got, c.Records)
			}
		}
		html := section(t, f.html, "protocol-mix")
		for _, name := range []string{">TCP<", ">UDP<"} {
			if !strings.Contains(html, name) {
				t.Errorf("chart lacks the bar %s", name)
			}
		}
	})
}

func TestSavedQueries(t *testing.T) {
	f := generated(t)
	cat, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	shownAbove := map[string]string{"blocked-ssh": "", "port-scans": "", "asymmetric-flows": "", "traffic-by-protocol": "",
		"top-talkers": " (with limit=10)", "rejected-traffic": " (with by=source limit=10)"}
	for _, q := range cat.List() {
		p := panel(t, f.rep, "q-"+q.Name)
		if with, ok := shownAbove[q.Name]; ok {
			// Answered by a fixed panel: a line linking there, not a second section.
			link := `<li id="q-` + q.Name + `"><code>` + q.Name + `</code>: shown above in <a href="#` + p.SeeAlso + `">` + p.SeeAlsoTitle + "</a>" + with + "</li>"
			if p.SeeAlso == "" || p.Table != nil || !strings.Contains(f.html, link) {
				t.Errorf("%s: answered by a fixed panel, should link there: %+v, want %s", q.Name, p, link)
			}
			if strings.Contains(f.html, `<section class="panel" id="q-`+q.Name+`">`) {
				t.Errorf("%s: repeated as a section", q.Name)
			}
			continue
		}
		html := section(t, f.html, "q-"+q.Name)
		if !strings.Contains(html, "<details class=\"sql\">") {
			t.Errorf("%s: no SQL on demand", q.Name)
		}
		if p.Table != nil && len(p.Table.Rows) > 0 && !strings.Contains(html, `<details class="data"><summary>Show `) {
			t.Errorf("%s: table not folded", q.Name)
		}
		switch q.Name {
		case "traffic-from", "traffic-to":
			if !strings.Contains(p.Note, "needs cidr") || p.Table != nil {
				t.Errorf("%s: needs a cidr, should be listed as not run: note %q", q.Name, p.Note)
			}
		default:
			if p.Err != "" || p.Table == nil {
				t.Errorf("%s: not run: %s", q.Name, p.Err)
			}
		}
	}
	// Spot-check one table against the truth: skipdata-gaps lists every planted gap.
	if p := panel(t, f.rep, "q-skipdata-gaps"); len(p.Table.Rows) != len(f.truth.SkipdataGaps) {
		t.Errorf("skipdata-gaps: %d rows, want %d", len(p.Table.Rows), len(f.truth.SkipdataGaps))
	}
	// The user's own files: a hostile one is escaped, a broken one shows its error.
	h := section(t, f.html, "q-zz-hostile")
	if strings.Contains(h, "<script>") || strings.Contains(h, "<img") || !strings.Contains(h, "&lt;img src=x onerror=") {
		t.Errorf("hostile query not escaped:\n%s", h)
	}
	if p := panel(t, f.rep, "q-zz-broken"); !strings.Contains(p.Err, "no_such_table") {
		t.Errorf("broken query: error %q, want one naming no_such_table", p.Err)
	}
	if !strings.Contains(f.html, "saved query skipped: ") || !strings.Contains(f.html, "zz-unparsable.sql") {
		t.Error("the unparsable user file is not reported")
	}
}

// TestSelfContained checks the page can be mailed: no scripts, nothing fetched, escaped title.
func TestSelfContained(t *testing.T) {
	f := generated(t)
	html := f.html
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Error("the report contains a script")
	}
	urls := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>]*`)
	for _, u := range urls.FindAllString(html, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("URL in the report: %s", u)
		}
	}
	for _, bad := range []string{"<link", "<img", "<iframe", "<object", "<embed", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("the report contains %q", bad)
		}
	}
	if m := regexp.MustCompile(`<[^>]*\s(src|href)="[^#]`).FindString(html); m != "" {
		t.Errorf("the report links out: %s", m)
	}
	if !strings.Contains(html, "<title>Incident 42 &lt;flow logs&gt;</title>") {
		t.Error("title not escaped")
	}
	if !strings.Contains(html, "default-src 'none'") {
		t.Error("no Content-Security-Policy")
	}
	if n := strings.Count(html, `<details class="sql">`); n < 9+10 {
		t.Errorf("%d SQL toggles, want one per panel", n)
	}
}

// TestSinceUntil builds a report over the first hour only and checks it against the truth's
// per-panel numbers that a range changes, and that the SQL shows the bound values.
func TestSinceUntil(t *testing.T) {
	f := generated(t)
	ctx := context.Background()
	sess, err := f.st.OpenSession(ctx, store.SessionOptions{Init: compat.Register})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	since := f.truth.Start
	until := since.Add(time.Hour)
	r, err := Build(ctx, sess.DB, Options{Since: since, Until: until, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	// Compare with a direct count over the same range; the truth counts records by date
	// only, and the first hour of Small is the whole of its first date (23:00 to 24:00).
	day := since.Format("2006-01-02")
	if r.Summary.Records != f.truth.ByDate[day] {
		t.Errorf("records %d, want %d (the first date's records)", r.Summary.Records, f.truth.ByDate[day])
	}
	if r.Summary.Last.After(until.Add(10*time.Minute)) || r.Summary.First.Before(since) {
		t.Errorf("range %v..%v outside %v..%v", r.Summary.First, r.Summary.Last, since, until)
	}
	if sum(r.Traffic.Accepted)+sum(r.Traffic.Rejected) > r.Summary.Records {
		t.Errorf("traffic counts more records than the summary")
	}
	for _, tm := range r.Traffic.Times {
		if tm.Before(since) || !tm.Before(until) {
			t.Errorf("bucket %v outside the range", tm)
		}
	}
	if !strings.Contains(r.Summary.SQL, fmt.Sprint(since.Unix())) || !strings.Contains(r.Summary.SQL, fmt.Sprint(until.Unix())) {
		t.Errorf("summary SQL does not show the range:\n%s", r.Summary.SQL)
	}
	for _, p := range r.Panels {
		if !strings.Contains(p.SQL, fmt.Sprint(since.Unix())) {
			t.Errorf("%s: SQL does not carry since", p.ID)
		}
	}
	// The attackers of the first hour only: 45.227.254.17's attempts are all before 23:35.
	bs := panel(t, r, "blocked-ssh")
	for row := range bs.Table.Rows {
		if st, ok := f.truth.SSHRejectsFrom(cellText(t, bs.Table, row, "source")); ok && st.FirstStart >= until.Unix() {
			t.Errorf("blocked-ssh lists %s, first seen after the range", st.Source)
		}
	}
	var buf strings.Builder
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "Range: " + Time(since) + " to " + Time(until); !strings.Contains(buf.String(), want) {
		t.Errorf("page does not say %q", want)
	}
}

// TestEmptyStore: a report over no data still renders every panel.
func TestEmptyStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := st.OpenSession(ctx, store.SessionOptions{Init: compat.Register})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	cat, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(ctx, sess.DB, Options{Catalog: cat, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Records != 0 || len(r.Traffic.Times) != 0 {
		t.Errorf("empty store: %+v", r.Summary)
	}
	var buf strings.Builder
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"summary", "traffic", "top-talkers", "blocked-ssh", "protocol-mix", "q-top-udp-sources"} {
		section(t, buf.String(), id)
	}
	if !strings.Contains(buf.String(), "No records in the range.") || !strings.Contains(buf.String(), "No rows.") {
		t.Error("empty panels do not say so")
	}
	if want := "No records loaded: run flowq load PATH"; !strings.Contains(r.Hint, want) || !strings.Contains(buf.String(), want) {
		t.Errorf("empty store: hint %q, want %q on the page", r.Hint, want)
	}
}

// userQueries writes the user-folder files the fixture adds to the catalog.
func userQueries(dir string) error {
	files := map[string]string{
		"zz-hostile.sql": `-- name: zz-hostile
-- description: <script>console.error("pwned")</script> & friends
SELECT '<img src=x onerror=console.error(1)>' AS "<b>col</b>", 1 AS n`,
		"zz-broken.sql": `-- name: zz-broken
-- description: Reads a table that does not exist.
SELECT * FROM no_such_table`,
		"zz-unparsable.sql": `-- name: zz-unparsable
-- bogus-key: x
SELECT 1`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
