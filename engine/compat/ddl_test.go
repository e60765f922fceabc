package compat

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/internal/golden"
)

// awsColumns is the column list of the Athena table AWS documents (REFERENCE §3), typed by hand.
const awsColumns = `version int, account_id string, interface_id string, srcaddr string, dstaddr string,
srcport int, dstport int, protocol bigint, packets bigint, bytes bigint, start bigint, end bigint,
action string, log_status string, vpc_id string, subnet_id string, instance_id string,
tcp_flags int, type string, pkt_srcaddr string, pkt_dstaddr string, region string, az_id string,
sublocation_type string, sublocation_id string, pkt_src_aws_service string,
pkt_dst_aws_service string, flow_direction string, traffic_path int`

var colRE = regexp.MustCompile("(?m)^  `([a-z_0-9]+)` ([a-z]+),?$")

func ddlColumns(ddl string) []string {
	var out []string
	for _, m := range colRE.FindAllStringSubmatch(ddl, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

func TestDDLColumns(t *testing.T) {
	var want []string
	for _, c := range strings.Split(awsColumns, ",") {
		want = append(want, strings.Join(strings.Fields(c), " "))
	}
	raw := ddlColumns(DDL(DDLOptions{Layout: RawLayout}))
	if strings.Join(raw, ", ") != strings.Join(want, ", ") {
		t.Errorf("raw columns\n got %q\nwant %q", raw, want)
	}
	store := ddlColumns(DDL(DDLOptions{ExtraColumns: []string{"next_hop_id"}}))
	if len(store) < len(want)+3 || strings.Join(store[:len(want)], ", ") != strings.Join(want, ", ") {
		t.Fatalf("store columns do not start with AWS's table: %q", store)
	}
	// Later fields follow, then the unknown header fields, then _source.
	tail := store[len(want):]
	for _, c := range []string{"ecs_cluster_arn string", "reject_reason string", "encryption_status int"} {
		if !contains(tail, c) {
			t.Errorf("store columns lack %q: %q", c, tail)
		}
	}
	if n := len(tail); tail[n-2] != "next_hop_id string" || tail[n-1] != "_source bigint" {
		t.Errorf("store columns end %q, want next_hop_id string, _source bigint", tail[n-2:])
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestDDLGolden(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	tests := []struct {
		name string
		opts DDLOptions
	}{
		{"store", DDLOptions{Location: "s3://my-bucket/flowq/"}},
		{"store_projection", DDLOptions{Location: "s3://my-bucket/flowq", Projection: true, From: day("2024-01-01")}},
		{"raw", DDLOptions{Layout: RawLayout, Location: "s3://logs-bucket/vpc", Account: "123456789012",
			Region: "eu-west-1", Days: []time.Time{day("2024-01-01"), day("2024-01-02")}}},
		{"raw_hive_org", DDLOptions{Layout: RawLayout, Table: "flows", Location: "s3://logs-bucket",
			Account: "123456789012", Region: "us-east-1", Org: "o-abc123", Hive: true, Days: []time.Time{day("2024-02-29")}}},
		{"raw_placeholders", DDLOptions{Layout: RawLayout}},
	}
	for _, tc := range tests {
		got := DDL(tc.opts)
		golden.CheckString(t, filepath.Join("testdata", "ddl_"+tc.name+".sql"), got)
	}
}
