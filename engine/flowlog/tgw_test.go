package flowlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const tgwSamples = "../../testdata/tgw"

// The DDL AWS users give transit gateway flow logs in Athena (a public gist and a user guide
// print it; their "srcpor" and "packet" typos fixed), in the default format's order.
const tgwDDL = `version int, resource_type string, account_id string, tgw_id string, tgw_attachment_id string,
	tgw_src_vpc_account_id string, tgw_dst_vpc_account_id string, tgw_src_vpc_id string, tgw_dst_vpc_id string,
	tgw_src_subnet_id string, tgw_dst_subnet_id string, tgw_src_eni string, tgw_dst_eni string,
	tgw_src_az_id string, tgw_dst_az_id string, tgw_pair_attachment_id string, srcaddr string, dstaddr string,
	srcport int, dstport int, protocol bigint, packets bigint, bytes bigint, start bigint, end bigint,
	log_status string, type string, packets_lost_no_route bigint, packets_lost_blackhole bigint,
	packets_lost_mtu_exceeded bigint, packets_lost_ttl_expired bigint, tcp_flags int, region string,
	flow_direction string, pkt_src_aws_service string, pkt_dst_aws_service string`

func TestTGWFieldsMatchAthenaDDL(t *testing.T) {
	var want []string
	for _, part := range strings.Split(tgwDDL, ",") {
		want = append(want, strings.Join(strings.Fields(part), " "))
	}
	got := TGWFields()
	if len(got) != len(want) {
		t.Fatalf("%d transit gateway fields, DDL has %d", len(got), len(want))
	}
	for i, w := range want {
		if g := got[i].Column + " " + got[i].Type.Athena(); g != w {
			t.Errorf("column %d = %q, want %q", i, g, w)
		}
	}
	// A field both log types have keeps one type: a column means the same in both tables.
	for _, f := range got {
		if v, ok := Lookup(f.Name); ok && (v.Type != f.Type || v.Version != f.Version) {
			t.Errorf("%s: VPC type %v v%d, transit gateway type %v v%d", f.Name, v.Type, v.Version, f.Type, f.Version)
		}
	}
	if h := TGWDefaultHeader(); h.Names() != strings.ReplaceAll(strings.Join(columnsOf(got), " "), "_", "-") {
		t.Errorf("default header %q", h.Names())
	}
}

func columnsOf(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Column
	}
	return out
}

func TestClassify(t *testing.T) {
	tests := []struct {
		header string
		want   LogType
	}{
		{TGWDefaultHeader().Names(), TransitGateway},
		{"resource-type tgw-id tgw-attachment-id packets-lost-no-route", TransitGateway},
		// Common fields beside transit gateway ones: the whole file is transit gateway.
		{"version srcaddr dstaddr bytes packets start end tgw-attachment-id", TransitGateway},
		{"srcaddr dstaddr packets-lost-blackhole", TransitGateway},
		{"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", VPC},
		{"srcaddr dstaddr bytes", VPC},
		{"version next-hop-ip srcaddr", VPC},
		// Parquet column names.
		{"version resource_type tgw_id srcaddr packets_lost_mtu_exceeded", TransitGateway},
		{"version account_id interface_id srcaddr", VPC},
	}
	for _, tt := range tests {
		names := strings.Fields(tt.header)
		if got := ClassifyNames(names); got != tt.want {
			t.Errorf("ClassifyNames(%q) = %v, want %v", tt.header, got, tt.want)
		}
		if strings.Contains(tt.header, "_") {
			continue // ParseHeader takes header names
		}
		h, typ, err := ParseAnyHeader(tt.header)
		if err != nil {
			t.Fatalf("ParseAnyHeader(%q): %v", tt.header, err)
		}
		if typ != tt.want || Classify(h) != tt.want {
			t.Errorf("ParseAnyHeader(%q) type %v, Classify %v, want %v", tt.header, typ, Classify(h), tt.want)
		}
		if typ.Table() != map[LogType]string{VPC: "vpc_flow_logs", TransitGateway: "transit_gateway_flow_logs"}[tt.want] {
			t.Errorf("%v.Table() = %s", typ, typ.Table())
		}
	}
}

func TestParseTGWHeaderTypes(t *testing.T) {
	h, typ, err := ParseAnyHeader("srcaddr bytes tgw-id packets-lost-no-route tcp-flags action next-hop-ip")
	if err != nil || typ != TransitGateway {
		t.Fatalf("ParseAnyHeader: %v %v", typ, err)
	}
	want := []struct {
		col     string
		typ     Type
		unknown bool
	}{
		{"srcaddr", String, false}, {"bytes", BigInt, false}, {"tgw_id", String, false},
		{"packets_lost_no_route", BigInt, false}, {"tcp_flags", Int, false},
		// Not transit gateway fields: kept as text columns, as unknown VPC fields are.
		{"action", String, true}, {"next_hop_ip", String, true},
	}
	for i, w := range want {
		f := h.Fields[i]
		if f.Column != w.col || f.Type != w.typ || f.Unknown != w.unknown {
			t.Errorf("field %d = %+v, want %+v", i, f, w)
		}
	}
	for _, bad := range []string{"tgw-id tgw-id", "tgw-id Bytes", " "} {
		if _, err := ParseTGWHeader(bad); err == nil {
			t.Errorf("ParseTGWHeader(%q) accepted", bad)
		}
	}
}

