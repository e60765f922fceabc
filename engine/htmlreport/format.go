package htmlreport

import (
	"fmt"
	"html/template"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/flowq/flowq/engine/output"
)

// Int formats n with thousands separators: 1234567 → "1,234,567".
func Int(n int64) string { return output.Group(strconv.FormatInt(n, 10)) }

// Float formats f with thousands separators in its integer part and at most two decimals,
// trailing zeros dropped: 12345.678 → "12,345.68", 2.5 → "2.5".
func Float(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if f < 0 && s != "0" {
		s = "-" + s
	}
	intPart, frac, _ := strings.Cut(s, ".")
	out := output.Group(intPart)
	if frac != "" {
		out += "." + frac
	}
	return out
}

// timeLayout is how instants are written in the report: UTC, to the second.
const timeLayout = "2006-01-02 15:04:05"

// Time formats t in UTC ("2006-01-02 15:04:05 UTC"); the zero time is "".
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout) + " UTC"
}

// Cell is one formatted table value.
type Cell struct {
	Text string
	Num  bool // right-aligned
	Null bool // SQL NULL, shown dimmed
	Wrap bool // long text of several words: may wrap between words, never inside one
}

// wrapAt is the length from which a text of several words may wrap in its cell.
const wrapAt = 40

// tokens writes text with each space-separated word in a no-wrap span, so a cell wraps between
// ENI ids but never at the hyphen inside one.
func tokens(text string) template.HTML {
	words := strings.Split(text, " ")
	for i, w := range words {
		words[i] = `<span class="nw">` + template.HTMLEscapeString(w) + `</span>`
	}
	return template.HTML(strings.Join(words, " "))
}

// formatValue turns a value scanned from DuckDB into table text.
func formatValue(v any, column string) Cell {
	plain := output.IsCodeColumn(column)
	ints := func(n int64) Cell {
		if plain {
			return Cell{Text: strconv.FormatInt(n, 10), Num: true}
		}
		return Cell{Text: Int(n), Num: true}
	}
	switch x := v.(type) {
	case nil:
		return Cell{Text: "NULL", Null: true}
	case int64, int32, int16, int8, int, uint32, uint16, uint8:
		n, _ := asInt64(x)
		return ints(n)
	case uint64:
		if plain {
			return Cell{Text: strconv.FormatUint(x, 10), Num: true}
		}
		return Cell{Text: output.Group(strconv.FormatUint(x, 10)), Num: true}
	case float64:
		return Cell{Text: Float(x), Num: true}
	case float32:
		return Cell{Text: Float(float64(x)), Num: true}
	case *big.Int:
		if x == nil {
			return Cell{Text: "NULL", Null: true}
		}
		if x.IsInt64() {
			return ints(x.Int64())
		}
		return Cell{Text: output.Group(x.String()), Num: true}
	case duckdb.Decimal:
		return Cell{Text: Float(x.Float64()), Num: true}
	case bool:
		return Cell{Text: strconv.FormatBool(x)}
	case time.Time:
		return Cell{Text: x.UTC().Format(timeLayout)}
	case string:
		return Cell{Text: x, Wrap: len(x) > wrapAt && strings.Contains(x, " ")}
	case []byte:
		return Cell{Text: fmt.Sprintf("%x", x)}
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e, column).Text
		}
		return Cell{Text: "[" + strings.Join(parts, ", ") + "]"}
	case fmt.Stringer:
		return Cell{Text: x.String()}
	}
	return Cell{Text: fmt.Sprint(v)}
}

// asInt64 reads a scanned integer (BIGINT, HUGEINT when sums are not rewritten, ...) as int64.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case int:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case *big.Int:
		if x != nil && x.IsInt64() {
			return x.Int64(), true
		}
	case float64:
		return int64(x), true
	case duckdb.Decimal:
		return int64(x.Float64()), true
	}
	return 0, false
}
