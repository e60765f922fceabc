package ipranges

import (
	"net/netip"
	"sort"
)

// prefixIndex finds the prefixes holding an address, longest first: per family, one map per
// prefix length from the masked address to the caller's indexes.
type prefixIndex struct {
	v4, v6 lengths
}

type lengths struct {
	lens  []int // longest first after sort
	byLen map[int]map[netip.Addr][]int
}

func newPrefixIndex() prefixIndex {
	return prefixIndex{v4: lengths{byLen: map[int]map[netip.Addr][]int{}}, v6: lengths{byLen: map[int]map[netip.Addr][]int{}}}
}

func (x *prefixIndex) add(p netip.Prefix, i int) {
	p = p.Masked()
	l := &x.v4
	if p.Addr().Is6() {
		l = &x.v6
	}
	m := l.byLen[p.Bits()]
	if m == nil {
		m = map[netip.Addr][]int{}
		l.byLen[p.Bits()] = m
		l.lens = append(l.lens, p.Bits())
	}
	m[p.Addr()] = append(m[p.Addr()], i)
}

// sort must run after the last add.
func (x *prefixIndex) sort() {
	sort.Sort(sort.Reverse(sort.IntSlice(x.v4.lens)))
	sort.Sort(sort.Reverse(sort.IntSlice(x.v6.lens)))
}

// walk calls fn with the index of every prefix holding addr, longest prefix first (in the
// order added within one prefix). IPv4-mapped IPv6 addresses are looked up as IPv4.
func (x *prefixIndex) walk(addr netip.Addr, fn func(int)) {
	addr = addr.Unmap()
	l := &x.v4
	if addr.Is6() {
		l = &x.v6
	}
	for _, n := range l.lens {
		p, err := addr.Prefix(n)
		if err != nil {
			continue
		}
		for _, i := range l.byLen[n][p.Addr()] {
			fn(i)
		}
	}
}
