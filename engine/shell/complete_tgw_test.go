package shell

import (
	"context"
	"reflect"
	"testing"

	"github.com/flowq/flowq/engine/store/storetest"
)

// Every store has the transit_gateway_flow_logs view (empty and typed before any transit
// gateway delivery is loaded), so completion offers it and its columns.
func TestCompleteTGWTable(t *testing.T) {
	sess := storetest.TGWSession(t)
	cat, err := LoadCatalog(context.Background(), sess.DB)
	if err != nil {
		t.Fatal(err)
	}
	tbl := cat.table("transit_gateway_flow_logs")
	if tbl == nil {
		t.Fatal("transit_gateway_flow_logs not in catalog")
	}
	types := map[string]string{}
	for _, c := range tbl.Columns {
		types[c.Name] = c.Type
	}
	if types["packets_lost_no_route"] != "BIGINT" || types["tgw_attachment_id"] != "VARCHAR" || types["date"] != "DATE" {
		t.Errorf("columns %v", tbl.Columns)
	}
	line := "SELECT * FROM transit_g"
	if cs, _ := cat.CompleteSQL(line, len(line)); !reflect.DeepEqual(texts(cs), []string{"transit_gateway_flow_logs"}) {
		t.Errorf("%q completes to %q", line, texts(cs))
	}
	line = "SELECT packets_lost_b"
	if cs, _ := cat.CompleteSQL(line, len(line)); !reflect.DeepEqual(texts(cs), []string{"packets_lost_blackhole"}) {
		t.Errorf("%q completes to %q", line, texts(cs))
	}
}
