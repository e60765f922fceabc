package inventory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/flowq/flowq/engine/awsconf"
)

// ClientOptions configure the EC2 clients. Zero values mean the AWS CLI's defaults.
type ClientOptions struct {
	Profile     string // shared config profile (else AWS_PROFILE / default)
	Region      string // client region for DescribeRegions (else AWS_REGION / the profile's)
	EndpointURL string // custom EC2 endpoint (LocalStack, moto, tests)
	MaxAttempts int    // SDK attempts per request (default 8: Describe calls are throttled often)
	MaxBackoff  time.Duration
	// Credentials overrides the standard chain (tests, or callers with their own provider).
	Credentials aws.CredentialsProvider
	Debug       io.Writer // one redacted line per HTTP attempt; nil for none
}

// Clients makes one EC2 client per region on a shared configuration.
type Clients struct {
	cfg      aws.Config
	endpoint string
}

// NewClients loads the AWS configuration (standard chain, flowq's retryer and transport).
func NewClients(ctx context.Context, o ClientOptions) (*Clients, error) {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	cfg, err := awsconf.Load(ctx, awsconf.Options{Profile: o.Profile, Region: o.Region, Credentials: o.Credentials,
		MaxAttempts: o.MaxAttempts, MaxBackoff: o.MaxBackoff, Debug: awsconf.NewDebug(o.Debug),
		Tune: func(tr *http.Transport) { awsconf.SizePool(tr, 4, 8) }})
	if err != nil {
		return nil, err
	}
	return &Clients{cfg: cfg, endpoint: o.EndpointURL}, nil
}

// Region is the configured client region ("" when none is set).
func (c *Clients) Region() string { return c.cfg.Region }

// EC2 returns a client for region.
func (c *Clients) EC2(region string) *ec2.Client {
	return ec2.NewFromConfig(c.cfg, func(eo *ec2.Options) {
		eo.Region = region
		if c.endpoint != "" {
			eo.BaseEndpoint = aws.String(c.endpoint)
		}
	})
}

// AllRegions lists the regions enabled for the account (DescribeRegions in the client region).
func (c *Clients) AllRegions(ctx context.Context) ([]string, error) {
	if c.cfg.Region == "" {
		return nil, errors.New("no AWS region to ask for the region list: set --region, AWS_REGION or the profile's region")
	}
	out, err := c.EC2(c.cfg.Region).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, fmt.Errorf("DescribeRegions in %s: %w", c.cfg.Region, err)
	}
	var regions []string
	for _, r := range out.Regions {
		regions = append(regions, aws.ToString(r.RegionName))
	}
	sort.Strings(regions)
	return regions, nil
}

// deniedCodes are the EC2 (and IAM-style) error codes of a call the credentials may not make.
var deniedCodes = map[string]bool{
	"UnauthorizedOperation": true, "AccessDenied": true, "AccessDeniedException": true,
	"UnauthorizedAccess": true, "OptInRequired": true,
}

// classify turns a call's error into a Call status.
func classify(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) && deniedCodes[ae.ErrorCode()] {
		return StatusDenied
	}
	return StatusError
}

// pager is what every EC2 paginator offers.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (O, error)
}

// Collect snapshots the given regions one after the other and returns what it saw. It fails only
// when ctx is cancelled or when no call succeeded at all (wrong credentials or endpoint); other
// failures are recorded in Snapshot.Calls.
func Collect(ctx context.Context, c *Clients, regions []string, now func() time.Time) (*Snapshot, error) {
	if len(regions) == 0 {
		if c.cfg.Region == "" {
			return nil, errors.New("no AWS region: set --region (repeatable), --all-regions, AWS_REGION or the profile's region")
		}
		regions = []string{c.cfg.Region}
	}
	if now == nil {
		now = time.Now
	}
	snap := &Snapshot{TakenAt: now().UTC().Truncate(time.Second)}
	// A few regions at a time: each region's calls run one after the other, so this bounds the
	// request rate per endpoint while --all-regions does not take the sum of every region's time.
	parts := make([]*Snapshot, len(regions))
	sem := make(chan struct{}, regionWorkers)
	var wg sync.WaitGroup
	for i, region := range regions {
		parts[i] = &Snapshot{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() == nil {
				collectRegion(ctx, c.EC2(region), region, parts[i])
			}
		}()
	}
	wg.Wait()
	for _, p := range parts {
		merge(snap, p)
	}
	if err := ctx.Err(); err != nil {
		return snap, err
	}
	ok := 0
	for _, cl := range snap.Calls {
		if cl.Status == StatusOK {
			ok++
		}
	}
	if ok == 0 {
		first := ""
		if len(snap.Calls) > 0 {
			first = snap.Calls[0].Error
		}
		return snap, fmt.Errorf("no Describe call succeeded in %s: %s", strings.Join(regions, ", "), first)
	}
	return snap, nil
}

