package output

import (
	"math"
	"strconv"
	"strings"
)

// numKind says how table mode writes a numeric column, decided from its name (and, for the
// short port aliases, its values): see the package documentation.
type numKind int

const (
	numQuantity  numKind = iota // grouped with thousands separators: 1,234,567
	numCode                     // ports, protocols, ids, Unix times: digits as they are
	numBytes                    // byte counts: 12.9 GiB in table mode, exact elsewhere
	numPortAlias                // p, sp, dp: a code when every value is a port number, else a quantity
)

// nameWords splits a column name into lower-case words on anything not a letter or digit:
// "sum(bytes)" → sum, bytes; "first_start" → first, start.
func nameWords(name string) []string {
	return strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// isTimeName reports a name that holds Unix times: a word start, end, time, ts, timestamp,
// epoch or seen, or a word ending in "time" (starttime, unixtime).
func isTimeName(words []string) bool {
	for _, w := range words {
		switch w {
		case "start", "end", "time", "ts", "timestamp", "epoch", "seen":
			return true
		}
		if strings.HasSuffix(w, "time") {
			return true
		}
	}
	return false
}

// isBytesName reports a byte count: a word "bytes" (bytes, sum(bytes), rx_bytes, bytes_out),
// unless another word makes it a rate or a share (bytes_per_sec, bytes_pct).
func isBytesName(words []string) bool {
	found := false
	for _, w := range words {
		switch w {
		case "bytes":
			found = true
		case "per", "rate", "ratio", "pct", "percent", "share", "fraction", "frac":
			return false
		}
	}
	return found
}

// portAliases are the short names people give a port column (dstport AS p): codes when every
// value is a whole number 0–65535.
var portAliases = map[string]bool{"p": true, "sp": true, "dp": true}

// numberKind classifies a numeric column by its name.
func numberKind(name string) numKind {
	words := nameWords(name)
	switch {
	case IsCodeColumn(name):
		return numCode
	case isBytesName(words):
		return numBytes
	case portAliases[strings.ToLower(strings.TrimSpace(name))]:
		return numPortAlias
	}
	return numQuantity
}

// isPortNumber reports whether a scanned value is a whole number 0–65535.
func isPortNumber(v any) bool {
	f, ok := Float(v)
	return ok && f >= 0 && f <= 65535 && f == math.Trunc(f)
}

// humanBytes writes a byte count in binary units with one decimal (12.9 GiB), below 1 KiB as
// whole bytes (512 B); false when v is not a number.
func humanBytes(v any) (string, bool) {
	f, ok := Float(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	if math.Abs(f) < 1024 {
		return strconv.FormatFloat(math.Round(f), 'f', 0, 64) + " B", true
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	u := -1
	for math.Abs(f) >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[u], true
}
