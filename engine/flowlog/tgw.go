package flowlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LogType says which table a delivery's records belong to: VPC flow logs and transit gateway
// flow logs are two log types with different field lists, kept in two tables.
type LogType int

const (
	VPC            LogType = iota // VPC, subnet or ENI flow logs: vpc_flow_logs
	TransitGateway                // transit gateway or attachment flow logs: transit_gateway_flow_logs
)

// Table names as Athena users name them.
const (
	VPCTable = "vpc_flow_logs"
	TGWTable = "transit_gateway_flow_logs"
)

func (t LogType) String() string {
	if t == TransitGateway {
		return "transit-gateway"
	}
	return "vpc"
}

// Table returns the table the log type's records load into.
func (t LogType) Table() string {
	if t == TransitGateway {
		return TGWTable
	}
	return VPCTable
}

// tgwKnown is every field of a transit gateway flow log record, in the order of AWS's table of
// available fields, which is also the order of the default format (all version 2-6 fields).
// Types are the Parquet types AWS documents for each field (INT_32 → int, INT_64 → bigint),
// which are the Athena types users give the text columns.
var tgwKnown = []Field{
	{Name: "version", Type: Int, Version: 2},
	{Name: "resource-type", Type: String, Version: 6},
	{Name: "account-id", Type: String, Version: 2},
	{Name: "tgw-id", Type: String, Version: 6},
	{Name: "tgw-attachment-id", Type: String, Version: 6},
	{Name: "tgw-src-vpc-account-id", Type: String, Version: 6},
	{Name: "tgw-dst-vpc-account-id", Type: String, Version: 6},
	{Name: "tgw-src-vpc-id", Type: String, Version: 6},
	{Name: "tgw-dst-vpc-id", Type: String, Version: 6},
	{Name: "tgw-src-subnet-id", Type: String, Version: 6},
	{Name: "tgw-dst-subnet-id", Type: String, Version: 6},
	{Name: "tgw-src-eni", Type: String, Version: 6},
	{Name: "tgw-dst-eni", Type: String, Version: 6},
	{Name: "tgw-src-az-id", Type: String, Version: 6},
	{Name: "tgw-dst-az-id", Type: String, Version: 6},
	{Name: "tgw-pair-attachment-id", Type: String, Version: 6},
	{Name: "srcaddr", Type: String, Version: 2},
	{Name: "dstaddr", Type: String, Version: 2},
	{Name: "srcport", Type: Int, Version: 2},
	{Name: "dstport", Type: Int, Version: 2},
	{Name: "protocol", Type: BigInt, Version: 2},
	{Name: "packets", Type: BigInt, Version: 2},
	{Name: "bytes", Type: BigInt, Version: 2},
	{Name: "start", Type: BigInt, Version: 2},
	{Name: "end", Type: BigInt, Version: 2},
	{Name: "log-status", Type: String, Version: 2},
	{Name: "type", Type: String, Version: 3},
	{Name: "packets-lost-no-route", Type: BigInt, Version: 6},
	{Name: "packets-lost-blackhole", Type: BigInt, Version: 6},
	{Name: "packets-lost-mtu-exceeded", Type: BigInt, Version: 6},
	{Name: "packets-lost-ttl-expired", Type: BigInt, Version: 6},
	{Name: "tcp-flags", Type: Int, Version: 3},
	{Name: "region", Type: String, Version: 4},
	{Name: "flow-direction", Type: String, Version: 5},
	{Name: "pkt-src-aws-service", Type: String, Version: 5},
	{Name: "pkt-dst-aws-service", Type: String, Version: 5},
}

// tgwByName indexes tgwKnown by header name and by column name.
var tgwByName = func() map[string]int {
	m := make(map[string]int, 2*len(tgwKnown))
	for i := range tgwKnown {
		tgwKnown[i].Column = ColumnName(tgwKnown[i].Name)
		m[tgwKnown[i].Name] = i
		m[tgwKnown[i].Column] = i
	}
	return m
}()

// TGWFields returns a copy of the transit gateway fields in table order: the columns of
// transit_gateway_flow_logs before its "date" partition.
func TGWFields() []Field { return append([]Field(nil), tgwKnown...) }

