package savedquery

import (
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/flowq/flowq/queries"
)

const sample = `-- name: sample-q
-- description: A sample.
-- finds: Things
--   over two lines.
-- false-positives: Some.
-- portability: Athena as is.
-- param: since = | Lower bound
-- param: limit = 10 | Rows
-- param: by = pair [pair src dst] | Grouping
-- param: cidr required | Network
-- param: min_ports:int = 20 | Threshold
--   continued.
SELECT $by AS by, $cidr AS c, $limit AS l, $since AS s, $min_ports AS m -- $not_a_param
FROM t WHERE x = '$also_not' ;
`

func TestParseHeader(t *testing.T) {
	q, err := Parse(sample, "fallback", "x.sql")
	if err != nil {
		t.Fatal(err)
	}
	want := Query{
		Name: "sample-q", Description: "A sample.", Finds: "Things over two lines.", FalsePositives: "Some.",
		Portability: "Athena as is.", Source: "x.sql",
		Params: []Param{
			{Name: "since", Type: TypeTime, Description: "Lower bound"},
			{Name: "limit", Type: TypeInt, Default: "10", Description: "Rows"},
			{Name: "by", Type: TypeString, Default: "pair", Choices: []string{"pair", "src", "dst"}, Description: "Grouping"},
			{Name: "cidr", Type: TypeCIDR, Required: true, Description: "Network"},
			{Name: "min_ports", Type: TypeInt, Default: "20", Description: "Threshold continued."},
		},
		SQL: "SELECT $by AS by, $cidr AS c, $limit AS l, $since AS s, $min_ports AS m -- $not_a_param\nFROM t WHERE x = '$also_not'",
	}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("got  %+v\nwant %+v", q, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"unknown key", "-- name: a\n-- descripton: typo\nSELECT 1", `unknown header key "descripton"`},
		{"undeclared", "-- name: a\nSELECT $x", "SQL uses $x but the header declares no such parameter (declared: none)"},
		{"positional", "-- name: a\nSELECT ?", "positional parameter ?"},
		{"two statements", "-- name: a\nSELECT 1; SELECT 2", "2 statements"},
		{"empty", "-- name: a\n-- only comments\n", "no SQL statement"},
		{"bad name", "-- name: Bad Name\nSELECT 1", `query name "Bad Name"`},
		{"bad type", "-- name: a\n-- param: x:float = 1 | d\nSELECT $x", `unknown type "float"`},
		{"bad default", "-- name: a\n-- param: limit = ten | d\nSELECT $limit", `"ten" is not an integer`},
		{"default not a choice", "-- name: a\n-- param: by = x [a b] | d\nSELECT $by", `default "x" is not one of a, b`},
		{"dup param", "-- name: a\n-- param: x = | d\n-- param: x = | d\nSELECT $x", `declared twice`},
		{"bad param line", "-- name: a\n-- param: = 3\nSELECT 1", "bad param line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text, "f", "f.sql")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseBOMAndCRLF(t *testing.T) {
	q, err := Parse("\ufeff-- name: win\r\n-- description: made on Windows\r\nSELECT 1;\r\n", "f", "f.sql")
	if err != nil || q.Name != "win" || q.Description != "made on Windows" || q.SQL != "SELECT 1" {
		t.Fatalf("%+v %v", q, err)
	}
}

func TestParseNoHeader(t *testing.T) {
	q, err := Parse("\n\nselect 1;\n", "my-query", "my-query.sql")
	if err != nil {
		t.Fatal(err)
	}
	if q.Name != "my-query" || q.SQL != "select 1" || len(q.Params) != 0 {
		t.Fatalf("%+v", q)
	}
}

var now = time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)

