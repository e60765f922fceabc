// Package inventory snapshots the network side of AWS accounts (interfaces, instances, security
// groups, ACLs, subnets, routes, gateways) with read-only EC2 Describe calls, keeps every snapshot
// as Parquet under the data dir, and says who owned an interface or address at a given time.
//
// Developer notes.
//
// Collect (fetch.go) runs the Describe calls of each region through the AWS SDK v2 EC2 client built
// by awsconf (standard credential chain, throttling retried by the SDK's retryer). Each call is
// paginated; a call refused for lack of permission is recorded as "denied" in the snapshot's
// coverage and skipped, any other failure as "error"; neither stops the other calls.
//
// Write (store.go) stores one snapshot as one Parquet file per table (tables.go lists them) in
// DATA_DIR/inventory/snapshots/ID/, written by DuckDB from newline-delimited JSON in a staging
// folder that is renamed into place, then named in DATA_DIR/inventory/manifest.json (replaced
// atomically). A snapshot folder the manifest does not name is a crash leftover and is removed by
// the next Write.
//
// Time-aware resolution (sql.go) is SQL over the snapshots, so a DuckDB session and flowq's own
// Go code (Resolver) answer the same way: for every interface, and every address, consecutive
// snapshots of its account and region that saw the same owner form one validity interval. An
// interval starts at the owner's attach time when that falls after the previous snapshot, else at
// the first snapshot that saw it, and ends where the next owner's starts (or at the first snapshot
// that no longer saw it). The newest owner stays valid after the newest snapshot; the earliest
// one is also used before the first snapshot, marked assumed (unless its attach time is known to
// be earlier). Only snapshots whose Describe call for that table succeeded count.
//
// Evaluate (evaluate.go) checks a conversation against the stored rules, for `why`: security
// groups (stateful), network ACLs (stateless, ordered, both directions with the ephemeral return)
// and the source subnet's routes, naming the exact entry or the missing rule.
package inventory

import "time"

// Tags are an AWS resource's tags.
type Tags map[string]string

// Interface is one elastic network interface, with the owner flowq names it after.
type Interface struct {
	AccountID        string     `json:"account_id"`
	Region           string     `json:"region"`
	InterfaceID      string     `json:"interface_id"`
	InterfaceType    string     `json:"interface_type"`
	Description      string     `json:"description"`
	Status           string     `json:"status"`
	VpcID            string     `json:"vpc_id"`
	SubnetID         string     `json:"subnet_id"`
	AvailabilityZone string     `json:"availability_zone"`
	AZID             string     `json:"az_id"`
	OwnerID          string     `json:"owner_id"`
	RequesterID      string     `json:"requester_id"`
	RequesterManaged bool       `json:"requester_managed"`
	InstanceID       string     `json:"instance_id"`
	AttachmentID     string     `json:"attachment_id"`
	DeviceIndex      *int64     `json:"device_index"`
	AttachTime       *time.Time `json:"attach_time"`
	PrivateIP        string     `json:"private_ip"`
	PublicIP         string     `json:"public_ip"`
	IPv6Addresses    []string   `json:"ipv6_addresses"`
	SecurityGroupIDs []string   `json:"security_group_ids"`
	MacAddress       string     `json:"mac_address"`
	// ResourceKind and ResourceID say what the interface belongs to (instance, nat_gateway,
	// vpc_endpoint, load_balancer, lambda, rds, transit_gateway, other_managed, interface), and
	// ResourceName is the name shown beside its addresses (an instance's Name tag, else the id).
	ResourceKind string `json:"resource_kind"`
	ResourceID   string `json:"resource_id"`
	ResourceName string `json:"resource_name"`
	Tags         Tags   `json:"tags"`
}

// Address is one address of an interface: private IPv4, public IPv4 or IPv6.
type Address struct {
	AccountID    string `json:"account_id"`
	Region       string `json:"region"`
	Address      string `json:"address"`
	Kind         string `json:"kind"` // private, public, ipv6
	Primary      bool   `json:"primary"`
	PrivateIP    string `json:"private_ip"` // for a public address, the private one it maps to
	InterfaceID  string `json:"interface_id"`
	VpcID        string `json:"vpc_id"`
	SubnetID     string `json:"subnet_id"`
	ResourceKind string `json:"resource_kind"`
	ResourceID   string `json:"resource_id"`
	ResourceName string `json:"resource_name"`
}

