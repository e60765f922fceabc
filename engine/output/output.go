package output

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
)

// Format names an output format.
type Format string

// The output formats. Table, Markdown and Line are for people (capped by
// Options.MaxRows); CSV, JSON and NDJSON are for programs (never capped).
const (
	Table    Format = "table"
	CSV      Format = "csv"
	JSON     Format = "json"
	NDJSON   Format = "ndjson"
	Markdown Format = "markdown"
	Line     Format = "line"
)

// Formats lists every format, for help texts and completion.
func Formats() []Format { return []Format{Table, CSV, JSON, NDJSON, Markdown, Line} }

// ParseFormat accepts a format name (case-insensitive; "md" and "jsonl" as aliases).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "table":
		return Table, nil
	case "csv":
		return CSV, nil
	case "json":
		return JSON, nil
	case "ndjson", "jsonl":
		return NDJSON, nil
	case "markdown", "md":
		return Markdown, nil
	case "line":
		return Line, nil
	}
	names := make([]string, 0, 6)
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown output format %q (want one of %s)", s, strings.Join(names, ", "))
}

// DefaultNull is how table, markdown and line modes show NULL, so that it
// reads the same everywhere (dimmed on a terminal); CSV shows NULL as an
// empty field and JSON as null.
const DefaultNull = "NULL"

// Options tune rendering. The zero value renders everything, unlimited width.
type Options struct {
	// Terminal: the writer is a terminal, so NULLs are dimmed with ANSI SGR.
	Terminal bool
	// Width of the terminal in columns; tables wider than this have free text and
	// timestamps cut (never addresses, ids, ports or kinds) and, when that is not
	// enough, switch to line mode (see the package documentation). 0 = unlimited.
	Width int
	// MaxRows caps the rows shown by table, markdown and line modes; the rest
	// are still read and counted and a note "… N more rows" follows. 0 = no cap.
	MaxRows int
	// MoreHint, when set, follows the "… N more rows" note in brackets and says how to see
	// the rest (".maxrows 0 shows every row"): the caller knows its own commands.
	MoreHint string
	// NullString replaces the format's NULL text (DefaultNull, or "" for CSV).
	NullString string
	// ASCII draws table borders with +-| instead of box-drawing characters.
	ASCII bool
}

// Stats describe a rendered result.
type Stats struct {
	Rows      int  // rows the query returned
	Shown     int  // rows written (fewer than Rows when capped by MaxRows)
	Truncated bool // Rows > Shown
}

// column is one result column with its parsed DuckDB type.
type column struct {
	name    string
	typ     *typeNode
	numeric bool
	num     numKind // how table mode writes the numbers (numberKind)
}

// widthCond measures display width independently of the locale, so golden
// files do not depend on RUNEWIDTH_EASTASIAN or LANG.
var widthCond = &runewidth.Condition{EastAsianWidth: false}

// Render writes rows in format f. CSV, JSON, NDJSON and line mode stream row
// by row; table and markdown hold at most MaxRows formatted rows to size the
// columns, then only count the rest. rows is read to the end but not closed.
func Render(ctx context.Context, w io.Writer, rows *sql.Rows, f Format, o Options) (Stats, error) {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return Stats{}, fmt.Errorf("reading result columns: %w", err)
	}
	cols := make([]column, len(cts))
	for i, ct := range cts {
		t := parseType(ct.DatabaseTypeName())
		cols[i] = column{name: ct.Name(), typ: t, numeric: isNumericType(t), num: numberKind(ct.Name())}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	r := &renderer{ctx: ctx, w: bw, rows: rows, cols: cols, o: o}
	var st Stats
	switch f {
	case CSV:
		st, err = r.csv()
	case JSON:
		st, err = r.json(false)
	case NDJSON:
		st, err = r.json(true)
	case Line:
		st, err = r.line()
	case Markdown:
		st, err = r.table(true)
	case Table, "":
		st, err = r.table(false)
	default:
		err = fmt.Errorf("unknown output format %q", f)
	}
	st.Truncated = st.Rows > st.Shown
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing result: %w", ferr)
	}
	return st, err
}

