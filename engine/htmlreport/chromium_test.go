package htmlreport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// artifactDir is where the screenshots go: $FLOWQ_REPORT_ARTIFACTS when set (CI keeps it),
// else the test's temp dir.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("FLOWQ_REPORT_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// maxPageHeight bounds the report's height at 1280 px wide: the fixed panels, the five
// estimated-cost panels (about 5,700 px measured) and a folded appendix of saved queries;
// the page was over 16,000 px when the appendix repeated every section.
const maxPageHeight = 13500

// cutCheck lists chart text outside its chart and tables reaching past their section without
// scrolling inside it, and measures the page's height.
const cutCheck = `(() => { const out = [];
		for (const s of document.querySelectorAll("svg.chart")) {
			const r = s.getBoundingClientRect();
			for (const t of s.querySelectorAll("text")) {
				const x = t.getBoundingClientRect();
				if (x.width > 0 && (x.left < r.left - 0.5 || x.right > r.right + 0.5))
					out.push("chart text " + JSON.stringify(t.textContent) + " spans " + x.left + ".." + x.right + " outside its chart " + r.left + ".." + r.right);
			}
		}
		for (const t of document.querySelectorAll("section.panel table")) {
			const sec = t.closest("section").getBoundingClientRect(), box = t.parentElement;
			const tr = t.getBoundingClientRect(), br = box.getBoundingClientRect();
			const ox = getComputedStyle(box).overflowX;
			if (tr.width > 0 && tr.right > sec.right + 0.5 && !((ox === "auto" || ox === "scroll") && br.right <= sec.right + 0.5))
				out.push("table in " + t.closest("section").id + " reaches " + tr.right + " px, its section ends at " + sec.right);
		}
		return {Problems: out, Height: document.documentElement.scrollHeight}; })()`

// TestChromium opens the report in headless Chromium: no console message, no exception, no
// request but the file itself, every panel in the DOM with the truth's numbers, no horizontal
// overflow, every chart laid out; screenshots of the screen and print renderings are saved.
func TestChromium(t *testing.T) {
	f := generated(t)
	dir := artifactDir(t)
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(f.html), 0o644); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b := startBrowser(ctx, t)
	if err := b.openPage(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.navigate(ctx, pageURL); err != nil {
		t.Fatal(err)
	}

	// The DOM as Chromium parsed it: every panel, with the planted numbers.
	var ids []string
	if err := b.eval(ctx, `[...document.querySelectorAll("section.panel")].map(s => s.id)`, &ids); err != nil {
		t.Fatal(err)
	}
	want := []string{"summary", "traffic", "top-talkers", "rejected-sources", "rejected-ports", "blocked-ssh", "port-scans", "asymmetric-flows", "protocol-mix",
		"cost-summary", "cost-nat", "cost-cross-az", "cost-services-via-nat", "cost-internet-egress"}
	for _, q := range f.rep.Saved {
		if q.SeeAlso == "" { // the queries a fixed panel shows are a line linking there
			want = append(want, q.ID)
		}
	}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("panels in the DOM:\n %v\nwant\n %v", ids, want)
	}
	text := func(id string) string {
		var s string
		if err := b.eval(ctx, `document.getElementById(`+jsString(id)+`).innerText`, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	tr := f.truth
	checks := map[string][]string{
		"summary":          {Int(tr.Records), Int(tr.ByAction["ACCEPT"]), Int(tr.ByAction["REJECT"]), Int(tr.Bytes)},
		"top-talkers":      {tr.HeavyTalker.Src + " -> " + tr.HeavyTalker.Dst, Int(tr.TopPairs[0].Bytes)},
		"blocked-ssh":      {tr.SSHRejects[0].Source + "\t" + Int(tr.SSHRejects[0].Records)},
		"port-scans":       {tr.PortScan.Source + "\t" + Int(int64(tr.PortScan.Ports))},
		"asymmetric-flows": {tr.Asymmetric[0].Src},
		"protocol-mix":     {"TCP", Int(tr.ByProtocol[6].Bytes)},
	}
	for id, wants := range checks {
		got := text(id)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("panel %s as rendered lacks %q", id, w)
			}
		}
	}
	// The SQL is on the page but folded away until asked for.
	var sqlState struct {
		Toggles, Open int
		Visible       bool
	}
	if err := b.eval(ctx, `(() => { const d = [...document.querySelectorAll("details.sql")];
		return {Toggles: d.length, Open: d.filter(x => x.open).length,
		        Visible: d[0].querySelector("pre").checkVisibility()}; })()`, &sqlState); err != nil {
		t.Fatal(err)
	}
	if sqlState.Toggles != len(want) || sqlState.Open != 0 || sqlState.Visible {
		t.Errorf("SQL toggles: %+v, want %d closed", sqlState, len(want))
	}
	// Layout: no sideways scrolling of the page, every chart drawn at a readable size.
	var layout struct {
		ScrollWidth, InnerWidth int
		Charts                  []float64
	}
	if err := b.eval(ctx, `({ScrollWidth: document.documentElement.scrollWidth, InnerWidth: window.innerWidth,
		Charts: [...document.querySelectorAll("svg.chart")].map(s => s.getBoundingClientRect().width)})`, &layout); err != nil {
		t.Fatal(err)
	}
	if layout.ScrollWidth > layout.InnerWidth {
		t.Errorf("page is %d px wide in a %d px window", layout.ScrollWidth, layout.InnerWidth)
	}
	if len(layout.Charts) != 9 {
		t.Errorf("%d charts, want 9 (traffic, rejected traffic, talkers, rejected sources, ports, protocols; cost per day, NAT contributors, internet egress)", len(layout.Charts))
	}
	for i, w := range layout.Charts {
		if w < 300 {
			t.Errorf("chart %d is %v px wide", i, w)
		}
	}

	// Nothing is cut: every chart's text lies inside its chart (a bar label once lost its first
	// letter, "JDP 3389"); every table wider than its section scrolls inside it; and the page
	// stays a length one reads (the saved-queries appendix once made it 16,000 px).
	var cut struct {
		Problems []string
		Height   int
	}
	if err := b.eval(ctx, cutCheck, &cut); err != nil {
		t.Fatal(err)
	}
	for _, p := range cut.Problems {
		t.Error(p)
	}
	if cut.Height > maxPageHeight {
		t.Errorf("page is %d px high, want at most %d", cut.Height, maxPageHeight)
	}
	t.Logf("page height %d px", cut.Height)

	shot, err := b.screenshot(ctx, 1280)
	if err != nil {
		t.Fatal(err)
	}
	savePNG(t, filepath.Join(dir, "report.png"), shot)

	// Print: the same page with print styles (no navigation, SQL toggles hidden) and a PDF.
	if err := b.call(ctx, "Emulation.setEmulatedMedia", map[string]any{"media": "print"}, nil); err != nil {
		t.Fatal(err)
	}
	var printed struct {
		Nav, SQL string
	}
	if err := b.eval(ctx, `({Nav: getComputedStyle(document.querySelector("nav.toc")).display,
		SQL: getComputedStyle(document.querySelector("details.sql")).display})`, &printed); err != nil {
		t.Fatal(err)
	}
	if printed.Nav != "none" || printed.SQL != "none" {
		t.Errorf("print styles not applied: %+v", printed)
	}
	// On paper nothing scrolls: at the width of an A4 page inside its margins, tables wrap.
	if err := b.call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 700, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.eval(ctx, cutCheck, &cut); err != nil {
		t.Fatal(err)
	}
	for _, p := range cut.Problems {
		t.Error("print: " + p)
	}
	shot, err = b.screenshot(ctx, 700)
	if err != nil {
		t.Fatal(err)
	}
	savePNG(t, filepath.Join(dir, "report-print.png"), shot)
	var pdf struct {
		Data []byte `json:"data"`
	}
	if err := b.call(ctx, "Page.printToPDF", map[string]any{"printBackground": true}, &pdf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF")) || len(pdf.Data) < 10000 {
		t.Errorf("printToPDF returned %d bytes", len(pdf.Data))
	}
	if err := os.WriteFile(filepath.Join(dir, "report.pdf"), pdf.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifacts: %s (report.html, report.png, report-print.png, report.pdf)", dir)

	for _, p := range pageProblems(b, pageURL) {
		t.Error(p)
	}
}