// LookupTGW finds a transit gateway field by header name ("packets-lost-no-route") or column
// name ("packets_lost_no_route").
func LookupTGW(name string) (Field, bool) {
	if i, ok := tgwByName[name]; ok {
		return tgwKnown[i], true
	}
	return Field{}, false
}

// IsTGWOnly reports whether a header or column name is a field only transit gateway records
// carry (resource-type, tgw-*, packets-lost-*): one of them makes a header a transit gateway one.
func IsTGWOnly(name string) bool {
	f, ok := LookupTGW(name)
	return ok && f.Version == 6
}

// isVPCOnly reports whether a name is a known VPC field that transit gateway records never
// carry (interface-id, action, vpc-id, …).
func isVPCOnly(name string) bool {
	if _, ok := LookupTGW(name); ok {
		return false
	}
	_, ok := Lookup(name)
	return ok
}

// TGWDefaultHeader is the transit gateway default format: every field, in AWS's order. Records
// in CloudWatch Logs carry no header, so a stream of a default-format flow log is read with it.
func TGWDefaultHeader() Header { return Header{Fields: TGWFields()} }

// ClassifyNames decides the log type of a header's field names (header names or Parquet
// column names): any transit-gateway-only field makes it a transit gateway header, even when
// the common fields (srcaddr, bytes, …) are there too, so no such file goes half into
// vpc_flow_logs.
func ClassifyNames(names []string) LogType {
	for _, n := range names {
		if IsTGWOnly(n) {
			return TransitGateway
		}
	}
	return VPC
}

// Classify decides the log type of a parsed header (see ClassifyNames).
func Classify(h Header) LogType {
	for _, f := range h.Fields {
		if IsTGWOnly(f.Name) {
			return TransitGateway
		}
	}
	return VPC
}

// ClassifyDelivery decides a delivery's log type from its header and its name (an S3 key, a
// file path or a CloudWatch Logs stream name). The header decides when it carries a field of
// one log type only; a custom format of common fields alone (srcaddr dstaddr bytes …) is a
// transit gateway one when the name carries a transit gateway resource id (see TGWResource),
// else a VPC one.
func ClassifyDelivery(h Header, name string) LogType {
	if Classify(h) == TransitGateway {
		return TransitGateway
	}
	for _, f := range h.Fields {
		if isVPCOnly(f.Name) {
			return VPC
		}
	}
	if _, ok := TGWResource(name); ok {
		return TransitGateway
	}
	return VPC
}

// ParseTGWHeader parses a transit gateway header line with the transit gateway field types.
// A name that is no transit gateway field (a VPC-only field, or one AWS added later) becomes a
// text column marked Unknown, as in ParseHeader; a repeated field is an error.
func ParseTGWHeader(line string) (Header, error) {
	return parseHeaderWith(line, LookupTGW)
}

// ParseAnyHeader parses a header line of either log type and says which it is: the header
// with the field types of its own table.
func ParseAnyHeader(line string) (Header, LogType, error) {
	toks := SplitFields([]byte(line), nil)
	names := make([]string, len(toks))
	for i, t := range toks {
		names[i] = string(t)
	}
	if ClassifyNames(names) == TransitGateway {
		h, err := ParseTGWHeader(line)
		return h, TransitGateway, err
	}
	h, err := ParseHeader(line)
	return h, VPC, err
}

func parseHeaderWith(line string, lookup func(string) (Field, bool)) (Header, error) {
	toks := SplitFields([]byte(line), nil)
	if len(toks) == 0 {
		return Header{}, fmt.Errorf("empty header line")
	}
	h := Header{Fields: make([]Field, 0, len(toks))}
	seen := make(map[string]bool, len(toks))
	for _, t := range toks {
		name := string(t)
		if !validName(name) {
			return Header{}, fmt.Errorf("invalid field name %q in header", name)
		}
		f, ok := lookup(name)
		if !ok {
			f = Field{Name: name, Column: ColumnName(name), Type: String, Unknown: true}
		}
		if seen[f.Column] {
			return Header{}, fmt.Errorf("field %q appears twice in header", name)
		}
		seen[f.Column] = true
		h.Fields = append(h.Fields, f)
	}
	return h, nil
}

