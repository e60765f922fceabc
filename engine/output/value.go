package output

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// typeNode is a parsed DuckDB type name such as DECIMAL(18,3), DATE[] or
// STRUCT("a" INTEGER, "b" MAP(VARCHAR, DATE)). Values of nested types arrive
// as []any / map[string]any with no type information, so the column's type
// name is the only way to know that a time inside a list is a DATE, or the
// declared order of a struct's fields.
type typeNode struct {
	base   string // upper-case name without arguments: DATE, DECIMAL, LIST, STRUCT, MAP, ...
	elem   *typeNode
	key    *typeNode
	val    *typeNode
	fields []structField
}

type structField struct {
	name string
	t    *typeNode
}

func parseType(s string) *typeNode {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "]") {
		if i := matchOpen(s, len(s)-1, '[', ']'); i > 0 {
			return &typeNode{base: "LIST", elem: parseType(s[:i])}
		}
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return &typeNode{base: strings.ToUpper(s)}
	}
	base := strings.ToUpper(strings.TrimSpace(s[:open]))
	inner := s[open+1 : len(s)-1]
	n := &typeNode{base: base}
	switch base {
	case "MAP":
		parts := splitTop(inner)
		if len(parts) == 2 {
			n.key, n.val = parseType(parts[0]), parseType(parts[1])
		}
	case "STRUCT":
		for _, p := range splitTop(inner) {
			name, rest := splitFieldName(strings.TrimSpace(p))
			n.fields = append(n.fields, structField{name: name, t: parseType(rest)})
		}
	}
	return n
}

// matchOpen finds the index of the bracket opening the one that closes at end.
func matchOpen(s string, end int, open, close byte) int {
	depth := 0
	inQuote := false
	for i := end; i >= 0; i-- {
		c := s[i]
		if c == '"' {
			inQuote = !inQuote
		}
		if inQuote {
			continue
		}
		switch c {
		case close:
			depth++
		case open:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTop splits on commas outside brackets and double quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// splitFieldName splits `"a b" INTEGER` or `a INTEGER` into name and type.
func splitFieldName(p string) (string, string) {
	if strings.HasPrefix(p, `"`) {
		var b strings.Builder
		for i := 1; i < len(p); i++ {
			if p[i] == '"' {
				if i+1 < len(p) && p[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), p[i+1:]
			}
			b.WriteByte(p[i])
		}
		return b.String(), ""
	}
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

func (t *typeNode) child() *typeNode {
	if t != nil && t.elem != nil {
		return t.elem
	}
	return nil
}

func (t *typeNode) fieldType(name string) *typeNode {
	if t == nil {
		return nil
	}
	for _, f := range t.fields {
		if f.name == name {
			return f.t
		}
	}
	return nil
}

func (t *typeNode) name() string {
	if t == nil {
		return ""
	}
	return t.base
}

// isNumericType reports whether a column of this type holds numbers (right-aligned).
func isNumericType(t *typeNode) bool {
	switch t.name() {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
		"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"FLOAT", "DOUBLE", "DECIMAL", "REAL":
		return true
	}
	return false
}

// textOpts controls text formatting of a value.
type textOpts struct {
	thousands bool   // group integer digits with commas (table mode)
	null      string // text for a top-level NULL
}

const nestedNull = "NULL"

// formatText renders v (as scanned from duckdb-go) as display text.
func formatText(v any, t *typeNode, o textOpts) string {
	if v == nil {
		return o.null
	}
	return formatInner(v, t, o.thousands)
}

func formatInner(v any, t *typeNode, thousands bool) string {
	if v != nil && t.name() == "JSON" {
		// The driver hands JSON over decoded; print it as JSON again.
		return jsonText(v)
	}
	switch x := v.(type) {
	case nil:
		return nestedNull
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		s := string(appendInt(nil, x))
		if thousands {
			return Group(s)
		}
		return s
	case *big.Int:
		if x == nil {
			return nestedNull
		}
		if thousands {
			return Group(x.String())
		}
		return x.String()
	case float32:
		return formatFloat(float64(x), 32, thousands)
	case float64:
		return formatFloat(x, 64, thousands)
	case duckdb.Decimal:
		s := decimalString(x)
		if thousands {
			return Group(s)
		}
		return s
	case time.Time:
		return formatTime(x, t.name())
	case duckdb.Interval:
		return formatInterval(x)
	case []byte:
		if t.name() == "UUID" && len(x) == 16 {
			return formatUUID(x)
		}
		return formatBlob(x)
	case duckdb.UUID:
		return x.String()
	case duckdb.Union:
		return formatInner(x.Value, nil, thousands)
	case duckdb.OrderedMap:
		var b strings.Builder
		b.WriteByte('{')
		keys, vals := x.Keys(), x.Values()
		var kt, vt *typeNode
		if t != nil {
			kt, vt = t.key, t.val
		}
		for i := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatInner(keys[i], kt, false))
			b.WriteByte('=')
			b.WriteString(formatInner(vals[i], vt, false))
		}
		b.WriteByte('}')
		return b.String()
	case []any:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatInner(e, t.child(), false))
		}
		b.WriteByte(']')
		return b.String()
	case map[string]any:
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range structKeys(x, t) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("'" + k + "': ")
			b.WriteString(formatInner(x[k], t.fieldType(k), false))
		}
		b.WriteByte('}')
		return b.String()
	default:
		return fmt.Sprint(x)
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// structKeys returns the struct's field names in declared order when the type
// is known, else sorted (Go maps have no order).
func structKeys(m map[string]any, t *typeNode) []string {
	keys := make([]string, 0, len(m))
	if t != nil && len(t.fields) > 0 {
		seen := make(map[string]bool, len(m))
		for _, f := range t.fields {
			if _, ok := m[f.name]; ok && !seen[f.name] {
				keys = append(keys, f.name)
				seen[f.name] = true
			}
		}
		if len(keys) == len(m) {
			return keys
		}
		keys = keys[:0]
	}
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Group inserts thousands separators into the integer part of a plain number: "-1234.5" →
// "-1,234.5". The HTML report and the CLI's summaries use it too, so numbers read the same.
func Group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		sign, s = s[:1], s[1:]
	}
	intPart, rest := s, ""
	if i := strings.IndexAny(s, ".eE"); i >= 0 {
		intPart, rest = s[:i], s[i:]
	}
	if len(intPart) <= 3 {
		return sign + s
	}
	var b strings.Builder
	pre := len(intPart) % 3
	if pre > 0 {
		b.WriteString(intPart[:pre])
	}
	for i := pre; i < len(intPart); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(intPart[i : i+3])
	}
	return sign + b.String() + rest
}

