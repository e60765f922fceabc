package compat

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fmtPiece is one lexical piece of a MySQL-style format: a literal run or a %-specifier.
type fmtPiece struct {
	lit  string // literal text, when spec == 0
	spec byte   // the byte after '%'
}

// lexMySQLFormat splits a date_format/date_parse format into literal runs and specifiers, the
// way Trino reads it: '%' escapes exactly the next character, and a lone trailing '%' is dropped.
func lexMySQLFormat(f string) []fmtPiece {
	var out []fmtPiece
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, fmtPiece{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit.WriteByte(f[i])
			continue
		}
		if i+1 == len(f) {
			break
		}
		i++
		if f[i] < 0x20 {
			lit.WriteByte(f[i]) // control bytes are never specifiers (see the Joda-only specs)
			continue
		}
		flush()
		out = append(out, fmtPiece{spec: f[i]})
	}
	flush()
	return out
}

// mysqlToStrftime maps Trino's specifiers to DuckDB strftime's; '-' drops the padding.
var mysqlToStrftime = map[byte]string{
	'a': "%a", 'b': "%b", 'c': "%-m", 'd': "%d", 'e': "%-d", 'f': "%f", 'H': "%H", 'h': "%I",
	'I': "%I", 'i': "%M", 'j': "%j", 'k': "%-H", 'l': "%-I", 'M': "%B", 'm': "%m", 'p': "%p",
	'r': "%I:%M:%S %p", 'S': "%S", 's': "%S", 'T': "%H:%M:%S", 'v': "%V", 'x': "%G", 'W': "%A",
	'Y': "%Y", 'y': "%y", '%': "%%",
}

// Trino rejects these specifiers ("%D not supported in date format string"); so do we.
const unsupportedSpecs = "DUuVwX"

// translateMySQLFormat turns a Trino/MySQL format into a DuckDB strftime format, for date_format.
// Unknown specifiers stand for their own character, as in Trino.
func translateMySQLFormat(f string) (string, error) {
	var b strings.Builder
	for _, p := range lexMySQLFormat(f) {
		if p.spec == 0 {
			b.WriteString(strings.ReplaceAll(p.lit, "%", "%%"))
			continue
		}
		if strings.IndexByte(unsupportedSpecs, p.spec) >= 0 {
			return "", fmt.Errorf("%%%c not supported in date format string %q", p.spec, f)
		}
		if s, ok := mysqlToStrftime[p.spec]; ok {
			b.WriteString(s)
		} else {
			b.WriteString(strings.ReplaceAll(string(p.spec), "%", "%%"))
		}
	}
	return b.String(), nil
}

var (
	monthNames   = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	weekdayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
)

// expandMySQLFormat replaces the composite specifiers %r and %T by their parts.
func expandMySQLFormat(pieces []fmtPiece) []fmtPiece {
	var out []fmtPiece
	for _, p := range pieces {
		switch p.spec {
		case 'r':
			out = append(out, fmtPiece{spec: 'h'}, fmtPiece{lit: ":"}, fmtPiece{spec: 'i'},
				fmtPiece{lit: ":"}, fmtPiece{spec: 's'}, fmtPiece{lit: " "}, fmtPiece{spec: 'p'})
		case 'T':
			out = append(out, fmtPiece{spec: 'H'}, fmtPiece{lit: ":"}, fmtPiece{spec: 'i'},
				fmtPiece{lit: ":"}, fmtPiece{spec: 's'})
		default:
			out = append(out, p)
		}
	}
	return out
}

// parseMySQL is Trino's date_parse: it reads s by the MySQL-style format f and returns a UTC
// timestamp. Fields the format lacks default to 1970-01-01 00:00:00; the whole input must match.
// DuckDB's strptime cannot serve here: it insists on a constant format even inside a macro.
func parseMySQL(s, f string) (time.Time, error) {
	return parsePieces(s, f, "date_parse", expandMySQLFormat(lexMySQLFormat(f)))
}

// parseJoda is Trino's parse_datetime: s read by the Joda pattern f.
func parseJoda(s, f string) (time.Time, error) {
	pieces, err := lexJoda(f)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse_datetime: %w", err)
	}
	return parsePieces(s, f, "parse_datetime", pieces)
}

