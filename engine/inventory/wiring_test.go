package inventory

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/engine/store/storetest"
)

// TestSessionWiring loads generated flow logs into a real store, names one of their interfaces
// in an inventory snapshot, and opens a read-only session with RegisterSession in its Init, as
// the CLI would: the named view must name exactly that interface's records.
func TestSessionWiring(t *testing.T) {
	ctx := context.Background()
	_, st, err := storetest.Load(ctx, t.TempDir(), flowgen.Config{Seed: 18, Records: 3000, Span: 2 * time.Hour, Accounts: []string{"111122223333"}, Regions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	// Pick the busiest interface and one of its source addresses, with plain SQL on the plain table.
	plain := storetest.Session(t, st)
	var eni, addr string
	var eniRecords, addrRecords int64
	if err := plain.DB.QueryRowContext(ctx, `SELECT interface_id, count(*) FROM vpc_flow_logs WHERE start IS NOT NULL
		GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`).Scan(&eni, &eniRecords); err != nil {
		t.Fatal(err)
	}
	if err := plain.DB.QueryRowContext(ctx, `SELECT srcaddr, count(*) FROM vpc_flow_logs WHERE interface_id = $1 AND srcaddr <> '-' AND start IS NOT NULL
		GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`, eni).Scan(&addr, &addrRecords); err != nil {
		t.Fatal(err)
	}
	var srcRecords, total int64
	if err := plain.DB.QueryRowContext(ctx, `SELECT count_if(srcaddr = $1 AND start IS NOT NULL), count(*) FROM vpc_flow_logs`, addr).Scan(&srcRecords, &total); err != nil {
		t.Fatal(err)
	}
	// One snapshot, taken after the records: its owners are assumed back to the first record.
	snap := &Snapshot{TakenAt: time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC),
		Calls:      []Call{{AccountID: "111122223333", Region: "eu-west-1", Call: "DescribeNetworkInterfaces", Tables: "interfaces,addresses", Status: StatusOK}},
		Interfaces: []Interface{{AccountID: "111122223333", Region: "eu-west-1", InterfaceID: eni, ResourceKind: "instance", ResourceID: "i-planted", ResourceName: "planted-app"}},
		Addresses:  []Address{{AccountID: "111122223333", Region: "eu-west-1", Address: addr, InterfaceID: eni, ResourceKind: "instance", ResourceID: "i-planted", ResourceName: "planted-app"}},
	}
	if _, err := Write(ctx, st.Dir(), snap); err != nil {
		t.Fatal(err)
	}
	sess, err := st.OpenSession(ctx, store.SessionOptions{ReadOnly: true, Init: func(ctx context.Context, conn *sql.Conn) error {
		if err := compat.Register(ctx, conn); err != nil {
			return err
		}
		return RegisterSession(ctx, conn, st.Dir())
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var named, srcNamed, assumedOwners, covRecords, covNamed int64
	var kind string
	if err := sess.DB.QueryRowContext(ctx, `SELECT count_if(interface_name = 'planted-app'), count_if(src_name = 'planted-app'),
		any_value(src_kind) FILTER (WHERE src_name = 'planted-app') FROM vpc_flow_logs_named`).Scan(&named, &srcNamed, &kind); err != nil {
		t.Fatal(err)
	}
	if named != eniRecords || srcNamed != srcRecords || kind != "instance" {
		t.Fatalf("named view: interface named on %d records (want %d), source on %d (want %d), kind %q", named, eniRecords, srcNamed, srcRecords, kind)
	}
	if err := sess.DB.QueryRowContext(ctx, `SELECT count(*) FROM ip_owner($1, TIMESTAMPTZ '2026-01-15 01:00:00+00') WHERE assumed`, addr).Scan(&assumedOwners); err != nil {
		t.Fatal(err)
	}
	if assumedOwners != 1 {
		t.Fatalf("%d assumed owners of %s before the snapshot, want 1", assumedOwners, addr)
	}
	if err := sess.DB.QueryRowContext(ctx, CoverageSQL()).Scan(&covRecords, &covNamed); err != nil {
		t.Fatal(err)
	}
	if covRecords != total || covNamed != eniRecords {
		t.Fatalf("coverage %d of %d, want %d of %d", covNamed, covRecords, eniRecords, total)
	}
	t.Logf("%s (%s): %d of %d records named", eni, addr, eniRecords, total)
}
