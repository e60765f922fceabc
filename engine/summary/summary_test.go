package summary

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/store/storetest"
	"github.com/flowq/flowq/engine/timespec"
)

// t0 is 2024-05-01T00:00:00Z; the planted records are placed in hours after it.
var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

const header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

// planted are three deliveries of hand-written records: (region, day, records).
var planted = []struct {
	account, region string
	day             time.Time
	lines           []string
}{
	{"111111111111", "eu-west-1", t0, []string{
		rec("111111111111", "eni-a", "10.0.0.1 10.0.0.2 1000 22 6 10 1000", 60, 120, "ACCEPT OK"),
		rec("111111111111", "eni-a", "10.0.0.3 10.0.0.2 1001 22 6 1 40", 300, 360, "REJECT OK"),
	}},
	{"222222222222", "us-east-1", t0, []string{
		rec("222222222222", "eni-b", "10.0.1.1 10.0.1.2 53 53 17 4 400", 2*3600+10, 2*3600+70, "ACCEPT OK"),
		rec("222222222222", "eni-b", "- - - - - - -", 5*3600, 5*3600+60, "- NODATA"),
	}},
	{"111111111111", "eu-west-1", t0.AddDate(0, 0, 1), []string{
		rec("111111111111", "eni-c", "- - - - - - -", 24*3600+100, 24*3600+160, "- SKIPDATA"),
		rec("111111111111", "eni-c", "10.0.2.1 10.0.2.2 443 5555 6 20 20000", 25*3600, 25*3600+60, "ACCEPT OK"),
	}},
}

// rec writes one version 2 record starting and ending the given seconds after t0.
func rec(account, eni, mid string, start, end int64, tail string) string {
	return fmt.Sprintf("2 %s %s %s %d %d %s", account, eni, mid, t0.Unix()+start, t0.Unix()+end, tail)
}

// plantedStore loads the planted deliveries into a new store and opens a session on it.
func plantedStore(t *testing.T) (*store.Store, *store.Session) {
	t.Helper()
	return loadStore(t, header, planted, 6)
}

