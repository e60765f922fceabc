package inventory

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// convert appends one region's SDK results to the snapshot as rows.
func convert(s *Snapshot, acct, region string, sgs []types.SecurityGroup, instances []types.Instance,
	enis []types.NetworkInterface, subnets []types.Subnet, vpcs []types.Vpc, acls []types.NetworkAcl,
	rts []types.RouteTable, nats []types.NatGateway, eps []types.VpcEndpoint, igws []types.InternetGateway,
	eigws []types.EgressOnlyInternetGateway, tgwas []types.TransitGatewayAttachment) {
	str := aws.ToString
	for _, g := range sgs {
		s.SecurityGroups = append(s.SecurityGroups, SecurityGroup{AccountID: acct, Region: region, GroupID: str(g.GroupId),
			GroupName: str(g.GroupName), Description: str(g.Description), VpcID: str(g.VpcId), OwnerID: str(g.OwnerId), Tags: tags(g.Tags)})
		for dir, perms := range map[string][]types.IpPermission{"ingress": g.IpPermissions, "egress": g.IpPermissionsEgress} {
			for i, p := range perms {
				base := SecurityGroupRule{AccountID: acct, Region: region, GroupID: str(g.GroupId), Direction: dir,
					PermissionIndex: int64(i), Protocol: str(p.IpProtocol), FromPort: i64(p.FromPort), ToPort: i64(p.ToPort)}
				for _, r := range p.IpRanges {
					row := base
					row.CIDR, row.Description = str(r.CidrIp), str(r.Description)
					s.SecurityGroupRules = append(s.SecurityGroupRules, row)
				}
				for _, r := range p.Ipv6Ranges {
					row := base
					row.CIDR, row.Description = str(r.CidrIpv6), str(r.Description)
					s.SecurityGroupRules = append(s.SecurityGroupRules, row)
				}
				for _, r := range p.PrefixListIds {
					row := base
					row.PrefixListID, row.Description = str(r.PrefixListId), str(r.Description)
					s.SecurityGroupRules = append(s.SecurityGroupRules, row)
				}
				for _, r := range p.UserIdGroupPairs {
					row := base
					row.ReferencedGroupID, row.ReferencedUserID, row.Description = str(r.GroupId), str(r.UserId), str(r.Description)
					s.SecurityGroupRules = append(s.SecurityGroupRules, row)
				}
			}
		}
	}
	// Map iteration order is random; keep rows in a stable order for readers and tests.
	sort.SliceStable(s.SecurityGroupRules, func(i, j int) bool {
		a, b := s.SecurityGroupRules[i], s.SecurityGroupRules[j]
		if a.GroupID != b.GroupID {
			return a.GroupID < b.GroupID
		}
		if a.Direction != b.Direction {
			return a.Direction > b.Direction // ingress first
		}
		return a.PermissionIndex < b.PermissionIndex
	})

	names := map[string]string{} // instance id → Name tag
	for _, in := range instances {
		t := tags(in.Tags)
		names[str(in.InstanceId)] = t["Name"]
		row := Instance{AccountID: acct, Region: region, InstanceID: str(in.InstanceId), Name: t["Name"],
			InstanceType: string(in.InstanceType), ImageID: str(in.ImageId), VpcID: str(in.VpcId), SubnetID: str(in.SubnetId),
			PrivateIP: str(in.PrivateIpAddress), PublicIP: str(in.PublicIpAddress), LaunchTime: utc(in.LaunchTime), Tags: t}
		if in.State != nil {
			row.State = string(in.State.Name)
		}
		if in.Placement != nil {
			row.AvailabilityZone = str(in.Placement.AvailabilityZone)
		}
		for _, g := range in.SecurityGroups {
			row.SecurityGroupIDs = append(row.SecurityGroupIDs, str(g.GroupId))
		}
		for _, n := range in.NetworkInterfaces {
			row.InterfaceIDs = append(row.InterfaceIDs, str(n.NetworkInterfaceId))
		}
		s.Instances = append(s.Instances, row)
	}

	owners := map[string][2]string{} // interface id → managed resource kind and id
	for _, n := range nats {
		row := NATGateway{AccountID: acct, Region: region, NatGatewayID: str(n.NatGatewayId), VpcID: str(n.VpcId),
			SubnetID: str(n.SubnetId), State: string(n.State), ConnectivityType: string(n.ConnectivityType), Tags: tags(n.Tags)}
		row.Name = row.Tags["Name"]
		for _, a := range n.NatGatewayAddresses {
			appendNonEmpty(&row.PublicIPs, str(a.PublicIp))
			appendNonEmpty(&row.PrivateIPs, str(a.PrivateIp))
			appendNonEmpty(&row.InterfaceIDs, str(a.NetworkInterfaceId))
			owners[str(a.NetworkInterfaceId)] = [2]string{"nat_gateway", row.NatGatewayID}
		}
		s.NATGateways = append(s.NATGateways, row)
	}
	for _, e := range eps {
		row := VPCEndpoint{AccountID: acct, Region: region, VpcEndpointID: str(e.VpcEndpointId), EndpointType: string(e.VpcEndpointType),
			ServiceName: str(e.ServiceName), VpcID: str(e.VpcId), State: string(e.State), SubnetIDs: e.SubnetIds,
			RouteTableIDs: e.RouteTableIds, InterfaceIDs: e.NetworkInterfaceIds, Tags: tags(e.Tags)}
		row.Name = row.Tags["Name"]
		for _, id := range e.NetworkInterfaceIds {
			owners[id] = [2]string{"vpc_endpoint", row.VpcEndpointID}
		}
		s.VPCEndpoints = append(s.VPCEndpoints, row)
	}

	// Interfaces may come without their AZ id (older API versions, emulators); their subnet's
	// is the same.
	azIDs := map[string]string{}
	for _, sn := range subnets {
		azIDs[str(sn.SubnetId)] = str(sn.AvailabilityZoneId)
	}
	for _, n := range enis {
		row := Interface{AccountID: acct, Region: region, InterfaceID: str(n.NetworkInterfaceId), InterfaceType: string(n.InterfaceType),
			Description: str(n.Description), Status: string(n.Status), VpcID: str(n.VpcId), SubnetID: str(n.SubnetId),
			AvailabilityZone: str(n.AvailabilityZone), AZID: str(n.AvailabilityZoneId), OwnerID: str(n.OwnerId),
			RequesterID: str(n.RequesterId), RequesterManaged: aws.ToBool(n.RequesterManaged), PrivateIP: str(n.PrivateIpAddress),
			MacAddress: str(n.MacAddress), Tags: tags(n.TagSet)}
		if row.AZID == "" {
			row.AZID = azIDs[row.SubnetID]
		}
		if a := n.Attachment; a != nil {
			row.InstanceID, row.AttachmentID, row.AttachTime = str(a.InstanceId), str(a.AttachmentId), utc(a.AttachTime)
			row.DeviceIndex = i64(a.DeviceIndex)
		}
		if n.Association != nil {
			row.PublicIP = str(n.Association.PublicIp)
		}
		for _, a := range n.Ipv6Addresses {
			appendNonEmpty(&row.IPv6Addresses, str(a.Ipv6Address))
		}
		for _, g := range n.Groups {
			row.SecurityGroupIDs = append(row.SecurityGroupIDs, str(g.GroupId))
		}
		row.ResourceKind, row.ResourceID, row.ResourceName = resourceOf(row, names, owners)
		s.Interfaces = append(s.Interfaces, row)

		addr := func(a, kind string, primary bool, private string) {
			if a == "" {
				return
			}
			s.Addresses = append(s.Addresses, Address{AccountID: acct, Region: region, Address: a, Kind: kind, Primary: primary,
				PrivateIP: private, InterfaceID: row.InterfaceID, VpcID: row.VpcID, SubnetID: row.SubnetID,
				ResourceKind: row.ResourceKind, ResourceID: row.ResourceID, ResourceName: row.ResourceName})
		}
		seen := map[string]bool{}
		for _, p := range n.PrivateIpAddresses {
			ip := str(p.PrivateIpAddress)
			seen[ip] = true
			addr(ip, "private", aws.ToBool(p.Primary) || ip == row.PrivateIP, "")
			if p.Association != nil {
				addr(str(p.Association.PublicIp), "public", aws.ToBool(p.Primary), ip)
			}
		}
		if !seen[row.PrivateIP] {
			addr(row.PrivateIP, "private", true, "")
			if n.Association != nil {
				addr(str(n.Association.PublicIp), "public", true, row.PrivateIP)
			}
		}
		for _, a := range row.IPv6Addresses {
			addr(a, "ipv6", false, "")
		}
	}

	for _, sn := range subnets {
		row := Subnet{AccountID: acct, Region: region, SubnetID: str(sn.SubnetId), VpcID: str(sn.VpcId), CIDR: str(sn.CidrBlock),
			AvailabilityZone: str(sn.AvailabilityZone), AZID: str(sn.AvailabilityZoneId), State: string(sn.State), Tags: tags(sn.Tags)}
		row.Name = row.Tags["Name"]
		for _, a := range sn.Ipv6CidrBlockAssociationSet {
			appendNonEmpty(&row.IPv6CIDRs, str(a.Ipv6CidrBlock))
		}
		s.Subnets = append(s.Subnets, row)
	}
	for _, v := range vpcs {
		row := VPC{AccountID: acct, Region: region, VpcID: str(v.VpcId), IsDefault: aws.ToBool(v.IsDefault), State: string(v.State), Tags: tags(v.Tags)}
		row.Name = row.Tags["Name"]
		appendNonEmpty(&row.CIDRs, str(v.CidrBlock))
		for _, a := range v.CidrBlockAssociationSet {
			if c := str(a.CidrBlock); c != str(v.CidrBlock) {
				appendNonEmpty(&row.CIDRs, c)
			}
		}
		for _, a := range v.Ipv6CidrBlockAssociationSet {
			appendNonEmpty(&row.IPv6CIDRs, str(a.Ipv6CidrBlock))
		}
		s.VPCs = append(s.VPCs, row)
	}
	for _, a := range acls {
		row := NetworkACL{AccountID: acct, Region: region, ACLID: str(a.NetworkAclId), VpcID: str(a.VpcId), IsDefault: aws.ToBool(a.IsDefault), Tags: tags(a.Tags)}
		row.Name = row.Tags["Name"]
		for _, as := range a.Associations {
			appendNonEmpty(&row.SubnetIDs, str(as.SubnetId))
		}
		s.NetworkACLs = append(s.NetworkACLs, row)
		for _, e := range a.Entries {
			er := NetworkACLEntry{AccountID: acct, Region: region, ACLID: row.ACLID, RuleNumber: int64(aws.ToInt32(e.RuleNumber)),
				Egress: aws.ToBool(e.Egress), Protocol: str(e.Protocol), RuleAction: string(e.RuleAction), CIDR: str(e.CidrBlock)}
			if er.CIDR == "" {
				er.CIDR = str(e.Ipv6CidrBlock)
			}
			if e.PortRange != nil {
				er.PortFrom, er.PortTo = i64(e.PortRange.From), i64(e.PortRange.To)
			}
			if e.IcmpTypeCode != nil {
				er.ICMPType, er.ICMPCode = i64(e.IcmpTypeCode.Type), i64(e.IcmpTypeCode.Code)
			}
			s.NetworkACLEntries = append(s.NetworkACLEntries, er)
		}
	}
	for _, t := range rts {
		row := RouteTable{AccountID: acct, Region: region, RouteTableID: str(t.RouteTableId), VpcID: str(t.VpcId), Tags: tags(t.Tags)}
		row.Name = row.Tags["Name"]
		for _, as := range t.Associations {
			if aws.ToBool(as.Main) {
				row.Main = true
			}
			appendNonEmpty(&row.SubnetIDs, str(as.SubnetId))
		}
		s.RouteTables = append(s.RouteTables, row)
		for _, r := range t.Routes {
			rr := Route{AccountID: acct, Region: region, RouteTableID: row.RouteTableID, State: string(r.State), Origin: string(r.Origin)}
			rr.Destination = firstOf(str(r.DestinationCidrBlock), str(r.DestinationIpv6CidrBlock), str(r.DestinationPrefixListId))
			rr.TargetType, rr.TargetID = routeTarget(r)
			s.Routes = append(s.Routes, rr)
		}
	}
	for _, g := range igws {
		row := Gateway{AccountID: acct, Region: region, GatewayID: str(g.InternetGatewayId), Kind: "internet", Tags: tags(g.Tags)}
		row.Name = row.Tags["Name"]
		for _, a := range g.Attachments {
			appendNonEmpty(&row.VpcIDs, str(a.VpcId))
		}
		s.Gateways = append(s.Gateways, row)
	}
	for _, g := range eigws {
		row := Gateway{AccountID: acct, Region: region, GatewayID: str(g.EgressOnlyInternetGatewayId), Kind: "egress_only", Tags: tags(g.Tags)}
		row.Name = row.Tags["Name"]
		for _, a := range g.Attachments {
			appendNonEmpty(&row.VpcIDs, str(a.VpcId))
		}
		s.Gateways = append(s.Gateways, row)
	}
	for _, a := range tgwas {
		row := TransitGatewayAttachment{AccountID: acct, Region: region, AttachmentID: str(a.TransitGatewayAttachmentId),
			TransitGatewayID: str(a.TransitGatewayId), ResourceType: string(a.ResourceType), ResourceID: str(a.ResourceId),
			ResourceOwnerID: str(a.ResourceOwnerId), State: string(a.State), Tags: tags(a.Tags)}
		row.Name = row.Tags["Name"]
		s.TransitGatewayAttachments = append(s.TransitGatewayAttachments, row)
	}
}

