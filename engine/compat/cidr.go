package compat

import (
	"net/netip"
	"strings"
)

// cidrContains is Trino's contains(network, address) for IPv4 and IPv6. ok is false (SQL NULL)
// when either side is not a valid prefix/address, such as the "-" of NODATA records: a CIDR filter
// over flow logs must skip those rows, not fail the query.
func cidrContains(cidr, ip string) (contains, ok bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return false, false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil || a.Zone() != "" {
		return false, false
	}
	// Trino stores every address as 16 bytes, IPv4 as IPv4-mapped IPv6: compare in that space, so
	// "::ffff:10.0.0.1" is 10.0.0.1, 0.0.0.0/0 holds only IPv4 and ::/0 holds everything.
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	p16 := netip.PrefixFrom(netip.AddrFrom16(p.Addr().As16()), bits)
	return p16.Contains(netip.AddrFrom16(a.As16())), true
}