// LooksLikeAnyHeader reports whether a line is a header line of either log type: every token
// a field name, at least one of them a known VPC or transit gateway field. LooksLikeHeader
// (VPC only) refuses a header of transit-gateway-only fields.
func LooksLikeAnyHeader(line []byte) bool {
	toks := SplitFields(line, nil)
	if len(toks) == 0 {
		return false
	}
	anyKnown := false
	for _, t := range toks {
		s := string(t)
		if !validName(s) {
			return false
		}
		if _, ok := Lookup(s); ok {
			anyKnown = true
		} else if _, ok := LookupTGW(s); ok {
			anyKnown = true
		}
	}
	return anyKnown
}

// TGWResource finds a transit gateway or transit gateway attachment id ("tgw-0123abcd…",
// "tgw-attach-0123abcd…": 8 or 17 hex digits) in a name: a CloudWatch Logs stream (AWS gives
// each transit gateway its own stream in the log group), a file path or an S3 key whose prefix
// names the resource. AWS's S3 file names carry the flow-log id (fl-…), not the resource, so
// the header stays the first witness. The last id in the name wins (file name over folders).
func TGWResource(name string) (string, bool) {
	found := ""
	for i := 0; i+4 <= len(name); i++ {
		if name[i:i+4] != "tgw-" || (i > 0 && isIDByte(name[i-1])) {
			continue
		}
		j := i + 4
		if strings.HasPrefix(name[j:], "attach-") {
			j += len("attach-")
		}
		k := j
		for k < len(name) && isHex(name[k]) {
			k++
		}
		if n := k - j; (n == 8 || n == 17) && (k == len(name) || !isIDByte(name[k])) {
			found = name[i:k]
		}
	}
	return found, found != ""
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

// isIDByte: characters that continue an id, so "xtgw-…" or "tgw-0123abcdz" are no ids.
func isIDByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-'
}

// ParseTGWKey is ParseKey for transit gateway deliveries. They use the VPC key layouts
// (AWSLogs/ACCOUNT/vpcflowlogs/REGION/…); AWS's transit gateway guide spells the Hive service
// folder "service=vpcflowlogs" where the VPC guide has "aws-service=vpcflowlogs", so both are
// accepted.
func ParseTGWKey(key string) (Key, bool) {
	if k, ok := ParseKey(key); ok {
		return k, true
	}
	if strings.Contains(key, "/service=vpcflowlogs/") {
		return ParseKey(strings.Replace(key, "/service=vpcflowlogs/", "/aws-service=vpcflowlogs/", 1))
	}
	return Key{}, false
}

// LineError is a rejected line of a delivery: file, 1-based line number and why.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// CheckResult is what CheckDelivery found in one delivery.
type CheckResult struct {
	Header  Header
	Type    LogType
	Records int          // lines that passed
	Errors  []*LineError // one per rejected line, in file order
}

// CheckDelivery reads one text delivery (decompressed): a header line of either log type, or
// none (then the VPC default format), then records, each checked with the header's ParseLine;
// name is the file or key, used in errors and to classify a header of common fields only.
// A line that is neither a header nor a record of the default format is a *LineError for line 1;
// read failures are returned as errors naming the file.
func CheckDelivery(name string, r io.Reader) (CheckResult, error) {
	var res CheckResult
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var vals [][]byte
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
			if LooksLikeAnyHeader(line) {
				h, typ, err := ParseAnyHeader(string(line))
				if err != nil {
					return res, &LineError{File: name, Line: 1, Err: err}
				}
				if typ == VPC && ClassifyDelivery(h, name) == TransitGateway {
					if h, err = ParseTGWHeader(string(line)); err != nil {
						return res, &LineError{File: name, Line: 1, Err: err}
					}
					typ = TransitGateway
				}
				res.Header, res.Type = h, typ
				continue
			}
			res.Header, res.Type = DefaultHeader(), VPC
			if _, err := res.Header.ParseLine(line, nil); err != nil {
				return res, &LineError{File: name, Line: 1, Err: fmt.Errorf("not a flow-log header or default-format record: %w", err)}
			}
		}
		var err error
		vals, err = res.Header.ParseLine(line, vals[:0])
		if len(vals) == 0 {
			continue // blank line
		}
		if err != nil {
			res.Errors = append(res.Errors, &LineError{File: name, Line: n, Err: err})
			continue
		}
		res.Records++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return res, fmt.Errorf("%s: after line %d: line longer than 1 MiB", name, n)
		}
		return res, fmt.Errorf("%s: after line %d: %w", name, n, err)
	}
	return res, nil
}
