package compat

import (
	"context"
	"net/netip"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// cidrContains is Trino's contains(network, address) for IPv4 and IPv6. ok is false (SQL NULL)
// when either side is not a valid prefix/address, such as the "-" of NODATA records: a CIDR filter
// over flow logs must skip those rows, not fail the query.
func cidrContains(cidr, ip string) (contains, ok bool) {
	p16, ok := parseNetwork(cidr)
	if !ok {
		return false, false
	}
	return networkContains(p16, ip)
}

// parseNetwork reads a network as Trino stores it: every address as 16 bytes, IPv4 as
// IPv4-mapped IPv6, so "::ffff:10.0.0.1" is 10.0.0.1, 0.0.0.0/0 holds only IPv4 and ::/0 holds
// everything.
func parseNetwork(cidr string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return netip.Prefix{}, false
	}
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	return netip.PrefixFrom(netip.AddrFrom16(p.Addr().As16()), bits), true
}

// networkContains tests an address against a network from parseNetwork.
func networkContains(p16 netip.Prefix, ip string) (contains, ok bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil || a.Zone() != "" {
		return false, false
	}
	return p16.Contains(netip.AddrFrom16(a.As16())), true
}

// cidrTestUDF is the Go side of cidr_contains, flowq_cidr_test(network, address): 't', 'f' or
// NULL (not an address or network). It works on whole chunks, reading DuckDB's strings in place:
// the row-at-a-time UDF copied both strings into Go and cost ~120 ns a row, which made a broad
// CIDR filter over 10 M records the slowest part of traffic-from. The result is text because
// duckdb-go writes only strings into a result vector from Go; the macro compares it with 't'.
type cidrTestUDF struct{ cfg duckdb.ScalarFuncConfig }

func (u *cidrTestUDF) Config() duckdb.ScalarFuncConfig { return u.cfg }

func (u *cidrTestUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		in := st.GetInputChunk()
		netVec, err := in.GetVector(0)
		if err != nil {
			return err
		}
		addrVec, err := in.GetVector(1)
		if err != nil {
			return err
		}
		nets, err := duckdb.GetVectorView[string](netVec)
		if err != nil {
			return err
		}
		addrs, err := duckdb.GetVectorView[string](addrVec)
		if err != nil {
			return err
		}
		out, err := duckdb.GetVectorWriter[string](st.GetResultVector())
		if err != nil {
			return err
		}
		// The network is nearly always one value for the whole query: parse it once per change.
		var net cidrNet
		for row := range addrs.Len() {
			n, nok, err := nets.GetValueBorrowed(row)
			if err != nil {
				return err
			}
			a, aok, err := addrs.GetValueBorrowed(row)
			if err != nil {
				return err
			}
			if !nok || !aok {
				continue // DuckDB sets rows with a NULL input to NULL after the callback
			}
			if !net.set || n != net.text {
				net = parseCIDRNet(n)
			}
			in, ok := net.contains(a)
			switch {
			case !ok:
				err = out.SetNull(row)
			case in:
				err = out.Set(row, "t")
			default:
				err = out.Set(row, "f")
			}
			if err != nil {
				return err
			}
		}
		return nil
	}}
}

// cidrNet is a parsed network argument with an IPv4 fast path.
type cidrNet struct {
	set   bool
	text  string       // a copy: the borrowed argument is gone after the chunk
	valid bool         // text is a network
	p16   netip.Prefix // the network as parseNetwork gives it
	v4    bool         // an IPv4 network: IPv4 addresses in dotted-quad form are tested as integers
	addr  uint32
	mask  uint32
}

func parseCIDRNet(text string) cidrNet {
	n := cidrNet{set: true, text: strings.Clone(text)}
	n.p16, n.valid = parseNetwork(n.text)
	if n.valid && n.p16.Addr().Is4In6() && n.p16.Bits() >= 96 {
		b := n.p16.Masked().Addr().As16()
		n.v4 = true
		n.addr = uint32(b[12])<<24 | uint32(b[13])<<16 | uint32(b[14])<<8 | uint32(b[15])
		if bits := n.p16.Bits() - 96; bits > 0 {
			n.mask = ^uint32(0) << (32 - bits)
		}
	}
	return n
}

// contains answers like cidrContains(n.text, addr), parsing the network once per value rather
// than per row; only plain dotted quads take the integer path.
func (n *cidrNet) contains(addr string) (in, ok bool) {
	if !n.valid {
		return false, false
	}
	if n.v4 {
		if a, ok := parseDottedQuad(addr); ok {
			return a&n.mask == n.addr, true
		}
	}
	return networkContains(n.p16, addr)
}

// parseDottedQuad reads an IPv4 address written as netip.ParseAddr accepts it: four decimal
// octets of at most 255 without leading zeros. Anything else is left to netip.
func parseDottedQuad(s string) (uint32, bool) {
	var v, octet uint32
	parts, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && octet == 0 {
				return 0, false // leading zero
			}
			octet = octet*10 + uint32(c-'0')
			digits++
			if octet > 255 {
				return 0, false
			}
		case c == '.' && digits > 0 && parts < 3:
			v = v<<8 | octet
			octet, digits = 0, 0
			parts++
		default:
			return 0, false
		}
	}
	if parts != 3 || digits == 0 {
		return 0, false
	}
	return v<<8 | octet, true
}