type renderer struct {
	ctx  context.Context
	w    *bufio.Writer
	rows *sql.Rows
	cols []column
	o    Options
}

// each scans rows into vals and calls fn for each of the first limit rows
// (all when limit is 0, none when negative); later rows are only counted.
func (r *renderer) each(limit int, fn func(n int, vals []any) error) (int, error) {
	vals := make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for r.rows.Next() {
		if n&255 == 0 {
			if err := r.ctx.Err(); err != nil {
				return n, err
			}
		}
		if limit < 0 || (limit > 0 && n >= limit) {
			n++
			continue
		}
		clear(vals)
		if err := r.rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("reading result row %d: %w", n+1, err)
		}
		if err := fn(n, vals); err != nil {
			return n, err
		}
		n++
	}
	if err := r.rows.Err(); err != nil {
		return n, fmt.Errorf("reading result after row %d: %w", n, err)
	}
	return n, nil
}

func (r *renderer) nullText(def string) string {
	if r.o.NullString != "" {
		return r.o.NullString
	}
	return def
}

func (r *renderer) csv() (Stats, error) {
	cw := csv.NewWriter(r.w)
	rec := make([]string, len(r.cols))
	for i, c := range r.cols {
		rec[i] = c.name
	}
	if err := cw.Write(rec); err != nil {
		return Stats{}, fmt.Errorf("writing CSV header: %w", err)
	}
	to := textOpts{null: r.nullText("")}
	n, err := r.each(0, func(n int, vals []any) error {
		for i, v := range vals {
			rec[i] = formatText(v, r.cols[i].typ, to)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing CSV row %d: %w", n+1, err)
		}
		return nil
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return Stats{Rows: n, Shown: n}, err
}

func (r *renderer) json(nd bool) (Stats, error) {
	keys := make([][]byte, len(r.cols))
	for i, c := range r.cols {
		keys[i] = append(appendJSONString(nil, c.name), ':')
	}
	var buf []byte
	if !nd {
		r.w.WriteString("[")
	}
	n, err := r.each(0, func(n int, vals []any) error {
		buf = buf[:0]
		if !nd {
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '\n')
		}
		buf = append(buf, '{')
		for i, v := range vals {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			buf = appendJSON(buf, v, r.cols[i].typ)
		}
		buf = append(buf, '}')
		if nd {
			buf = append(buf, '\n')
		}
		_, err := r.w.Write(buf)
		return err
	})
	if !nd {
		if n > 0 {
			r.w.WriteString("\n")
		}
		r.w.WriteString("]\n")
	}
	return Stats{Rows: n, Shown: n}, err
}

// sanitize makes a cell safe and single-line for a terminal: newlines become
// ↵, tabs spaces, and other control characters (ESC included, so data cannot
// drive the terminal) U+FFFD.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return '↵'
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return '\uFFFD'
		}
		return r
	}, s)
}

// cell is one formatted table cell.
type cell struct {
	s    string
	null bool
}

func (r *renderer) dim(s string) string {
	if r.o.Terminal {
		return "\x1b[2m" + s + "\x1b[0m"
	}
	return s
}

func (r *renderer) line() (Stats, error) {
	to := textOpts{null: r.nullText(DefaultNull)}
	nameW := 0
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = sanitize(c.name)
		nameW = max(nameW, widthCond.StringWidth(names[i]))
	}
	shown := 0
	n, err := r.each(r.o.MaxRows, func(n int, vals []any) error {
		cells := make([]cell, len(vals))
		for i, v := range vals {
			cells[i] = cell{s: sanitize(formatText(v, r.cols[i].typ, to)), null: v == nil}
		}
		r.writeLineRow(n, names, nameW, cells)
		shown++
		return nil
	})
	r.moreNote(n, shown, false)
	return Stats{Rows: n, Shown: shown}, err
}

func (r *renderer) writeLineRow(n int, names []string, nameW int, cells []cell) {
	if n > 0 {
		r.w.WriteString("\n")
	}
	for i, c := range cells {
		r.w.WriteString(strings.Repeat(" ", nameW-widthCond.StringWidth(names[i])))
		r.w.WriteString(names[i])
		r.w.WriteString(" = ")
		if c.null {
			r.w.WriteString(r.dim(c.s))
		} else {
			r.w.WriteString(c.s)
		}
		r.w.WriteString("\n")
	}
}

