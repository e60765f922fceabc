package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/flowgen"
)

// A flowgen transit gateway delivery through the CLI: load puts it in its own table, the saved
// query finds every planted loss, why names the drop, status and athena ddl show the table.
func TestTGWThroughCLI(t *testing.T) {
	src := filepath.Join(t.TempDir(), "tgw")
	truth, err := flowgen.GenerateTGW(context.Background(), flowgen.SmallTGW(), flowgen.DirSink(src))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.ok("load", src)
	if n := e.count("SELECT count(*) FROM transit_gateway_flow_logs"); n != truth.Records {
		t.Fatalf("transit gateway rows %d, flowgen wrote %d", n, truth.Records)
	}
	if n := e.count("SELECT count(*) FROM vpc_flow_logs"); n != 0 {
		t.Errorf("vpc rows %d, want 0", n)
	}

	// tgw-packet-loss: the packets lost by cause and attachment add up to the planted buckets.
	r := e.ok("run", "tgw-packet-loss", "--format", "json")
	var rows []struct {
		Attachment string `json:"tgw_attachment_id"`
		Cause      string `json:"cause"`
		Lost       int64  `json:"packets_lost"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	got := map[string]int64{}
	for _, row := range rows {
		got[row.Cause+" "+row.Attachment] += row.Lost
	}
	want := map[string]int64{}
	for _, b := range truth.LossBuckets {
		want[b.Cause+" "+b.Attachment] += b.Packets
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) < 3 {
		t.Errorf("tgw-packet-loss by cause and attachment %v, planted %v", got, want)
	}

	// why names the drop.
	nr, _ := truth.FindLoss(flowgen.CauseNoRoute)
	r = e.ok("why", nr.Src, fmt.Sprintf("%s:%d", nr.Dst, nr.DstPort))
	flat := strings.Join(strings.Fields(r.stdout), " ")
	if !strings.Contains(flat, fmt.Sprintf("dropped at %s attachment %s: no route — the transit gateway route table has no route to %s", truth.TGW, nr.Attachment, nr.Dst)) {
		t.Errorf("why %s %s:\n%s", nr.Src, nr.Dst, r.stdout)
	}
	r = e.ok("why", nr.Src, nr.Dst, "--format", "json")
	var rep struct {
		Gateway *struct {
			Losses []struct {
				Cause   string `json:"cause"`
				Packets int64  `json:"packets"`
			} `json:"losses"`
		} `json:"gateway"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Gateway == nil || len(rep.Gateway.Losses) != 1 ||
		rep.Gateway.Losses[0].Cause != flowgen.CauseNoRoute || rep.Gateway.Losses[0].Packets != nr.Packets {
		t.Errorf("why --format json: %v\n%s", err, r.stdout)
	}

	// status shows the table.
	r = e.ok("status")
	if !strings.Contains(r.stdout, fmt.Sprintf("transit_gateway_flow_logs: %d rows, 2026-01-15 .. 2026-01-15", truth.Records)) {
		t.Errorf("status:\n%s", r.stdout)
	}
	r = e.ok("status", "--json")
	var st struct {
		Tables []struct {
			Name        string `json:"name"`
			Rows        int64  `json:"rows"`
			PacketsLost int64  `json:"packets_lost"`
		} `json:"tables"`
	}
	var lost int64
	for _, n := range truth.LostByCause {
		lost += n
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || len(st.Tables) != 2 || st.Tables[1].Name != "transit_gateway_flow_logs" ||
		st.Tables[1].Rows != truth.Records || st.Tables[1].PacketsLost != lost {
		t.Errorf("status --json tables %+v (%v), want %d rows, %d lost", st.Tables, err, truth.Records, lost)
	}

	// athena ddl describes it.
	r = e.ok("athena", "ddl", "--log-type", "transit-gateway", "--location", "s3://b/flowq")
	if !strings.Contains(r.stdout, "CREATE EXTERNAL TABLE IF NOT EXISTS `transit_gateway_flow_logs`") || !strings.Contains(r.stdout, "`packets_lost_no_route` bigint") {
		t.Errorf("athena ddl:\n%s", r.stdout)
	}
}
