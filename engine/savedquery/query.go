package savedquery

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/flowq/flowq/engine/sqlscan"
)

// Query is one saved report.
type Query struct {
	Name           string
	Description    string // one line
	Finds          string // what the report finds, in prose
	FalsePositives string // known ways it misleads
	Portability    string // whether the file runs unchanged in Athena, and if not why
	Params         []Param
	SQL            string // the statement, header removed
	Source         string // "builtin" or the file's path
	Shadows        string // Source of the query this one overrides, if any
	// Summary is the statement over the summary tables that answers exactly as SQL does, when
	// there is one (summary.go); SQL stays the raw-table, Athena-portable form.
	Summary *SummaryForm
}

// Param is one declared parameter.
type Param struct {
	Name        string
	Type        ParamType
	Default     string   // used when the caller gives no value; "" binds SQL NULL
	Required    bool     // the caller must give a non-empty value
	Choices     []string // allowed values, when the parameter is an enumeration
	Description string
}

// ParamType says how a parameter's text becomes the value bound to the query.
type ParamType string

const (
	// TypeString binds the text unchanged (VARCHAR).
	TypeString ParamType = "string"
	// TypeInt binds a BIGINT.
	TypeInt ParamType = "int"
	// TypeTime accepts 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds and binds Unix seconds
	// (BIGINT), the unit of the start and "end" columns.
	TypeTime ParamType = "time"
	// TypeCIDR accepts an address or a CIDR and binds the CIDR text in canonical form, with a
	// bare address as /32 or /128.
	TypeCIDR ParamType = "cidr"
)

var paramTypes = []ParamType{TypeString, TypeInt, TypeTime, TypeCIDR}

// defaultType gives well-known parameter names their type without a ":type" annotation.
func defaultType(name string) ParamType {
	switch name {
	case "since", "until":
		return TypeTime
	case "limit", "port":
		return TypeInt
	case "cidr":
		return TypeCIDR
	}
	return TypeString
}

// Param returns the declared parameter with the given name.
func (q Query) Param(name string) (Param, bool) {
	for _, p := range q.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames lists the declared parameter names in header order.
func (q Query) ParamNames() []string {
	out := make([]string, len(q.Params))
	for i, p := range q.Params {
		out[i] = p.Name
	}
	return out
}

// Header keys, in the order they are documented.
var headerKeys = []string{"name", "description", "finds", "false-positives", "portability", "param"}

var (
	nameRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	keyLineRE  = regexp.MustCompile(`^([a-z][a-z-]*):(.*)$`)
	paramRE    = regexp.MustCompile(`^([a-z_][a-z0-9_]*)(?::([a-z]+))?\s*(?:=\s*([^|\[]*?)\s*(?:\[([^\]]*)\])?|(required))\s*(?:\|\s*(.*))?$`)
	identStart = regexp.MustCompile(`^[A-Za-z_]`)
)

// Parse reads a query file: a header of "-- key: value" comment lines, then one SQL statement.
// fallbackName names the query when the header has no name (a plain .sql file); source is
// recorded in Query.Source and names the file in errors.
//
// Header keys: name, description, finds, false-positives, portability, and param (repeatable):
//
//	-- param: NAME[:TYPE] = DEFAULT [CHOICE CHOICE ...] | description
//	-- param: NAME[:TYPE] required | description
//
// A header line indented by three or more spaces (or a tab) after "--" continues the previous
// key's text; other comment lines are free-form.
func Parse(text, fallbackName, source string) (Query, error) {
	q := Query{Source: source}
	text = strings.TrimPrefix(text, "\ufeff") // editors on Windows may add a byte-order mark
	lines := strings.Split(text, "\n")
	var last *string
	bodyStart, seen := len(lines), false
	for i, raw := range lines {
		line := strings.TrimRight(raw, " \t\r")
		if !strings.HasPrefix(line, "--") {
			if line == "" && !seen {
				continue // blank lines before the header
			}
			bodyStart = i
			break
		}
		seen = true
		rest := strings.TrimPrefix(line, "--")
		indented := strings.HasPrefix(rest, "   ") || strings.HasPrefix(rest, "\t")
		content := strings.TrimSpace(rest)
		if content == "" {
			last = nil // a bare "--" ends a continuation
			continue
		}
		m := keyLineRE.FindStringSubmatch(content)
		if indented && last != nil {
			*last = strings.TrimSpace(*last + " " + content)
			continue
		}
		if indented || m == nil {
			last = nil // a free-form comment
			continue
		}
		key, val := m[1], strings.TrimSpace(m[2])
		switch key {
		case "name":
			q.Name, last = val, nil
		case "description":
			q.Description, last = val, &q.Description
		case "finds":
			q.Finds, last = val, &q.Finds
		case "false-positives":
			q.FalsePositives, last = val, &q.FalsePositives
		case "portability":
			q.Portability, last = val, &q.Portability
		case "param":
			p, err := parseParam(val)
			if err != nil {
				return Query{}, fmt.Errorf("%s:%d: %w", source, i+1, err)
			}
			if _, dup := q.Param(p.Name); dup {
				return Query{}, fmt.Errorf("%s:%d: parameter %q declared twice", source, i+1, p.Name)
			}
			q.Params = append(q.Params, p)
			last = &q.Params[len(q.Params)-1].Description
		default:
			return Query{}, fmt.Errorf("%s:%d: unknown header key %q (known: %s)", source, i+1, key, strings.Join(headerKeys, ", "))
		}
	}
	if q.Name == "" {
		q.Name = fallbackName
	}
	if !nameRE.MatchString(q.Name) {
		return Query{}, fmt.Errorf("%s: query name %q: use lower-case letters, digits, '.', '_' and '-'", source, q.Name)
	}
	body := strings.TrimSpace(strings.Join(lines[bodyStart:], "\n"))
	stmts := sqlscan.Statements(body)
	var real []string
	for _, s := range stmts {
		if len(sqlscan.Significant(sqlscan.Tokenize(s))) > 0 {
			real = append(real, s)
		}
	}
	switch {
	case len(real) == 0:
		return Query{}, fmt.Errorf("%s: no SQL statement", source)
	case len(real) > 1:
		return Query{}, fmt.Errorf("%s: %d statements; a saved query is one statement", source, len(real))
	}
	q.SQL = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(real[0]), ";"))
	for _, ref := range paramRefs(q.SQL) {
		if !identStart.MatchString(ref) {
			return Query{}, fmt.Errorf("%s: positional parameter %s: saved queries use named parameters ($name) declared in the header", source, ref)
		}
		_, declared := q.Param(ref)
		if _, derived := q.derivedBase(ref); !declared && !derived {
			return Query{}, fmt.Errorf("%s: SQL uses $%s but the header declares no such parameter (declared: %s)",
				source, ref, listOrNone(q.ParamNames()))
		}
	}
	return q, nil
}

