package inventory

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestWriteLeftoversAndIDs: a crashed write's staging folder and a snapshot folder the manifest
// does not name are removed by the next Write; snapshots of the same second get distinct ids; a
// damaged manifest is an error naming it.
func TestWriteLeftoversAndIDs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 8, 22, 15, 17, 5, 0, time.UTC)
	snap := &Snapshot{TakenAt: at, Calls: []Call{{AccountID: "111122223333", Region: "eu-west-1", Call: "DescribeVpcs", Tables: "vpcs", Status: StatusOK}},
		VPCs: []VPC{{AccountID: "111122223333", Region: "eu-west-1", VpcID: "vpc-1", CIDRs: []string{"10.0.0.0/16"}, Tags: Tags{"Name": "it's quoted"}}}}
	root := filepath.Join(dir, Subdir)
	for _, leftover := range []string{filepath.Join(root, stagingDir, "20260101T000000Z"), filepath.Join(root, snapshotsDir, "20260101T000000Z")} {
		if err := os.MkdirAll(leftover, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(leftover, "vpcs.parquet"), []byte("half"), 0o600)
	}
	var ids []string
	for range 3 {
		info, err := Write(ctx, dir, snap)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	if want := []string{"20260822T151705Z", "20260822T151705Z-2", "20260822T151705Z-3"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids %q, want %q", ids, want)
	}
	entries, _ := os.ReadDir(filepath.Join(root, snapshotsDir))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, ids) {
		t.Fatalf("snapshot folders %q, want only %q", names, ids)
	}
	if _, err := os.Stat(filepath.Join(root, stagingDir, "20260101T000000Z")); !os.IsNotExist(err) {
		t.Fatalf("staging leftover still there: %v", err)
	}
	db := openInventory(t, dir)
	if got := rows(t, db, "SELECT snapshot_id, tags['Name'], cidrs[1] FROM inventory_vpcs_history WHERE snapshot_id LIKE '%-3'"); !reflect.DeepEqual(got, []string{"20260822T151705Z-3|it's quoted|10.0.0.0/16"}) {
		t.Fatalf("history %q", got)
	}
	// Snapshots of the same second are not merged: the latest table holds one of them.
	if got := rows(t, db, "SELECT count(*) FROM inventory_vpcs"); !reflect.DeepEqual(got, []string{"1"}) {
		t.Fatalf("latest vpcs %q", got)
	}
	man := filepath.Join(root, manifestFile)
	os.WriteFile(man, []byte(`{"version":1,"snapshots":[`), 0o600)
	if _, err := Write(ctx, dir, snap); err == nil || !strings.Contains(err.Error(), man) {
		t.Fatalf("damaged manifest: %v", err)
	}
	os.WriteFile(man, []byte(`{"version":7,"snapshots":[]}`), 0o600)
	if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "version 7") {
		t.Fatalf("future manifest: %v", err)
	}
}

// TestUnreachableEndpoint: when the endpoint cannot be reached, one call of each region is tried
// (with the SDK's retries), the others are reported as not tried, and Collect fails.
func TestUnreachableEndpoint(t *testing.T) {
	c := testClients(t, "http://127.0.0.1:1")
	snap, err := Collect(context.Background(), c, []string{"eu-west-1", "us-east-2"}, nil)
	if err == nil || !strings.Contains(err.Error(), "no Describe call succeeded") {
		t.Fatalf("error %v, want no Describe call succeeded", err)
	}
	tried := 0
	for i, cl := range snap.Calls {
		// Regions run in parallel but their calls are kept in the order asked.
		if want := []string{"eu-west-1", "us-east-2"}[i/12]; cl.Region != want {
			t.Fatalf("call %d is of %s, want %s", i, cl.Region, want)
		}
		if cl.Status != StatusError {
			t.Fatalf("%s: status %s", cl.Call, cl.Status)
		}
		if !strings.HasPrefix(cl.Error, "not tried: ") {
			tried++
		}
	}
	if len(snap.Calls) != 24 || tried != 2 {
		t.Fatalf("%d calls, %d tried; want 24 and 2 (one per region)", len(snap.Calls), tried)
	}
}