// Instance is one EC2 instance.
type Instance struct {
	AccountID        string     `json:"account_id"`
	Region           string     `json:"region"`
	InstanceID       string     `json:"instance_id"`
	Name             string     `json:"name"`
	State            string     `json:"state"`
	InstanceType     string     `json:"instance_type"`
	ImageID          string     `json:"image_id"`
	VpcID            string     `json:"vpc_id"`
	SubnetID         string     `json:"subnet_id"`
	AvailabilityZone string     `json:"availability_zone"`
	PrivateIP        string     `json:"private_ip"`
	PublicIP         string     `json:"public_ip"`
	LaunchTime       *time.Time `json:"launch_time"`
	SecurityGroupIDs []string   `json:"security_group_ids"`
	InterfaceIDs     []string   `json:"interface_ids"`
	Tags             Tags       `json:"tags"`
}

// SecurityGroup is one security group; its rules are SecurityGroupRule rows.
type SecurityGroup struct {
	AccountID   string `json:"account_id"`
	Region      string `json:"region"`
	GroupID     string `json:"group_id"`
	GroupName   string `json:"group_name"`
	Description string `json:"description"`
	VpcID       string `json:"vpc_id"`
	OwnerID     string `json:"owner_id"`
	Tags        Tags   `json:"tags"`
}

// SecurityGroupRule is one source or destination of one permission: a permission with two CIDRs
// and a referenced group gives three rows sharing PermissionIndex.
type SecurityGroupRule struct {
	AccountID         string `json:"account_id"`
	Region            string `json:"region"`
	GroupID           string `json:"group_id"`
	Direction         string `json:"direction"` // ingress, egress
	PermissionIndex   int64  `json:"permission_index"`
	Protocol          string `json:"protocol"` // "-1" all, "tcp", "udp", "icmp", or a number
	FromPort          *int64 `json:"from_port"`
	ToPort            *int64 `json:"to_port"`
	CIDR              string `json:"cidr"` // IPv4 or IPv6
	PrefixListID      string `json:"prefix_list_id"`
	ReferencedGroupID string `json:"referenced_group_id"`
	ReferencedUserID  string `json:"referenced_user_id"`
	Description       string `json:"description"`
}

// NetworkACL is one network ACL; its entries are NetworkACLEntry rows.
type NetworkACL struct {
	AccountID string   `json:"account_id"`
	Region    string   `json:"region"`
	ACLID     string   `json:"acl_id"`
	VpcID     string   `json:"vpc_id"`
	IsDefault bool     `json:"is_default"`
	SubnetIDs []string `json:"subnet_ids"`
	Name      string   `json:"name"`
	Tags      Tags     `json:"tags"`
}

// NetworkACLEntry is one numbered entry.
type NetworkACLEntry struct {
	AccountID  string `json:"account_id"`
	Region     string `json:"region"`
	ACLID      string `json:"acl_id"`
	RuleNumber int64  `json:"rule_number"`
	Egress     bool   `json:"egress"`
	Protocol   string `json:"protocol"` // "-1" all, or the IANA number as text
	RuleAction string `json:"rule_action"`
	CIDR       string `json:"cidr"` // IPv4 or IPv6
	PortFrom   *int64 `json:"port_from"`
	PortTo     *int64 `json:"port_to"`
	ICMPType   *int64 `json:"icmp_type"`
	ICMPCode   *int64 `json:"icmp_code"`
}

// Subnet is one subnet.
type Subnet struct {
	AccountID        string   `json:"account_id"`
	Region           string   `json:"region"`
	SubnetID         string   `json:"subnet_id"`
	VpcID            string   `json:"vpc_id"`
	CIDR             string   `json:"cidr"`
	IPv6CIDRs        []string `json:"ipv6_cidrs"`
	AvailabilityZone string   `json:"availability_zone"`
	AZID             string   `json:"az_id"`
	State            string   `json:"state"`
	Name             string   `json:"name"`
	Tags             Tags     `json:"tags"`
}

// VPC is one VPC.
type VPC struct {
	AccountID string   `json:"account_id"`
	Region    string   `json:"region"`
	VpcID     string   `json:"vpc_id"`
	CIDRs     []string `json:"cidrs"`
	IPv6CIDRs []string `json:"ipv6_cidrs"`
	IsDefault bool     `json:"is_default"`
	State     string   `json:"state"`
	Name      string   `json:"name"`
	Tags      Tags     `json:"tags"`
}

// RouteTable is one route table; its routes are Route rows.
type RouteTable struct {
	AccountID    string   `json:"account_id"`
	Region       string   `json:"region"`
	RouteTableID string   `json:"route_table_id"`
	VpcID        string   `json:"vpc_id"`
	Main         bool     `json:"main"`
	SubnetIDs    []string `json:"subnet_ids"`
	Name         string   `json:"name"`
	Tags         Tags     `json:"tags"`
}