var (
	natDesc = regexp.MustCompile(`\bnat-[0-9a-f]+\b`)
	tgwDesc = regexp.MustCompile(`\btgw-attach-[0-9a-f]+\b`)
	vpceID  = regexp.MustCompile(`\bvpce-[0-9a-f]+\b`)
)

// resourceOf names what an interface belongs to, from its attachment, its type, the managed
// resources that list it, and as a last resort AWS's conventional descriptions.
func resourceOf(n Interface, names map[string]string, owners map[string][2]string) (kind, id, name string) {
	desc := n.Description
	if o, ok := owners[n.InterfaceID]; ok {
		kind, id = o[0], o[1]
	}
	switch {
	case kind != "":
	case n.InstanceID != "" && !n.RequesterManaged:
		kind, id = "instance", n.InstanceID
		if nm := names[n.InstanceID]; nm != "" {
			return kind, id, nm
		}
		return kind, id, id
	case n.InterfaceType == "natGateway" || strings.HasPrefix(desc, "Interface for NAT Gateway"):
		kind, id = "nat_gateway", natDesc.FindString(desc)
	case n.InterfaceType == "vpc_endpoint" || n.InterfaceType == "gateway_load_balancer_endpoint" || strings.HasPrefix(desc, "VPC Endpoint Interface"):
		kind, id = "vpc_endpoint", vpceID.FindString(desc)
	case n.InterfaceType == "transit_gateway" || strings.Contains(desc, "Transit Gateway Attachment"):
		kind, id = "transit_gateway", tgwDesc.FindString(desc)
	case strings.Contains(n.InterfaceType, "load_balancer") || strings.HasPrefix(desc, "ELB "):
		kind, id = "load_balancer", strings.TrimPrefix(desc, "ELB ")
	case n.InterfaceType == "lambda" || strings.HasPrefix(desc, "AWS Lambda VPC ENI"):
		kind, id = "lambda", strings.TrimSpace(strings.TrimPrefix(desc, "AWS Lambda VPC ENI-"))
	case desc == "RDSNetworkInterface" || n.RequesterID == "amazon-rds":
		kind = "rds"
	case n.RequesterManaged:
		kind = "other_managed"
	default:
		kind = "interface"
		if nm := n.Tags["Name"]; nm != "" {
			return kind, n.InterfaceID, nm
		}
	}
	if id == "" {
		id = n.InterfaceID
	}
	name = id
	if desc != "" && kind != "nat_gateway" && kind != "vpc_endpoint" {
		name = desc
	}
	return kind, id, name
}