func TestTGWResource(t *testing.T) {
	tests := []struct{ name, want string }{
		{"tgw-0a1b2c3d4e5f60718", "tgw-0a1b2c3d4e5f60718"},                  // a CloudWatch Logs stream
		{"tgw-attach-0aaaa1111bbbb2222", "tgw-attach-0aaaa1111bbbb2222"},    // an attachment's stream
		{"logs/tgw-1a2b3c4d/AWSLogs/123456789012/x.log.gz", "tgw-1a2b3c4d"}, // prefix names the gateway
		{"a/tgw-1a2b3c4d/tgw-attach-0aaaa1111bbbb2222_x.log", "tgw-attach-0aaaa1111bbbb2222"},
		{"AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20260115T0000Z_fe123456.log.gz", ""},
		{"tgw-flow-logs/AWSLogs/x.log", ""}, // a folder named for its content, not a resource
		{"eni-0a1b2c3d4e5f60718-all", ""},
		{"tgw-1a2b3c4", ""},    // 7 hex digits
		{"tgw-1a2b3c4d5", ""},  // 9
		{"xtgw-1a2b3c4d", ""},  // part of another word
		{"tgw-1a2b3c4dz", ""},  // id continues with a non-hex letter
		{"tgw-attach-123", ""}, // too short
		{"TGW-1A2B3C4D", ""},   // ids are lower case
		{"s/tgw-1a2b3c4d.log", "tgw-1a2b3c4d"},
	}
	for _, tt := range tests {
		got, ok := TGWResource(tt.name)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("TGWResource(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}

func TestClassifyDelivery(t *testing.T) {
	common, _ := ParseHeader("version srcaddr dstaddr srcport dstport protocol packets bytes start end log-status")
	vpcOnly, _ := ParseHeader("srcaddr dstaddr bytes action")
	tgw, _ := ParseTGWHeader("tgw-id srcaddr")
	tests := []struct {
		h    Header
		name string
		want LogType
	}{
		{common, "tgw-0a1b2c3d4e5f60718", TransitGateway},
		{common, "eni-0a1b2c3d4e5f60718-all", VPC},
		{common, "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20260115T0000Z_fe123456.log.gz", VPC},
		{common, "tgw-logs/tgw-1a2b3c4d/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/f.log.gz", TransitGateway},
		{vpcOnly, "tgw-0a1b2c3d4e5f60718", VPC}, // the header's VPC-only field decides
		{tgw, "eni-0a1b2c3d4e5f60718-all", TransitGateway},
		{tgw, "", TransitGateway},
	}
	for _, tt := range tests {
		if got := ClassifyDelivery(tt.h, tt.name); got != tt.want {
			t.Errorf("ClassifyDelivery(%q, %q) = %v, want %v", tt.h.Names(), tt.name, got, tt.want)
		}
	}
}

// Transit gateway deliveries use the VPC key layouts; every layout parses, and so does the
// Hive spelling "service=vpcflowlogs" of AWS's transit gateway guide.
func TestParseTGWKey(t *testing.T) {
	day := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	name := FileName("111122223333", "us-east-1", "fl-0123456789abcdef0", day.Add(5*time.Minute), "fe123456", ".log.gz")
	for _, hive := range []bool{false, true} {
		for _, hour := range []int{-1, 7} {
			for _, org := range []string{"", "o-abc123"} {
				key := ObjectKey("tgw-logs", org, "111122223333", "us-east-1", day, hour, hive, name)
				k, ok := ParseTGWKey(key)
				if !ok || k.Account != "111122223333" || k.Region != "us-east-1" || !k.Date.Equal(day) || k.Hour != hour || k.Org != org || k.Name != name {
					t.Errorf("ParseTGWKey(%q) = %+v, %v", key, k, ok)
				}
			}
		}
	}
	guide := "p/AWSLogs/aws-account-id=111122223333/service=vpcflowlogs/aws-region=us-east-1/year=2026/month=01/day=15/hour=07/" + name
	if k, ok := ParseTGWKey(guide); !ok || k.Hour != 7 || !k.Hive || k.Account != "111122223333" {
		t.Errorf("ParseTGWKey(%q) = %+v, %v", guide, k, ok)
	}
	if _, ok := ParseTGWKey("p/AWSLogs/111122223333/elasticloadbalancing/us-east-1/2026/01/15/x.log.gz"); ok {
		t.Error("an ELB key parsed as a flow-log key")
	}
}

// The samples of AWS's format and of other projects load as transit gateway records with every
// field typed from the transit gateway table.
func TestTGWSamples(t *testing.T) {
	tests := []struct {
		file    string
		fields  int
		records int
	}{
		{"aws-default-format.log", 36, 7},
		{"flowlogs-reader-v6.log", 18, 1},
		{"awslabs-mcp-31-fields.log", 31, 1},
		{"blog-default-format.log", 36, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(tgwSamples, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := CheckDelivery(tt.file, f)
			if err != nil {
				t.Fatal(err)
			}
			if res.Type != TransitGateway || len(res.Header.Fields) != tt.fields || res.Records != tt.records || len(res.Errors) != 0 {
				t.Fatalf("type %v, %d fields, %d records, errors %v", res.Type, len(res.Header.Fields), res.Records, res.Errors)
			}
			for _, fld := range res.Header.Fields {
				want, ok := LookupTGW(fld.Name)
				if !ok || fld.Unknown || fld != want {
					t.Errorf("field %s = %+v, want %+v", fld.Name, fld, want)
				}
			}
			// The old VPC-only check refuses a header of transit-gateway-only fields.
			if tt.file == "flowlogs-reader-v6.log" {
				line := firstLine(t, f.Name())
				if LooksLikeHeader([]byte(line)) || !LooksLikeAnyHeader([]byte(line)) {
					t.Errorf("LooksLikeHeader/LooksLikeAnyHeader(%q)", line)
				}
			}
		})
	}
}

// AWS's own example of traffic through a transit gateway is VPC flow-log records of the
// attachment ENIs: a VPC file, every field a known VPC field.
func TestAWSTrafficThroughTGWIsVPC(t *testing.T) {
	f, err := os.Open(filepath.Join(tgwSamples, "aws-vpc-through-tgw.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := CheckDelivery("tgw-attach-0aaaa1111bbbb2222/aws-vpc-through-tgw.log", f)
	if err != nil || res.Type != VPC || res.Records != 4 || len(res.Errors) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, fld := range res.Header.Fields {
		if want, ok := Lookup(fld.Name); !ok || fld != want {
			t.Errorf("field %s = %+v, want %+v", fld.Name, fld, want)
		}
	}
}

// firstLine returns the first line of a file.
func firstLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// "-" is NULL in a numeric column and text in a string one, for both log types: Check accepts
// it anywhere, and a record's values keep it as written.
func TestTGWDashes(t *testing.T) {
	h := TGWDefaultHeader()
	vals := SplitFields([]byte(strings.TrimSpace(strings.Repeat("- ", len(h.Fields)))), nil)
	if err := h.Check(vals); err != nil {
		t.Errorf("all dashes: %v", err)
	}
	if _, err := h.ParseLine([]byte(strings.Repeat("- ", len(h.Fields))), nil); err != nil {
		t.Errorf("ParseLine all dashes: %v", err)
	}
}

func TestTGWBadValues(t *testing.T) {
	f, err := os.Open(filepath.Join(tgwSamples, "bad-values.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := CheckDelivery("testdata/tgw/bad-values.log", f)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"testdata/tgw/bad-values.log:3: field packets-lost-no-route: not a number: \"seven\"",
		"testdata/tgw/bad-values.log:4: field packets-lost-blackhole: not a number: \"-5\"",
		"testdata/tgw/bad-values.log:5: field packets-lost-mtu-exceeded: number out of range: \"9223372036854775808\"",
		"testdata/tgw/bad-values.log:6: field tcp-flags: number out of range: \"2147483648\"",
		"testdata/tgw/bad-values.log:7: expected 36 fields, got 33",
		"testdata/tgw/bad-values.log:8: field flow-direction: control character 0x01 in text",
	}
	if res.Type != TransitGateway || res.Records != 1 || len(res.Errors) != len(want) {
		t.Fatalf("type %v, %d records, errors %v", res.Type, res.Records, res.Errors)
	}
	for i, w := range want {
		if got := res.Errors[i].Error(); got != w {
			t.Errorf("error %d = %q\nwant %q", i, got, w)
		}
	}
}

func TestCheckDeliveryFirstLine(t *testing.T) {
	tests := []struct {
		name, text string
		typ        LogType
		records    int
		wantErr    string
	}{
		{"headerless.log", "2 123456789012 eni-0a1b 10.0.1.5 10.0.2.9 49152 443 6 12 3400 1700000000 1700000060 ACCEPT OK\n", VPC, 1, ""},
		{"bom.log", "\ufefftgw-id srcaddr\ntgw-0a1b2c3d 10.0.0.1\n", TransitGateway, 1, ""},
		{"tgw-0a1b2c3d4e5f60718", "srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 5\n", TransitGateway, 1, ""},
		{"junk.log", "<html>Access Denied</html>\n", VPC, 0, "junk.log:1: not a flow-log header or default-format record"},
		{"dup.log", "tgw-id tgw-id\n", VPC, 0, "dup.log:1: field \"tgw-id\" appears twice"},
	}
	for _, tt := range tests {
		res, err := CheckDelivery(tt.name, strings.NewReader(tt.text))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || res.Type != tt.typ || res.Records != tt.records {
			t.Errorf("%s: %+v, %v", tt.name, res, err)
		}
	}
}
