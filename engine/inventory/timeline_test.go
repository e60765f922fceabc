package inventory

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// TestAddressMovesBetweenInstances takes two snapshots in moto with an interface moved from one
// instance to another and an address re-used by a new instance in between, and checks that each
// owner is named in its own time.
func TestAddressMovesBetweenInstances(t *testing.T) {
	endpoint := startMoto(t)
	c := testClients(t, endpoint)
	cl := c.EC2("us-east-1")
	ctx := context.Background()
	vpc := *must[*ec2.CreateVpcOutput](t, "CreateVpc")(cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	subnet := *must[*ec2.CreateSubnetOutput](t, "CreateSubnet")(cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc,
		CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})).Subnet.SubnetId
	sg := *must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId: &vpc, GroupName: aws.String("app"), Description: aws.String("app")})).GroupId
	blue := launch(t, cl, subnet, "10.0.1.10", "app-blue", sg)
	green := launch(t, cl, subnet, "10.0.1.20", "app-green", sg)
	blueENI := primaryENI(t, cl, blue)
	float := *must[*ec2.CreateNetworkInterfaceOutput](t, "CreateNetworkInterface")(cl.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId: &subnet, PrivateIpAddress: aws.String("10.0.1.50")})).NetworkInterface.NetworkInterfaceId
	att := must[*ec2.AttachNetworkInterfaceOutput](t, "AttachNetworkInterface")(cl.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: &float, InstanceId: &blue, DeviceIndex: aws.Int32(1)}))

	// Snapshot times are whole seconds after the changes they must follow: the first after every
	// attachment so far, the second after the moves.
	t1 := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	snap1, err := Collect(ctx, c, []string{"us-east-1"}, func() time.Time { return t1 })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Write(ctx, dir, snap1); err != nil {
		t.Fatal(err)
	}
	// moto records attach times in whole seconds: the moves must be stamped after t1.
	for !time.Now().After(t1.Add(time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	must[*ec2.DetachNetworkInterfaceOutput](t, "DetachNetworkInterface")(cl.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId}))
	must[*ec2.AttachNetworkInterfaceOutput](t, "AttachNetworkInterface green")(cl.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: &float, InstanceId: &green, DeviceIndex: aws.Int32(1)}))
	must[*ec2.TerminateInstancesOutput](t, "TerminateInstances")(cl.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{blue}}))
	canary := launch(t, cl, subnet, "10.0.1.10", "app-canary", sg)
	canaryENI := primaryENI(t, cl, canary)
	t2 := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	snap2, err := Collect(ctx, c, []string{"us-east-1"}, func() time.Time { return t2 })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, dir, snap2); err != nil {
		t.Fatal(err)
	}
	man, err := ReadManifest(dir)
	if err != nil || len(man.Snapshots) != 2 {
		t.Fatalf("manifest %+v %v, want 2 snapshots", man, err)
	}

	// The attach times moto recorded, from the second snapshot.
	attachTime := func(eni string) time.Time {
		for _, n := range snap2.Interfaces {
			if n.InterfaceID == eni && n.AttachTime != nil {
				return *n.AttachTime
			}
		}
		t.Fatalf("no attach time for %s in the second snapshot", eni)
		return time.Time{}
	}
	greenAt, canaryAt := attachTime(float), attachTime(canaryENI)
	for _, at := range []time.Time{greenAt, canaryAt} {
		if !at.After(t1) || at.After(t2) {
			t.Fatalf("attach time %s not within (%s, %s]", at, t1, t2)
		}
	}

	db := openInventory(t, dir)
	ms := time.Millisecond
	cases := []struct {
		name    string
		q       string
		ts      time.Time
		want    string
		assumed string // of the first owner, "" when not checked
	}{
		{"interface before the first snapshot: earliest owner, assumed", "eni_name('" + float + "', $1)", t1.Add(-time.Hour), "app-blue", "true"},
		{"interface at the first snapshot", "eni_name('" + float + "', $1)", t1, "app-blue", "false"},
		{"interface just before the new attachment", "eni_name('" + float + "', $1)", greenAt.Add(-ms), "app-blue", "false"},
		{"interface from its new attach time", "eni_name('" + float + "', $1)", greenAt, "app-green", "false"},
		{"interface after the newest snapshot", "eni_name('" + float + "', $1)", t2.Add(24 * time.Hour), "app-green", "false"},
		{"address before the first snapshot", "ip_name('10.0.1.10', $1)", t1.Add(-time.Hour), "app-blue", "true"},
		{"address at the first snapshot", "ip_name('10.0.1.10', $1)", t1, "app-blue", "false"},
		{"address interface in the first snapshot's time", "ip_interface('10.0.1.10', $1)", t1, blueENI, ""},
		{"address just before the re-use", "ip_name('10.0.1.10', $1)", canaryAt.Add(-ms), "app-blue", "false"},
		{"address from the new instance's attach time", "ip_name('10.0.1.10', $1)", canaryAt, "app-canary", "false"},
		{"address after the newest snapshot", "ip_interface('10.0.1.10', $1)", t2.Add(time.Hour), canaryENI, ""},
		{"moved interface address", "ip_name('10.0.1.50', $1)", greenAt.Add(-ms), "app-blue", "false"},
		{"moved interface address after", "ip_name('10.0.1.50', $1)", greenAt, "app-green", "false"},
		{"unchanged address", "ip_name('10.0.1.20', $1)", t1.Add(-time.Hour), "app-green", "true"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rows(t, db, "SELECT "+c.q, c.ts)
			if !reflect.DeepEqual(got, []string{c.want}) {
				t.Fatalf("at %s got %q, want %q", c.ts, got, c.want)
			}
			if c.assumed == "" {
				return
			}
			fn, key := "eni_owner", float
			if c.q[:3] == "ip_" {
				fn, key = "ip_owner", c.q[len("ip_name('"):len(c.q)-len("', $1)")]
			}
			got = rows(t, db, fmt.Sprintf("SELECT resource_name, assumed FROM %s('%s', $1)", fn, key), c.ts)
			if !reflect.DeepEqual(got, []string{c.want + "|" + c.assumed}) {
				t.Fatalf("%s at %s: got %q, want %s assumed %s", fn, c.ts, got, c.want, c.assumed)
			}
		})
	}
	// One run for the address that never moved, two for the re-used one, with the boundary at the
	// new owner's attach time.
	got := rows(t, db, `SELECT address, resource_name, valid_from, valid_to FROM inventory_address_timeline WHERE address IN ('10.0.1.10', '10.0.1.20')`)
	want := []string{
		"10.0.1.10|app-blue|NULL|" + canaryAt.Format("2006-01-02 15:04:05.999999") + "+00",
		"10.0.1.10|app-canary|" + canaryAt.Format("2006-01-02 15:04:05.999999") + "+00|NULL",
		"10.0.1.20|app-green|NULL|NULL",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline\n got %q\nwant %q", got, want)
	}
}

