package ipranges

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The expected answers were read from the 2026-08-22 document by hand (grep of the JSON).
func TestLookupEmbedded(t *testing.T) {
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if r.Date() != "2026-08-22" || r.SyncToken != "1787411825" || r.Source != "embedded" {
		t.Fatalf("embedded document: date %s token %s source %s", r.Date(), r.SyncToken, r.Source)
	}
	if len(r.Entries) != 10668+6160 {
		t.Fatalf("%d entries, want 16828", len(r.Entries))
	}
	cases := []struct {
		addr, prefix, service, region, nbg string
		services                           []string
	}{
		// S3 and AMAZON list the same /15: the named service wins.
		{"52.216.10.5", "52.216.0.0/15", "S3", "us-east-1", "us-east-1", []string{"AMAZON", "S3"}},
		// Only AMAZON holds it.
		{"3.4.12.4", "3.4.12.4/32", "AMAZON", "eu-west-1", "eu-west-1", []string{"AMAZON"}},
		// A longer named prefix (CHIME /23) beats the EC2 /12 that holds it.
		{"3.80.16.5", "3.80.16.0/23", "CHIME_VOICECONNECTOR", "us-east-1", "us-east-1", []string{"AMAZON", "CHIME_VOICECONNECTOR", "EC2"}},
		// EC2 /24 beats CLOUDFRONT /18; AMAZON /24 ties on length but is the catch-all.
		{"64.252.81.7", "64.252.81.0/24", "EC2", "sa-east-1", "sa-east-1", []string{"AMAZON", "CLOUDFRONT", "CLOUDFRONT_ORIGIN_FACING", "EC2"}},
		{"2406:daf9:a800::10", "2406:daf9:a800::/40", "S3", "ap-southeast-1", "ap-southeast-1", []string{"AMAZON", "S3"}},
		// IPv4-mapped IPv6 is looked up as IPv4.
		{"::ffff:52.216.10.5", "52.216.0.0/15", "S3", "us-east-1", "us-east-1", []string{"AMAZON", "S3"}},
		{"10.0.1.10", "", "", "", "", nil},
		{"fd00::1", "", "", "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			m, ok := r.Lookup(netip.MustParseAddr(c.addr))
			if ok != (c.prefix != "") {
				t.Fatalf("found %v (%+v), want %v", ok, m, c.prefix != "")
			}
			if !ok {
				return
			}
			if m.Prefix.String() != c.prefix || m.Service != c.service || m.Region != c.region || m.NetworkBorderGroup != c.nbg {
				t.Errorf("got %s %s %s %s, want %s %s %s %s", m.Prefix, m.Service, m.Region, m.NetworkBorderGroup, c.prefix, c.service, c.region, c.nbg)
			}
			if !reflect.DeepEqual(m.Services, c.services) {
				t.Errorf("services %v, want %v", m.Services, c.services)
			}
			if m.Label() != c.service+" "+c.region {
				t.Errorf("label %q", m.Label())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"not json", "<html>", "not an ip-ranges document"},
		{"bad date", `{"createDate":"yesterday","prefixes":[{"ip_prefix":"1.2.3.0/24"}]}`, `createDate "yesterday"`},
		{"empty", `{"createDate":"2026-09-01-00-00-00","prefixes":[]}`, "no IPv4 prefixes"},
		{"bad prefix", `{"createDate":"2026-09-01-00-00-00","prefixes":[{"ip_prefix":"1.2.3.0/24"},{"ip_prefix":"1.2.3/99"}]}`, "prefix 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "doc.json")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "doc.json") {
				t.Fatalf("error %v, want one naming doc.json and %q", err, c.want)
			}
		})
	}
}

const newerDoc = `{"syncToken":"1790000000","createDate":"2026-09-21-10-00-00",
 "prefixes":[{"ip_prefix":"198.51.100.0/24","region":"eu-central-1","service":"DYNAMODB","network_border_group":"eu-central-1"}],
 "ipv6_prefixes":[]}`

const olderDoc = `{"syncToken":"1700000000","createDate":"2023-11-14-22-13-20",
 "prefixes":[{"ip_prefix":"198.51.100.0/24","region":"eu-central-1","service":"DYNAMODB","network_border_group":"eu-central-1"}],
 "ipv6_prefixes":[]}`

