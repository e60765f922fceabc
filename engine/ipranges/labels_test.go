package ipranges

import (
	"context"
	"database/sql"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const labelsCSV = `cidr,name,team,env
# the office and the data centre
192.168.0.0/16, corp, it
192.168.10.0/24,"dc-frankfurt, rack 3",infra,prod
192.168.10.7,  backup-appliance ,infra,prod
fd12:3456::/32,vpn-v6
`

func TestLabelsLookup(t *testing.T) {
	l, err := ParseLabels(strings.NewReader(labelsCSV), "labels.csv")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ addr, name, team, env string }{
		{"192.168.10.7", "backup-appliance", "infra", "prod"}, // the /32 beats the /24 and the /16
		{"192.168.10.8", "dc-frankfurt, rack 3", "infra", "prod"},
		{"192.168.99.1", "corp", "it", ""},
		{"::ffff:192.168.99.1", "corp", "it", ""},
		{"fd12:3456::9", "vpn-v6", "", ""},
		{"10.0.0.1", "", "", ""},
	}
	for _, c := range cases {
		b, ok := l.Lookup(netip.MustParseAddr(c.addr))
		if ok != (c.name != "") || b.Name != c.name || b.Team != c.team || b.Env != c.env {
			t.Errorf("%s: got %+v %v, want %q %q %q", c.addr, b, ok, c.name, c.team, c.env)
		}
	}
}

func TestLabelsErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"bad cidr", "10.0.0.0/8,ten\n10.0.0/99,x\n", "labels.csv:2: \"10.0.0/99\" is not a CIDR"},
		{"one field", "10.0.0.0/8\n", "labels.csv:1: want CIDR,NAME"},
		{"too many fields", "10.0.0.0/8,a,b,c,d\n", "labels.csv:1: want CIDR,NAME"},
		{"empty name", "10.0.0.0/8, \n", "labels.csv:1: empty name"},
		{"duplicate after masking", "10.0.0.0/8,a\n# same network\n10.1.2.3/8,b\n", "labels.csv:3: 10.0.0.0/8 is already labelled on line 1"},
		{"bad quoting", "10.0.0.0/8,\"open\n", "labels.csv:1:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseLabels(strings.NewReader(c.in), "labels.csv")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestLoadLabels(t *testing.T) {
	dir := t.TempDir()
	l, err := LoadLabels(dir, "")
	if err != nil || len(l.Entries) != 0 {
		t.Fatalf("no default file: %v %+v", err, l)
	}
	if _, err := LoadLabels(dir, filepath.Join(dir, "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Fatalf("a named missing file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, LabelsFile), []byte(labelsCSV), 0o600)
	l, err = LoadLabels(dir, "")
	if err != nil || len(l.Entries) != 4 {
		t.Fatalf("default file: %v %+v", err, l)
	}
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := RegisterLabelsSQL(ctx, conn, l); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"SELECT ip_label('192.168.10.7') || '/' || ip_label_team('192.168.10.7') || '/' || ip_label_env('192.168.10.7')":                    "backup-appliance/infra/prod",
		"SELECT coalesce(ip_label('10.0.0.1'), 'none') || coalesce(ip_label('-'), 'none') || coalesce(ip_label_env('192.168.1.1'), 'none')": "nonenonenone",
		"SELECT string_agg(prefix || '=' || name, ';' ORDER BY line) FROM user_labels":                                                      "192.168.0.0/16=corp;192.168.10.0/24=dc-frankfurt, rack 3;192.168.10.7/32=backup-appliance;fd12:3456::/32=vpn-v6",
	} {
		var got string
		if err := conn.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
}