func TestParseCIDR(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8": "10.0.0.0/8", "203.0.113.7": "203.0.113.7/32", "2001:db8::7": "2001:db8::7/128",
		" 2001:DB8::/32 ": "2001:db8::/32",
	} {
		if got, err := ParseCIDR(in); err != nil || got != want {
			t.Errorf("ParseCIDR(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "fe80::1%eth0", "'; drop table x; --"} {
		if _, err := ParseCIDR(bad); err == nil {
			t.Errorf("ParseCIDR(%q) succeeded", bad)
		}
	}
}

func TestBind(t *testing.T) {
	q, err := Parse(sample, "f", "f.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmt, args, err := BindAt(q, map[string]string{"cidr": "10.1.2.3", "since": "2d", "by": "src"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if stmt != q.SQL {
		t.Errorf("statement changed: %q", stmt)
	}
	want := []any{sql.Named("by", "src"), sql.Named("cidr", "10.1.2.3/32"), sql.Named("limit", int64(10)),
		sql.Named("since", now.Add(-48*time.Hour).Unix()), sql.Named("min_ports", int64(20))}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args %v, want %v", args, want)
	}
	// An empty value binds NULL: "no filter".
	_, args, err = BindAt(q, map[string]string{"cidr": "::/0", "since": ""}, now)
	if err != nil {
		t.Fatal(err)
	}
	if args[3] != sql.Named("since", nil) {
		t.Errorf("empty since bound %v", args[3])
	}
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"cidr": "10.0.0.0/8", "sincce": "1d"}, `has no parameter "sincce" (parameters: since, limit, by, cidr, min_ports)`},
		{map[string]string{}, "parameter cidr is required"},
		{map[string]string{"cidr": "  "}, "parameter cidr is required"},
		{map[string]string{"cidr": "10.0.0.0/8", "by": "eni"}, `"eni" is not one of pair, src, dst`},
		{map[string]string{"cidr": "10.0.0.0/8", "limit": "1; drop"}, `parameter limit: "1; drop" is not an integer`},
		{map[string]string{"cidr": "'; drop table x; --"}, "is not an IP address or CIDR"},
	} {
		if _, _, err := BindAt(q, tc.params, now); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("BindAt(%v): error %v, want %q", tc.params, err, tc.want)
		}
	}
}

