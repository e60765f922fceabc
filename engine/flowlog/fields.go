// Package flowlog is the record model of AWS VPC Flow Logs: the known fields and their
// Athena column types, header and record parsing, and the S3 key layouts deliveries use.
package flowlog

import "strings"

// Type is the Athena column type of a field.
type Type int

const (
	String Type = iota // Athena string: a "-" stays "-"
	Int                // Athena int (32-bit): a "-" reads as NULL
	BigInt             // Athena bigint: a "-" reads as NULL
)

// SQL returns the DuckDB type name that matches the Athena type.
func (t Type) SQL() string {
	switch t {
	case Int:
		return "INTEGER"
	case BigInt:
		return "BIGINT"
	default:
		return "VARCHAR"
	}
}

// Athena returns the Athena DDL type name.
func (t Type) Athena() string {
	switch t {
	case Int:
		return "int"
	case BigInt:
		return "bigint"
	default:
		return "string"
	}
}

// Field is one flow-log field: its name in a header line, its column name and type.
type Field struct {
	Name    string // as written in the header line, e.g. "account-id"
	Column  string // column name: "-" replaced with "_", e.g. "account_id"
	Type    Type
	Version int  // format version that introduced the field; 0 for unknown fields
	Unknown bool // not in the known list: kept as a text column
}

// known is the ordered list of fields flowq knows. The first 29 are exactly the columns of the
// Athena table AWS documents (REFERENCE §3), in its order; the rest follow it.
var known = []Field{
	{Name: "version", Type: Int, Version: 2},
	{Name: "account-id", Type: String, Version: 2},
	{Name: "interface-id", Type: String, Version: 2},
	{Name: "srcaddr", Type: String, Version: 2},
	{Name: "dstaddr", Type: String, Version: 2},
	{Name: "srcport", Type: Int, Version: 2},
	{Name: "dstport", Type: Int, Version: 2},
	{Name: "protocol", Type: BigInt, Version: 2},
	{Name: "packets", Type: BigInt, Version: 2},
	{Name: "bytes", Type: BigInt, Version: 2},
	{Name: "start", Type: BigInt, Version: 2},
	{Name: "end", Type: BigInt, Version: 2},
	{Name: "action", Type: String, Version: 2},
	{Name: "log-status", Type: String, Version: 2},
	{Name: "vpc-id", Type: String, Version: 3},
	{Name: "subnet-id", Type: String, Version: 3},
	{Name: "instance-id", Type: String, Version: 3},
	{Name: "tcp-flags", Type: Int, Version: 3},
	{Name: "type", Type: String, Version: 3},
	{Name: "pkt-srcaddr", Type: String, Version: 3},
	{Name: "pkt-dstaddr", Type: String, Version: 3},
	{Name: "region", Type: String, Version: 4},
	{Name: "az-id", Type: String, Version: 4},
	{Name: "sublocation-type", Type: String, Version: 4},
	{Name: "sublocation-id", Type: String, Version: 4},
	{Name: "pkt-src-aws-service", Type: String, Version: 5},
	{Name: "pkt-dst-aws-service", Type: String, Version: 5},
	{Name: "flow-direction", Type: String, Version: 5},
	{Name: "traffic-path", Type: Int, Version: 5},
	{Name: "ecs-cluster-arn", Type: String, Version: 7},
	{Name: "ecs-cluster-name", Type: String, Version: 7},
	{Name: "ecs-container-instance-arn", Type: String, Version: 7},
	{Name: "ecs-container-instance-id", Type: String, Version: 7},
	{Name: "ecs-container-id", Type: String, Version: 7},
	{Name: "ecs-second-container-id", Type: String, Version: 7},
	{Name: "ecs-service-name", Type: String, Version: 7},
	{Name: "ecs-task-definition-arn", Type: String, Version: 7},
	{Name: "ecs-task-arn", Type: String, Version: 7},
	{Name: "ecs-task-id", Type: String, Version: 7},
	{Name: "reject-reason", Type: String, Version: 8},
	{Name: "resource-id", Type: String, Version: 9},
	{Name: "encryption-status", Type: Int, Version: 9},
}

// AthenaColumns is how many leading known fields form the AWS-documented Athena table.
const AthenaColumns = 29

// byName indexes known fields by header name and by column name.
var byName = func() map[string]int {
	m := make(map[string]int, 2*len(known))
	for i := range known {
		known[i].Column = ColumnName(known[i].Name)
		m[known[i].Name] = i
		m[known[i].Column] = i
	}
	return m
}()

// ColumnName turns a header field name into its column name ("-" becomes "_").
func ColumnName(name string) string { return strings.ReplaceAll(name, "-", "_") }

// KnownFields returns a copy of the known fields in table order.
func KnownFields() []Field { return append([]Field(nil), known...) }

// Lookup finds a known field by header name ("log-status") or column name ("log_status").
func Lookup(name string) (Field, bool) {
	if i, ok := byName[name]; ok {
		return known[i], true
	}
	return Field{}, false
}

// IsKnownName reports whether b is a known field's header or column name, without allocating.
func IsKnownName(b []byte) bool {
	_, ok := byName[string(b)]
	return ok
}

// DefaultHeader is the version 2 default format, used for files without a header line.
func DefaultHeader() Header {
	h, _ := ParseHeader("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")
	return h
}