// TestTimelineRules builds snapshots by hand (no AWS) to check the interval rules the moto test
// cannot reach: an owner gone for a snapshot, an attach time outside the gap, and a snapshot whose
// interface call failed (it must not count as "the interface was gone").
func TestTimelineRules(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 5, 1, h, 0, 0, 0, time.UTC) }
	tp := func(h int) *time.Time { v := at(h); return &v }
	eni := func(id, instance string, attach *time.Time) Interface {
		return Interface{AccountID: "111122223333", Region: "eu-west-1", InterfaceID: id, InstanceID: instance, AttachTime: attach,
			ResourceKind: "instance", ResourceID: instance, ResourceName: instance}
	}
	calls := func(status string) []Call {
		return []Call{{AccountID: "111122223333", Region: "eu-west-1", Call: "DescribeNetworkInterfaces", Tables: "interfaces,addresses", Status: status}}
	}
	snaps := []*Snapshot{
		{TakenAt: at(1), Calls: calls(StatusOK), Interfaces: []Interface{eni("eni-a", "i-1", tp(0)), eni("eni-b", "i-7", nil), eni("eni-c", "i-8", nil)}},
		// eni-a is gone; eni-b moved, its attach time (hour 0) is before the previous snapshot, so
		// it cannot date the move; eni-c unchanged.
		{TakenAt: at(3), Calls: calls(StatusOK), Interfaces: []Interface{eni("eni-b", "i-9", tp(0)), eni("eni-c", "i-8", nil)}},
		// The interface call was denied: this snapshot says nothing about interfaces.
		{TakenAt: at(5), Calls: calls(StatusDenied)},
		// eni-a is back on another instance, attached at hour 6.
		{TakenAt: at(7), Calls: calls(StatusOK), Interfaces: []Interface{eni("eni-a", "i-2", tp(6)), eni("eni-b", "i-9", tp(0)), eni("eni-c", "i-8", nil)}},
	}
	dir := t.TempDir()
	for _, s := range snaps {
		if _, err := Write(context.Background(), dir, s); err != nil {
			t.Fatal(err)
		}
	}
	db := openInventory(t, dir)
	got := rows(t, db, `SELECT interface_id, resource_id, strftime(valid_from, '%H'), strftime(valid_to, '%H'), strftime(observed_from, '%H') FROM inventory_interface_timeline`)
	want := []string{
		// Before the first snapshot, assumed until its attach time (hour 0); ends at the first
		// snapshot that no longer saw it.
		"eni-a|i-1|NULL|03|00",
		// Back from its attach time, open after the newest snapshot.
		"eni-a|i-2|06|NULL|06",
		"eni-b|i-7|NULL|03|01",
		// The attach time precedes the previous snapshot, so the move is dated by the snapshot.
		"eni-b|i-9|03|NULL|03",
		"eni-c|i-8|NULL|NULL|01",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline\n got %q\nwant %q", got, want)
	}
	lookups := []struct {
		eni  string
		hour int
		want string
	}{
		{"eni-a", 0, "i-1"}, {"eni-a", 2, "i-1"}, {"eni-a", 4, "NULL"}, {"eni-a", 5, "NULL"}, {"eni-a", 6, "i-2"}, {"eni-a", 30, "i-2"},
		{"eni-b", 2, "i-7"}, {"eni-b", 3, "i-9"},
		{"eni-c", -5, "i-8"}, {"eni-c", 50, "i-8"},
	}
	for _, l := range lookups {
		ts := at(0).Add(time.Duration(l.hour) * time.Hour)
		if got := rows(t, db, "SELECT eni_resource($1, $2)", l.eni, ts); !reflect.DeepEqual(got, []string{l.want}) {
			t.Errorf("eni_resource(%s, hour %d) = %q, want %s", l.eni, l.hour, got, l.want)
		}
	}
	// The latest interfaces of the scope come from the newest snapshot whose call worked.
	if got := rows(t, db, "SELECT DISTINCT snapshot_id FROM inventory_interfaces"); !reflect.DeepEqual(got, []string{"20260501T070000Z"}) {
		t.Errorf("latest interfaces from %q", got)
	}
	if got := rows(t, db, "SELECT snapshot_id, status FROM inventory_calls"); !reflect.DeepEqual(got, []string{"20260501T070000Z|ok"}) {
		t.Errorf("latest calls %q", got)
	}
}