// routeTarget names a route's target.
func routeTarget(r types.Route) (string, string) {
	str := aws.ToString
	for _, t := range []struct{ kind, id string }{
		{"nat_gateway", str(r.NatGatewayId)},
		{"transit_gateway", str(r.TransitGatewayId)},
		{"egress_only_gateway", str(r.EgressOnlyInternetGatewayId)},
		{"vpc_peering", str(r.VpcPeeringConnectionId)},
		{"instance", str(r.InstanceId)},
		{"network_interface", str(r.NetworkInterfaceId)},
		{"local_gateway", str(r.LocalGatewayId)},
		{"carrier_gateway", str(r.CarrierGatewayId)},
		{"core_network", str(r.CoreNetworkArn)},
	} {
		if t.id != "" {
			return t.kind, t.id
		}
	}
	g := str(r.GatewayId)
	switch {
	case g == "local":
		return "local", g
	case strings.HasPrefix(g, "igw-"):
		return "internet_gateway", g
	case strings.HasPrefix(g, "vgw-"):
		return "virtual_private_gateway", g
	case strings.HasPrefix(g, "vpce-"):
		return "vpc_endpoint", g
	case g != "":
		return "gateway", g
	}
	return "", ""
}

func tags(ts []types.Tag) Tags {
	if len(ts) == 0 {
		return nil
	}
	m := Tags{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func i64[T int32 | int64](p *T) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func appendNonEmpty(list *[]string, s string) {
	if s != "" {
		*list = append(*list, s)
	}
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