// regionWorkers is how many regions Collect reads at once.
const regionWorkers = 4

// merge appends every row slice of part to snap, in the order of the fields.
func merge(snap, part *Snapshot) {
	dst, src := reflect.ValueOf(snap).Elem(), reflect.ValueOf(part).Elem()
	for i := range dst.NumField() {
		if f := dst.Field(i); f.Kind() == reflect.Slice {
			f.Set(reflect.AppendSlice(f, src.Field(i)))
		}
	}
}

// regionRun collects one region; account is learnt from the first owner id seen.
type regionRun struct {
	ctx     context.Context
	cl      *ec2.Client
	region  string
	account string
	snap    *Snapshot
	pending []*Call // calls made before the account was known
	// down is set when a call could not reach the endpoint at all (after the SDK's retries):
	// the region's other calls are not tried, so a wrong endpoint fails in one call's time.
	down string
}

// run records one Describe call: it pages through p, calls each on every page, and notes the
// outcome; rows counts what each added.
func run[O any](r *regionRun, call, tables string, p pager[O], each func(O) int) {
	c := &Call{Region: r.region, Call: call, Tables: tables, Status: StatusOK}
	if r.down != "" {
		c.Status, c.Error = StatusError, "not tried: "+r.down
		r.pending = append(r.pending, c)
		return
	}
	for p.HasMorePages() {
		out, err := p.NextPage(r.ctx)
		if err != nil {
			c.Status, c.Error = classify(err), awsconf.Redact(err.Error())
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				r.down = "an earlier call of the region failed: " + c.Error
			}
			break
		}
		c.Pages++
		c.Rows += int64(each(out))
	}
	r.pending = append(r.pending, c)
}