func (r *renderer) moreNote(n, shown int, blank bool) {
	if n <= shown {
		return
	}
	if blank {
		r.w.WriteString("\n")
	}
	more := n - shown
	unit := "rows"
	if more == 1 {
		unit = "row"
	}
	fmt.Fprintf(r.w, "… %s more %s", Group(fmt.Sprint(more)), unit)
	if r.o.MoreHint != "" {
		fmt.Fprintf(r.w, " (%s)", r.o.MoreHint)
	}
	r.w.WriteString("\n")
}

func (r *renderer) table(md bool) (Stats, error) {
	if len(r.cols) == 0 {
		n, err := r.each(-1, nil)
		return Stats{Rows: n, Shown: 0}, err
	}
	to := textOpts{null: r.nullText(DefaultNull), thousands: !md}
	plain := to
	plain.thousands = false
	esc := sanitize
	if md {
		esc = mdEscape
	}
	// Port aliases (p, sp, dp) are codes only when every value shown is a port number.
	aliasPorts := make([]bool, len(r.cols))
	for i, c := range r.cols {
		aliasPorts[i] = c.numeric && c.num == numPortAlias
	}
	var buf [][]cell
	n, err := r.each(r.o.MaxRows, func(n int, vals []any) error {
		cells := make([]cell, len(vals))
		for i, v := range vals {
			c := r.cols[i]
			o := to
			switch {
			case !c.numeric || md:
			case c.num == numCode || c.num == numPortAlias:
				o = plain
				if c.num == numPortAlias && v != nil && !isPortNumber(v) {
					aliasPorts[i] = false
				}
			case c.num == numBytes:
				if s, ok := humanBytes(v); ok {
					cells[i] = cell{s: s}
					continue
				}
			}
			cells[i] = cell{s: esc(formatText(v, c.typ, o)), null: v == nil}
		}
		buf = append(buf, cells)
		return nil
	})
	if err != nil {
		return Stats{Rows: n, Shown: 0}, err
	}
	for i, c := range r.cols {
		if c.numeric && c.num == numPortAlias && !aliasPorts[i] && !md {
			for _, cells := range buf {
				if !cells[i].null {
					cells[i].s = Group(cells[i].s)
				}
			}
		}
	}
	heads := make([]string, len(r.cols))
	for i, c := range r.cols {
		heads[i] = esc(c.name)
	}
	if md {
		r.writeMarkdown(heads, buf)
		r.moreNote(n, len(buf), true)
		return Stats{Rows: n, Shown: len(buf)}, nil
	}
	widths, classes, ok := r.fitWidths(heads, buf)
	if !ok {
		// Too wide even with truncated cells: line mode reads better than a wrapped table.
		nameW := 0
		for _, h := range heads {
			nameW = max(nameW, widthCond.StringWidth(h))
		}
		for i, cells := range buf {
			r.writeLineRow(i, heads, nameW, cells)
		}
	} else {
		r.writeBox(heads, buf, widths, classes)
	}
	r.moreNote(n, len(buf), false)
	return Stats{Rows: n, Shown: len(buf)}, nil
}

// naturalWidths are the display widths of each column's widest cell or header, at least least.
func naturalWidths(heads []string, rows [][]cell, least int) []int {
	w := make([]int, len(heads))
	for i, h := range heads {
		w[i] = max(least, widthCond.StringWidth(h))
	}
	for _, cells := range rows {
		for i, c := range cells {
			w[i] = max(w[i], widthCond.StringWidth(c.s))
		}
	}
	return w
}

type boxChars struct {
	h, v       string
	tl, tm, tr string
	ml, mm, mr string
	bl, bm, br string
}

var (
	unicodeBox = boxChars{"─", "│", "┌", "┬", "┐", "├", "┼", "┤", "└", "┴", "┘"}
	asciiBox   = boxChars{"-", "|", "+", "+", "+", "+", "+", "+", "+", "+", "+"}
)

