package savedquery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/queries"
)

// 2024-01-15 08:00:00 UTC
const e0 = 1705305600

const v2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
const v5Header = v2Header + " vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type" +
	" sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"

func v2(eni, src, dst string, sport, dport, proto, pk, by int, start int, action, status string) string {
	return fmt.Sprintf("2 123456789012 %s %s %s %d %d %d %d %d %d %d %s %s", eni, src, dst, sport, dport, proto, pk, by, start, start+50, action, status)
}

// edgeStore holds hand-made records: NODATA and SKIPDATA rows, IPv6, "-" values, border
// addresses of the private ranges, and a v5 file whose instance/subnet/service fields are "-".
func edgeStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	lines := []string{v2Header,
		"2 123456789012 eni-a - - - - - - - " + fmt.Sprint(e0) + " " + fmt.Sprint(e0+60) + " - NODATA",
		"2 123456789012 eni-b - - - - - - - " + fmt.Sprint(e0+120) + " " + fmt.Sprint(e0+180) + " - SKIPDATA",
		"2 123456789012 eni-b - - - - - - - " + fmt.Sprint(e0+400) + " " + fmt.Sprint(e0+460) + " - SKIPDATA",
		// SSH REJECTs: public and non-public sources, IPv4 and IPv6.
		v2("eni-a", "2001:db8::66", "2600:1f18::a", 50000, 22, 6, 1, 80, e0, "REJECT", "OK"),
		v2("eni-a", "2001:db8::66", "2600:1f18::a", 50001, 22, 6, 2, 160, e0+300, "REJECT", "OK"),
		v2("eni-a", "fd12::5", "2600:1f18::a", 50002, 22, 6, 1, 80, e0, "REJECT", "OK"),
		v2("eni-a", "fe80::9", "2600:1f18::a", 50003, 22, 6, 1, 80, e0, "REJECT", "OK"),
		v2("eni-a", "100.64.1.1", "10.0.0.5", 50004, 22, 6, 1, 60, e0, "REJECT", "OK"),
		v2("eni-a", "172.32.0.1", "10.0.0.5", 50005, 22, 6, 1, 60, e0, "REJECT", "OK"),
		v2("eni-a", "172.31.255.255", "10.0.0.5", 50006, 22, 6, 1, 60, e0, "REJECT", "OK"),
		v2("eni-a", "169.254.169.254", "10.0.0.5", 50007, 22, 6, 1, 60, e0, "REJECT", "OK"),
		// SSH ACCEPTed from a public IPv6 and from link-local: only the first is "from the internet".
		v2("eni-a", "2001:db8::77", "2600:1f18::a", 50010, 22, 6, 10, 900, e0, "ACCEPT", "OK"),
		v2("eni-a", "2600:1f18::a", "2001:db8::77", 22, 50010, 6, 10, 900, e0, "ACCEPT", "OK"),
		v2("eni-a", "fe80::9", "2600:1f18::a", 50011, 22, 6, 10, 900, e0, "ACCEPT", "OK"),
		v2("eni-a", "2600:1f18::a", "fe80::9", 22, 50011, 6, 10, 900, e0, "ACCEPT", "OK"),
		// eni-b sends a request during its SKIPDATA interval and never logs the reply.
		v2("eni-b", "10.0.0.7", "52.94.1.1", 40000, 443, 6, 3, 180, e0+130, "ACCEPT", "OK"),
		// Egress to a ULA and to a public IPv6 address.
		v2("eni-a", "2600:1f18::a", "fd00::2", 40001, 443, 6, 5, 500, e0, "ACCEPT", "OK"),
		v2("eni-a", "fd00::2", "2600:1f18::a", 443, 40001, 6, 5, 500, e0, "ACCEPT", "OK"),
	}
	write := func(name string, ls []string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(ls, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.log", lines)
	write("b.log", []string{v5Header,
		v2("eni-c", "10.0.1.1", "10.0.1.2", 40002, 5432, 6, 4, 400, e0, "ACCEPT", "OK") + " vpc-1 - - 2 IPv4 - - us-east-1 use1-az1 - - - - egress 1",
		v2("eni-c", "10.0.1.2", "10.0.1.1", 5432, 40002, 6, 4, 400, e0, "ACCEPT", "OK") + " vpc-1 - - 18 IPv4 - - us-east-1 use1-az1 - - - - ingress -",
		"2 123456789012 eni-c - - - - - - - " + fmt.Sprint(e0) + " " + fmt.Sprint(e0+60) + " - NODATA vpc-1 subnet-1 i-1 - - - - us-east-1 use1-az1 - - - - - -",
		// A NAT gateway's interface: its own address outside, the instance's inside.
		v2("eni-nat", "10.0.0.9", "52.1.1.1", 40003, 443, 6, 7, 7000, e0, "ACCEPT", "OK") + " vpc-1 subnet-2 - 2 IPv4 10.0.5.5 52.1.1.1 us-east-1 use1-az1 - - - S3 egress 8",
		v2("eni-nat", "52.1.1.1", "10.0.0.9", 443, 40003, 6, 1, 100, e0, "ACCEPT", "OK") + " vpc-1 subnet-2 - 18 IPv4 52.1.1.1 10.0.5.5 us-east-1 use1-az1 - - S3 - ingress -",
	})
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Load(ctx, []string{filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")}, store.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != int64(len(lines)-1+5) {
		t.Fatalf("loaded %d rows: %+v", sum.Rows, sum)
	}
	return st
}

func TestEdgeCases(t *testing.T) {
	sess := openSession(t, edgeStore(t))

	public := map[string]any{}
	attempts := map[string]int64{}
	for _, r := range run(t, sess, "blocked-ssh", nil) {
		public[str(r, "source")] = r["public"]
		attempts[str(r, "source")] = i64(t, r, "attempts")
	}
	wantPublic := map[string]any{"2001:db8::66": true, "fd12::5": false, "fe80::9": false, "100.64.1.1": false,
		"172.32.0.1": true, "172.31.255.255": false, "169.254.169.254": false}
	if fmt.Sprint(public) != fmt.Sprint(wantPublic) || attempts["2001:db8::66"] != 2 {
		t.Errorf("blocked-ssh public %v attempts %v", public, attempts)
	}

	rows := run(t, sess, "ssh-rdp-accepted-from-internet", nil)
	if len(rows) != 1 || str(rows[0], "source") != "2001:db8::77" || str(rows[0], "destination") != "2600:1f18::a" {
		t.Errorf("ssh-rdp-accepted-from-internet %v", rows)
	}

	rows = run(t, sess, "skipdata-gaps", nil)
	if len(rows) != 1 || str(rows[0], "interface_id") != "eni-b" || i64(t, rows[0], "skipdata_rows") != 2 ||
		i64(t, rows[0], "hour") != e0 || str(rows[0], "account_id") != "123456789012" {
		t.Errorf("skipdata-gaps %v", rows)
	}

	rows = run(t, sess, "asymmetric-flows", nil)
	if len(rows) != 1 || str(rows[0], "src") != "10.0.0.7" || rows[0]["skipdata"] != true || str(rows[0], "kind") != "reverse-missing" {
		t.Errorf("asymmetric-flows %v", rows)
	}
	if rows := run(t, sess, "asymmetric-flows", map[string]string{"skipdata": "exclude"}); len(rows) != 0 {
		t.Errorf("asymmetric-flows skipdata=exclude %v", rows)
	}

	// Egress: the public IPv6 destinations, never the ULA, link-local or private ones, nor an
	// ENI's own GUA address (2600:1f18::a, receiving SSH: inbound, not egress).
	dests := map[string]bool{}
	for _, r := range run(t, sess, "egress-to-internet", nil) {
		dests[str(r, "destination")] = true
	}
	if fmt.Sprint(dests) != fmt.Sprint(map[string]bool{"2001:db8::77": true, "52.1.1.1": true, "52.94.1.1": true}) {
		t.Errorf("egress-to-internet %v", dests)
	}

	// "-" and missing instance ids are left out; the NODATA row carries the only instance id.
	if rows := run(t, sess, "top-talking-instances", nil); len(rows) != 0 {
		t.Errorf("top-talking-instances: %v", rows)
	}
	for _, by := range []string{"instance"} {
		if rows := run(t, sess, "top-talkers", map[string]string{"by": by}); len(rows) != 0 {
			t.Errorf("top-talkers by=%s: %v", by, rows)
		}
	}

	// Packet-level talkers name the instance behind the NAT gateway; address-level ones the gateway.
	for by, want := range map[string]string{"src": "10.0.0.9", "pkt-src": "10.0.5.5", "pkt-pair": "10.0.5.5 -> 52.1.1.1"} {
		rows := run(t, sess, "top-talkers", map[string]string{"by": by, "limit": "1"})
		if len(rows) != 1 || str(rows[0], "talker") != want || i64(t, rows[0], "bytes") != 7000 {
			t.Errorf("top-talkers by=%s: %v, want %s with 7000 bytes", by, rows, want)
		}
	}
	// The subnet report sees the NAT interface's subnet only ("-" ids are left out).
	if rows := run(t, sess, "top-talking-subnets", nil); len(rows) != 1 || str(rows[0], "subnet_id") != "subnet-2" || i64(t, rows[0], "instances") != 0 {
		t.Errorf("top-talking-subnets %v", rows)
	}

	fam := map[string]int64{}
	for _, r := range run(t, sess, "ipv4-vs-ipv6-bytes", nil) {
		fam[str(r, "family")] = i64(t, r, "records")
	}
	if fam["IPv4"] != 9 || fam["IPv6"] != 10 {
		t.Errorf("families %v", fam)
	}
	// 0.0.0.0/0 holds no IPv6 source; ::/0 holds every source of both families.
	if rows := run(t, sess, "traffic-from", map[string]string{"cidr": "::/0"}); sumRecords(t, rows) != 19 {
		t.Errorf("traffic-from ::/0: %v", rows)
	}
	if rows := run(t, sess, "traffic-to", map[string]string{"cidr": "2600:1f18::/32", "port": "22"}); sumRecords(t, rows) != 6 {
		t.Errorf("traffic-to 2600:1f18::/32 port 22: %v", rows)
	}

	// Every query runs over NODATA, SKIPDATA and "-" rows.
	for _, q := range allQueries(t) {
		if _, err := tryRun(sess, q, requiredParams(q)); err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
	}
}

func sumRecords(t *testing.T, rows []row) int64 {
	var n int64
	for _, r := range rows {
		n += i64(t, r, "records")
	}
	return n
}

func allQueries(t *testing.T) []Query {
	t.Helper()
	c, err := NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c.List()
}

func requiredParams(q Query) map[string]string {
	p := map[string]string{}
	for _, x := range q.Params {
		if x.Required {
			p[x.Name] = "10.0.0.0/8"
		}
	}
	return p
}

// On an empty store every query, with every choice of its enumerated parameters, runs and
// returns no rows.
func TestEmptyTable(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	sess := openSession(t, st)
	for _, q := range allQueries(t) {
		variants := []map[string]string{requiredParams(q)}
		for _, p := range q.Params {
			for _, c := range p.Choices {
				v := requiredParams(q)
				v[p.Name] = c
				variants = append(variants, v)
			}
		}
		for _, params := range variants {
			rows, err := tryRun(sess, q, params)
			if err != nil || len(rows) != 0 {
				t.Errorf("%s %v: %d rows, %v", q.Name, params, len(rows), err)
			}
		}
	}
}

// A hostile value is a value: it reaches the query as data and changes nothing else.
func TestHostileValues(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	ctx := context.Background()
	if _, err := sess.DB.ExecContext(ctx, "CREATE TABLE x AS SELECT 42 AS n"); err != nil {
		t.Fatal(err)
	}
	const evil = "'; drop table x; --"
	echo, err := Parse("-- name: echo\n-- param: v = | value\nSELECT $v AS v, (SELECT count(*) FROM x) AS n", "echo", "echo.sql")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tryRun(sess, echo, map[string]string{"v": evil})
	if err != nil || len(rows) != 1 || str(rows[0], "v") != evil || i64(t, rows[0], "n") != 1 {
		t.Fatalf("echo: %v %v", rows, err)
	}
	for _, q := range allQueries(t) {
		params := requiredParams(q)
		for _, name := range []string{"account", "region"} {
			if _, ok := q.Param(name); ok {
				params[name] = evil
			}
		}
		rows, err := tryRun(sess, q, params)
		if err != nil || len(rows) != 0 {
			t.Errorf("%s with hostile account/region: %d rows, %v", q.Name, len(rows), err)
		}
	}
	var n int
	if err := sess.DB.QueryRowContext(ctx, "SELECT n FROM x").Scan(&n); err != nil || n != 42 {
		t.Fatalf("table x after hostile values: %d %v", n, err)
	}
}

// Render writes literals that DuckDB reads back as the same values: the Athena text of a query
// gives the same answer as the bound one.
func TestRenderMatchesBind(t *testing.T) {
	sess := openSession(t, edgeStore(t))
	for _, tc := range []struct {
		name   string
		params map[string]string
	}{
		{"blocked-ssh", map[string]string{"account": "123456789012", "since": "2024-01-15"}},
		{"traffic-to", map[string]string{"cidr": "2600:1f18::/32", "port": "22"}},
		{"top-talkers", map[string]string{"by": "src", "limit": "3"}},
	} {
		q := lookup(t, tc.name)
		bound := run(t, sess, tc.name, tc.params)
		text, err := Render(q, tc.params, now)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, "$") {
			t.Errorf("%s: rendered text keeps a parameter:\n%s", tc.name, text)
		}
		lit := Query{Name: q.Name, SQL: text}
		rendered, err := tryRun(sess, lit, nil)
		if err != nil {
			t.Fatalf("%s rendered: %v\n%s", tc.name, err, text)
		}
		if len(bound) == 0 || fmt.Sprint(bound) != fmt.Sprint(rendered) {
			t.Errorf("%s: bound %v\nrendered %v", tc.name, bound, rendered)
		}
	}
}
