package flowlog

import (
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		line    string
		columns string // expected column names, space-separated
		unknown string // expected unknown columns
		wantErr string
	}{
		{line: "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
			columns: "version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status"},
		{line: "srcaddr dstaddr version tcp-flags flow-direction traffic-path\r\n",
			columns: "srcaddr dstaddr version tcp_flags flow_direction traffic_path"},
		{line: "version  next-hop-ip\tresource-id reject-reason", columns: "version next_hop_ip resource_id reject_reason", unknown: "next_hop_ip"},
		{line: "version version", wantErr: "appears twice"},
		{line: "version Bytes", wantErr: "invalid field name"},
		{line: "   ", wantErr: "empty header"},
	}
	for _, tt := range tests {
		h, err := ParseHeader(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseHeader(%q) error = %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseHeader(%q): %v", tt.line, err)
		}
		var cols, unk []string
		for _, f := range h.Fields {
			cols = append(cols, f.Column)
			if f.Unknown {
				unk = append(unk, f.Column)
			}
		}
		if got := strings.Join(cols, " "); got != tt.columns {
			t.Errorf("columns = %q, want %q", got, tt.columns)
		}
		if got := strings.Join(unk, " "); got != tt.unknown {
			t.Errorf("unknown = %q, want %q", got, tt.unknown)
		}
	}
}

func TestKnownFieldsMatchAthenaDDL(t *testing.T) {
	// The AWS-documented Athena table, copied from REFERENCE §3.
	ddl := `version int, account_id string, interface_id string, srcaddr string, dstaddr string,
      srcport int, dstport int, protocol bigint, packets bigint, bytes bigint, start bigint, end bigint,
      action string, log_status string, vpc_id string, subnet_id string, instance_id string,
      tcp_flags int, type string, pkt_srcaddr string, pkt_dstaddr string, region string, az_id string,
      sublocation_type string, sublocation_id string, pkt_src_aws_service string,
      pkt_dst_aws_service string, flow_direction string, traffic_path int`
	var want []string
	for _, part := range strings.Split(ddl, ",") {
		want = append(want, strings.Join(strings.Fields(part), " "))
	}
	known := KnownFields()
	if len(want) != AthenaColumns {
		t.Fatalf("DDL has %d columns, AthenaColumns = %d", len(want), AthenaColumns)
	}
	for i, w := range want {
		got := known[i].Column + " " + known[i].Type.Athena()
		if got != w {
			t.Errorf("column %d = %q, want %q", i, got, w)
		}
	}
}

