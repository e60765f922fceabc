package cost_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/cost/costtest"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/inventory"
	"github.com/flowq/flowq/engine/store"
)

// With an inventory, the default format (no pkt fields, AZ ids or direction) is enough: the
// inventory names the NAT gateway's interface and every end's AZ. The planted flows are priced
// by hand as in report_test.go: NAT a 2.25 and c 1.44; cross-AZ a → NAT 0.80, NAT → a 0.20,
// a → b 0.10, b → a 0.02; S3 via NAT 1.44 (the public legs: the address behind it unknown).
func TestWithInventory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	truth, err := flowgen.GenerateCost(ctx, flowgen.DirSink(src), flowgen.FormatDefault.Fields)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, []string{src}, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"a": "web-a", "b": "db-b", "c": "app-c", "d": "web-d", "e": "edge-e"}
	snap := &inventory.Snapshot{TakenAt: truth.Day.Add(24 * time.Hour),
		Calls: []inventory.Call{{AccountID: truth.Account, Region: truth.Region, Call: "DescribeNetworkInterfaces", Tables: "interfaces,addresses", Status: inventory.StatusOK}}}
	add := func(eni, addr, az, kind, id, name string) {
		snap.Interfaces = append(snap.Interfaces, inventory.Interface{AccountID: truth.Account, Region: truth.Region, InterfaceID: eni,
			VpcID: truth.VPC, AZID: az, PrivateIP: addr, ResourceKind: kind, ResourceID: id, ResourceName: name})
		snap.Addresses = append(snap.Addresses, inventory.Address{AccountID: truth.Account, Region: truth.Region, Address: addr, Kind: "private",
			Primary: true, InterfaceID: eni, VpcID: truth.VPC, ResourceKind: kind, ResourceID: id, ResourceName: name})
	}
	add(truth.NATInterface, truth.NATIP, truth.AZ["nat"], "nat_gateway", "nat-0c057", "nat-0c057")
	for r, name := range names {
		add(truth.ENI[r], truth.Addr[r], truth.AZ[r], "instance", "i-"+r, name)
	}
	if _, err := inventory.Write(ctx, st.Dir(), snap); err != nil {
		t.Fatal(err)
	}
	sess := costtest.Session(t, st)

	nat := runQuery(t, sess, "nat-gateway-top-contributors", nil)
	if len(nat) != 2 || nat[0]["nat_gateway"] != "nat-0c057" || nat[0]["name"] != "web-a" || nat[1]["name"] != "app-c" {
		t.Fatalf("nat rows %v", nat)
	}
	checkMoney(t, "nat web-a", nat[0], 225, "0.045")
	checkMoney(t, "nat app-c", nat[1], 144, "0.045")

	want := map[string]int64{"web-a → nat-0c057": 80, "nat-0c057 → web-a": 20, "web-a → db-b": 10, "db-b → web-a": 2}
	rows := runQuery(t, sess, "cross-az-traffic", map[string]string{"scope": "cross-az"})
	if len(rows) != len(want) {
		t.Errorf("cross-az rows %v", rows)
	}
	for _, r := range rows {
		k := fmt.Sprintf("%v → %v", r["src"], r["dst"])
		c, ok := want[k]
		if !ok {
			t.Errorf("unexpected %s: %v", k, r)
			continue
		}
		checkMoney(t, k, r, c, "0.01")
	}

	s3 := runQuery(t, sess, "aws-services-via-nat", nil)
	if len(s3) != 1 || s3[0]["service"] != "S3" || s3[0]["nat_gateway"] != "nat-0c057" {
		t.Fatalf("s3 rows %v", s3)
	}
	checkMoney(t, "s3", s3[0], 144, "0.045")
}