func TestParseAssignments(t *testing.T) {
	got, err := ParseAssignments([]string{"a=1", "b=x=y", "c="})
	if err != nil || !reflect.DeepEqual(got, map[string]string{"a": "1", "b": "x=y", "c": ""}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range [][]string{{"a"}, {"=1"}, {"a=1", "a=2"}} {
		if _, err := ParseAssignments(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRender(t *testing.T) {
	q, err := Parse("-- name: r\n-- param: account = | a\n-- param: limit = 5 | l\n-- param: since = | s\n"+
		"SELECT '$account' AS lit, \"$x\" FROM t WHERE account_id = $account AND ($since IS NULL OR start >= $since) LIMIT $limit", "r", "r.sql")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(q, map[string]string{"account": "o'brien"}, now)
	if err != nil {
		t.Fatal(err)
	}
	// The unset since filter is left out of the text (issue 16 item 5).
	want := "SELECT '$account' AS lit, \"$x\" FROM t WHERE account_id = 'o''brien' LIMIT 5"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCatalogOverrides(t *testing.T) {
	builtin := fstest.MapFS{
		"a.sql":     {Data: []byte("-- name: a\n-- description: builtin a\nSELECT 1")},
		"b.sql":     {Data: []byte("-- name: b\n-- description: builtin b\nSELECT 2")},
		"notes.txt": {Data: []byte("ignored")},
	}
	c, err := NewCatalog(builtin)
	if err != nil {
		t.Fatal(err)
	}
	user := t.TempDir()
	write := func(dir, name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(user, "mine.sql", "-- name: b\n-- description: my b\nSELECT 20")
	write(user, "New Report.sql", "SELECT 3")
	write(user, "broken.sql", "-- name: broken\nSELECT $nope")
	write(user, "readme.md", "not a query")
	extra := t.TempDir()
	write(extra, "b.sql", "-- description: team b\nSELECT 200")
	for _, d := range []string{user, extra} {
		if err := c.AddDir(d); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, q := range c.List() {
		names = append(names, q.Name+"="+q.SQL)
	}
	if want := []string{"a=SELECT 1", "b=SELECT 200", "new-report=SELECT 3"}; !reflect.DeepEqual(names, want) {
		t.Errorf("catalog %v, want %v", names, want)
	}
	b, _ := c.Lookup("b")
	if b.Source != filepath.Join(extra, "b.sql") || b.Shadows != filepath.Join(user, "mine.sql") || b.Description != "team b" {
		t.Errorf("b = %+v", b)
	}
	if errs := c.Errors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "broken.sql") {
		t.Errorf("errors %v", errs)
	}
	if err := c.AddDir(filepath.Join(user, "missing")); err == nil {
		t.Error("missing folder accepted")
	}
	// Resolve: names and paths.
	if q, err := c.Resolve("a"); err != nil || q.Source != BuiltinSource {
		t.Errorf("Resolve(a) = %+v, %v", q, err)
	}
	if q, err := c.Resolve(filepath.Join(user, "mine.sql")); err != nil || q.SQL != "SELECT 20" {
		t.Errorf("Resolve(path) = %+v, %v", q, err)
	}
	if _, err := c.Resolve("nope"); err == nil || !strings.Contains(err.Error(), "known: a, b, new-report") {
		t.Errorf("Resolve(nope): %v", err)
	}
}

func TestDefaultCatalogUserDir(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg) // os.UserConfigDir on Linux
	t.Setenv("HOME", cfg)
	dir, err := UserDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blocked-ssh.sql"), []byte("-- name: blocked-ssh\nSELECT 'mine'"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	q, ok := c.Lookup("blocked-ssh")
	if !ok || q.SQL != "SELECT 'mine'" || q.Shadows != BuiltinSource {
		t.Errorf("user override not applied: %+v", q)
	}
	if _, err := DefaultCatalog(filepath.Join(cfg, "nope")); err == nil {
		t.Error("missing --queries folder accepted")
	}
}

// Every built-in file parses, documents itself fully and is named after its file.
func TestBuiltinHeaders(t *testing.T) {
	c, err := NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"asymmetric-flows", "aws-services-via-nat", "blocked-ssh", "cost-summary", "cross-az-traffic", "egress-to-internet",
		"internet-egress", "ipv4-vs-ipv6-bytes", "nat-gateway-top-contributors", "port-scans",
		"rejected-tcp", "rejected-traffic", "skipdata-gaps", "ssh-rdp-accepted-from-internet",
		"tgw-cross-az-and-account", "tgw-packet-loss", "tgw-top-attachments", "tgw-top-talkers", "top-https-destinations",
		"top-talkers", "top-talking-instances", "top-talking-subnets", "top-udp-sources", "traffic-by-protocol", "traffic-from", "traffic-to"}
	if got := c.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("built-in queries %v\nwant %v", got, want)
	}
	for _, q := range c.List() {
		if q.Description == "" || q.Finds == "" || q.FalsePositives == "" || q.Portability == "" {
			t.Errorf("%s: incomplete header %+v", q.Name, q)
		}
		if _, err := queries.FS.ReadFile(q.Name + ".sql"); err != nil {
			t.Errorf("%s: not in a file of its name: %v", q.Name, err)
		}
		for _, p := range q.Params {
			if p.Description == "" {
				t.Errorf("%s: parameter %s undocumented", q.Name, p.Name)
			}
		}
	}
}

// The non-public ranges are spelled out in each query that needs them (a .sql file cannot share
// code and must stay pasteable into Athena): every copy must list the same ranges.
func TestBuiltinNonPublicRangesAgree(t *testing.T) {
	re := regexp.MustCompile(`contains\('([^']+)', TRY_CAST\((?:max\()?(?:src|dst)addr\)? AS IPADDRESS\)\)`)
	var first string
	for _, name := range []string{"blocked-ssh.sql", "egress-to-internet.sql", "ssh-rdp-accepted-from-internet.sql"} {
		b, err := queries.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var ranges []string
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			ranges = append(ranges, m[1])
		}
		got := strings.Join(ranges, " ")
		if len(ranges) < 12 {
			t.Errorf("%s: found only the ranges %q", name, got)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s lists the non-public ranges\n%s\nwant (as blocked-ssh.sql)\n%s", name, got, first)
		}
	}
}