// TestDeniedAndThrottledCalls puts a fault proxy on 127.0.0.1 between the SDK and moto: two calls
// are refused as a missing permission and one is throttled twice before it is answered. The
// refused calls are reported and skipped, the throttled one is retried, and the snapshot stores.
func TestDeniedAndThrottledCalls(t *testing.T) {
	moto := startMoto(t)
	fp := &faultProxy{
		deny:     map[string]bool{"DescribeTransitGatewayAttachments": true, "DescribeNatGateways": true},
		throttle: map[string]int{"DescribeSubnets": 2},
	}
	c := testClients(t, startFaultProxy(t, moto, fp))
	ctx := context.Background()
	cl := c.EC2("us-east-1")
	vpc := *must[*ec2.CreateVpcOutput](t, "CreateVpc")(cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})).Vpc.VpcId
	subnet := *must[*ec2.CreateSubnetOutput](t, "CreateSubnet")(cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc,
		CidrBlock: aws.String("10.1.7.0/24"), AvailabilityZone: aws.String("us-east-1c")})).Subnet.SubnetId
	snap, err := Collect(ctx, c, []string{"us-east-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, cl := range snap.Calls {
		status[cl.Call] = cl.Status
		if cl.Status == StatusDenied && !strings.Contains(cl.Error, "UnauthorizedOperation") {
			t.Errorf("%s: error %q does not say UnauthorizedOperation", cl.Call, cl.Error)
		}
	}
	want := map[string]string{
		"DescribeSecurityGroups": "ok", "DescribeInstances": "ok", "DescribeNetworkInterfaces": "ok", "DescribeSubnets": "ok",
		"DescribeVpcs": "ok", "DescribeNetworkAcls": "ok", "DescribeRouteTables": "ok", "DescribeNatGateways": "denied",
		"DescribeVpcEndpoints": "ok", "DescribeInternetGateways": "ok", "DescribeEgressOnlyInternetGateways": "ok",
		"DescribeTransitGatewayAttachments": "denied",
	}
	if !reflect.DeepEqual(status, want) {
		t.Fatalf("call status\n got %v\nwant %v", status, want)
	}
	if n := fp.count("DescribeSubnets"); n != 3 {
		t.Fatalf("DescribeSubnets sent %d times, want 3 (two throttled, then answered)", n)
	}
	dir := t.TempDir()
	info, err := Write(ctx, dir, snap)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Failed) != 2 {
		t.Fatalf("manifest lists failed calls %q, want 2", info.Failed)
	}
	db := openInventory(t, dir)
	checks := []struct{ q, want string }{
		{"SELECT cidr || ' ' || availability_zone FROM inventory_subnets WHERE subnet_id = '" + subnet + "'", "10.1.7.0/24 us-east-1c"},
		{"SELECT count(*) FROM inventory_coverage WHERE status = 'denied'", "2"},
		{"SELECT string_agg(table_name, ',' ORDER BY table_name) FROM inventory_coverage WHERE status = 'denied'", "nat_gateways,transit_gateway_attachments"},
		// A denied table has no latest snapshot, so nothing claims there are no NAT gateways.
		{"SELECT count(*) FROM inventory_latest WHERE table_name = 'nat_gateways'", "0"},
		{"SELECT count(*) FROM inventory_latest WHERE table_name = 'subnets'", "1"},
	}
	for _, ch := range checks {
		if got := rows(t, db, ch.q); !reflect.DeepEqual(got, []string{ch.want}) {
			t.Errorf("%s: got %q, want %s", ch.q, got, ch.want)
		}
	}
}
