package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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

// rowWriter normalises records into the spool: one tab-separated row per record, with every
// known column in table order, then the group's unknown columns, then date and _source.
// Missing values are \N; "-" is \N in numeric columns and kept in text columns (Athena's reading).
type rowWriter struct {
	w        *bufio.Writer
	unknown  []string // unknown columns of the group, in spool order
	sourceID int64
	key      flowlog.Key
	hasKey   bool
	plan     []int // spool column -> header index, or -1
	header   flowlog.Header
	iStart   int
	iAcct    int
	iRegion  int
	fallback string // date when neither the key nor start gives one
}

func (rw *rowWriter) setHeader(h flowlog.Header) error {
	known := flowlog.KnownFields()
	plan := make([]int, 0, len(known)+len(rw.unknown))
	for _, f := range known {
		plan = append(plan, h.Index(f.Column))
	}
	for _, u := range rw.unknown {
		plan = append(plan, h.Index(u))
	}
	for _, f := range h.Fields {
		if f.Unknown && !contains(rw.unknown, f.Column) {
			return fmt.Errorf("header field %q differs from the file's first header", f.Name)
		}
	}
	rw.plan, rw.header = plan, h
	rw.iStart = h.Index("start")
	rw.iAcct = h.Index("account_id")
	rw.iRegion = h.Index("region")
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

var knownTypes = func() []flowlog.Type {
	k := flowlog.KnownFields()
	t := make([]flowlog.Type, len(k))
	for i, f := range k {
		t[i] = f.Type
	}
	return t
}()

// write emits one checked record.
func (rw *rowWriter) write(vals [][]byte) {
	w := rw.w
	nKnown := len(knownTypes)
	for c, hi := range rw.plan {
		if c > 0 {
			w.WriteByte('\t')
		}
		if hi < 0 {
			// Fill account and region from the key layout when the record lacks them.
			if rw.hasKey && c < nKnown {
				switch c {
				case acctCol:
					w.WriteString(rw.key.Account)
					continue
				case regionCol:
					w.WriteString(rw.key.Region)
					continue
				}
			}
			w.WriteString(`\N`)
			continue
		}
		v := vals[hi]
		if len(v) == 1 && v[0] == '-' && (c < nKnown && knownTypes[c] != flowlog.String) {
			w.WriteString(`\N`)
			continue
		}
		w.Write(v)
	}
	w.WriteByte('\t')
	w.WriteString(rw.date(vals))
	w.WriteByte('\t')
	w.WriteString(strconv.FormatInt(rw.sourceID, 10))
	w.WriteByte('\n')
}

var acctCol, regionCol = func() (int, int) {
	a, r := -1, -1
	for i, f := range flowlog.KnownFields() {
		switch f.Column {
		case "account_id":
			a = i
		case "region":
			r = i
		}
	}
	return a, r
}()

// date is the partition date: the key's date, else the UTC date of start.
func (rw *rowWriter) date(vals [][]byte) string {
	if rw.hasKey {
		return rw.key.Date.Format("2006-01-02")
	}
	if rw.iStart >= 0 {
		if s, err := strconv.ParseInt(string(vals[rw.iStart]), 10, 64); err == nil {
			return time.Unix(s, 0).UTC().Format("2006-01-02")
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
				vals = flowlog.SplitFields(line, vals[:0])
				if len(vals) == 0 {
					break // blank line
				}
				// Only a line starting with a field name can be a header repeated mid-file.
				if flowlog.IsKnownName(vals[0]) && flowlog.LooksLikeHeader(line) {
					h, herr := flowlog.ParseHeader(string(bytes.TrimRight(line, "\r\n")))
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
				if cerr := rw.header.Check(vals); cerr != nil {
					reject(n, cerr.Error(), line)
					break
				}
				rw.write(vals)
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