// Refresh runs against a server on 127.0.0.1; the internet is never contacted.
func TestRefresh(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		body        string
		wantErr     string
		wantUpdated bool
		wantDate    string // of the copy in effect afterwards
	}{
		{name: "newer document is stored", status: 200, body: newerDoc, wantUpdated: true, wantDate: "2026-09-21"},
		{name: "older document is ignored", status: 200, body: olderDoc, wantDate: "2026-08-22"},
		{name: "server error keeps the embedded copy", status: 503, body: "busy", wantErr: "HTTP 503", wantDate: "2026-08-22"},
		{name: "garbage keeps the embedded copy", status: 200, body: "<html>captive portal</html>", wantErr: "not an ip-ranges document", wantDate: "2026-08-22"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			}))
			defer srv.Close()
			dir := t.TempDir()
			res, err := Refresh(context.Background(), srv.Client(), srv.URL+"/ip-ranges.json", dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if res.Updated != c.wantUpdated || res.Ranges == nil || res.Ranges.Date() != c.wantDate {
				t.Fatalf("updated %v ranges %+v, want updated %v date %s", res.Updated, res.Ranges, c.wantUpdated, c.wantDate)
			}
			_, statErr := os.Stat(StoredPath(dir))
			if stored := statErr == nil; stored != c.wantUpdated {
				t.Fatalf("stored file present %v, want %v", stored, c.wantUpdated)
			}
			// Load sees the same copy, and nothing but the document is left in the folder.
			r, err := Load(dir)
			if err != nil || r.Date() != c.wantDate {
				t.Fatalf("Load: %v date %v, want %s", err, r, c.wantDate)
			}
			if c.wantUpdated {
				m, ok := r.Lookup(netip.MustParseAddr("198.51.100.7"))
				if !ok || m.Label() != "DYNAMODB eu-central-1" || r.Source != StoredPath(dir) {
					t.Fatalf("refreshed lookup %+v %v source %s", m, ok, r.Source)
				}
				entries, _ := os.ReadDir(filepath.Dir(StoredPath(dir)))
				if len(entries) != 1 {
					t.Fatalf("folder holds %d files, want only %s", len(entries), FileName)
				}
			}
		})
	}
}

func TestLoadCorruptStoredCopy(t *testing.T) {
	dir := t.TempDir()
	path := StoredPath(dir)
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte("{truncated"), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one naming %s", err, path)
	}
}

func TestRegisterSQL(t *testing.T) {
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := RegisterSQL(ctx, conn, r); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ q, want string }{
		{"SELECT aws_service('52.216.10.5')", "S3 us-east-1"},
		{"SELECT aws_service_name('2406:daf9:a800::10') || ' ' || aws_region('2406:daf9:a800::10')", "S3 ap-southeast-1"},
		{"SELECT coalesce(aws_service('10.0.1.10'), 'none')", "none"},
		{"SELECT coalesce(aws_service('-'), 'none')", "none"},
		{"SELECT coalesce(aws_service(NULL), 'none')", "none"},
		{"SELECT ip_is_private('10.0.1.10')::VARCHAR || ip_is_private('100.64.3.1')::VARCHAR || ip_is_private('52.216.10.5')::VARCHAR || ip_is_private('fd00::1')::VARCHAR", "truetruefalsetrue"},
		{"SELECT coalesce(ip_is_private('not-an-ip')::VARCHAR, 'null')", "null"},
		{"SELECT count(*)::VARCHAR FROM aws_ip_ranges", "16828"},
		{"SELECT count(*)::VARCHAR FROM aws_ip_ranges WHERE service = 'S3' AND family = 'IPv4'", "441"},
		{"SELECT date::VARCHAR || ' ' || sync_token || ' ' || source FROM aws_ip_ranges_info", "2026-08-22 1787411825 embedded"},
		// Over a column, as a query over flow records uses it.
		{"SELECT string_agg(coalesce(aws_service(a), '?'), ',' ORDER BY a) FROM (VALUES ('3.4.12.4'), ('52.216.10.5'), ('8.8.8.8')) v(a)", "AMAZON eu-west-1,S3 us-east-1,?"},
	}
	for _, c := range cases {
		var got string
		if err := conn.QueryRowContext(ctx, c.q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.q, got, c.want)
		}
	}
}
