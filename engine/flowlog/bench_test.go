package flowlog

import "testing"

// BenchmarkParseLine parses default-format and v5 custom-format lines as the loader does.
func BenchmarkParseLine(b *testing.B) {
	for _, tc := range []struct{ name, header, line string }{
		{"default", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
			"2 123456789012 eni-0a1b2c3d4e5f60718 10.20.30.40 172.31.255.12 49152 443 6 25 20000 1620140761 1620140821 ACCEPT OK"},
		{"v5", "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path",
			"5 vpc-0abc1234def567890 subnet-0123456789abcdef0 i-0123456789abcdef0 eni-0a1b2c3d4e5f60718 123456789012 IPv4 10.20.30.40 52.94.133.131 49152 443 10.20.30.40 52.94.133.131 6 20000 25 1620140761 1620140821 ACCEPT 19 OK us-east-1 use1-az4 - - - AMAZON egress 8"},
	} {
		h, err := ParseHeader(tc.header)
		if err != nil {
			b.Fatal(err)
		}
		line := []byte(tc.line)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			var dst [][]byte
			for i := 0; i < b.N; i++ {
				if dst, err = h.ParseLine(line, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
