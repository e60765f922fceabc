package savedquery

import (
	"database/sql"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/sqlscan"
	"github.com/flowq/flowq/engine/timespec"
)

// fixedNow is the clock used to validate relative-time defaults when a file is parsed; any
// instant works, only the syntax is checked.
var fixedNow = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Bind returns the query's statement and its arguments: one sql.Named per parameter the
// statement uses, holding the caller's value or the default. Values are bound, never spliced
// into the text. Relative times ("7d") count back from now.
func Bind(q Query, params map[string]string) (stmt string, args []any, err error) {
	return BindAt(q, params, time.Now())
}

// BindAt is Bind with an explicit clock for relative times.
func BindAt(q Query, params map[string]string, now time.Time) (stmt string, args []any, err error) {
	vals, err := Values(q, params, now)
	if err != nil {
		return "", nil, err
	}
	for _, name := range paramRefs(q.SQL) {
		v := vals[name]
		if d, ok := v.(Date); ok {
			v = string(d) // DuckDB reads 'YYYY-MM-DD' as the DATE it is compared with
		}
		args = append(args, sql.Named(name, v))
	}
	return q.SQL, args, nil
}

// Date is a partition day, YYYY-MM-DD: the value of $since_date and $until_date. Bound as
// text, rendered as a DATE literal.
type Date string

// Partition days: a record's date partition is its delivery's day (the S3 key's date) or,
// for files outside AWS's layout, its start's UTC day. AWS names a delivery after the 5-minute
// bucket of its records' end times, so a record's partition is its start's day or, for one
// that ends after midnight, the next: a record starting in [since, until) lies in a partition
// from since's day to the day after until's last second. Both bounds only add partitions to
// read; the start predicate still decides which records count.
func sinceDate(since int64) Date {
	return Date(time.Unix(since, 0).UTC().Format(time.DateOnly))
}

func untilDate(until int64) Date {
	return Date(time.Unix(until-1, 0).UTC().AddDate(0, 0, 1).Format(time.DateOnly))
}

// Values converts the caller's parameters (and the defaults of the others) to the values that
// are bound: int64 for int and time parameters, string for string and cidr ones, nil for an
// empty value (SQL NULL, which the queries read as "no filter"), and the Date partition
// bounds derived from since and until.
func Values(q Query, params map[string]string, now time.Time) (map[string]any, error) {
	for k := range params {
		if _, ok := q.Param(k); !ok {
			return nil, fmt.Errorf("query %s has no parameter %q (parameters: %s)", q.Name, k, listOrNone(q.ParamNames()))
		}
	}
	out := make(map[string]any, len(q.Params))
	for _, p := range q.Params {
		v, given := params[p.Name]
		if !given {
			v = p.Default
		}
		v = strings.TrimSpace(v)
		if v == "" {
			if p.Required {
				return nil, fmt.Errorf("query %s: parameter %s is required (%s)", q.Name, p.Name, p.Description)
			}
			out[p.Name] = nil
			continue
		}
		x, err := convert(p, v, now)
		if err != nil {
			return nil, fmt.Errorf("query %s: parameter %s: %w", q.Name, p.Name, err)
		}
		out[p.Name] = x
	}
	for name, base := range derivedDates {
		if _, ok := q.derivedBase(name); !ok {
			continue
		}
		t, ok := out[base].(int64)
		switch {
		case !ok:
			out[name] = nil
		case name == "since_date":
			out[name] = sinceDate(t)
		default:
			out[name] = untilDate(t)
		}
	}
	return out, nil
}

// convert turns one non-empty value into its bound form.
func convert(p Param, v string, now time.Time) (any, error) {
	if len(p.Choices) > 0 && !slices.Contains(p.Choices, v) {
		return nil, fmt.Errorf("%q is not one of %s", v, strings.Join(p.Choices, ", "))
	}
	switch p.Type {
	case TypeInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", v)
		}
		return n, nil
	case TypeTime:
		t, err := timespec.ParseInstant(v, now)
		if err != nil {
			return nil, err
		}
		return t.Unix(), nil
	case TypeCIDR:
		return ParseCIDR(v)
	}
	return v, nil
}

// ParseCIDR reads an address or a CIDR and returns the canonical CIDR ("10.1.2.3" → "10.1.2.3/32").
// Host bits are kept as written: Trino's contains() masks them too.
func ParseCIDR(s string) (string, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.String(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()).String(), nil
	}
	return "", fmt.Errorf("%q is not an IP address or CIDR (e.g. 10.0.0.0/8, 203.0.113.7, 2001:db8::/32)", s)
}

