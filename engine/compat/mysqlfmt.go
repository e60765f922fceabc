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
	d := &dateParse{s: s, f: f, fn: fn, year: 1970, month: 1, day: 1}
	for _, p := range pieces {
		if p.spec == 0 {
			if !strings.HasPrefix(s[d.pos:], p.lit) {
				return d.fail(fmt.Sprintf("expected %q", p.lit))
			}
			d.pos += len(p.lit)
			continue
		}
		ok, err := d.field(p.spec)
		if err != nil {
			return time.Time{}, err
		}
		if !ok {
			return d.fail(fmt.Sprintf("%%%c does not match", p.spec))
		}
	}
	if d.pos < len(s) {
		return d.fail("unparsed text")
	}
	return d.time()
}

// dateParse is one reading of s by the format f: the position reached and the fields read so
// far, which default to 1970-01-01 00:00:00 UTC.
type dateParse struct {
	s, f, fn                                         string
	pos                                              int
	year, month, day, hour, minute, sec, nanos, yday int
	offset                                           int  // seconds east of UTC, from a zone field
	half, pm                                         bool // a 12-hour clock, and PM seen
}

func (d *dateParse) fail(what string) (time.Time, error) {
	return time.Time{}, fmt.Errorf("%s: invalid format %q for value %q: %s at position %d", d.fn, d.f, d.s, what, d.pos+1)
}

// field reads one specifier at d.pos; ok is false when the input does not match it, err
// non-nil for a specifier Trino rejects.
func (d *dateParse) field(spec byte) (ok bool, err error) {
	if ok, known := d.number(spec); known {
		return ok, nil
	}
	s := d.s
	switch spec {
	case specZoneOffset, specZoneColon, specZoneID:
		d.offset, ok = parseZone(s, &d.pos)
	case 'M':
		d.month, ok = d.name(monthNames, false)
		d.month++
	case 'b':
		d.month, ok = d.name(monthNames, true)
		d.month++
	case 'W':
		_, ok = d.name(weekdayNames, false)
	case 'a':
		_, ok = d.name(weekdayNames, true)
	case 'p':
		switch {
		case len(s)-d.pos >= 2 && strings.EqualFold(s[d.pos:d.pos+2], "AM"):
			ok = true
		case len(s)-d.pos >= 2 && strings.EqualFold(s[d.pos:d.pos+2], "PM"):
			ok, d.pm = true, true
		}
		d.pos += 2
	case '%':
		ok = strings.HasPrefix(s[d.pos:], "%")
		d.pos++
	default:
		if strings.IndexByte(unsupportedSpecs+"vx", spec) >= 0 {
			return false, fmt.Errorf("%s: %%%c not supported in date format string %q", d.fn, spec, d.f)
		}
		ok = strings.HasPrefix(s[d.pos:], string(spec))
		d.pos++
	}
	return ok, nil
}

// number reads a numeric specifier; known is false for the others.
func (d *dateParse) number(spec byte) (ok, known bool) {
	switch spec {
	case 'Y':
		d.year, ok = d.num(1, 4)
	case 'y':
		d.year, ok = d.num(2, 2)
		if d.year += 1900; d.year < 1970 {
			d.year += 100 // Trino's pivot: two-digit years fall in 1970..2069
		}
	case 'm', 'c':
		d.month, ok = d.num(1, 2)
	case 'd', 'e':
		d.day, ok = d.num(1, 2)
	case 'H', 'k':
		d.hour, ok = d.num(1, 2)
	case 'h', 'I', 'l':
		d.hour, ok = d.num(1, 2)
		d.half = true
		ok = ok && d.hour >= 1 && d.hour <= 12
	case 'i', specMinuteNoPad:
		d.minute, ok = d.num(1, 2)
	case 's', 'S', specSecondNoPad:
		d.sec, ok = d.num(1, 2)
	case 'f':
		d.nanos, ok = d.fraction(9)
	case specMillis:
		var ms int
		if ms, ok = d.fraction(3); ok {
			d.nanos = ms * 1e6
		}
	case 'j', specYearDayPad:
		d.yday, ok = d.num(1, 3)
	default:
		return false, false
	}
	return ok, true
}

// num reads min to max digits.
func (d *dateParse) num(min, max int) (int, bool) {
	j := d.pos
	for j < len(d.s) && j-d.pos < max && d.s[j] >= '0' && d.s[j] <= '9' {
		j++
	}
	if j-d.pos < min {
		return 0, false
	}
	n, _ := strconv.Atoi(d.s[d.pos:j])
	d.pos = j
	return n, true
}

// fraction reads 1 to digits digits of a fraction, in units of 10^-digits ("5" is 500 ms).
func (d *dateParse) fraction(digits int) (int, bool) {
	start := d.pos
	n, ok := d.num(1, digits)
	for i := d.pos - start; ok && i < digits; i++ {
		n *= 10
	}
	return n, ok
}

// name reads one of names (or its first three letters), any case, and returns its index.
func (d *dateParse) name(names []string, short bool) (int, bool) {
	for i, n := range names {
		if short {
			n = n[:3]
		}
		if len(d.s)-d.pos >= len(n) && strings.EqualFold(d.s[d.pos:d.pos+len(n)], n) {
			d.pos += len(n)
			return i, true
		}
	}
	return 0, false
}

// time checks the fields read and assembles them into a UTC instant.
func (d *dateParse) time() (time.Time, error) {
	hour, month, day := d.hour, d.month, d.day
	if d.half {
		hour %= 12
		if d.pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || hour > 23 || d.minute > 59 || d.sec > 59 {
		return d.fail("field out of range")
	}
	if d.yday > 0 {
		month, day = 1, d.yday
	}
	t := time.Date(d.year, time.Month(month), day, hour, d.minute, d.sec, d.nanos, time.UTC)
	if (d.yday == 0 && t.Day() != day) || (d.yday > 0 && t.Year() != d.year) || day < 1 {
		return d.fail("no such day")
	}
	return t.Add(-time.Duration(d.offset) * time.Second), nil
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
