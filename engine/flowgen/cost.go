package flowgen

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// GiB is the GB of AWS's data-transfer prices (2^30 bytes).
const GiB = int64(1) << 30

// CostLeg is one planted direction of a conversation: Bytes sent from Src to Dst. Every
// interface on the way logs it (sender, receiver, and the NAT gateway's two legs).
type CostLeg struct {
	Src, Dst string
	Bytes    int64
	ViaNAT   bool // forwarded by the NAT gateway (its inner and public legs are logged too)
}

// CostTruth says what GenerateCost planted: one VPC in us-east-1 with a NAT gateway in use1-az2,
// instances in three AZs, and each flow's bytes. Tests compute the expected charges from these
// facts by hand.
type CostTruth struct {
	Account, Region, VPC string
	Day                  time.Time
	NATInterface, NATIP  string
	// Instance addresses, interfaces and AZ ids.
	Addr map[string]string // role → address: a, b, c, d, e
	ENI  map[string]string // role → interface id
	AZ   map[string]string // role → AZ id ("nat" too)
	// The planted conversations, by name: nat-internet (a ↔ Internet via the NAT), s3-via-nat
	// (c ↔ S3 us-east-1 via the NAT), cross-az (a ↔ b), same-az (a → d), direct (e → internet
	// through the internet gateway).
	Legs map[string][]CostLeg
	// Internet and S3 are the public ends: a TEST-NET address outside AWS's ranges and an address
	// in S3's us-east-1 ranges of the embedded ip-ranges.json.
	Internet, InternetDirect, S3 string
	Records                      int
	Header                       string
	// Key is the object's S3-style key under the sink.
	Key string
}

