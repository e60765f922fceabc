package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// planted are the facts seed created in moto.
type planted struct {
	vpc, subnetA, subnetB                string
	sgWeb, sgDB                          string
	acl                                  string
	web, spare, db                       string // instances: web-prod-3 (10.0.1.10), spare-1, db-1 (10.0.2.30)
	webENI, floatENI                     string // the web instance's primary interface; an extra one at 10.0.1.50
	igw, eigw, rtb, nat, natPublic, vpce string
	tgw, tgwAttach                       string
}

func tag(rt types.ResourceType, kv ...string) []types.TagSpecification {
	var ts []types.Tag
	for i := 0; i < len(kv); i += 2 {
		ts = append(ts, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{{ResourceType: rt, Tags: ts}}
}

// seed builds a small VPC in moto through the SDK.
func seed(t *testing.T, cl *ec2.Client) planted {
	t.Helper()
	ctx := context.Background()
	var p planted
	p.vpc = *must[*ec2.CreateVpcOutput](t, "CreateVpc")(cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
		TagSpecifications: tag(types.ResourceTypeVpc, "Name", "prod-vpc")})).Vpc.VpcId
	p.subnetA = *must[*ec2.CreateSubnetOutput](t, "CreateSubnet a")(cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &p.vpc,
		CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a"),
		TagSpecifications: tag(types.ResourceTypeSubnet, "Name", "web-private-a")})).Subnet.SubnetId
	p.subnetB = *must[*ec2.CreateSubnetOutput](t, "CreateSubnet b")(cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &p.vpc,
		CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("us-east-1b"),
		TagSpecifications: tag(types.ResourceTypeSubnet, "Name", "public-b")})).Subnet.SubnetId

	p.sgDB = *must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup db")(cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId: &p.vpc, GroupName: aws.String("sg-db"), Description: aws.String("database")})).GroupId
	p.sgWeb = *must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup web")(cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId: &p.vpc, GroupName: aws.String("sg-web"), Description: aws.String("web servers")})).GroupId
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "AuthorizeSecurityGroupIngress")(cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: &p.sgWeb, IpPermissions: []types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("https")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &p.sgDB}}},
		}}))

	p.acl = *must[*ec2.CreateNetworkAclOutput](t, "CreateNetworkAcl")(cl.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &p.vpc,
		TagSpecifications: tag(types.ResourceTypeNetworkAcl, "Name", "web-acl")})).NetworkAcl.NetworkAclId
	must[*ec2.CreateNetworkAclEntryOutput](t, "CreateNetworkAclEntry")(cl.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{
		NetworkAclId: &p.acl, RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: types.RuleActionDeny,
		CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}}))
	acls := must[*ec2.DescribeNetworkAclsOutput](t, "DescribeNetworkAcls")(cl.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{
		Filters: []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{p.subnetA}}}}))
	var assoc string
	for _, a := range acls.NetworkAcls {
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == p.subnetA {
				assoc = aws.ToString(as.NetworkAclAssociationId)
			}
		}
	}
	// Replies to the web subnet's own connections are denied by entry 100 (the planted mistake);
	// HTTPS from anywhere and SSH from 10/8 are let in, everything out.
	for _, e := range []ec2.CreateNetworkAclEntryInput{
		{RuleNumber: aws.Int32(110), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow,
			CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(443), To: aws.Int32(443)}},
		{RuleNumber: aws.Int32(120), Egress: aws.Bool(false), Protocol: aws.String("6"), RuleAction: types.RuleActionAllow,
			CidrBlock: aws.String("10.0.0.0/8"), PortRange: &types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}},
		{RuleNumber: aws.Int32(100), Egress: aws.Bool(true), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0")},
	} {
		e.NetworkAclId = &p.acl
		must[*ec2.CreateNetworkAclEntryOutput](t, "CreateNetworkAclEntry")(cl.CreateNetworkAclEntry(ctx, &e))
	}
	must[*ec2.ReplaceNetworkAclAssociationOutput](t, "ReplaceNetworkAclAssociation")(cl.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
		AssociationId: &assoc, NetworkAclId: &p.acl}))

	p.web = launch(t, cl, p.subnetA, "10.0.1.10", "web-prod-3", p.sgWeb)
	p.spare = launch(t, cl, p.subnetA, "10.0.1.20", "spare-1", p.sgWeb)
	// The database's group has no ingress rule: the planted missing rule.
	p.db = launch(t, cl, p.subnetB, "10.0.2.30", "db-1", p.sgDB)
	p.webENI = primaryENI(t, cl, p.web)
	p.floatENI = *must[*ec2.CreateNetworkInterfaceOutput](t, "CreateNetworkInterface")(cl.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId: &p.subnetA, PrivateIpAddress: aws.String("10.0.1.50"), Description: aws.String("floating service address"),
		Groups: []string{p.sgWeb}})).NetworkInterface.NetworkInterfaceId
	must[*ec2.AttachNetworkInterfaceOutput](t, "AttachNetworkInterface")(cl.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: &p.floatENI, InstanceId: &p.web, DeviceIndex: aws.Int32(1)}))

	p.igw = *must[*ec2.CreateInternetGatewayOutput](t, "CreateInternetGateway")(cl.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	must[*ec2.AttachInternetGatewayOutput](t, "AttachInternetGateway")(cl.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &p.igw, VpcId: &p.vpc}))
	p.eigw = *must[*ec2.CreateEgressOnlyInternetGatewayOutput](t, "CreateEgressOnlyInternetGateway")(cl.CreateEgressOnlyInternetGateway(ctx,
		&ec2.CreateEgressOnlyInternetGatewayInput{VpcId: &p.vpc})).EgressOnlyInternetGateway.EgressOnlyInternetGatewayId
	p.rtb = *must[*ec2.CreateRouteTableOutput](t, "CreateRouteTable")(cl.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &p.vpc,
		TagSpecifications: tag(types.ResourceTypeRouteTable, "Name", "public-rt")})).RouteTable.RouteTableId
	must[*ec2.CreateRouteOutput](t, "CreateRoute")(cl.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &p.rtb,
		DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &p.igw}))
	must[*ec2.AssociateRouteTableOutput](t, "AssociateRouteTable")(cl.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &p.rtb, SubnetId: &p.subnetB}))

	alloc := must[*ec2.AllocateAddressOutput](t, "AllocateAddress")(cl.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	p.natPublic = aws.ToString(alloc.PublicIp)
	p.nat = *must[*ec2.CreateNatGatewayOutput](t, "CreateNatGateway")(cl.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: &p.subnetB,
		AllocationId: alloc.AllocationId, TagSpecifications: tag(types.ResourceTypeNatgateway, "Name", "nat-b")})).NatGateway.NatGatewayId
	p.vpce = *must[*ec2.CreateVpcEndpointOutput](t, "CreateVpcEndpoint")(cl.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: &p.vpc,
		ServiceName: aws.String("com.amazonaws.us-east-1.s3"), VpcEndpointType: types.VpcEndpointTypeGateway, RouteTableIds: []string{p.rtb}})).VpcEndpoint.VpcEndpointId
	p.tgw = *must[*ec2.CreateTransitGatewayOutput](t, "CreateTransitGateway")(cl.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway.TransitGatewayId
	p.tgwAttach = *must[*ec2.CreateTransitGatewayVpcAttachmentOutput](t, "CreateTransitGatewayVpcAttachment")(cl.CreateTransitGatewayVpcAttachment(ctx,
		&ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: &p.tgw, VpcId: &p.vpc, SubnetIds: []string{p.subnetA}})).TransitGatewayVpcAttachment.TransitGatewayAttachmentId
	return p
}