func (r *renderer) writeBox(heads []string, rows [][]cell, widths []int, classes []fitClass) {
	bc := unicodeBox
	if r.o.ASCII {
		bc = asciiBox
	}
	rule := func(l, m, rt string) {
		r.w.WriteString(l)
		for i, w := range widths {
			if i > 0 {
				r.w.WriteString(m)
			}
			r.w.WriteString(strings.Repeat(bc.h, w+2))
		}
		r.w.WriteString(rt + "\n")
	}
	row := func(cells []cell, head bool) {
		r.w.WriteString(bc.v)
		for i, c := range cells {
			class := classes[i]
			if head {
				class = fitFree
			}
			s := cutCell(c.s, widths[i], class)
			pad := strings.Repeat(" ", widths[i]-widthCond.StringWidth(s))
			if c.null {
				s = r.dim(s)
			}
			r.w.WriteString(" ")
			if r.cols[i].numeric {
				r.w.WriteString(pad + s)
			} else {
				r.w.WriteString(s + pad)
			}
			r.w.WriteString(" " + bc.v)
		}
		r.w.WriteString("\n")
	}
	rule(bc.tl, bc.tm, bc.tr)
	hc := make([]cell, len(heads))
	for i, h := range heads {
		hc[i] = cell{s: h}
	}
	row(hc, true)
	rule(bc.ml, bc.mm, bc.mr)
	for _, cells := range rows {
		row(cells, false)
	}
	rule(bc.bl, bc.bm, bc.br)
}

// mdEscape keeps a value inside one GitHub-flavoured Markdown table cell.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\n", "<br>")
	return sanitize(s)
}

func (r *renderer) writeMarkdown(heads []string, rows [][]cell) {
	widths := naturalWidths(heads, rows, 3) // Markdown's separator row needs "---"
	row := func(cells []string) {
		r.w.WriteString("|")
		for i, s := range cells {
			pad := strings.Repeat(" ", widths[i]-widthCond.StringWidth(s))
			if r.cols[i].numeric {
				r.w.WriteString(" " + pad + s + " |")
			} else {
				r.w.WriteString(" " + s + pad + " |")
			}
		}
		r.w.WriteString("\n")
	}
	row(heads)
	r.w.WriteString("|")
	for i, w := range widths {
		if r.cols[i].numeric {
			r.w.WriteString(" " + strings.Repeat("-", w-1) + ": |")
		} else {
			r.w.WriteString(" " + strings.Repeat("-", w) + " |")
		}
	}
	r.w.WriteString("\n")
	line := make([]string, len(heads))
	for _, cells := range rows {
		for i, c := range cells {
			line[i] = c.s
		}
		row(line)
	}
}

// Footer summarises a result for display under it: "(3 rows, 12.3 ms)", or
// "(1,204 rows, 40 shown, 1.52 s)" when capped.
func Footer(st Stats, elapsed time.Duration) string {
	unit := "rows"
	if st.Rows == 1 {
		unit = "row"
	}
	s := fmt.Sprintf("(%s %s", Group(fmt.Sprint(st.Rows)), unit)
	if st.Truncated {
		s += fmt.Sprintf(", %s shown", Group(fmt.Sprint(st.Shown)))
	}
	return s + ", " + FormatElapsed(elapsed) + ")"
}

// FormatElapsed prints a duration the way people read query times: 0.42 ms,
// 12.3 ms, 1.52 s, 2m03s.
func FormatElapsed(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.2f ms", ms)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", ms)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", ms)
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// IsCodeColumn reports whether a column holds numbers that are codes rather than quantities
// (ports, protocol numbers, flags, ids, years) or Unix times (start, end, *time, *_ts): "8,080"
// and "1,793,491,848" would misread them, so they are never grouped with thousands separators.
func IsCodeColumn(name string) bool {
	n := strings.ToLower(name)
	for _, part := range []string{"port", "protocol", "proto", "version", "flags", "traffic_path", "year", "_id", "account"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return n == "id" || isTimeName(nameWords(name))
}
