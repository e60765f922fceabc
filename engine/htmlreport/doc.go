// Package htmlreport builds flowq's self-contained HTML report: summary numbers, inline SVG
// charts and saved-query tables from a session's vpc_flow_logs, with the SQL behind each panel.
//
// docs/report.md is the user's account of what the report shows; this is the programmer's.
//
// # Go API
//
//	type Options struct {
//		Since, Until time.Time           // records with Since <= start < Until; zero: unbounded
//		Title        string              // default "flowq report"
//		Catalog      *savedquery.Catalog // saved queries for the "Saved queries" section; nil: no section
//		Now          time.Time           // clock for relative defaults and "generated"; default time.Now()
//		MaxRows      int                 // rows shown per table; default 100 (the query's own LIMIT applies first)
//	}
//
//	func Build(ctx context.Context, db *sql.DB, opts Options) (*Report, error)
//	func (r *Report) WriteHTML(w io.Writer) error
//
//	type Report struct {
//		Title        string
//		Generated    time.Time
//		Since, Until time.Time
//		Summary      Summary  // Records, Bytes, Packets, Accepted, Rejected, NoData, SkipData, First, Last, Accounts, Regions, ENIs, SQL
//		Traffic      Traffic  // Bucket, Times, Accepted, Rejected, SQL
//		Panels, Saved []*Panel // ID, Title, Description, Note, SQL, Chart, Table, Err, SeeAlso, SeeAlsoTitle
//		Warnings     []string
//	}
//
//	// Charts, usable on their own (deterministic SVG text):
//	func (c LineChart) SVG() template.HTML // Title, Width, Height, X []time.Time, Series []Series{Name, Color, Dashed, Values}, YLabel
//	func (c BarChart) SVG() template.HTML  // Title, Width, Color, Bars []Bar{Label, Value, Text}
//	func (tr Traffic) Chart(width, height int) template.HTML         // accepted and rejected
//	func (tr Traffic) RejectedChart(width, height int) template.HTML // rejected alone, own scale
//
//	// Formatting: Int(1234567) = "1,234,567", Float, Time (UTC).
//
// Wiring in the CLI (what flowq report --html does):
//
//	sess, _ := st.OpenSession(ctx, store.SessionOptions{Init: compat.Register})
//	cat, _ := savedquery.DefaultCatalog(queryDirs...)
//	since, _ := savedquery.ParseTime("7d", now)
//	r, err := htmlreport.Build(ctx, sess.DB, htmlreport.Options{Since: since, Catalog: cat, Now: now})
//	err = r.WriteHTML(f) // f from engine/atomicfile, so a failed run leaves no half file
//
// A failing summary or traffic query, or a failing built-in panel, is an error from Build; a
// failing saved query is shown in its panel.
//
// # How it is tested
//
//   - Golden SVGs (testdata/*.svg, rewrite with go test ./engine/htmlreport -update): line charts
//     at 640×240 (two series across midnight, a dashed one, a gap of zeros), 320×160 (one point;
//     no data), 480×200 (a week of zeros, day ticks, an escaped series name), bar charts at 480
//     (protocols with a zero bar), 400 (labels cut with an ellipsis, escaped) and 300 (empty).
//     Each golden is also parsed as XML. Hand-computed geometry (point coordinates, bar widths,
//     axis maxima) and number formats are checked separately so a golden cannot freeze a wrong
//     value.
//   - Generated data: flowgen's Small() set is loaded through the real store and the report is
//     built with the compat layer. Checked against flowgen's recorded truth: total records,
//     bytes, packets, accepted/rejected, NODATA/SKIPDATA, accounts, regions, ENIs, date range;
//     traffic buckets summing to the accepted/rejected totals; the heavy talker pair and its
//     bytes; the top rejected source and port; every SSH attacker with its attempts; the port
//     scanner and its 120 ports; every planted asymmetric conversation; bytes and records per
//     protocol; every saved query present (run, linked, or "needs cidr"); --since/--until
//     restricting every panel and shown in the SQL; an empty store; a hostile user query (markup
//     in its description, column name and values) escaped; a broken one showing its error; an
//     unparsable file reported.
//   - Headless Chromium (Debian's chromium; the test fails, never skips, when it is missing):
//     driven over --remote-debugging-pipe (no port). The page is loaded from file:// and must
//     produce no console message, exception, browser log entry or request other than the file
//     itself; every panel id must be in the DOM in order with the truth's numbers in its rendered
//     text; the SQL toggles are present and closed; the page does not scroll sideways at 1280 px;
//     every chart is laid out. A full-page screenshot (screen and print media) and a PDF are saved
//     to $FLOWQ_REPORT_ARTIFACTS (default: the test's temp dir, path logged). A second test loads
//     a bad page (console error, exception, loopback image) to show each check fails.
package htmlreport
