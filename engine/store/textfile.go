package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
	"github.com/klauspost/compress/gzip"
)

// maxLine is the longest record line accepted; longer lines are rejected, not buffered.
const maxLine = 64 << 10

// maxErrorsPerFile caps the rejected lines kept per file; the rest are only counted.
const maxErrorsPerFile = 100

// LineError is one rejected line of a source file.
type LineError struct {
	File   string
	Line   int64
	Reason string
	Raw    string
}

func (e LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// fileResult is what parsing one text file produced.
type fileResult struct {
	Rows     int64
	Rejected int64
	Errors   []LineError // capped at maxErrorsPerFile
	Fatal    error       // the file could not be read to its end (corrupt gzip, I/O error)
	Header   string
}

// groupColumns is the column set of a file's Parquet part: the known columns its header has
// (in table order), account_id and region (filled from the key when absent), then its unknown
// columns (sorted). Files with the same set are loaded together.
func groupColumns(h flowlog.Header) []string {
	var cols []string
	for _, f := range flowlog.KnownFields() {
		if h.Has(f.Column) || f.Column == "account_id" || f.Column == "region" {
			cols = append(cols, f.Column)
		}
	}
	var unknown []string
	for _, f := range h.Fields {
		if f.Unknown {
			unknown = append(unknown, f.Column)
		}
	}
	sort.Strings(unknown)
	return append(cols, unknown...)
}

// columnType is the DuckDB type of a part column.
func columnType(col string) flowlog.Type {
	if f, ok := flowlog.Lookup(col); ok {
		return f.Type
	}
	// The fields both log types have, have one type in both.
	if f, ok := flowlog.LookupTGW(col); ok {
		return f.Type
	}
	return flowlog.String
}

// spoolSet hands out one spool writer per part to be; a worker owns one set per group.
type spoolSet interface {
	// writer returns the spool of a part, noting that source writes rows into it.
	writer(k spoolKey, source int64) (*bufio.Writer, error)
}

// spoolKey is a part and a cluster within it. Each cluster has its own spool, so the part's
// row groups mostly hold one cluster and their min/max statistics let DuckDB skip the others:
// TCP to a service port (< 1024), other TCP, UDP, and the rest (ICMP, ...). On the benchmark's
// day, dstport = 443 then reads the 25% of row groups holding TCP service traffic, and
// protocol = 17 the 4% holding UDP.
type spoolKey struct {
	partKey
	cluster uint8
}

// cluster picks a record's cluster from its checked protocol and dstport fields.
func cluster(protocol, dstport []byte) uint8 {
	switch string(protocol) {
	case "6":
		if servicePort(dstport) {
			return 0
		}
		return 1
	case "17":
		return 2
	}
	return 3
}

// servicePort reports whether a checked port field (digits, or "-") is below 1024. A port
// written with leading zeros lands in the wrong cluster, which only costs skipping.
func servicePort(p []byte) bool {
	if len(p) == 0 || p[0] == '-' {
		return false
	}
	return len(p) < 4 || (len(p) == 4 && string(p) < "1024")
}

// partKey says which part a record goes to: its partition date, and whether it was ACCEPTed.
// ACCEPTed records and the rest (REJECT, NODATA, SKIPDATA) go to separate parts, so the row
// groups of each carry action statistics that let a query for REJECTs skip every ACCEPT row
// group: rejected-traffic on 10 M records read 10 M rows for 151 k REJECTs before. The split
// costs nothing at load time (the spool is chosen per record) and needs no sort.
type partKey struct {
	date  string
	other bool // not ACCEPT: REJECT, "-" (NODATA/SKIPDATA), or no action field
}

// suffix is added to a part's file name: "" for ACCEPT, "_o" for the others.
func (k partKey) suffix() string {
	if k.other {
		return "_o"
	}
	return ""
}

// rowWriter normalises records into spools: one tab-separated row per record with the group's
// columns, then _source. Missing values are empty (NULL to read_csv: a checked value is never
// empty, so a text value such as \N stays text); "-" is NULL in numeric columns and kept in text
// columns (Athena's reading of the text files). Each row goes to the spool of its date.
type rowWriter struct {
	spools   spoolSet
	cols     []string // the group's columns
	numeric  []bool   // per column
	id       int64    // the source's ledger id
	sourceID string   // the id as text, written on every row
	key      flowlog.Key
	hasKey   bool
	typ      flowlog.LogType // the file's log type, for headers repeated mid-file
	plan     []int           // column -> header index, or -1
	header   flowlog.Header
	iStart   int
	iAction  int
	iProto   int
	iDstPort int
	keyDate  string // the key's date, formatted once rather than per record
	// The last start day seen (Unix days) and its date, for files without a key.
	startDay  int64
	startDate string
	fallback  string // date when neither the key nor start gives one

	// The spools of the last date seen, by [other][cluster]: records alternate between
	// clusters, and this spares a map lookup (hashing the date) per record.
	cacheDate string
	cache     [2][4]*bufio.Writer
	buf       []byte // the row being built
}

func newRowWriter(spools spoolSet, cols []string, sourceID int64, key flowlog.Key, hasKey bool) *rowWriter {
	rw := &rowWriter{spools: spools, cols: cols, id: sourceID, sourceID: strconv.FormatInt(sourceID, 10), key: key, hasKey: hasKey, fallback: "1970-01-01"}
	if hasKey {
		rw.keyDate = key.Date.Format("2006-01-02")
	}
	rw.numeric = make([]bool, len(cols))
	for i, c := range cols {
		rw.numeric[i] = columnType(c) != flowlog.String
	}
	return rw
}

func (rw *rowWriter) setHeader(h flowlog.Header) error {
	plan := make([]int, len(rw.cols))
	for i, c := range rw.cols {
		plan[i] = h.Index(c)
	}
	for _, f := range h.Fields {
		if !contains(rw.cols, f.Column) {
			return fmt.Errorf("header field %q is not in the file's first header", f.Name)
		}
	}
	rw.plan, rw.header = plan, h
	rw.iStart = h.Index("start")
	rw.iAction = h.Index("action")
	rw.iProto = h.Index("protocol")
	rw.iDstPort = h.Index("dstport")
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// write emits one checked record.
func (rw *rowWriter) write(vals [][]byte) error {
	k := spoolKey{partKey: partKey{date: rw.date(vals), other: rw.iAction < 0 || string(vals[rw.iAction]) != "ACCEPT"}, cluster: 3}
	if rw.iProto >= 0 && rw.iDstPort >= 0 {
		k.cluster = cluster(vals[rw.iProto], vals[rw.iDstPort])
	}
	if k.date != rw.cacheDate {
		rw.cacheDate, rw.cache = k.date, [2][4]*bufio.Writer{}
	}
	o := 0
	if k.other {
		o = 1
	}
	w := rw.cache[o][k.cluster]
	if w == nil {
		var err error
		if w, err = rw.spools.writer(k, rw.id); err != nil {
			return err
		}
		rw.cache[o][k.cluster] = w
	}
	b := rw.buf[:0]
	for c, hi := range rw.plan {
		if c > 0 {
			b = append(b, '\t')
		}
		if hi < 0 {
			// Fill account and region from the key layout when the record lacks them.
			if rw.hasKey {
				switch rw.cols[c] {
				case "account_id":
					b = append(b, rw.key.Account...)
					continue
				case "region":
					b = append(b, rw.key.Region...)
					continue
				}
			}
			continue
		}
		v := vals[hi]
		if len(v) == 1 && v[0] == '-' && rw.numeric[c] {
			continue
		}
		b = append(b, v...)
	}
	b = append(b, '\t')
	b = append(b, rw.sourceID...)
	b = append(b, '\n')
	rw.buf = b
	_, err := w.Write(b)
	return err
}

// date is the partition date: the key's date, else the UTC date of start.
func (rw *rowWriter) date(vals [][]byte) string {
	if rw.hasKey {
		return rw.keyDate
	}
	if rw.iStart >= 0 {
		if s, err := strconv.ParseInt(string(vals[rw.iStart]), 10, 64); err == nil && s >= 0 && s < 253402300800 {
			// Records of a file share a day or two: format a day once, not once per record
			// (as formatting the key's date per record cost ~1.5% of a load).
			if day := s / 86400; day != rw.startDay || rw.startDate == "" {
				rw.startDay, rw.startDate = day, time.Unix(s, 0).UTC().Format("2006-01-02")
			}
			return rw.startDate
		}
	}
	return rw.fallback
}

// lineReader reads lines of any length, returning at most maxLine bytes of each and the full
// length, so a 10 MB line costs no 10 MB buffer.
type lineReader struct {
	r *bufio.Reader
}

func (lr *lineReader) next() (line []byte, full int, err error) {
	var keep []byte
	for {
		chunk, err := lr.r.ReadSlice('\n')
		full += len(chunk)
		if len(keep) < maxLine+1 {
			room := maxLine + 1 - len(keep)
			if len(chunk) < room {
				room = len(chunk)
			}
			if keep == nil && err == nil {
				return chunk, full, nil // common case: whole line in the buffer
			}
			keep = append(keep, chunk[:room]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && full > 0 {
			return keep, full, nil
		}
		return keep, full, err
	}
}

// textReader turns a text delivery, gzip or plain (decided by the gzip magic), into lines. One
// per worker: its buffers and decompressor are reused from file to file.
type textReader struct {
	raw   *bufio.Reader
	gz    *gzip.Reader
	lines lineReader
}

func newTextReader() *textReader {
	return &textReader{raw: bufio.NewReaderSize(nil, 256<<10), lines: lineReader{r: bufio.NewReaderSize(nil, 1<<20)}}
}

// open starts reading r.
func (t *textReader) open(r io.Reader) (*lineReader, error) {
	t.raw.Reset(r)
	magic, _ := t.raw.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		if t.gz == nil {
			t.gz, err = gzip.NewReader(t.raw)
		} else {
			err = t.gz.Reset(t.raw)
		}
		if err != nil {
			t.gz = nil
			return nil, fmt.Errorf("gzip: %w", err)
		}
		t.lines.r.Reset(t.gz)
	} else {
		t.lines.r.Reset(t.raw)
	}
	// A UTF-8 byte order mark (editors on Windows add one) would make the header unreadable
	// and refuse the whole file; it carries no data.
	if b, _ := t.lines.r.Peek(3); string(b) == "\xef\xbb\xbf" {
		_, _ = t.lines.r.Discard(3)
	}
	return &t.lines, nil
}

// parseText streams one text delivery into the spool. Good records are written; bad lines are
// counted and the first maxErrorsPerFile kept. A read error ends the file but keeps what was read.
func parseText(name string, lr *lineReader, rw *rowWriter, first flowlog.Header, hasHeader bool) fileResult {
	var res fileResult
	reject := func(line int64, reason string, raw []byte) {
		res.Rejected++
		if len(res.Errors) < maxErrorsPerFile {
			res.Errors = append(res.Errors, LineError{File: name, Line: line, Reason: reason, Raw: rawText(raw)})
		}
	}
	if err := rw.setHeader(first); err != nil {
		res.Fatal = err
		return res
	}
	res.Header = first.Names()
	firstNames := res.Header
	vals := make([][]byte, 0, 64)
	var n int64
	for {
		line, full, err := lr.next()
		if err != nil && err != io.EOF && len(line) > 0 {
			// The data broke off inside this line: its values may be cut short, so it is
			// rejected rather than trusted.
			n++
			reject(n, "incomplete line where the data broke off", line)
			line = nil
		}
		if len(line) > 0 || (err == nil && full > 0) {
			n++
			switch {
			case full > maxLine:
				reject(n, fmt.Sprintf("line too long (%d bytes)", full), line[:min(len(line), 200)])
			case n == 1 && hasHeader:
				// the header line itself
			default:
				var perr error
				vals, perr = rw.header.ParseLine(line, vals[:0])
				if len(vals) == 0 {
					break // blank line
				}
				// Only a line starting with a field name can be a header repeated mid-file.
				if flowlog.IsKnownAnyName(vals[0]) && flowlog.LooksLikeAnyHeader(line) {
					h, herr := midFileHeader(string(bytes.TrimRight(line, "\r\n")), rw.typ)
					if herr != nil {
						reject(n, "bad header line: "+herr.Error(), line)
						break
					}
					if h.Names() == rw.header.Names() {
						break // header repeated mid-file (concatenated deliveries)
					}
					if serr := rw.setHeader(h); serr != nil {
						reject(n, serr.Error(), line)
						break
					}
					if h.Names() != firstNames {
						res.Header = firstNames + " | " + h.Names()
					}
					break
				}
				if perr != nil {
					reject(n, perr.Error(), line)
					break
				}
				if werr := rw.write(vals); werr != nil {
					res.Fatal = fmt.Errorf("writing spool: %w", werr)
					return res
				}
				res.Rows++
			}
		}
		if err != nil {
			if err != io.EOF {
				res.Fatal = fmt.Errorf("after line %d: %w", n, describeReadErr(err))
			}
			break
		}
	}
	return res
}

func describeReadErr(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("file is truncated (unexpected end of data): %w", err)
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("gzip checksum mismatch, file is corrupt: %w", err)
	case errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("corrupt gzip data: %w", err)
	}
	return err
}

// rawText keeps a rejected line readable: trimmed, capped, and quoted when it holds bytes that
// are not printable UTF-8.
func rawText(b []byte) string {
	b = bytes.TrimRight(b, "\r\n")
	if len(b) > 1024 {
		b = b[:1024]
	}
	s := string(b)
	clean := true
	for _, r := range s {
		if r == '\uFFFD' || r < 0x20 || r == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Trim(strconv.QuoteToASCII(s), `"`)
}

// newSniffReader is a textReader with small buffers, for reading first lines.
func newSniffReader() *textReader {
	return &textReader{raw: bufio.NewReaderSize(nil, 4<<10), lines: lineReader{r: bufio.NewReaderSize(nil, 16<<10)}}
}
