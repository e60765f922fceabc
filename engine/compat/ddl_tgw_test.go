package compat

import (
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowlog"
)

// The transit gateway table has the columns Athena users give that log type, in the default
// format's order (hand-listed from AWS's table of transit gateway fields), under its own
// table name and folder.
func TestDDLTransitGateway(t *testing.T) {
	want := strings.Fields(`version resource_type account_id tgw_id tgw_attachment_id tgw_src_vpc_account_id
		tgw_dst_vpc_account_id tgw_src_vpc_id tgw_dst_vpc_id tgw_src_subnet_id tgw_dst_subnet_id tgw_src_eni tgw_dst_eni
		tgw_src_az_id tgw_dst_az_id tgw_pair_attachment_id srcaddr dstaddr srcport dstport protocol packets bytes start end
		log_status type packets_lost_no_route packets_lost_blackhole packets_lost_mtu_exceeded packets_lost_ttl_expired
		tcp_flags region flow_direction pkt_src_aws_service pkt_dst_aws_service`)
	raw := DDL(DDLOptions{Layout: RawLayout, LogType: flowlog.TransitGateway, Location: "s3://tgw-logs"})
	if got := names(ddlColumns(raw)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("raw columns %v\nwant %v", got, want)
	}
	for _, frag := range []string{"CREATE EXTERNAL TABLE IF NOT EXISTS `transit_gateway_flow_logs`", "`packets_lost_no_route` bigint",
		"`tcp_flags` int", "transit gateway default format", "LOCATION 's3://tgw-logs/AWSLogs/ACCOUNT_ID/vpcflowlogs/REGION/'"} {
		if !strings.Contains(raw, frag) {
			t.Errorf("raw DDL lacks %q:\n%s", frag, raw)
		}
	}
	st := DDL(DDLOptions{LogType: flowlog.TransitGateway, Location: "s3://b/flowq", ExtraColumns: []string{"action"}})
	if got := names(ddlColumns(st)); strings.Join(got, " ") != strings.Join(append(want, "action", "_source"), " ") {
		t.Errorf("store columns %v", got)
	}
	if !strings.Contains(st, "LOCATION 's3://b/flowq/tables/transit_gateway_flow_logs/'") || !strings.Contains(st, "MSCK REPAIR TABLE `transit_gateway_flow_logs`") {
		t.Errorf("store DDL:\n%s", st)
	}
}

// names keeps the names of ddlColumns' "name type" entries.
func names(pairs []string) []string {
	var out []string
	for _, p := range pairs {
		out = append(out, strings.Fields(p)[0])
	}
	return out
}