// pageProblems lists what the page did besides rendering, from the DevTools events: console
// output, exceptions, browser log entries (a CSP violation is one), any request other than
// the file itself; and Chromium's own stderr log of console messages.
func pageProblems(b *browser, pageURL string) []string {
	var out []string
	requests := 0
	for _, ev := range b.Events {
		switch ev.Method {
		case "Runtime.consoleAPICalled", "Runtime.exceptionThrown":
			out = append(out, fmt.Sprintf("%s: %s", ev.Method, ev.Params))
		case "Log.entryAdded":
			var e struct {
				Entry struct{ Level, Text, URL string }
			}
			json.Unmarshal(ev.Params, &e)
			out = append(out, fmt.Sprintf("browser log %s: %s (%s)", e.Entry.Level, e.Entry.Text, e.Entry.URL))
		case "Network.requestWillBeSent":
			requests++
			var e struct {
				Request struct{ URL string }
			}
			json.Unmarshal(ev.Params, &e)
			if e.Request.URL != pageURL {
				out = append(out, "the page requested "+e.Request.URL)
			}
		}
	}
	if requests == 0 {
		out = append(out, "no request seen, not even the file: the network domain is not watched")
	}
	for _, line := range strings.Split(b.Stderr.String(), "\n") {
		if consoleLine.MatchString(line) {
			out = append(out, "chromium log: "+line)
		}
	}
	return out
}

// TestChromiumCatchesProblems shows the checks above can fail: a page that logs to the
// console, throws and loads an image (from a closed loopback port) is reported for each.
func TestChromiumCatchesProblems(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "bad.html")
	bad := `<!DOCTYPE html><html><head><title>bad</title></head><body>
<img src="http://127.0.0.1:1/pixel.png" alt="">
<script>console.error("from the page"); throw new Error("boom");</script>
</body></html>`
	if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := startBrowser(ctx, t)
	if err := b.openPage(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.navigate(ctx, pageURL); err != nil {
		t.Fatal(err)
	}
	// One more round trip so events sent after the load event are read too.
	var ok bool
	if err := b.eval(ctx, "true", &ok); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(pageProblems(b, pageURL), "\n")
	for _, want := range []string{"Runtime.consoleAPICalled", "Runtime.exceptionThrown", "the page requested http://127.0.0.1:1/pixel.png"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q; got:\n%s", want, got)
		}
	}
}

var consoleLine = regexp.MustCompile(`CONSOLE\(|Uncaught|Refused to`)

func savePNG(t *testing.T, path string, data []byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG (%d bytes)", len(data))
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
