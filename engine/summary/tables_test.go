package summary

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/store"
)

// Status shows each table: the planted VPC records and AWS's transit gateway format sample
// (testdata/tgw/aws-default-format.log: one gateway, two attachments, 7 + 5 + 12 + 3 packets
// lost, start 1700000000 = 2023-11-14).
func TestStatusTables(t *testing.T) {
	st, sess := plantedStore(t)
	ctx := context.Background()
	sum, err := st.Load(ctx, []string{filepath.Join("..", "..", "testdata", "tgw", "aws-default-format.log")}, store.LoadOptions{})
	if err != nil || sum.Rows != 7 {
		t.Fatalf("load: %+v, %v", sum, err)
	}
	if err := sess.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := ReadStatus(ctx, st, sess.DB)
	if err != nil {
		t.Fatal(err)
	}
	want := []TableStatus{
		{Name: "vpc_flow_logs", Rows: 6, FirstDate: "2024-05-01", LastDate: "2024-05-02"},
		{Name: "transit_gateway_flow_logs", Rows: 7, FirstDate: "2023-11-14", LastDate: "2023-11-14", Gateways: 1, Attachments: 2, PacketsLost: 27,
			LostByCause: map[string]int64{"no route": 7, "blackhole": 5, "MTU exceeded": 12, "TTL expired": 3}},
	}
	if !reflect.DeepEqual(s.Tables, want) || s.Rows != 13 {
		t.Errorf("tables %+v, rows %d", s.Tables, s.Rows)
	}
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"tables:      vpc_flow_logs: 6 rows, 2024-05-01 .. 2024-05-02",
		"transit_gateway_flow_logs: 7 rows, 2023-11-14 .. 2023-11-14; 1 gateways, 2 attachments, 27 packets lost (no route 7, blackhole 5, MTU exceeded 12, TTL expired 3)"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("status text lacks %q:\n%s", line, b.String())
		}
	}
}