func parseParam(spec string) (Param, error) {
	m := paramRE.FindStringSubmatch(spec)
	if m == nil {
		return Param{}, fmt.Errorf("bad param line %q: want NAME[:TYPE] = DEFAULT [CHOICES] | description, or NAME required | description", spec)
	}
	p := Param{Name: m[1], Default: strings.TrimSpace(m[3]), Choices: nilIfEmpty(strings.Fields(m[4])), Required: m[5] != "", Description: strings.TrimSpace(m[6])}
	p.Type = defaultType(p.Name)
	if m[2] != "" {
		p.Type = ParamType(m[2])
		if !slices.Contains(paramTypes, p.Type) {
			return Param{}, fmt.Errorf("parameter %s: unknown type %q (known: string, int, time, cidr)", p.Name, m[2])
		}
	}
	if len(p.Choices) > 0 && p.Default != "" && !slices.Contains(p.Choices, p.Default) {
		return Param{}, fmt.Errorf("parameter %s: default %q is not one of %s", p.Name, p.Default, strings.Join(p.Choices, ", "))
	}
	if p.Default != "" {
		// A default the binder would reject is a bug in the file, not in the user's command.
		if _, err := convert(p, p.Default, fixedNow); err != nil {
			return Param{}, fmt.Errorf("parameter %s: default: %w", p.Name, err)
		}
	}
	return p, nil
}

// derivedDates are the partition bounds the binder derives from a query's time window, by the
// name of the time parameter they come from: a query that declares since (until) may use
// $since_date ($until_date) to prune the table's date partitions (see Values).
var derivedDates = map[string]string{"since_date": "since", "until_date": "until"}

// derivedBase returns the time parameter a derived name comes from, when the query declares it
// (and does not declare the derived name itself).
func (q Query) derivedBase(ref string) (string, bool) {
	base, ok := derivedDates[ref]
	if !ok {
		return "", false
	}
	if _, own := q.Param(ref); own {
		return "", false
	}
	p, ok := q.Param(base)
	return base, ok && p.Type == TypeTime
}

// paramRefs lists the distinct $name parameters the statement uses, in order of first use.
func paramRefs(stmt string) []string {
	var out []string
	for _, t := range sqlscan.Tokenize(stmt) {
		if t.Kind != sqlscan.Param {
			continue
		}
		name := strings.TrimPrefix(t.Text, "$")
		if !identStart.MatchString(name) {
			name = t.Text // positional: reported as undeclared by Parse
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Hint says what values the parameter takes, for listings and help: its choices, or the forms
// its type accepts.
func (p Param) Hint() string {
	if len(p.Choices) > 0 {
		return "one of " + strings.Join(p.Choices, ", ")
	}
	switch p.Type {
	case TypeTime:
		return "a time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds"
	case TypeInt:
		return "an integer"
	case TypeCIDR:
		return "an address or CIDR: 10.0.1.5, 10.0.0.0/16, 2001:db8::/32"
	}
	return "text"
}

// Suggestions are the values completion offers for the parameter: its choices, or for a time
// a few look-backs. Other types have no useful guesses.
func (p Param) Suggestions() []string {
	if len(p.Choices) > 0 {
		return append([]string(nil), p.Choices...)
	}
	if p.Type == TypeTime {
		return []string{"1h", "24h", "7d", "30d"}
	}
	return nil
}

// CompleteAssignment completes one NAME=VALUE word of q's parameters (flowq run --param, the
// shell's .run): before the '=' the parameter names not in given, each with its '=' ("by="); after
// it the parameter's suggestions that start with what was typed, as whole words ("by=src").
func CompleteAssignment(q Query, word string, given []string) []string {
	name, val, hasEq := strings.Cut(word, "=")
	var out []string
	if !hasEq {
		have := map[string]bool{}
		for _, g := range given {
			k, _, _ := strings.Cut(g, "=")
			have[k] = true
		}
		for _, p := range q.Params {
			if !have[p.Name] && strings.HasPrefix(p.Name, name) {
				out = append(out, p.Name+"=")
			}
		}
		return out
	}
	p, ok := q.Param(name)
	if !ok {
		return nil
	}
	for _, v := range p.Suggestions() {
		if strings.HasPrefix(v, val) {
			out = append(out, name+"="+v)
		}
	}
	return out
}