// Route is one route of a route table.
type Route struct {
	AccountID    string `json:"account_id"`
	Region       string `json:"region"`
	RouteTableID string `json:"route_table_id"`
	Destination  string `json:"destination"` // CIDR (IPv4 or IPv6) or prefix list id
	TargetType   string `json:"target_type"` // local, internet_gateway, nat_gateway, ...
	TargetID     string `json:"target_id"`
	State        string `json:"state"`
	Origin       string `json:"origin"`
}

// NATGateway is one NAT gateway.
type NATGateway struct {
	AccountID        string   `json:"account_id"`
	Region           string   `json:"region"`
	NatGatewayID     string   `json:"nat_gateway_id"`
	VpcID            string   `json:"vpc_id"`
	SubnetID         string   `json:"subnet_id"`
	State            string   `json:"state"`
	ConnectivityType string   `json:"connectivity_type"`
	PublicIPs        []string `json:"public_ips"`
	PrivateIPs       []string `json:"private_ips"`
	InterfaceIDs     []string `json:"interface_ids"`
	Name             string   `json:"name"`
	Tags             Tags     `json:"tags"`
}

// VPCEndpoint is one VPC endpoint.
type VPCEndpoint struct {
	AccountID     string   `json:"account_id"`
	Region        string   `json:"region"`
	VpcEndpointID string   `json:"vpc_endpoint_id"`
	EndpointType  string   `json:"endpoint_type"`
	ServiceName   string   `json:"service_name"`
	VpcID         string   `json:"vpc_id"`
	State         string   `json:"state"`
	SubnetIDs     []string `json:"subnet_ids"`
	RouteTableIDs []string `json:"route_table_ids"`
	InterfaceIDs  []string `json:"interface_ids"`
	Name          string   `json:"name"`
	Tags          Tags     `json:"tags"`
}

// Gateway is an internet gateway or an egress-only internet gateway.
type Gateway struct {
	AccountID string   `json:"account_id"`
	Region    string   `json:"region"`
	GatewayID string   `json:"gateway_id"`
	Kind      string   `json:"kind"` // internet, egress_only
	VpcIDs    []string `json:"vpc_ids"`
	Name      string   `json:"name"`
	Tags      Tags     `json:"tags"`
}

// TransitGatewayAttachment is one attachment of a transit gateway.
type TransitGatewayAttachment struct {
	AccountID        string `json:"account_id"`
	Region           string `json:"region"`
	AttachmentID     string `json:"attachment_id"`
	TransitGatewayID string `json:"transit_gateway_id"`
	ResourceType     string `json:"resource_type"`
	ResourceID       string `json:"resource_id"`
	ResourceOwnerID  string `json:"resource_owner_id"`
	State            string `json:"state"`
	Name             string `json:"name"`
	Tags             Tags   `json:"tags"`
}

// Call is the outcome of one Describe call (all its pages) in one account and region; it tells
// which tables of a snapshot can be trusted.
type Call struct {
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	Call      string `json:"call"`   // e.g. DescribeNetworkInterfaces
	Tables    string `json:"tables"` // comma-separated tables it fills
	Rows      int64  `json:"rows"`
	Pages     int64  `json:"pages"`
	Status    string `json:"status"` // ok, denied, error
	Error     string `json:"error"`
}

// Status values of a Call.
const (
	StatusOK     = "ok"
	StatusDenied = "denied"
	StatusError  = "error"
)

// Snapshot is what one Collect saw, over all its accounts and regions.
type Snapshot struct {
	TakenAt time.Time
	Calls   []Call

	Interfaces                []Interface
	Addresses                 []Address
	Instances                 []Instance
	SecurityGroups            []SecurityGroup
	SecurityGroupRules        []SecurityGroupRule
	NetworkACLs               []NetworkACL
	NetworkACLEntries         []NetworkACLEntry
	Subnets                   []Subnet
	VPCs                      []VPC
	RouteTables               []RouteTable
	Routes                    []Route
	NATGateways               []NATGateway
	VPCEndpoints              []VPCEndpoint
	Gateways                  []Gateway
	TransitGatewayAttachments []TransitGatewayAttachment
}

// Failed returns the calls that did not succeed.
func (s *Snapshot) Failed() []Call {
	var out []Call
	for _, c := range s.Calls {
		if c.Status != StatusOK {
			out = append(out, c)
		}
	}
	return out
}
