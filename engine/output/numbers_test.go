package output

import (
	"strings"
	"testing"
)

func TestNumberKind(t *testing.T) {
	cases := map[string]numKind{
		"start": numCode, "end": numCode, "min(start)": numCode, "first_start": numCode,
		"last_end": numCode, "first_seen": numCode, "event_ts": numCode, "unixtime": numCode,
		"starttime": numCode, "dstport": numCode, "port_b": numCode, "account_id": numCode,
		"bytes": numBytes, "sum(bytes)": numBytes, "rx_bytes": numBytes, "bytes_out": numBytes,
		"bytes_per_sec": numQuantity, "bytes_pct": numQuantity, "packets": numQuantity,
		"p": numPortAlias, "P": numPortAlias, "dp": numPortAlias, "records": numQuantity,
		"backend": numQuantity, "count_star()": numQuantity,
	}
	for name, want := range cases {
		if got := numberKind(name); got != want {
			t.Errorf("numberKind(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestNumbersByMeaning: Unix times and ports are never grouped, byte counts get binary units in
// table mode only, other counts are grouped. 13851234567 B / 1024³ = 12.8999… GiB.
func TestNumbersByMeaning(t *testing.T) {
	db := openDB(t)
	cases := []struct {
		name    string
		q       string
		f       Format
		want    []string
		notWant []string
	}{
		{"unix times", `SELECT 1793491848 AS start, 1793491908 AS "end", 1793491848 AS "min(start)", 1793491848 AS event_ts`,
			Table, []string{"│ 1793491848 │ 1793491908 │ 1793491848 │ 1793491848 │"}, []string{"1,793"}},
		{"port alias", `SELECT 35852 AS p, 443 AS dp`, Table, []string{"│ 35852 │ 443 │"}, []string{"35,852"}},
		{"not a port", `SELECT x AS p FROM (VALUES (80), (123456)) t(x)`, Table, []string{"│      80 │", "│ 123,456 │"}, nil},
		{"bytes table", `SELECT 13851234567 AS bytes, sum(x) AS "sum(bytes)", 512 AS rx_bytes, 1234567 AS packets FROM (VALUES (13851234567::BIGINT)) t(x)`,
			Table, []string{"│ 12.9 GiB │   12.9 GiB │    512 B │ 1,234,567 │"}, []string{"13,851"}},
		{"bytes null", `SELECT NULL::BIGINT AS bytes`, Table, []string{"│  NULL │"}, nil},
		{"bytes rate", `SELECT 2048 AS bytes_per_sec`, Table, []string{"│         2,048 │"}, []string{"KiB"}},
		{"bytes csv", `SELECT 13851234567 AS bytes, sum(x) AS "sum(bytes)" FROM (VALUES (13851234567::BIGINT)) t(x)`,
			CSV, []string{"bytes,sum(bytes)\n13851234567,13851234567\n"}, []string{"GiB"}},
		{"bytes json", `SELECT 13851234567 AS bytes`, JSON, []string{`{"bytes":13851234567}`}, []string{"GiB"}},
		{"bytes line", `SELECT 13851234567 AS bytes`, Line, []string{"bytes = 13851234567\n"}, []string{"GiB"}},
		{"bytes markdown", `SELECT 13851234567 AS bytes`, Markdown, []string{"| 13851234567 |"}, []string{"GiB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := render(t, db, c.q, c.f, Options{})
			for _, s := range c.want {
				if !strings.Contains(got, s) {
					t.Errorf("lacks %q:\n%s", s, got)
				}
			}
			for _, s := range c.notWant {
				if strings.Contains(got, s) {
					t.Errorf("has %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{{int64(0), "0 B"}, {int64(1023), "1023 B"}, {int64(1024), "1.0 KiB"}, {uint64(13851234567), "12.9 GiB"},
		{int32(-2048), "-2.0 KiB"}, {1536.0, "1.5 KiB"}, {int64(70939108672), "66.1 GiB"}} {
		if got, ok := humanBytes(c.in); !ok || got != c.want {
			t.Errorf("humanBytes(%v) = %q, %v, want %q", c.in, got, ok, c.want)
		}
	}
	if _, ok := humanBytes("x"); ok {
		t.Error("humanBytes(string) ok")
	}
}

// TestMoreHint: the cut line says how to see the rest when the caller tells it how.
func TestMoreHint(t *testing.T) {
	db := openDB(t)
	for _, f := range []Format{Table, Markdown, Line} {
		got, _ := render(t, db, "SELECT x FROM range(10) t(x)", f, Options{MaxRows: 3, MoreHint: ".maxrows 0 shows every row"})
		if !strings.HasSuffix(got, "… 7 more rows (.maxrows 0 shows every row)\n") {
			t.Errorf("%s: no hint:\n%s", f, got)
		}
	}
}