func TestLooksLikeHeader(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"version account-id interface-id srcaddr", true},
		{"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 5555 6 10 1000 1 2 ACCEPT OK", false},
		{"<html><body>Access Denied</body></html>", false},
		{`{"version": 2}`, false},
		{"foo bar", false}, // valid names but none known
		{"", false},
	}
	for _, tt := range tests {
		if got := LooksLikeHeader([]byte(tt.line)); got != tt.want {
			t.Errorf("LooksLikeHeader(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	def := DefaultHeader()
	v5, _ := ParseHeader("version vpc-id tcp-flags type pkt-srcaddr flow-direction traffic-path srcaddr")
	tests := []struct {
		name    string
		h       Header
		line    string
		wantErr string
	}{
		{"default ok", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 49152 443 6 12 3400 1700000000 1700000060 ACCEPT OK", ""},
		{"crlf", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 49152 443 6 12 3400 1700000000 1700000060 ACCEPT OK\r\n", ""},
		{"nodata", def, "2 123456789012 eni-0a1b - - - - - - - 1700000000 1700000060 - NODATA", ""},
		{"skipdata", def, "2 123456789012 eni-0a1b - - - - - - - 1700000000 1700000060 - SKIPDATA", ""},
		{"ipv6", def, "2 123456789012 eni-0a1b 2600:1f18:abcd::1 fd00::5 443 51000 6 3 180 1700000000 1700000060 REJECT OK", ""},
		{"runs of whitespace", def, "2  123456789012\teni-0a1b 10.0.1.5 10.0.2.9 49152 443 6 12 3400 1700000000 1700000060 ACCEPT   OK", ""},
		{"too few", def, "2 123456789012 eni-0a1b 10.0.1.5", "expected 14 fields, got 4"},
		{"too many", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 49152 443 6 12 3400 1700000000 1700000060 ACCEPT OK extra", "expected 14 fields, got 15"},
		{"non-numeric", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 http 443 6 12 3400 1700000000 1700000060 ACCEPT OK", "field srcport: not a number"},
		{"negative", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 -5 443 6 12 3400 1700000000 1700000060 ACCEPT OK", "field srcport: not a number"},
		{"int overflow", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 2147483648 443 6 12 3400 1700000000 1700000060 ACCEPT OK", "field srcport: number out of range"},
		{"int max", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 2147483647 443 6 12 3400 1700000000 1700000060 ACCEPT OK", ""},
		{"bigint overflow", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 1 443 6 12 9223372036854775808 1700000000 1700000060 ACCEPT OK", "field bytes: number out of range"},
		{"nul byte", def, "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 1 443 6 12 34 1700000000 1700000060 ACC\x00EPT OK", "field action: control character 0x00"},
		{"bad utf8", def, "2 123456789012 eni-\xff\xfe 10.0.1.5 10.0.2.9 1 443 6 12 34 1700000000 1700000060 ACCEPT OK", "field interface-id: invalid UTF-8"},
		{"custom order v5", v5, "5 vpc-1 19 IPv4 10.0.0.1 egress 8 10.0.0.2", ""},
		{"custom order bad int", v5, "5 vpc-1 SYN IPv4 10.0.0.1 egress 8 10.0.0.2", "field tcp-flags: not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.Check(SplitFields([]byte(tt.line), nil))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add("version account-id srcport action", "2 123 443 ACCEPT")
	f.Add("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
		"2 123456789012 eni-1 - - - - - - - 1 2 - NODATA\r\n")
	f.Add("srcaddr x-new", "\xff\x00 a")
	f.Fuzz(func(t *testing.T, header, line string) {
		h, err := ParseHeader(header)
		if err != nil {
			return
		}
		vals := SplitFields([]byte(line), nil)
		if err := h.Check(vals); err != nil {
			return
		}
		// An accepted record has exactly one value per field, with no whitespace, and every
		// numeric value is "-" or digits.
		if len(vals) != len(h.Fields) {
			t.Fatalf("accepted %d values for %d fields", len(vals), len(h.Fields))
		}
		for i, v := range vals {
			if len(v) == 0 || strings.ContainsAny(string(v), " \t\r\n") {
				t.Fatalf("bad value %q", v)
			}
			if h.Fields[i].Type != String && string(v) != "-" {
				for _, c := range v {
					if c < '0' || c > '9' {
						t.Fatalf("numeric field %s accepted %q", h.Fields[i].Name, v)
					}
				}
			}
		}
	})
}

// FuzzParseLine: the one-pass ParseLine agrees with SplitFields + Check on every input.
func FuzzParseLine(f *testing.F) {
	f.Add("version account-id srcport action", "2 123 443 ACCEPT")
	f.Add("version srcport bytes", "2 - 9223372036854775808")
	f.Add("srcaddr x-new", "\xff\x00 a b")
	f.Add("version srcport", "2 2147483648\r\n")
	f.Fuzz(func(t *testing.T, header, line string) {
		h, err := ParseHeader(header)
		if err != nil {
			return
		}
		want := SplitFields([]byte(line), nil)
		wantErr := h.Check(want)
		got, gotErr := h.ParseLine([]byte(line), nil)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("ParseLine error %v, Split+Check error %v", gotErr, wantErr)
		}
		if wantErr != nil {
			if gotErr.Error() != wantErr.Error() {
				t.Fatalf("ParseLine error %q, Split+Check error %q", gotErr, wantErr)
			}
			return
		}
		if len(got) != len(want) {
			t.Fatalf("ParseLine %d values, Split %d", len(got), len(want))
		}
		for i := range got {
			if string(got[i]) != string(want[i]) {
				t.Fatalf("value %d: %q vs %q", i, got[i], want[i])
			}
		}
	})
}
