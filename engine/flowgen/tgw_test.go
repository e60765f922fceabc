package flowgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

type tgwRow map[string]string

// readTGW parses every object of a sink with flowlog's own checks and returns the rows by key.
func readTGW(t *testing.T, m *MemSink) map[string][]tgwRow {
	t.Helper()
	out := map[string][]tgwRow{}
	for _, key := range m.Keys() {
		data, _ := m.Get(key)
		if strings.HasSuffix(key, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
		}
		res, err := flowlog.CheckDelivery(key, bytes.NewReader(data))
		if err != nil || len(res.Errors) > 0 || res.Type != flowlog.TransitGateway {
			t.Fatalf("%s: type %v, errors %v %v", key, res.Type, res.Errors, err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		for _, line := range lines[1:] {
			vals := strings.Fields(line)
			r := tgwRow{}
			for i, f := range res.Header.Fields {
				r[f.Column] = vals[i]
			}
			out[key] = append(out[key], r)
		}
	}
	return out
}

func n64(t *testing.T, r tgwRow, col string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(r[col], 10, 64)
	if err != nil {
		t.Fatalf("%s = %q in %v", col, r[col], r)
	}
	return v
}

func TestGenerateTGWLayouts(t *testing.T) {
	ctx := context.Background()
	for _, layout := range AllLayouts {
		cfg := SmallTGW()
		cfg.Layout, cfg.Org, cfg.Span = layout, "o-abc123", time.Hour
		m := NewMemSink()
		truth, err := GenerateTGW(ctx, cfg, m)
		if err != nil {
			t.Fatal(err)
		}
		if m.Len() != 12 || truth.Objects != 12 {
			t.Fatalf("%v: %d objects, truth %d; want 12 (one per 5 minutes)", layout, m.Len(), truth.Objects)
		}
		rows := readTGW(t, m)
		for key, rs := range rows {
			k, ok := flowlog.ParseTGWKey(key)
			if !ok || k.Account != "111122223333" || k.Region != "us-east-1" || k.Hive != layout.Hive() ||
				(k.Hour >= 0) != layout.Hourly() || k.Org != "o-abc123" || !strings.HasPrefix(key, "tgw/AWSLogs/") {
				t.Errorf("%v: key %s parses as %+v %v", layout, key, k, ok)
			}
			if !strings.Contains(k.Name, "_"+truth.FlowLogID+"_") {
				t.Errorf("%s: file name lacks the flow-log id %s", key, truth.FlowLogID)
			}
			if int64(len(rs)) != truth.Files[key] {
				t.Errorf("%s: %d rows, truth %d", key, len(rs), truth.Files[key])
			}
		}
	}
}

func TestGenerateTGWDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b := NewMemSink(), NewMemSink()
	ta, err := GenerateTGW(ctx, SmallTGW(), a)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := GenerateTGW(ctx, SmallTGW(), b)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(ta)
	jb, _ := json.Marshal(tb)
	if !bytes.Equal(ja, jb) || strings.Join(a.Keys(), ",") != strings.Join(b.Keys(), ",") {
		t.Fatal("two runs of one config differ")
	}
	for _, k := range a.Keys() {
		x, _ := a.Get(k)
		y, _ := b.Get(k)
		if !bytes.Equal(x, y) {
			t.Fatalf("%s differs between runs", k)
		}
	}
}

// The planted losses are in the records where the plan says, and the truth's tallies match a
// recount of the written text.
func TestGenerateTGWLosses(t *testing.T) {
	ctx := context.Background()
	cfg := SmallTGW() // 3 hours, 36 windows
	m := NewMemSink()
	truth, err := GenerateTGW(ctx, cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	att := map[string]TGWAttachment{}
	for _, a := range truth.Attachments {
		att[a.Kind] = a
	}
	t0 := cfg.Start.Unix()
	type agg struct{ records, lost, sent int64 }
	byCause := map[string]*agg{CauseNoRoute: {}, CauseBlackhole: {}, CauseMTUExceeded: {}, CauseTTLExpired: {}}
	lostCols := map[string]string{CauseNoRoute: "packets_lost_no_route", CauseBlackhole: "packets_lost_blackhole",
		CauseMTUExceeded: "packets_lost_mtu_exceeded", CauseTTLExpired: "packets_lost_ttl_expired"}
	var records, skip, bytesOK, mtuEgress int64
	for _, rs := range readTGW(t, m) {
		for _, r := range rs {
			records++
			if r["log_status"] == "SKIPDATA" {
				skip++
				if r["bytes"] != "-" || r["packets_lost_no_route"] != "-" || r["tgw_attachment_id"] != att["vpc:app"].ID {
					t.Errorf("SKIPDATA row %v", r)
				}
				continue
			}
			bytesOK += n64(t, r, "bytes")
			if r["resource_type"] != "TransitGateway" || r["tgw_id"] != truth.TGW || r["version"] != "6" {
				t.Errorf("row %v", r)
			}
			if r["flow_direction"] == "egress" && r["srcaddr"] == att["vpc:edge"].Hosts[2] && r["dstaddr"] == "192.168.10.4" && r["dstport"] == "445" {
				mtuEgress++
				if r["tgw_attachment_id"] != att["vpn"].ID || r["tgw_dst_vpc_id"] != "-" {
					t.Errorf("MTU egress row %v", r)
				}
			}
			for cause, col := range lostCols {
				n := n64(t, r, col)
				if n == 0 {
					continue
				}
				a := byCause[cause]
				a.records++
				a.lost += n
				a.sent += n64(t, r, "packets")
				start := n64(t, r, "start")
				hour := (start - t0) / 3600
				switch cause {
				case CauseNoRoute:
					if hour != 1 || r["tgw_attachment_id"] != att["vpc:app"].ID || r["dstaddr"] != "10.20.0.5" ||
						r["tgw_pair_attachment_id"] != "-" || r["tgw_dst_vpc_id"] != "-" || n != n64(t, r, "packets") {
						t.Errorf("no-route row %v", r)
					}
				case CauseBlackhole:
					if r["tgw_attachment_id"] != att["vpc:db"].ID || r["dstaddr"] != "10.30.0.9" || r["tgw_pair_attachment_id"] != "-" {
						t.Errorf("blackhole row %v", r)
					}
				case CauseMTUExceeded:
					if hour != 0 || r["tgw_attachment_id"] != att["vpc:edge"].ID || r["tgw_pair_attachment_id"] != att["vpn"].ID ||
						r["flow_direction"] != "ingress" || n >= n64(t, r, "packets") {
						t.Errorf("mtu row %v", r)
					}
				}
			}
		}
	}
	// Hand-computed from the plan: one record per window of each loss's hours.
	want := map[string]int64{CauseNoRoute: 12, CauseBlackhole: 36, CauseMTUExceeded: 12, CauseTTLExpired: 0}
	for cause, n := range want {
		a := byCause[cause]
		if a.records != n || truth.LostByCause[cause] != a.lost {
			t.Errorf("%s: %d records (want %d), %d packets lost (truth %d)", cause, a.records, n, a.lost, truth.LostByCause[cause])
		}
		if l, ok := truth.FindLoss(cause); ok && (l.Records != a.records || l.Packets != a.lost || l.Sent != a.sent) {
			t.Errorf("%s: truth %+v, recount %+v", cause, l, *a)
		}
	}
	if mtuEgress != 12 || skip != 1 || truth.SkipdataRows != 1 || records != truth.Records || bytesOK != truth.Bytes {
		t.Errorf("mtu egress %d, skipdata %d/%d, records %d/%d, bytes %d/%d", mtuEgress, skip, truth.SkipdataRows,
			records, truth.Records, bytesOK, truth.Bytes)
	}
	var bucketLost int64
	for _, b := range truth.LossBuckets {
		bucketLost += b.Packets
	}
	if bucketLost != byCause[CauseNoRoute].lost+byCause[CauseBlackhole].lost+byCause[CauseMTUExceeded].lost {
		t.Errorf("loss buckets hold %d packets", bucketLost)
	}
	if len(truth.CrossAZ) == 0 || len(truth.CrossAccount) == 0 || len(truth.Talkers) == 0 {
		t.Errorf("no cross-AZ, cross-account or talker totals: %+v", truth)
	}
}

func TestGenerateTGWCustomFormat(t *testing.T) {
	cfg := SmallTGW()
	cfg.Span, cfg.Plain = 10*time.Minute, true
	cfg.Fields = strings.Fields("tgw-attachment-id packets-lost-blackhole resource-type tgw-id")
	m := NewMemSink()
	truth, err := GenerateTGW(context.Background(), cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	rows := readTGW(t, m)
	if len(rows) != 2 || truth.Header != "tgw-attachment-id packets-lost-blackhole resource-type tgw-id" {
		t.Fatalf("%d objects, header %q", len(rows), truth.Header)
	}
	for k := range rows {
		if !strings.HasSuffix(k, ".log") {
			t.Errorf("%s: want a plain .log", k)
		}
	}
	cfg.Fields = []string{"tgw-id", "interface-id"}
	if _, err := GenerateTGW(context.Background(), cfg, NewMemSink()); err == nil || !strings.Contains(err.Error(), "interface-id") {
		t.Errorf("a VPC field in a transit gateway format: %v", err)
	}
}