func collectRegion(ctx context.Context, cl *ec2.Client, region string, snap *Snapshot) {
	r := &regionRun{ctx: ctx, cl: cl, region: region, snap: snap}
	var (
		sgs        []types.SecurityGroup
		instances  []types.Instance
		interfaces []types.NetworkInterface
	)
	// Every region has a default security group, so its owner id names the account even where
	// nothing else exists.
	run(r, "DescribeSecurityGroups", "security_groups,security_group_rules",
		ec2.NewDescribeSecurityGroupsPaginator(cl, &ec2.DescribeSecurityGroupsInput{}),
		func(o *ec2.DescribeSecurityGroupsOutput) int {
			sgs = append(sgs, o.SecurityGroups...)
			return len(o.SecurityGroups)
		})
	for _, g := range sgs {
		r.seeOwner(g.OwnerId)
	}
	run(r, "DescribeInstances", "instances", ec2.NewDescribeInstancesPaginator(cl, &ec2.DescribeInstancesInput{}),
		func(o *ec2.DescribeInstancesOutput) int {
			n := 0
			for _, res := range o.Reservations {
				r.seeOwner(res.OwnerId)
				instances = append(instances, res.Instances...)
				n += len(res.Instances)
			}
			return n
		})
	run(r, "DescribeNetworkInterfaces", "interfaces,addresses",
		ec2.NewDescribeNetworkInterfacesPaginator(cl, &ec2.DescribeNetworkInterfacesInput{}),
		func(o *ec2.DescribeNetworkInterfacesOutput) int {
			interfaces = append(interfaces, o.NetworkInterfaces...)
			for _, n := range o.NetworkInterfaces {
				r.seeOwner(n.OwnerId)
			}
			return len(o.NetworkInterfaces)
		})
	var (
		subnets []types.Subnet
		vpcs    []types.Vpc
		acls    []types.NetworkAcl
		rts     []types.RouteTable
		nats    []types.NatGateway
		eps     []types.VpcEndpoint
		igws    []types.InternetGateway
		eigws   []types.EgressOnlyInternetGateway
		tgwas   []types.TransitGatewayAttachment
	)
	run(r, "DescribeSubnets", "subnets", ec2.NewDescribeSubnetsPaginator(cl, &ec2.DescribeSubnetsInput{}),
		func(o *ec2.DescribeSubnetsOutput) int { subnets = append(subnets, o.Subnets...); return len(o.Subnets) })
	run(r, "DescribeVpcs", "vpcs", ec2.NewDescribeVpcsPaginator(cl, &ec2.DescribeVpcsInput{}),
		func(o *ec2.DescribeVpcsOutput) int { vpcs = append(vpcs, o.Vpcs...); return len(o.Vpcs) })
	run(r, "DescribeNetworkAcls", "network_acls,network_acl_entries", ec2.NewDescribeNetworkAclsPaginator(cl, &ec2.DescribeNetworkAclsInput{}),
		func(o *ec2.DescribeNetworkAclsOutput) int {
			acls = append(acls, o.NetworkAcls...)
			return len(o.NetworkAcls)
		})
	run(r, "DescribeRouteTables", "route_tables,routes", ec2.NewDescribeRouteTablesPaginator(cl, &ec2.DescribeRouteTablesInput{}),
		func(o *ec2.DescribeRouteTablesOutput) int {
			rts = append(rts, o.RouteTables...)
			return len(o.RouteTables)
		})
	run(r, "DescribeNatGateways", "nat_gateways", ec2.NewDescribeNatGatewaysPaginator(cl, &ec2.DescribeNatGatewaysInput{}),
		func(o *ec2.DescribeNatGatewaysOutput) int {
			nats = append(nats, o.NatGateways...)
			return len(o.NatGateways)
		})
	run(r, "DescribeVpcEndpoints", "vpc_endpoints", ec2.NewDescribeVpcEndpointsPaginator(cl, &ec2.DescribeVpcEndpointsInput{}),
		func(o *ec2.DescribeVpcEndpointsOutput) int {
			eps = append(eps, o.VpcEndpoints...)
			return len(o.VpcEndpoints)
		})
	run(r, "DescribeInternetGateways", "gateways", ec2.NewDescribeInternetGatewaysPaginator(cl, &ec2.DescribeInternetGatewaysInput{}),
		func(o *ec2.DescribeInternetGatewaysOutput) int {
			igws = append(igws, o.InternetGateways...)
			return len(o.InternetGateways)
		})
	run(r, "DescribeEgressOnlyInternetGateways", "gateways",
		ec2.NewDescribeEgressOnlyInternetGatewaysPaginator(cl, &ec2.DescribeEgressOnlyInternetGatewaysInput{}),
		func(o *ec2.DescribeEgressOnlyInternetGatewaysOutput) int {
			eigws = append(eigws, o.EgressOnlyInternetGateways...)
			return len(o.EgressOnlyInternetGateways)
		})
	run(r, "DescribeTransitGatewayAttachments", "transit_gateway_attachments",
		ec2.NewDescribeTransitGatewayAttachmentsPaginator(cl, &ec2.DescribeTransitGatewayAttachmentsInput{}),
		func(o *ec2.DescribeTransitGatewayAttachmentsOutput) int {
			tgwas = append(tgwas, o.TransitGatewayAttachments...)
			return len(o.TransitGatewayAttachments)
		})
	for _, v := range vpcs {
		r.seeOwner(v.OwnerId)
	}
	acct := r.account
	if acct == "" {
		acct = "unknown"
	}
	for _, c := range r.pending {
		c.AccountID = acct
		snap.Calls = append(snap.Calls, *c)
	}
	convert(snap, acct, region, sgs, instances, interfaces, subnets, vpcs, acls, rts, nats, eps, igws, eigws, tgwas)
}

func (r *regionRun) seeOwner(id *string) {
	if r.account == "" && aws.ToString(id) != "" {
		r.account = aws.ToString(id)
	}
}
