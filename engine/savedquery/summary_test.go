package savedquery

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/store"
)

// tryRun runs a query as flowq does by default: the raw form, and, when the session's
// summaries are current and the query has a summary form for these parameters, the summary
// form too, which must answer exactly the same rows. Every truth test therefore checks both.
func tryRun(sess *store.Session, q Query, params map[string]string) ([]row, error) {
	raw, err := tryRunForm(sess, q, params)
	if err != nil {
		return nil, err
	}
	if !sess.SummariesReady() {
		return raw, nil
	}
	sq, ok := q.WithSummary(params)
	if !ok {
		return raw, nil
	}
	sum, err := tryRunForm(sess, sq, params)
	if err != nil {
		return nil, fmt.Errorf("summary form of %s: %w", q.Name, err)
	}
	if err := sameRows(raw, sum); err != nil {
		return nil, fmt.Errorf("summary form of %s %v: %w", q.Name, params, err)
	}
	return raw, nil
}

// sameRows compares two answers row by row, in order.
func sameRows(raw, sum []row) error {
	if len(raw) != len(sum) {
		return fmt.Errorf("%d rows, raw form %d (first raw %v, first summary %v)", len(sum), len(raw), first(raw), first(sum))
	}
	for i := range raw {
		if !reflect.DeepEqual(raw[i], sum[i]) {
			return fmt.Errorf("row %d: summary %v, raw %v", i, sum[i], raw[i])
		}
	}
	return nil
}

func first(rows []row) any {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

// The built-in queries with a summary form: every saved report a summary answers exactly.
var wantSummaryForms = []string{"blocked-ssh", "ipv4-vs-ipv6-bytes", "port-scans",
	"rejected-tcp", "rejected-traffic", "skipdata-gaps", "ssh-rdp-accepted-from-internet", "top-https-destinations",
	"top-talkers", "top-talking-instances", "top-talking-subnets", "traffic-by-protocol"}

// TestSummaryFormsAnswerAsRaw runs every summary form against its raw form over the generated
// data, with bounds on and off the hour (the hours a bound cuts are read from the records),
// one account, one region, and every choice of each enumerated parameter.
func TestSummaryFormsAnswerAsRaw(t *testing.T) {
	truth, st := generated(t)
	sess := openSession(t, st)
	if !sess.SummariesReady() {
		t.Fatal("summaries not current after a load")
	}
	// The hourly summary holds every record once, in fewer rows; the conversation summary holds
	// the planted one-sided conversations at least.
	var recs, rows, convs int64
	if err := sess.DB.QueryRow("SELECT sum(records), count(*) FROM vpc_flow_summary_hourly").Scan(&recs, &rows); err != nil {
		t.Fatal(err)
	}
	if err := sess.DB.QueryRow("SELECT count(*) FROM vpc_flow_summary_conversations").Scan(&convs); err != nil {
		t.Fatal(err)
	}
	if recs != truth.Records || rows >= recs || convs < int64(len(truth.Asymmetric)) {
		t.Errorf("hourly summary: %d records in %d rows, %d conversations; truth %d records, %d one-sided", recs, rows, convs, truth.Records, len(truth.Asymmetric))
	}
	t.Logf("hourly summary: %d records in %d rows; %d conversation rows", recs, rows, convs)
	c, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, q := range c.List() {
		if q.Summary != nil {
			have = append(have, q.Name)
		}
	}
	if !reflect.DeepEqual(have, wantSummaryForms) {
		t.Errorf("queries with a summary form: %v, want %v", have, wantSummaryForms)
	}
	mid := truth.Start.Add(37*time.Minute + 13*time.Second).Unix()
	end := truth.End.Add(-23 * time.Minute).Unix()
	hour := truth.Start.Truncate(time.Hour).Add(time.Hour).Unix()
	ranges := []map[string]string{
		{},
		{"since": fmt.Sprint(mid)},
		{"until": fmt.Sprint(end)},
		{"since": fmt.Sprint(mid), "until": fmt.Sprint(end)},
		{"since": fmt.Sprint(hour), "until": fmt.Sprint(hour + 3600)},
		{"since": fmt.Sprint(mid), "until": fmt.Sprint(mid + 600)}, // inside one hour
		{"account": truth.FlowLogs[0].Account},
		{"region": truth.FlowLogs[len(truth.FlowLogs)-1].Region, "since": fmt.Sprint(hour)},
	}
	for _, name := range wantSummaryForms {
		q := lookup(t, name)
		var variants []map[string]string
		for _, r := range ranges {
			variants = append(variants, r)
		}
		for _, p := range q.Params {
			for _, ch := range p.Choices {
				variants = append(variants, map[string]string{p.Name: ch})
			}
		}
		for _, v := range variants {
			params := map[string]string{}
			for k, x := range v {
				params[k] = x
			}
			if _, ok := q.Param("limit"); ok {
				params["limit"] = "100000"
			}
			if _, ok := q.Param("min_ports"); ok {
				params["min_ports"] = "1"
			}
			if _, ok := q.WithSummary(params); !ok {
				t.Errorf("%s %v: no summary form", name, params)
				continue
			}
			rows, err := tryRun(sess, q, params)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			} else if len(v) == 0 && len(rows) == 0 {
				t.Errorf("%s: no rows over the whole data set", name)
			}
		}
	}
}

func TestWithSummaryRequires(t *testing.T) {
	q := lookup(t, "top-talkers")
	sf := *q.Summary // a copy: the catalog's form stays as it is
	sf.Requires = map[string]string{"by": "pair"}
	q.Summary = &sf
	if _, ok := q.WithSummary(nil); !ok {
		t.Error("the default by=pair has no summary form")
	}
	if sq, ok := q.WithSummary(map[string]string{"by": "src"}); ok || sq.SQL != q.SQL {
		t.Error("by=src took a summary form that requires by=pair")
	}
	if q, ok := lookup(t, "traffic-to").WithSummary(nil); ok || q.Summary != nil {
		t.Error("traffic-to has a summary form")
	}
	// --print shows the raw form: the query's own SQL never names a summary table.
	for _, name := range wantSummaryForms {
		text, err := Render(lookup(t, name), map[string]string{}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, "vpc_flow_summary") {
			t.Errorf("%s: rendered text reads a summary table", name)
		}
	}
}

func TestParseSummaryErrors(t *testing.T) {
	q := lookup(t, "top-talkers")
	for _, tc := range []struct{ text, want string }{
		{"-- requires: nope=1\nSELECT 1", `parameter "nope"`},
		{"-- requires: by\nSELECT 1", "want NAME=VALUE"},
		{"-- requires: limit=abc\nSELECT 1", "not an integer"},
		{"SELECT $other", "$other"},
		{"SELECT 1; SELECT 2", "2 statements"},
	} {
		if _, err := parseSummary(q, tc.text, "f.sql"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}