// formatFloat prints the shortest text that reads back as f, in DuckDB's
// style (which is Python's repr): "1.0", "0.0001", "1e-05", "1e+16".
func formatFloat(f float64, bits int, thousands bool) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, bits)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	if thousands {
		return Group(s)
	}
	return s
}

// decimalString keeps the declared scale (1.50 for DECIMAL(10,2)), as DuckDB prints it.
func decimalString(d duckdb.Decimal) string {
	if d.Value == nil {
		return nestedNull
	}
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

func formatTime(t time.Time, typ string) string {
	switch typ {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIME":
		return t.Format("15:04:05.999999")
	case "TIMETZ", "TIME WITH TIME ZONE":
		return t.Format("15:04:05.999999-07")
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		return t.Format("2006-01-02 15:04:05.999999-07")
	case "TIMESTAMP_NS":
		return t.Format("2006-01-02 15:04:05.999999999")
	default:
		return t.Format("2006-01-02 15:04:05.999999")
	}
}

// formatInterval prints DuckDB's interval text: "1 year 2 months 3 days 04:05:06.5".
func formatInterval(iv duckdb.Interval) string {
	var parts []string
	plural := func(n int64, unit string) {
		if n == 0 {
			return
		}
		s := fmt.Sprintf("%d %s", n, unit)
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	plural(int64(iv.Months/12), "year")
	plural(int64(iv.Months%12), "month")
	plural(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		us := iv.Micros
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		h, m := us/3_600_000_000, us/60_000_000%60
		sec, frac := us/1_000_000%60, us%1_000_000
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, sec)
		if frac != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func formatUUID(b []byte) string {
	const hexdig = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdig[c>>4], hexdig[c&15])
	}
	return string(out)
}

// formatBlob prints printable ASCII as is and other bytes as \xHH, as DuckDB does.
func formatBlob(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, `\x%02X`, c)
		}
	}
	return s.String()
}

// appendJSON appends v as a JSON value: numbers stay numbers (HUGEINT and
// DECIMAL too, at full precision), NULL is null, times are strings.
func appendJSON(b []byte, v any, t *typeNode) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return appendInt(b, x)
	case *big.Int:
		if x == nil {
			return append(b, "null"...)
		}
		return x.Append(b, 10)
	case float32:
		return appendJSONFloat(b, float64(x), 32)
	case float64:
		return appendJSONFloat(b, x, 64)
	case duckdb.Decimal:
		if x.Value == nil {
			return append(b, "null"...)
		}
		return append(b, decimalString(x)...)
	case string:
		return appendJSONString(b, x)
	case duckdb.Union:
		return appendJSON(b, x.Value, nil)
	case duckdb.OrderedMap:
		var kt, vt *typeNode
		if t != nil {
			kt, vt = t.key, t.val
		}
		b = append(b, '{')
		keys, vals := x.Keys(), x.Values()
		for i := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, formatInner(keys[i], kt, false))
			b = append(b, ':')
			b = appendJSON(b, vals[i], vt)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, t.child())
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i, k := range structKeys(x, t) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k], t.fieldType(k))
		}
		return append(b, '}')
	default:
		return appendJSONString(b, formatInner(v, t, false))
	}
}

// appendJSONFloat writes NaN and ±Inf as null: JSON has no spelling for them.
func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

func appendJSONString(b []byte, s string) []byte {
	const hexdig = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s { // ranging a string turns invalid UTF-8 into U+FFFD
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexdig[r>>4], hexdig[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// appendInt formats any Go integer without fmt's reflection.
func appendInt(b []byte, v any) []byte {
	switch x := v.(type) {
	case int8:
		return strconv.AppendInt(b, int64(x), 10)
	case int16:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case uint:
		return strconv.AppendUint(b, uint64(x), 10)
	}
	return fmt.Append(b, v)
}

// Bytes formats a byte count in binary units with one decimal: 1536 → "1.5 KiB".
func Bytes(n int64) string {
	if n < 1024 && n > -1024 {
		return Group(strconv.FormatInt(n, 10)) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n)
	u := -1
	for math.Abs(v) >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[u]
}
