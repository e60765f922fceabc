package inventory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestRegisterSession builds a session-like DuckDB (a vpc_flow_logs view over a few records) and
// checks vpc_flow_logs_named and ip_kind, with an inventory and without one.
func TestRegisterSession(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 5, 1, h, 0, 0, 0, time.UTC) }
	tp := func(h int) *time.Time { v := at(h); return &v }
	calls := []Call{{AccountID: "111122223333", Region: "eu-west-1", Call: "DescribeNetworkInterfaces", Tables: "interfaces,addresses", Status: StatusOK}}
	web := Interface{AccountID: "111122223333", Region: "eu-west-1", InterfaceID: "eni-0a", InstanceID: "i-1", AttachTime: tp(0),
		SubnetID: "subnet-1", AZID: "euw1-az1", SecurityGroupIDs: []string{"sg-web"}, ResourceKind: "instance", ResourceID: "i-1", ResourceName: "web-prod-3"}
	nat := Interface{AccountID: "111122223333", Region: "eu-west-1", InterfaceID: "eni-0n", SubnetID: "subnet-2", AZID: "euw1-az2",
		ResourceKind: "nat_gateway", ResourceID: "nat-1", ResourceName: "nat-1"}
	addr := func(n Interface, a string) Address {
		return Address{AccountID: n.AccountID, Region: n.Region, Address: a, Kind: "private", InterfaceID: n.InterfaceID, SubnetID: n.SubnetID,
			ResourceKind: n.ResourceKind, ResourceID: n.ResourceID, ResourceName: n.ResourceName}
	}
	snap := &Snapshot{TakenAt: at(2), Calls: calls, Interfaces: []Interface{web, nat}, Addresses: []Address{addr(web, "10.0.1.10"), addr(nat, "10.0.2.5")}}
	// start 2026-05-01 03:00 UTC = 1777604400
	const flows = `CREATE VIEW vpc_flow_logs AS SELECT * FROM (VALUES
		('eni-0a', '10.0.1.10', '52.216.10.5', 1777604400::BIGINT),
		('eni-0a', '10.0.1.10', '10.0.2.5', 1777604400::BIGINT),
		('eni-0x', '203.0.113.9', '10.0.9.9', 1777604400::BIGINT),
		('eni-0a', '-', '-', NULL::BIGINT)) v(interface_id, srcaddr, dstaddr, start)`
	const q = `SELECT srcaddr, dstaddr, coalesce(src_name, '?'), src_kind, coalesce(dst_name, '?'), dst_kind, coalesce(dst_aws_service, '?'),
		coalesce(interface_name, '?'), coalesce(interface_az_id, '?'), coalesce(src_security_groups::VARCHAR, '?') FROM vpc_flow_logs_named`
	cases := []struct {
		name     string
		snaps    []*Snapshot
		labels   string
		want     []string
		coverage string
		summary  string
	}{
		// The inventory's name beats a user label for the same address.
		{"with an inventory and labels", []*Snapshot{snap}, "203.0.113.0/24,partner-x\n10.0.1.10,not-this-one\n", []string{
			"-|-|?|NULL|?|NULL|?|?|?|?",
			"10.0.1.10|10.0.2.5|web-prod-3|instance|nat-1|nat_gateway|?|web-prod-3|euw1-az1|[sg-web]",
			"10.0.1.10|52.216.10.5|web-prod-3|instance|?|aws_service|S3 us-east-1|web-prod-3|euw1-az1|[sg-web]",
			"203.0.113.9|10.0.9.9|partner-x|internet|?|private_unknown|?|?|?|?",
		}, "4|2", "1 true 2026-08-22 embedded 2"},
		{"without an inventory", nil, "", []string{
			"-|-|?|NULL|?|NULL|?|?|?|?",
			"10.0.1.10|10.0.2.5|?|private_unknown|?|private_unknown|?|?|?|?",
			"10.0.1.10|52.216.10.5|?|private_unknown|?|aws_service|S3 us-east-1|?|?|?",
			"203.0.113.9|10.0.9.9|?|internet|?|private_unknown|?|?|?|?",
		}, "4|0", "0 false 2026-08-22 embedded 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			if c.labels != "" {
				if err := os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(c.labels), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range c.snaps {
				if _, err := Write(ctx, dir, s); err != nil {
					t.Fatal(err)
				}
			}
			db, err := openDB(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, flows); err != nil {
				t.Fatal(err)
			}
			if err := RegisterSession(ctx, conn, dir); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			if got := rows(t, db, q); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
			// Two of the four records come from a known interface at a known time.
			if got := rows(t, db, CoverageSQL()); !reflect.DeepEqual(got, []string{c.coverage}) {
				t.Fatalf("coverage %q, want %s", got, c.coverage)
			}
			sum, err := Summarize(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%d %v %s %s %d", sum.Snapshots, sum.Latest != nil, sum.IPRangesDate, sum.IPRangesSource, sum.Labels); got != c.summary {
				t.Fatalf("summary %s, want %s", got, c.summary)
			}
		})
	}
}
