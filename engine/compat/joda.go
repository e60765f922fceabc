package compat

import (
	"fmt"
	"strings"
)

// Specifier bytes for Joda fields that MySQL's set lacks. Only lexJoda produces them:
// lexMySQLFormat keeps control bytes after '%' as literal text.
const (
	specMinuteNoPad = 0x01 // Joda "m"
	specSecondNoPad = 0x02 // Joda "s"
	specMillis      = 0x03 // Joda "SSS"
	specZoneOffset  = 0x04 // Joda "Z": +0000
	specZoneColon   = 0x05 // Joda "ZZ": +00:00
	specZoneID      = 0x06 // Joda "ZZZ", "z": UTC
	specYearDayPad  = 0x07 // Joda "DDD"
)

// jodaToStrftime extends mysqlToStrftime for the Joda-only fields. Sessions are UTC and
// strftime renders TIMESTAMP WITH TIME ZONE in the session zone, so the zone is always UTC.
var jodaToStrftime = map[byte]string{
	specMinuteNoPad: "%-M", specSecondNoPad: "%-S", specMillis: "%g", specZoneOffset: "+0000",
	specZoneColon: "+00:00", specZoneID: "UTC", specYearDayPad: "%j",
}

// lexJoda reads a Joda-Time pattern (Trino's format_datetime/parse_datetime) into the same
// pieces as the MySQL formats: runs of one letter are fields, '…' quotes literal text (” is a
// quote), anything else is literal.
func lexJoda(f string) ([]fmtPiece, error) {
	var out []fmtPiece
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].spec == 0 {
			out[n-1].lit += s
			return
		}
		out = append(out, fmtPiece{lit: s})
	}
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == '\'':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(f) {
					return nil, fmt.Errorf("unterminated quote in datetime format %q", f)
				}
				if f[j] == '\'' {
					if j+1 < len(f) && f[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(f[j])
				j++
			}
			if j == i+1 {
				lit("'") // '' outside a quote is a quote
			} else {
				lit(b.String())
			}
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(f) && f[j] == c {
				j++
			}
			spec, err := jodaField(c, j-i)
			if err != nil {
				return nil, fmt.Errorf("datetime format %q: %w", f, err)
			}
			out = append(out, fmtPiece{spec: spec})
			i = j
		default:
			lit(string(c))
			i++
		}
	}
	return out, nil
}

// jodaField maps a run of n letters c to a specifier.
func jodaField(c byte, n int) (byte, error) {
	switch c {
	case 'y', 'Y', 'u':
		if n == 2 {
			return 'y', nil
		}
		return 'Y', nil
	case 'x':
		return 'x', nil
	case 'w':
		return 'v', nil
	case 'M':
		switch {
		case n >= 4:
			return 'M', nil
		case n == 3:
			return 'b', nil
		case n == 2:
			return 'm', nil
		}
		return 'c', nil
	case 'd':
		if n >= 2 {
			return 'd', nil
		}
		return 'e', nil
	case 'D':
		if n >= 3 {
			return specYearDayPad, nil
		}
		return 'j', nil
	case 'H':
		if n >= 2 {
			return 'H', nil
		}
		return 'k', nil
	case 'h':
		if n >= 2 {
			return 'h', nil
		}
		return 'l', nil
	case 'm':
		if n >= 2 {
			return 'i', nil
		}
		return specMinuteNoPad, nil
	case 's':
		if n >= 2 {
			return 's', nil
		}
		return specSecondNoPad, nil
	case 'S':
		switch n {
		case 3:
			return specMillis, nil
		case 6:
			return 'f', nil
		}
	case 'a':
		return 'p', nil
	case 'E':
		if n >= 4 {
			return 'W', nil
		}
		return 'a', nil
	case 'Z':
		switch n {
		case 1:
			return specZoneOffset, nil
		case 2:
			return specZoneColon, nil
		}
		return specZoneID, nil
	case 'z':
		return specZoneID, nil
	}
	return 0, fmt.Errorf("pattern letter %q repeated %d times is not supported", c, n)
}

// translateJodaFormat turns a Joda pattern into a DuckDB strftime format, for format_datetime.
func translateJodaFormat(f string) (string, error) {
	pieces, err := lexJoda(f)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range pieces {
		if p.spec == 0 {
			b.WriteString(strings.ReplaceAll(p.lit, "%", "%%"))
		} else if s, ok := jodaToStrftime[p.spec]; ok {
			b.WriteString(s)
		} else {
			b.WriteString(mysqlToStrftime[p.spec])
		}
	}
	return b.String(), nil
}
