package output

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// fitClass says whether and how a table column may be narrowed to fit the terminal, in the
// order they give way: free text first, then timestamps, then lists of identifiers (cut between
// whole identifiers). Fixed columns are never cut. See the package documentation.
type fitClass int

const (
	fitFixed  fitClass = iota // numbers, addresses, ids, ports, kinds, booleans, dates
	fitFree                   // free text: cut at any cell, marked …
	fitTime                   // timestamps: cut from the right, the date always kept
	fitIDList                 // space-separated identifiers: only whole identifiers are dropped
)

// Narrowest widths a column is cut to before the table gives way to line mode.
const (
	minTextWidth = 6  // "abcde…"
	minTimeWidth = 11 // "2024-03-01…"
)

// maxKindWidth is the longest single word still read as a kind (an enum-like value such as
// ACCEPT, reverse-missing, us-east-1) rather than free text.
const maxKindWidth = 24

// awsID matches AWS resource ids: eni-0a1b2c3d, vpc-…, subnet-…, i-…, sg-…, tgw-attach-….
var awsID = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9a-f]{8,17}$`)

// idNameWords are words of column names whose values are identifiers whatever their length.
var idNameWords = map[string]bool{
	"addr": true, "address": true, "srcaddr": true, "dstaddr": true, "ip": true, "src": true, "dst": true,
	"source": true, "destination": true, "host": true, "id": true, "eni": true, "interface": true,
	"vpc": true, "subnet": true, "instance": true, "account": true, "arn": true, "port": true,
	"kind": true, "action": true, "protocol": true, "region": true, "az": true, "status": true,
	"type": true, "resource": true, "bucket": true, "key": true,
}

// arrowWords join identifiers into a pair or path: "10.0.0.1 -> 10.0.0.2".
var arrowWords = map[string]bool{"->": true, "<-": true, "<->": true, "=>": true, "→": true, "←": true, "↔": true}

// hasIDName reports a column named for identifiers: a word from idNameWords, or one ending in
// addr, id or port (pkt_srcaddr, interface_id, dstport).
func hasIDName(name string) bool {
	for _, w := range nameWords(name) {
		if idNameWords[w] || strings.HasSuffix(w, "addr") || strings.HasSuffix(w, "port") ||
			(strings.HasSuffix(w, "id") && len(w) > 2 && !strings.HasSuffix(w, "valid")) {
			return true
		}
	}
	return false
}

// isIdentifier reports a value that must be shown whole: a strong identifier (isStrongID), or
// an identifier-like ASCII word (a kind) no longer than maxKindWidth, of any length when the
// column is named for identifiers.
func isIdentifier(s string, idName bool) bool {
	if s == "" || !isWord(s) {
		return false
	}
	return isStrongID(s) || idName || len(s) <= maxKindWidth
}

// isStrongID reports an IP address or CIDR, an AWS id, or a number kept as text (account ids,
// ports). A trailing ":WORD" (eni-0a1b:ACCEPT) is allowed on an AWS id.
func isStrongID(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	base := s
	if i := strings.LastIndexByte(s, ':'); i > 0 && !strings.Contains(s[:i], ":") && isWord(s[i+1:]) {
		base = s[:i]
	}
	if awsID.MatchString(base) {
		return true
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// isWord reports printable ASCII without spaces, the alphabet of identifiers.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// classify picks a column's fitClass from its type, its name and the values shown.
func classify(c column, rows [][]cell, i int) fitClass {
	if c.numeric {
		return fitFixed
	}
	switch c.typ.name() {
	case "BOOLEAN", "DATE", "TIME", "TIMETZ", "TIME WITH TIME ZONE", "UUID", "INET", "INTERVAL":
		return fitFixed
	case "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return fitTime
	case "VARCHAR", "ENUM":
	default:
		if !strings.HasPrefix(c.typ.name(), "ENUM") {
			return fitFree // lists, structs, maps, blobs, JSON
		}
	}
	idName := hasIDName(c.name)
	class := fitFixed
	for _, cells := range rows {
		s := cells[i].s
		if cells[i].null || s == "" {
			continue
		}
		if isIdentifier(s, idName) {
			continue
		}
		words := strings.Split(s, " ")
		if len(words) < 2 {
			return fitFree
		}
		arrows := 0
		for _, w := range words {
			if arrowWords[w] {
				arrows++
			} else if !isStrongID(w) {
				return fitFree
			}
		}
		if arrows == 0 {
			class = fitIDList
		} // else a pair or path of identifiers (10.0.0.1 -> 10.0.0.2): whole, like one id
	}
	return class
}

// cutIDList keeps the leading identifiers of s that fit in w cells, and says how many were
// left out: "eni-1:ACCEPT eni-2:ACCEPT +3". At least the first identifier is kept.
func cutIDList(s string, w int) string {
	if widthCond.StringWidth(s) <= w {
		return s
	}
	words := strings.Split(s, " ")
	if len(words) == 1 {
		return widthCond.Truncate(s, w, "…")
	}
	keep := 1
	for k := len(words) - 1; k >= 1; k-- {
		if widthCond.StringWidth(strings.Join(words[:k], " "))+len(" +")+len(strconv.Itoa(len(words)-k)) <= w {
			keep = k
			break
		}
	}
	return strings.Join(words[:keep], " ") + " +" + strconv.Itoa(len(words)-keep)
}

// minIDListWidth is the narrowest an identifier list is cut to: its longest first identifier
// and the count of the rest.
func minIDListWidth(rows [][]cell, i int) int {
	w := 0
	for _, cells := range rows {
		s := cells[i].s
		first, _, cut := strings.Cut(s, " ")
		if !cut {
			w = max(w, widthCond.StringWidth(s))
			continue
		}
		w = max(w, widthCond.StringWidth(first)+len(" +")+len(strconv.Itoa(strings.Count(s, " "))))
	}
	return w
}

// cutCell fits a cell's text into w cells the way its column's class allows.
func cutCell(s string, w int, class fitClass) string {
	switch class {
	case fitIDList:
		return cutIDList(s, w)
	case fitTime:
		return cutTime(s, w)
	}
	return widthCond.Truncate(s, w, "…")
}

// cutTime cuts a timestamp at a boundary that reads: after the seconds (dropping fraction and
// zone), after the minutes, or after the date, marked "…": "2026-01-15 01:10…".
func cutTime(s string, w int) string {
	if widthCond.StringWidth(s) <= w {
		return s
	}
	if len(s) > 10 && s[4] == '-' && s[7] == '-' {
		for _, n := range []int{19, 16, 10} {
			if n < len(s) && n+1 <= w && (n == 10 || s[10] == ' ') {
				return s[:n] + "…"
			}
		}
	}
	return widthCond.Truncate(s, w, "…")
}

// fitWidths picks column widths for a terminal of r.o.Width cells: natural widths when they
// fit; else the shrinkable classes give way in order (free text, timestamps, identifier lists),
// each down to a common cap (widest first) before the next is touched. When fixed columns at
// their width and every other column at its minimum still do not fit, it reports false: the
// table is shown in line mode.
func (r *renderer) fitWidths(heads []string, rows [][]cell) ([]int, []fitClass, bool) {
	nat := naturalWidths(heads, rows, 1)
	classes := make([]fitClass, len(nat)) // all fitFixed: nothing is cut
	border := 3*len(heads) + 1
	natural := border
	for _, w := range nat {
		natural += w
	}
	if r.o.Width <= 0 || natural <= r.o.Width {
		return nat, classes, true
	}
	least := make([]int, len(nat))
	for i, c := range r.cols {
		classes[i] = classify(c, rows, i)
		switch classes[i] {
		case fitFixed:
			least[i] = nat[i]
		case fitFree:
			least[i] = min(nat[i], minTextWidth)
		case fitTime:
			least[i] = min(nat[i], minTimeWidth)
		case fitIDList:
			least[i] = min(nat[i], max(minIDListWidth(rows, i), min(nat[i], minTextWidth)))
		}
	}
	// width of column i when class k is capped at limit: earlier classes at their least,
	// later ones natural.
	colW := func(i int, k fitClass, limit int) int {
		switch {
		case classes[i] == fitFixed || classes[i] > k:
			return nat[i]
		case classes[i] < k:
			return least[i]
		}
		return min(nat[i], max(limit, least[i]))
	}
	total := func(k fitClass, limit int) int {
		t := border
		for i := range nat {
			t += colW(i, k, limit)
		}
		return t
	}
	widest := 0
	for _, w := range nat {
		widest = max(widest, w)
	}
	for _, k := range []fitClass{fitFree, fitTime, fitIDList} {
		if total(k, 0) > r.o.Width {
			continue // even at their least these do not make room: the next class gives way too
		}
		// Largest common cap that fits.
		lo, hi := 0, widest
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if total(k, mid) <= r.o.Width {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		out := make([]int, len(nat))
		for i := range nat {
			out[i] = colW(i, k, lo)
		}
		// Hand the leftover cells, one each, to the columns of this class that were cut.
		spare := r.o.Width - total(k, lo)
		for i := range out {
			if spare == 0 {
				break
			}
			if classes[i] == k && out[i] < nat[i] {
				out[i]++
				spare--
			}
		}
		// Timestamps and lists are cut at boundaries and may leave cells unused: narrow them
		// to what they show and hand the cells back, latest class to give way first.
		narrow := func(i int) {
			used := min(out[i], widthCond.StringWidth(heads[i]))
			for _, cells := range rows {
				used = max(used, widthCond.StringWidth(cutCell(cells[i].s, out[i], classes[i])))
			}
			spare += out[i] - used
			out[i] = used
		}
		for i := range out {
			if classes[i] >= fitTime && classes[i] <= k && out[i] < nat[i] {
				narrow(i)
			}
		}
		for back := k; back >= fitFree; back-- {
			for i := range out {
				if classes[i] == back && out[i] < nat[i] && spare > 0 {
					give := min(spare, nat[i]-out[i])
					out[i] += give
					spare -= give
					if back >= fitTime {
						narrow(i)
					}
				}
			}
		}
		return out, classes, true
	}
	return nil, classes, false
}