// GenerateCost writes one flow log delivery (plain text, format fields) of the planted cost
// flows, split over four 5-minute windows, plus a NODATA and a SKIPDATA row, and returns its truth.
// fields nil: the v5 format (every field of versions 2-5).
func GenerateCost(ctx context.Context, sink Sink, fields []string) (*CostTruth, error) {
	if fields == nil {
		fields = FormatV5.Fields
	}
	t := &CostTruth{
		Account: "123456789012", Region: "us-east-1", VPC: "vpc-0c0570000000000001",
		Day:          time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC),
		NATInterface: "eni-0c057a7000000001", NATIP: "10.0.0.5",
		Addr:     map[string]string{"a": "10.0.1.10", "b": "10.0.2.20", "c": "10.0.0.11", "d": "10.0.1.12", "e": "10.0.1.30"},
		ENI:      map[string]string{"a": "eni-0c0570000000000a", "b": "eni-0c0570000000000b", "c": "eni-0c0570000000000c", "d": "eni-0c0570000000000d", "e": "eni-0c0570000000000e"},
		AZ:       map[string]string{"a": "use1-az1", "b": "use1-az3", "c": "use1-az2", "d": "use1-az1", "e": "use1-az1", "nat": "use1-az2"},
		Internet: "203.0.113.7", InternetDirect: "198.51.100.20", S3: "18.34.0.70",
		Header: strings.Join(fields, " "),
	}
	a, b, c, d, e := t.Addr["a"], t.Addr["b"], t.Addr["c"], t.Addr["d"], t.Addr["e"]
	t.Legs = map[string][]CostLeg{
		"nat-internet": {{Src: a, Dst: t.Internet, Bytes: 40 * GiB, ViaNAT: true}, {Src: t.Internet, Dst: a, Bytes: 10 * GiB, ViaNAT: true}},
		"s3-via-nat":   {{Src: c, Dst: t.S3, Bytes: 2 * GiB, ViaNAT: true}, {Src: t.S3, Dst: c, Bytes: 30 * GiB, ViaNAT: true}},
		"cross-az":     {{Src: a, Dst: b, Bytes: 5 * GiB}, {Src: b, Dst: a, Bytes: 1 * GiB}},
		"same-az":      {{Src: a, Dst: d, Bytes: 3 * GiB}},
		"direct":       {{Src: e, Dst: t.InternetDirect, Bytes: 7 * GiB}},
	}
	role := map[string]string{}
	for r, ad := range t.Addr {
		role[ad] = r
	}
	svc := func(addr string) string {
		if addr == t.S3 {
			return "S3"
		}
		return "-"
	}
	var lines []string
	const windows = 4
	ws := t.Day.Unix()
	record := func(w int, eni, az, src, dst, pktSrc, pktDst string, bytes int64, dir string, path int, status string) {
		start := ws + int64(w)*300 + 10
		v := map[string]string{
			"version": fmt.Sprint(formatVersion(Format{Fields: fields})), "account-id": t.Account, "interface-id": eni, "srcaddr": src, "dstaddr": dst,
			"srcport": "443", "dstport": "40000", "protocol": "6", "packets": fmt.Sprint(bytes/1400 + 1), "bytes": fmt.Sprint(bytes),
			"start": fmt.Sprint(start), "end": fmt.Sprint(start + 50), "action": "ACCEPT", "log-status": status,
			"vpc-id": t.VPC, "subnet-id": "subnet-0c05" + az, "instance-id": "-", "tcp-flags": "0", "type": "IPv4",
			"pkt-srcaddr": pktSrc, "pkt-dstaddr": pktDst, "region": t.Region, "az-id": az, "sublocation-type": "-", "sublocation-id": "-",
			"pkt-src-aws-service": svc(pktSrc), "pkt-dst-aws-service": svc(pktDst), "flow-direction": dir, "traffic-path": "-",
		}
		if dir == "egress" {
			v["traffic-path"] = fmt.Sprint(path)
		}
		if status != "OK" {
			for _, k := range []string{"srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "pkt-srcaddr", "pkt-dstaddr", "flow-direction", "traffic-path", "pkt-src-aws-service", "pkt-dst-aws-service"} {
				v[k] = "-"
			}
			v["action"] = "-"
		}
		var out []string
		for _, f := range fields {
			x, ok := v[f]
			if !ok {
				x = "-"
			}
			out = append(out, x)
		}
		lines = append(lines, strings.Join(out, " "))
	}
	// Each leg in four equal parts, one per window.
	for _, name := range []string{"nat-internet", "s3-via-nat", "cross-az", "same-az", "direct"} {
		for _, l := range t.Legs[name] {
			part := l.Bytes / windows
			for w := 0; w < windows; w++ {
				sr, dr := role[l.Src], role[l.Dst]
				switch {
				case l.ViaNAT && sr != "": // instance → NAT → public
					record(w, t.ENI[sr], t.AZ[sr], l.Src, l.Dst, l.Src, l.Dst, part, "egress", 1, "OK")
					record(w, t.NATInterface, t.AZ["nat"], l.Src, t.NATIP, l.Src, l.Dst, part, "ingress", 0, "OK")
					record(w, t.NATInterface, t.AZ["nat"], t.NATIP, l.Dst, t.NATIP, l.Dst, part, "egress", 8, "OK")
				case l.ViaNAT: // public → NAT → instance (the replies)
					record(w, t.NATInterface, t.AZ["nat"], l.Src, t.NATIP, l.Src, t.NATIP, part, "ingress", 0, "OK")
					record(w, t.NATInterface, t.AZ["nat"], t.NATIP, l.Dst, l.Src, l.Dst, part, "egress", 1, "OK")
					record(w, t.ENI[dr], t.AZ[dr], l.Src, l.Dst, l.Src, l.Dst, part, "ingress", 0, "OK")
				default:
					path := 1
					if dr == "" {
						path = 8 // through the internet gateway
					}
					record(w, t.ENI[sr], t.AZ[sr], l.Src, l.Dst, l.Src, l.Dst, part, "egress", path, "OK")
					if dr != "" {
						record(w, t.ENI[dr], t.AZ[dr], l.Src, l.Dst, l.Src, l.Dst, part, "ingress", 0, "OK")
					}
				}
			}
		}
	}
	record(0, t.ENI["d"], t.AZ["d"], "", "", "", "", 0, "", 0, "NODATA")
	record(1, t.ENI["b"], t.AZ["b"], "", "", "", "", 0, "", 0, "SKIPDATA")
	t.Records = len(lines)
	t.Key = fmt.Sprintf("AWSLogs/%[1]s/vpcflowlogs/%[2]s/2026/03/10/%[1]s_vpcflowlogs_%[2]s_fl-0c05700000000001_20260310T1000Z_c0570001.log",
		t.Account, t.Region)
	body := t.Header + "\n" + strings.Join(lines, "\n") + "\n"
	if err := sink.Put(ctx, t.Key, []byte(body)); err != nil {
		return nil, err
	}
	return t, nil
}
