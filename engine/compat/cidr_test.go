package compat

import (
	"context"
	"database/sql"
	"net/netip"
	"testing"
)

func TestParseDottedQuad(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"10.0.0.1", 0x0a000001, true},
		{"255.255.255.255", 0xffffffff, true},
		{"0.0.0.0", 0, true},
		{"192.168.10.200", 0xc0a80ac8, true},
		{"256.0.0.1", 0, false},
		{"10.0.0", 0, false},
		{"10.0.0.1.2", 0, false},
		{"10..0.1", 0, false},
		{".10.0.0", 0, false},
		{"10.0.0.", 0, false},
		{"010.0.0.1", 0, false}, // leading zeros: netip refuses them, so must we
		{"10.0.0.01", 0, false},
		{"10.0.0.1 ", 0, false},
		{"::ffff:10.0.0.1", 0, false},
		{"-", 0, false},
		{"", 0, false},
		{"1000.0.0.1", 0, false},
	} {
		got, ok := parseDottedQuad(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseDottedQuad(%q) = %#x, %v; want %#x, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if a, err := netip.ParseAddr(tc.in); tc.ok && (err != nil || a.As4() != [4]byte{byte(tc.want >> 24), byte(tc.want >> 16), byte(tc.want >> 8), byte(tc.want)}) {
			t.Errorf("netip disagrees on %q: %v %v", tc.in, a, err)
		}
	}
}

// The fast path must answer exactly as the netip-based reference does.
func FuzzCIDRFastPath(f *testing.F) {
	for _, s := range [][2]string{
		{"10.0.0.0/8", "10.1.2.3"}, {"10.0.0.0/8", "11.0.0.0"}, {"172.16.0.0/12", "172.31.255.255"},
		{"0.0.0.0/0", "8.8.8.8"}, {"10.0.0.5/32", "10.0.0.5"}, {"10.0.0.9/24", "10.0.0.200"},
		{"10.0.0.0/8", "::ffff:10.1.2.3"}, {"::/0", "10.0.0.1"}, {"10.0.0.0/8", "-"},
		{" 10.0.0.0/8", "10.0.0.1"}, {"10.0.0.0/8", "010.0.0.1"}, {"2600::/16", "2600::1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, net, addr string) {
		n := parseCIDRNet(net)
		in, ok := n.contains(addr)
		wantIn, wantOK := cidrContains(net, addr)
		if in != wantIn || ok != wantOK {
			t.Fatalf("contains(%q, %q) = %v, %v; reference %v, %v", net, addr, in, ok, wantIn, wantOK)
		}
	})
}

// Over many rows in chunks, with the network changing per row, NULLs and a bound parameter, the
// vectorised UDF gives each row its own answer.
func TestCIDRContainsChunks(t *testing.T) {
	conn := newConn(t, Athena)
	ctx := context.Background()
	// 5,000 rows (three DuckDB chunks): row i has address 10.0.(i/256).(i%256) and every
	// seventh row a NULL address; nets alternate between 10.0.0.0/20 (the first 4,096 rows'
	// addresses) and 10.0.16.0/24 (rows 4,096-4,351), every 11th net is 2001:db8::/32.
	if _, err := conn.ExecContext(ctx, `CREATE TABLE a AS SELECT i,
		CASE WHEN i % 7 = 0 THEN NULL ELSE '10.0.' || (i // 256) || '.' || (i % 256) END AS ip,
		CASE WHEN i % 11 = 0 THEN '2001:db8::/32' WHEN i % 2 = 0 THEN '10.0.0.0/20' ELSE '10.0.16.0/24' END AS net
		FROM range(5000) t(i)`); err != nil {
		t.Fatal(err)
	}
	var want [3]int64 // true, false, NULL
	for i := 0; i < 5000; i++ {
		switch {
		case i%7 == 0:
			want[2]++
		case i%11 == 0:
			want[1]++ // an IPv4 address is never in an IPv6 network
		case i%2 == 0 && i < 4096, i%2 == 1 && i >= 4096 && i < 4352:
			want[0]++
		default:
			want[1]++
		}
	}
	var got [3]int64
	if err := conn.QueryRowContext(ctx, `SELECT count_if(c), count_if(NOT c), count_if(c IS NULL)
		FROM (SELECT cidr_contains(net, ip) AS c FROM a)`).Scan(&got[0], &got[1], &got[2]); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("per-row nets: true/false/NULL = %v, want %v", got, want)
	}
	// One bound network for every row, as saved queries run it.
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM a WHERE cidr_contains(?, ip)`, "10.0.4.0/22").Scan(&n); err != nil {
		t.Fatal(err)
	}
	// Rows 1024..2047 are in 10.0.4.0/22, less the multiples of 7 among them (146).
	if n != 1024-146 {
		t.Errorf("bound network: %d rows, want %d", n, 1024-146)
	}
	var null sql.NullBool
	if err := conn.QueryRowContext(ctx, `SELECT cidr_contains(?, '10.0.0.1')`, nil).Scan(&null); err != nil || null.Valid {
		t.Errorf("NULL network: %v, %v; want NULL", null, err)
	}
}