// parsePieces reads s by a lexed format; fn names the SQL function in errors.
func parsePieces(s, f, fn string, pieces []fmtPiece) (time.Time, error) {
	year, month, day, hour, minute, sec, nanos, yday := 1970, 1, 1, 0, 0, 0, 0, 0
	offset := 0 // seconds east of UTC, from a zone field
	pm, half := false, false
	pos := 0
	fail := func(what string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%s: invalid format %q for value %q: %s at position %d", fn, f, s, what, pos+1)
	}
	num := func(min, max int) (int, bool) {
		j := pos
		for j < len(s) && j-pos < max && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-pos < min {
			return 0, false
		}
		n, _ := strconv.Atoi(s[pos:j])
		pos = j
		return n, true
	}
	name := func(names []string, short bool) (int, bool) {
		for i, n := range names {
			if short {
				n = n[:3]
			}
			if len(s)-pos >= len(n) && strings.EqualFold(s[pos:pos+len(n)], n) {
				pos += len(n)
				return i, true
			}
		}
		return 0, false
	}
	for _, p := range pieces {
		if p.spec == 0 {
			if !strings.HasPrefix(s[pos:], p.lit) {
				return fail(fmt.Sprintf("expected %q", p.lit))
			}
			pos += len(p.lit)
			continue
		}
		var ok bool
		switch p.spec {
		case 'Y':
			year, ok = num(1, 4)
		case 'y':
			year, ok = num(2, 2)
			if year += 1900; year < 1970 {
				year += 100 // Trino's pivot: two-digit years fall in 1970..2069
			}
		case 'm', 'c':
			month, ok = num(1, 2)
		case 'd', 'e':
			day, ok = num(1, 2)
		case 'H', 'k':
			hour, ok = num(1, 2)
		case 'h', 'I', 'l':
			hour, ok = num(1, 2)
			half = true
			ok = ok && hour >= 1 && hour <= 12
		case 'i':
			minute, ok = num(1, 2)
		case 's', 'S':
			sec, ok = num(1, 2)
		case 'f':
			start := pos
			var frac int
			if frac, ok = num(1, 9); ok {
				for n := pos - start; n < 9; n++ {
					frac *= 10
				}
				nanos = frac
			}
		case 'j', specYearDayPad:
			yday, ok = num(1, 3)
		case specMinuteNoPad:
			minute, ok = num(1, 2)
		case specSecondNoPad:
			sec, ok = num(1, 2)
		case specMillis:
			start := pos
			var ms int
			if ms, ok = num(1, 3); ok {
				for n := pos - start; n < 3; n++ {
					ms *= 10
				}
				nanos = ms * 1e6
			}
		case specZoneOffset, specZoneColon, specZoneID:
			offset, ok = parseZone(s, &pos)
		case 'M':
			month, ok = name(monthNames, false)
			month++
		case 'b':
			month, ok = name(monthNames, true)
			month++
		case 'W':
			_, ok = name(weekdayNames, false)
		case 'a':
			_, ok = name(weekdayNames, true)
		case 'p':
			switch {
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "AM"):
				ok = true
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "PM"):
				ok, pm = true, true
			}
			pos += 2
		case '%':
			ok = strings.HasPrefix(s[pos:], "%")
			pos++
		default:
			if strings.IndexByte(unsupportedSpecs+"vx", p.spec) >= 0 {
				return time.Time{}, fmt.Errorf("%s: %%%c not supported in date format string %q", fn, p.spec, f)
			}
			ok = strings.HasPrefix(s[pos:], string(p.spec))
			pos++
		}
		if !ok {
			return fail(fmt.Sprintf("%%%c does not match", p.spec))
		}
	}
	if pos < len(s) {
		return fail("unparsed text")
	}
	if half {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || hour > 23 || minute > 59 || sec > 59 {
		return fail("field out of range")
	}
	if yday > 0 {
		month, day = 1, yday
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC)
	if (yday == 0 && t.Day() != day) || (yday > 0 && t.Year() != year) || day < 1 {
		return fail("no such day")
	}
	return t.Add(-time.Duration(offset) * time.Second), nil
}

// parseZone reads a zone at s[*pos:]: "Z", "UTC", "GMT", or an offset +HH, +HHMM, +HH:MM.
func parseZone(s string, pos *int) (int, bool) {
	rest := s[*pos:]
	for _, z := range []string{"UTC", "GMT", "Z"} {
		if strings.HasPrefix(rest, z) {
			*pos += len(z)
			return 0, true
		}
	}
	if rest == "" || (rest[0] != '+' && rest[0] != '-') {
		return 0, false
	}
	digits := func(i int) (int, bool) {
		if i+2 > len(rest) || rest[i] < '0' || rest[i] > '9' || rest[i+1] < '0' || rest[i+1] > '9' {
			return 0, false
		}
		return int(rest[i]-'0')*10 + int(rest[i+1]-'0'), true
	}
	h, ok := digits(1)
	if !ok || h > 18 {
		return 0, false
	}
	n, m := 3, 0
	if len(rest) > 3 && rest[3] == ':' {
		if m, ok = digits(4); !ok {
			return 0, false
		}
		n = 6
	} else if mm, ok := digits(3); ok {
		m, n = mm, 5
	}
	if m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if rest[0] == '-' {
		off = -off
	}
	*pos += n
	return off, true
}