// loadStore loads deliveries written with the given header line into a new store, expecting
// rows rows, and opens a session on it.
func loadStore(t *testing.T, header string, deliveries []struct {
	account, region string
	day             time.Time
	lines           []string
}, rows int64) (*store.Store, *store.Session) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for i, p := range deliveries {
		name := flowlog.FileName(p.account, p.region, "fl-0abc", p.day, fmt.Sprintf("%08x", i), ".log")
		path := filepath.Join(src, filepath.FromSlash(flowlog.ObjectKey("", "", p.account, p.region, p.day, -1, false, name)))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(header+"\n"+strings.Join(p.lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Load(ctx, []string{src}, store.LoadOptions{})
	if err != nil || sum.Rows != rows || sum.Rejected != 0 {
		t.Fatalf("load: %+v, %v; want %d rows", sum, err, rows)
	}
	return st, storetest.Session(t, st)
}

func TestRead(t *testing.T) {
	_, sess := plantedStore(t)
	at := func(sec int64) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	for _, tc := range []struct {
		name string
		r    timespec.Range
		want Summary // SQL is not compared
	}{
		{"everything", timespec.Range{}, Summary{
			Records: 6, Bytes: 21440, Packets: 35, Accepted: 3, Rejected: 1, NoData: 1, SkipData: 1,
			First: at(60), Last: at(25*3600 + 60), FirstDate: "2024-05-01", LastDate: "2024-05-02",
			Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"eu-west-1", "us-east-1"}, ENIs: 3, Interval: time.Minute}},
		{"hour 1 to the end of May 1", timespec.Range{From: at(3600), To: at(24 * 3600)}, Summary{
			Records: 2, Bytes: 400, Packets: 4, Accepted: 1, NoData: 1,
			First: at(2*3600 + 10), Last: at(5*3600 + 60), FirstDate: "2024-05-01", LastDate: "2024-05-01",
			Accounts: []string{"222222222222"}, Regions: []string{"us-east-1"}, ENIs: 1, Interval: time.Minute}},
		// Half-open: the record starting exactly at To is left out, the one at From is kept.
		{"until the second record's start", timespec.Range{To: at(300)}, Summary{
			Records: 1, Bytes: 1000, Packets: 10, Accepted: 1, First: at(60), Last: at(120),
			FirstDate: "2024-05-01", LastDate: "2024-05-01",
			Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}, ENIs: 1, Interval: time.Minute}},
		{"from the second record's start", timespec.Range{From: at(300), To: at(301)}, Summary{
			Records: 1, Bytes: 40, Packets: 1, Rejected: 1, First: at(300), Last: at(360),
			FirstDate: "2024-05-01", LastDate: "2024-05-01",
			Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}, ENIs: 1, Interval: time.Minute}},
		{"nothing", timespec.Range{From: at(90 * 86400)}, Summary{Accounts: []string{}, Regions: []string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(context.Background(), sess.DB, tc.r, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got.SQL == "" || !strings.Contains(got.SQL, "FROM vpc_flow_logs") {
				t.Errorf("SQL to show: %q", got.SQL)
			}
			got.SQL = ""
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestActivityAndSpark(t *testing.T) {
	_, sess := plantedStore(t)
	a, err := ReadActivity(context.Background(), sess.DB, timespec.Range{}, time.Hour, 100, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Hours 0 through 25 each get a bucket; the planted hours are 0, 2, 5, 24 and 25.
	if len(a.Accepted) != 26 || !a.Start.Equal(t0) {
		t.Fatalf("%d buckets from %v, want 26 from %v", len(a.Accepted), a.Start, t0)
	}
	want := map[int][4]int64{0: {1, 1, 2, 0}, 2: {1, 0, 1, 0}, 5: {0, 0, 1, 0}, 24: {0, 0, 0, 1}, 25: {1, 0, 1, 0}}
	for i := range a.Accepted {
		got := [4]int64{a.Accepted[i], a.Rejected[i], a.Logged[i], a.SkipData[i]}
		if got != want[i] {
			t.Errorf("hour %d: accepted, rejected, logged, skipdata = %v, want %v", i, got, want[i])
		}
	}
	if times := a.Times(); !times[25].Equal(t0.Add(25 * time.Hour)) {
		t.Errorf("last bucket starts %v", times[25])
	}
	// 26 hours in at most 10 characters: 3 hours each, 9 characters.
	vals, gaps, skip, per := a.Spark(10)
	wantVals := []float64{3, 1, 0, 0, 0, 0, 0, 0, 1}
	// The last holds SKIPDATA (hour 24) and a record (hour 25): drawn, and marked apart.
	wantGaps := []bool{false, false, true, true, true, true, true, true, false}
	wantSkip := []bool{false, false, false, false, false, false, false, false, true}
	if per != 3*time.Hour || !slices.Equal(vals, wantVals) || !slices.Equal(gaps, wantGaps) || !slices.Equal(skip, wantSkip) {
		t.Errorf("Spark(10) = %v, %v, %v, %v; want %v, %v, %v, 3h", vals, gaps, skip, per, wantVals, wantGaps, wantSkip)
	}
	// A range and a 1-day bucket: May 2 alone.
	a, err = ReadActivity(context.Background(), sess.DB, timespec.Range{From: t0.Add(24 * time.Hour)}, 24*time.Hour, 100, t0)
	if err != nil || len(a.Accepted) != 1 || a.Accepted[0] != 1 || a.SkipData[0] != 1 || !a.Start.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("May 2 by day: %+v, %v", a, err)
	}
	if _, err := ReadActivity(context.Background(), sess.DB, timespec.Range{}, time.Hour, 10, t0); err == nil {
		t.Error("26 hourly buckets with a limit of 10: no error")
	}
}

func TestStatus(t *testing.T) {
	st, sess := plantedStore(t)
	s, err := ReadStatus(context.Background(), st, sess.DB)
	if err != nil {
		t.Fatal(err)
	}
	if s.Files != 3 || s.Rows != 6 || s.FirstDate != "2024-05-01" || s.LastDate != "2024-05-02" || s.ENIs != 3 ||
		!slices.Equal(s.Accounts, []string{"111111111111", "222222222222"}) || s.FirstHour != t0.Unix() || s.BucketHours != 1 || len(s.Activity) != 26 {
		t.Errorf("status %+v", s)
	}
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"rows:        6 (0 lines rejected", "dates:       2024-05-01 .. 2024-05-02",
		"regions:     eu-west-1, us-east-1", "per hour, 2024-05-01 00:00 .. 2024-05-02 02:00 UTC",
		// Hours 0..25: 2 records in hour 0, 1 in 2, 5 and 25 (NODATA counts as a record),
		// SKIPDATA alone in 24: drawn as a bar of zero, and marked on the line below.
		"records:     █·▄··▄" + strings.Repeat("·", 18) + "▁▄  per hour",
		"SKIPDATA:    " + strings.Repeat(" ", 24) + "^   ^ = some records lost (SKIPDATA rows in 1 of 26)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status text lacks %q:\n%s", want, b.String())
		}
	}
	if want := make([]bool, 26); !slices.Equal(s.SkipData, append(want[:24:24], true, false)) {
		t.Errorf("skipdata hours %v, want hour 24 alone", s.SkipData)
	}
}

// NODATA and SKIPDATA records of a custom format carry "-" in their region and account fields:
// not a region or an account.
func TestStatusDashRegion(t *testing.T) {
	const h = header + " region"
	st, sess := loadStore(t, h, []struct {
		account, region string
		day             time.Time
		lines           []string
	}{{"111111111111", "eu-west-1", t0, []string{
		rec("111111111111", "eni-a", "10.0.0.1 10.0.0.2 1000 22 6 10 1000", 60, 120, "ACCEPT OK eu-west-1"),
		rec("111111111111", "eni-a", "- - - - - - -", 3600, 3660, "- NODATA -"),
		rec("111111111111", "eni-b", "- - - - - - -", 7200, 7260, "- SKIPDATA -"),
	}}}, 3)
	s, err := ReadStatus(context.Background(), st, sess.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Regions, []string{"eu-west-1"}) || !slices.Equal(s.Accounts, []string{"111111111111"}) {
		t.Errorf("regions %q, accounts %q; want eu-west-1 and 111111111111 alone", s.Regions, s.Accounts)
	}
}
