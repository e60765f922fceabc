package store

import (
	"fmt"

	"github.com/flowq/flowq/engine/flowlog"
)

// A part's own columns besides the records' fields: date, the Hive partition column (its value
// is in the folder name, never in the file), and _source, the ledger id of the row's source. An
// input column with either name would be written into the store as if it were flowq's: a
// Parquet input's _source kept the file's own ids (rows that no replacement could remove), and
// a date column made every query fail with "Hive partition mismatch". Such input columns are
// renamed with inputPrefix; flowq alone identifies a source's rows.
const inputPrefix = "input_"

// reservedColumn reports whether col is one of flowq's own part columns.
func reservedColumn(col string) bool { return col == "date" || col == "_source" }

// maxUnknownFields bounds the unknown fields of a header (each becomes a text column): a header
// with 400 of them ran the loader's DuckDB out of memory and failed the whole load on every
// retry. AWS's fields number under 60 and a custom format lists each at most once, so 64 leaves
// room for fields AWS adds; a wider header fails its file alone.
const maxUnknownFields = 64

// storeHeader checks a parsed header for the store: at most maxUnknownFields unknown fields,
// and fields whose column is reserved renamed to inputPrefix+column. A renamed column the
// header already has is an error: two columns would share one name.
func storeHeader(h flowlog.Header) (flowlog.Header, error) {
	unknown := 0
	for _, f := range h.Fields {
		if f.Unknown {
			unknown++
		}
	}
	if unknown > maxUnknownFields {
		return flowlog.Header{}, fmt.Errorf("header has %d unknown fields; at most %d are loaded", unknown, maxUnknownFields)
	}
	var out flowlog.Header
	for _, f := range h.Fields {
		if reservedColumn(f.Column) {
			if _, known := flowlog.Lookup(f.Column); known {
				return flowlog.Header{}, fmt.Errorf("field %q is a known field and a reserved column", f.Name)
			}
			if h.Has(inputPrefix + f.Column) {
				return flowlog.Header{}, fmt.Errorf("column %q is reserved by flowq and its replacement name %q is taken", f.Column, inputPrefix+f.Column)
			}
			f.Column = inputPrefix + f.Column
		}
		out.Fields = append(out.Fields, f)
	}
	return out, nil
}