// ParseAssignments reads "k=v" words (from --param flags or a shell .run line) into a map.
// A repeated name is an error: silently keeping one of them hides a typo.
func ParseAssignments(words []string) (map[string]string, error) {
	out := map[string]string{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("parameter %q: want NAME=VALUE", w)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("parameter %s given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// Render returns the statement with the parameters written as SQL literals, for reading or for
// pasting into Athena's console. flowq itself never runs rendered text: it binds.
func Render(q Query, params map[string]string, now time.Time) (string, error) {
	vals, err := Values(q, params, now)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, t := range simplify(sqlscan.Tokenize(q.SQL), vals) {
		if t.Kind != sqlscan.Param {
			b.WriteString(t.Text)
			continue
		}
		switch v := vals[strings.TrimPrefix(t.Text, "$")].(type) {
		case nil:
			b.WriteString("NULL")
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case string:
			b.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
		case Date:
			b.WriteString("DATE '" + string(v) + "'")
		}
	}
	return b.String(), nil
}

// simplify resolves the optional filters "($p IS NULL OR condition)" the way the bound values
// decide them, so the text pasted into Athena says only what filters: a filter whose parameter
// is unset is removed with its AND (or becomes TRUE where it stands alone), one whose parameter
// is set becomes its condition.
func simplify(toks []sqlscan.Token, vals map[string]any) []sqlscan.Token {
	sig := func(i int) int { // the next significant token at or after i
		for i < len(toks) && toks[i].IsSpace() {
			i++
		}
		return i
	}
	word := func(i int, w string) bool {
		return i < len(toks) && toks[i].Kind == sqlscan.Word && strings.EqualFold(toks[i].Text, w)
	}
	var out []sqlscan.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != sqlscan.Operator || t.Text != "(" {
			out = append(out, t)
			continue
		}
		p := sig(i + 1)
		is := sig(p + 1)
		null := sig(is + 1)
		or := sig(null + 1)
		if p >= len(toks) || toks[p].Kind != sqlscan.Param || !word(is, "IS") || !word(null, "NULL") || !word(or, "OR") {
			out = append(out, t)
			continue
		}
		v, known := vals[strings.TrimPrefix(toks[p].Text, "$")]
		end, depth, topOr := -1, 0, false
		for j := or + 1; j < len(toks) && end < 0; j++ {
			switch {
			case toks[j].Kind == sqlscan.Operator && toks[j].Text == "(":
				depth++
			case toks[j].Kind == sqlscan.Operator && toks[j].Text == ")":
				if depth == 0 {
					end = j
				}
				depth--
			case depth == 0 && word(j, "OR"):
				topOr = true
			}
		}
		if !known || end < 0 {
			out = append(out, t)
			continue
		}
		if v != nil {
			cond := toks[sig(or+1):end]
			for len(cond) > 0 && cond[len(cond)-1].IsSpace() {
				cond = cond[:len(cond)-1]
			}
			if topOr {
				out = append(out, t)
				out = append(out, cond...)
				out = append(out, toks[end])
			} else {
				out = append(out, cond...)
			}
			i = end
			continue
		}
		// Unset: drop "AND (…)" with the line it stands on, or "(…) AND" when it comes first.
		k := len(out) - 1
		for k >= 0 && out[k].IsSpace() {
			k--
		}
		if k >= 0 && out[k].Kind == sqlscan.Word && strings.EqualFold(out[k].Text, "AND") {
			out = out[:k]
			for len(out) > 0 && out[len(out)-1].Kind == sqlscan.Whitespace {
				out = out[:len(out)-1]
			}
			i = end
			continue
		}
		if a := sig(end + 1); word(a, "AND") {
			i = sig(a+1) - 1
			continue
		}
		out = append(out, sqlscan.Token{Kind: sqlscan.Word, Text: "TRUE"})
		i = end
	}
	return out
}

// Prepare is Bind followed by the Athena rewrite (compat.Rewrite): the statement and arguments
// ready to run on a session whose connection was set up with compat.Register. Saved queries
// are Athena SQL, so the Athena dialect applies whatever the shell's current dialect is.
func Prepare(q Query, params map[string]string) (stmt string, args []any, err error) {
	return PrepareAt(q, params, time.Now())
}

// PrepareAt is Prepare with an explicit clock for relative times (a report or a benchmark that
// fixes "now").
func PrepareAt(q Query, params map[string]string, now time.Time) (stmt string, args []any, err error) {
	stmt, args, err = BindAt(q, params, now)
	if err != nil {
		return "", nil, err
	}
	return compat.Rewrite(stmt), args, nil
}
