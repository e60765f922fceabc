package inventory

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestEvaluateRulesAsOf changes an ACL entry between two hand-built snapshots and checks that a
// conversation is judged by the rules in effect at its time, with the notes about rule age.
func TestEvaluateRulesAsOf(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 6, 1, h, 0, 0, 0, time.UTC) }
	const acct, region = "111122223333", "eu-west-1"
	snapshot := func(h int, action string) *Snapshot {
		var calls []Call
		for _, c := range []string{"interfaces,addresses", "security_groups,security_group_rules", "network_acls,network_acl_entries", "subnets", "route_tables,routes"} {
			calls = append(calls, Call{AccountID: acct, Region: region, Call: "Describe", Tables: c, Status: StatusOK})
		}
		eni := func(id, subnet, ip, name string) (Interface, Address) {
			return Interface{AccountID: acct, Region: region, InterfaceID: id, SubnetID: subnet, VpcID: "vpc-1", SecurityGroupIDs: []string{"sg-1"},
					ResourceKind: "instance", ResourceID: name, ResourceName: name},
				Address{AccountID: acct, Region: region, Address: ip, InterfaceID: id, SubnetID: subnet, VpcID: "vpc-1", ResourceKind: "instance", ResourceID: name, ResourceName: name}
		}
		i1, a1 := eni("eni-1", "subnet-a", "10.0.1.10", "app")
		i2, a2 := eni("eni-2", "subnet-b", "10.0.2.20", "db")
		all := func(egress bool, n int64, action string) NetworkACLEntry {
			return NetworkACLEntry{AccountID: acct, Region: region, ACLID: "acl-1", RuleNumber: n, Egress: egress, Protocol: "-1", RuleAction: action, CIDR: "0.0.0.0/0"}
		}
		return &Snapshot{TakenAt: at(h), Calls: calls,
			Interfaces: []Interface{i1, i2}, Addresses: []Address{a1, a2},
			SecurityGroups: []SecurityGroup{{AccountID: acct, Region: region, GroupID: "sg-1", GroupName: "app"}},
			SecurityGroupRules: []SecurityGroupRule{
				{AccountID: acct, Region: region, GroupID: "sg-1", Direction: "egress", Protocol: "-1", CIDR: "0.0.0.0/0"},
				{AccountID: acct, Region: region, GroupID: "sg-1", Direction: "ingress", Protocol: "tcp", FromPort: ptr(5432), ToPort: ptr(5432), ReferencedGroupID: "sg-1"},
			},
			NetworkACLs:       []NetworkACL{{AccountID: acct, Region: region, ACLID: "acl-1", VpcID: "vpc-1", SubnetIDs: []string{"subnet-a", "subnet-b"}}},
			NetworkACLEntries: []NetworkACLEntry{all(false, 100, action), all(true, 100, "allow")},
			Subnets: []Subnet{{AccountID: acct, Region: region, SubnetID: "subnet-a", VpcID: "vpc-1", CIDR: "10.0.1.0/24"},
				{AccountID: acct, Region: region, SubnetID: "subnet-b", VpcID: "vpc-1", CIDR: "10.0.2.0/24"}},
			RouteTables: []RouteTable{{AccountID: acct, Region: region, RouteTableID: "rtb-1", VpcID: "vpc-1", Main: true}},
			Routes:      []Route{{AccountID: acct, Region: region, RouteTableID: "rtb-1", Destination: "10.0.0.0/16", TargetType: "local", TargetID: "local", State: "active"}},
		}
	}
	dir := t.TempDir()
	for _, s := range []*Snapshot{snapshot(10, "deny"), snapshot(12, "allow")} {
		if _, err := Write(context.Background(), dir, s); err != nil {
			t.Fatal(err)
		}
	}
	db := openInventory(t, dir)
	cases := []struct {
		name    string
		at      time.Time
		blocked string // the blocking rule, "" for none
		note    string // a note that must be there, "" for no notes
	}{
		{"before the first snapshot: its rules, with a note", at(8), "acl-1 entry 100 denies all traffic all ports inbound to subnet subnet-b: traffic from 10.0.1.10 to port 5432 is dropped", "newer than the records"},
		{"between the snapshots: the first one's rules", at(11), "acl-1 entry 100 denies all traffic all ports inbound to subnet subnet-b: traffic from 10.0.1.10 to port 5432 is dropped", ""},
		{"after the change", at(13), "", ""},
		{"long after the newest snapshot", at(12).Add(72 * time.Hour), "", "72h0m0s before the records"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Evaluate(context.Background(), db, Conversation{Src: netip.MustParseAddr("10.0.1.10"), Dst: netip.MustParseAddr("10.0.2.20"), Proto: 6, Port: 5432, At: c.at})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if ev.Blocked != nil {
				got = ev.Blocked.Rule
			}
			if got != c.blocked {
				t.Errorf("blocked by %q, want %q", got, c.blocked)
			}
			notes := strings.Join(ev.Notes, "\n")
			if (c.note == "") != (notes == "") || !strings.Contains(notes, c.note) {
				t.Errorf("notes %q, want %q", notes, c.note)
			}
			if len(ev.Checks) != 7 {
				t.Errorf("%d checks, want 7", len(ev.Checks))
			}
		})
	}
}

func ptr(n int64) *int64 { return &n }