func launch(t *testing.T, cl *ec2.Client, subnet, ip, name, sg string) string {
	t.Helper()
	out := must[*ec2.RunInstancesOutput](t, "RunInstances "+name)(cl.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: aws.String("ami-12c6146b"), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		// As on AWS, the primary interface made at launch goes with the instance (moto frees its
		// address only then).
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: &subnet,
			PrivateIpAddress: aws.String(ip), Groups: []string{sg}, DeleteOnTermination: aws.Bool(true)}},
		TagSpecifications: tag(types.ResourceTypeInstance, "Name", name, "team", "web")}))
	return aws.ToString(out.Instances[0].InstanceId)
}

func primaryENI(t *testing.T, cl *ec2.Client, instance string) string {
	t.Helper()
	out := must[*ec2.DescribeInstancesOutput](t, "DescribeInstances")(cl.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{instance}}))
	for _, n := range out.Reservations[0].Instances[0].NetworkInterfaces {
		if n.Attachment != nil && aws.ToInt32(n.Attachment.DeviceIndex) == 0 {
			return aws.ToString(n.NetworkInterfaceId)
		}
	}
	t.Fatalf("instance %s has no primary interface", instance)
	return ""
}

// openInventory registers dataDir's inventory in a fresh DuckDB.
func openInventory(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	db, err := openDB(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Register(context.Background(), db, dataDir); err != nil {
		t.Fatal(err)
	}
	return db
}

// rows runs q and returns every row as strings joined by "|" (NULL as "NULL"), sorted.
func rows(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	// Lists, maps and HUGEINT counts read back as text, so one scan fits every column.
	rs, err := db.Query("SELECT COLUMNS(*)::VARCHAR FROM ("+q+")", args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	sort.Strings(out)
	return out
}

func TestSnapshotPlantedFacts(t *testing.T) {
	endpoint := startMoto(t)
	c := testClients(t, endpoint)
	p := seed(t, c.EC2("us-east-1"))
	ctx := context.Background()
	snap, err := Collect(ctx, c, []string{"us-east-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := snap.Failed(); len(f) != 0 {
		t.Fatalf("failed calls: %+v", f)
	}
	if len(snap.Calls) != 12 {
		t.Fatalf("%d calls, want 12 Describe calls", len(snap.Calls))
	}
	dir := t.TempDir()
	info, err := Write(ctx, dir, snap)
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows["instances"] != 3 || !reflect.DeepEqual(info.Regions, []string{"us-east-1"}) || len(info.Accounts) != 1 || info.Accounts[0] == "unknown" {
		t.Fatalf("snapshot info %+v", info)
	}
	db := openInventory(t, dir)
	ts := "now()"
	checks := []struct {
		name, q string
		want    []string
	}{
		{"instance named, its address and groups", `SELECT name, private_ip, subnet_id, tags['team'] FROM inventory_instances WHERE instance_id = '` + p.web + `'`,
			[]string{"web-prod-3|10.0.1.10|" + p.subnetA + "|web"}},
		{"subnets with CIDR and AZ", `SELECT subnet_id, cidr, availability_zone, name, az_id <> '' FROM inventory_subnets WHERE vpc_id = '` + p.vpc + `'`,
			[]string{p.subnetA + "|10.0.1.0/24|us-east-1a|web-private-a|true", p.subnetB + "|10.0.2.0/24|us-east-1b|public-b|true"}},
		{"vpc", `SELECT name, cidrs[1], is_default FROM inventory_vpcs WHERE vpc_id = '` + p.vpc + `'`, []string{"prod-vpc|10.0.0.0/16|false"}},
		{"security group rules", `SELECT direction, protocol, from_port, to_port, coalesce(nullif(cidr, ''), referenced_group_id), description FROM inventory_security_group_rules WHERE group_id = '` + p.sgWeb + `' AND direction = 'ingress'`,
			[]string{"ingress|tcp|22|22|10.0.0.0/8|", "ingress|tcp|443|443|0.0.0.0/0|https", "ingress|tcp|8080|8080|" + p.sgDB + "|"}},
		{"network ACL entry and association", `SELECT e.rule_number, e.egress, e.protocol, e.rule_action, e.cidr, e.port_from, e.port_to, a.subnet_ids, a.name
			FROM inventory_network_acl_entries e JOIN inventory_network_acls a USING (acl_id) WHERE acl_id = '` + p.acl + `' AND rule_number = 100 AND NOT egress`,
			[]string{"100|false|6|deny|0.0.0.0/0|1024|65535|[" + p.subnetA + "]|web-acl"}},
		{"default route to the internet gateway", `SELECT r.destination, r.target_type, r.target_id, t.subnet_ids FROM inventory_routes r JOIN inventory_route_tables t USING (route_table_id)
			WHERE route_table_id = '` + p.rtb + `' AND destination = '0.0.0.0/0'`,
			[]string{"0.0.0.0/0|internet_gateway|" + p.igw + "|[" + p.subnetB + "]"}},
		{"gateways", `SELECT gateway_id, kind, vpc_ids FROM inventory_gateways WHERE list_contains(vpc_ids, '` + p.vpc + `')`,
			[]string{p.eigw + "|egress_only|[" + p.vpc + "]", p.igw + "|internet|[" + p.vpc + "]"}},
		{"NAT gateway", `SELECT nat_gateway_id, subnet_id, public_ips, name FROM inventory_nat_gateways`, []string{p.nat + "|" + p.subnetB + "|[" + p.natPublic + "]|nat-b"}},
		{"VPC endpoint", `SELECT vpc_endpoint_id, service_name, route_table_ids FROM inventory_vpc_endpoints`, []string{p.vpce + "|com.amazonaws.us-east-1.s3|[" + p.rtb + "]"}},
		{"transit gateway attachment", `SELECT attachment_id, transit_gateway_id, resource_type, resource_id FROM inventory_transit_gateway_attachments`,
			[]string{p.tgwAttach + "|" + p.tgw + "|vpc|" + p.vpc}},
		{"interfaces of the web instance", `SELECT interface_id, resource_kind, resource_name, device_index, attach_time IS NOT NULL, security_group_ids, subnet_id, az_id <> ''
			FROM inventory_interfaces WHERE instance_id = '` + p.web + `'`,
			[]string{p.webENI + "|instance|web-prod-3|0|true|[" + p.sgWeb + "]|" + p.subnetA + "|true", p.floatENI + "|instance|web-prod-3|1|true|[" + p.sgWeb + "]|" + p.subnetA + "|true"}},
		{"addresses name their instance now", `SELECT ip_name('10.0.1.10', ` + ts + `), ip_inventory_kind('10.0.1.10', ` + ts + `), ip_interface('10.0.1.10', ` + ts + `), ip_name('10.0.1.50', ` + ts + `), ip_name('10.0.1.20', ` + ts + `)`,
			[]string{"web-prod-3|instance|" + p.webENI + "|web-prod-3|spare-1"}},
		{"unknown address and interface give NULL", `SELECT ip_name('10.9.9.9', ` + ts + `), eni_name('eni-00000000', ` + ts + `)`, []string{"NULL|NULL"}},
		{"interface name", `SELECT eni_name('` + p.floatENI + `', ` + ts + `), eni_kind('` + p.floatENI + `', ` + ts + `)`, []string{"web-prod-3|instance"}},
		{"coverage: every call worked", `SELECT count(*), count_if(status = 'ok') FROM inventory_calls`, []string{"12|12"}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			sort.Strings(c.want)
			if got := rows(t, db, c.q); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
	testEvaluate(t, db, snap, p)
}

// testEvaluate checks conversations against the planted rules: the web subnet's ACL entry 100
// drops the replies to its own connections, and the database's group has no ingress rule.
func testEvaluate(t *testing.T, db *sql.DB, snap *Snapshot, p planted) {
	var mainRT, defaultACL string
	for _, rt := range snap.RouteTables {
		if rt.VpcID == p.vpc && rt.Main {
			mainRT = rt.RouteTableID
		}
	}
	for _, a := range snap.NetworkACLs {
		if a.VpcID == p.vpc && a.IsDefault {
			defaultACL = a.ACLID
		}
	}
	web, db1 := netip.MustParseAddr("10.0.1.10"), netip.MustParseAddr("10.0.2.30")
	outside := netip.MustParseAddr("203.0.113.9")
	subnetA, subnetB := "subnet "+p.subnetA+" (web-private-a)", "subnet "+p.subnetB+" (public-b)"
	now := time.Now()
	cases := []struct {
		name    string
		c       Conversation
		want    []string // step|allowed|known|rule
		blocked int      // index into want, -1 for none
		notes   int
	}{
		{"web to the database", Conversation{Src: web, Dst: db1, Proto: 6, Port: 5432, SrcPort: 36201, At: now}, []string{
			"security group egress of the source 10.0.1.10 (web-prod-3)|true|true|" + p.sgWeb + " (sg-web) allows tcp all ports to 0.0.0.0/0",
			"network ACL outbound of the source subnet|true|true|" + p.acl + " entry 100 allows all traffic all ports outbound from " + subnetA,
			"route from the source subnet|true|true|" + mainRT + " routes 10.0.0.0/16 via local local",
			"network ACL inbound of the destination subnet|true|true|" + defaultACL + " entry 100 allows all traffic all ports inbound to " + subnetB,
			"security group ingress of the destination 10.0.2.30 (db-1)|false|true|no ingress rule of " + p.sgDB + " (sg-db) allows tcp 5432 from 10.0.1.10 (" + p.sgWeb + ")",
			"network ACL outbound of the destination subnet (replies)|true|true|" + defaultACL + " entry 100 allows all traffic all ports outbound from " + subnetB,
			"network ACL inbound of the source subnet (replies)|false|true|" + p.acl + " entry 100 denies tcp 1024-65535 inbound to " + subnetA + ": the replies to 10.0.1.10:36201 are dropped",
		}, 4, 0},
		{"HTTPS from the internet", Conversation{Src: outside, Dst: web, Proto: 6, Port: 443, At: now}, []string{
			"network ACL inbound of the destination subnet|true|true|" + p.acl + " entry 110 allows tcp 443 inbound to " + subnetA,
			"security group ingress of the destination 10.0.1.10 (web-prod-3)|true|true|" + p.sgWeb + " (sg-web) allows tcp 443 from 0.0.0.0/0",
			"network ACL outbound of the destination subnet (replies)|true|true|" + p.acl + " entry 100 allows all traffic all ports outbound from " + subnetA,
		}, -1, 1},
		{"SSH from the internet, before the snapshot", Conversation{Src: outside, Dst: web, Proto: 6, Port: 22, At: snap.TakenAt.Add(-time.Hour)}, []string{
			"network ACL inbound of the destination subnet|false|true|" + p.acl + " has no entry allowing tcp 22 inbound to " + subnetA + " (the default * entry denies): traffic from 203.0.113.9 to port 22 is dropped",
			"security group ingress of the destination 10.0.1.10 (web-prod-3)|false|true|no ingress rule of " + p.sgWeb + " (sg-web) allows tcp 22 from 203.0.113.9",
			"network ACL outbound of the destination subnet (replies)|true|true|" + p.acl + " entry 100 allows all traffic all ports outbound from " + subnetA,
		}, 0, 3}, // not in the inventory; rules newer than the records; a public source's block is likely intended
	}
	for _, c := range cases {
		t.Run("evaluate "+c.name, func(t *testing.T) {
			ev, err := Evaluate(context.Background(), db, c.c)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ch := range ev.Checks {
				got = append(got, fmt.Sprintf("%s|%v|%v|%s", ch.Step, ch.Allowed, ch.Known, ch.Rule))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("checks\n got %q\nwant %q", got, c.want)
			}
			switch {
			case c.blocked < 0 && ev.Blocked != nil:
				t.Errorf("blocked by %+v, want nothing", *ev.Blocked)
			case c.blocked >= 0 && (ev.Blocked == nil || ev.Blocked.Step+"|false|true|"+ev.Blocked.Rule != c.want[c.blocked]):
				t.Errorf("blocked by %+v, want %s", ev.Blocked, c.want[c.blocked])
			}
			if len(ev.Notes) != c.notes {
				t.Errorf("notes %q, want %d", ev.Notes, c.notes)
			}
		})
	}
}
