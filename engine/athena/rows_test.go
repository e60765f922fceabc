package athena

import (
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/duckdb/duckdb-go/v2"
)

func TestConvertAthenaText(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ, text string
		prec, scl int32
		duck      string
		want      any
	}{
		{"integer", "-7", 0, 0, "INTEGER", int64(-7)},
		{"bigint", "9007199254740993", 0, 0, "BIGINT", int64(9007199254740993)},
		{"double", "Infinity", 0, 0, "DOUBLE", math.Inf(1)},
		{"real", "1.5", 0, 0, "FLOAT", float32(1.5)},
		{"boolean", "false", 0, 0, "BOOLEAN", false},
		{"date", "2026-02-28", 0, 0, "DATE", time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)},
		{"timestamp", "2026-02-28 23:59:59.123", 0, 0, "TIMESTAMP", time.Date(2026, 2, 28, 23, 59, 59, 123e6, time.UTC)},
		{"timestamp with time zone", "2026-02-28 10:00:00.000 Europe/Paris", 0, 0, "TIMESTAMPTZ", time.Date(2026, 2, 28, 10, 0, 0, 0, paris)},
		{"timestamp with time zone", "2026-02-28 10:00:00.000 +05:30", 0, 0, "TIMESTAMPTZ", time.Date(2026, 2, 28, 4, 30, 0, 0, time.UTC)},
		{"varchar", "10.0.0.1", 0, 0, "VARCHAR", "10.0.0.1"},
		{"array(integer)", "[1, 2]", 0, 0, "VARCHAR", "[1, 2]"},
		{"ipaddress", "2001:db8::1", 0, 0, "VARCHAR", "2001:db8::1"},
	} {
		ci := types.ColumnInfo{Name: aws.String("c"), Type: aws.String(tc.typ), Precision: tc.prec, Scale: tc.scl}
		col := Column{Name: "c", AthenaType: tc.typ, DuckType: duckType(ci), Precision: tc.prec, Scale: tc.scl}
		if col.DuckType != tc.duck {
			t.Errorf("%s: DuckDB type %s, want %s", tc.typ, col.DuckType, tc.duck)
		}
		got, err := convert(aws.String(tc.text), col)
		if err != nil {
			t.Errorf("%s %q: %v", tc.typ, tc.text, err)
			continue
		}
		if gt, ok := got.(time.Time); ok {
			if !gt.Equal(tc.want.(time.Time)) {
				t.Errorf("%s %q = %v, want %v", tc.typ, tc.text, gt, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s %q = %#v, want %#v", tc.typ, tc.text, got, tc.want)
		}
	}

	dec := Column{Name: "d", DuckType: "DECIMAL(10,2)", Precision: 10, Scale: 2}
	for text, want := range map[string]int64{"12.5": 1250, "-0.05": -5, "100": 10000} {
		got, err := convert(aws.String(text), dec)
		if err != nil {
			t.Fatal(err)
		}
		d := got.(duckdb.Decimal)
		if d.Scale != 2 || d.Width != 10 || d.Value.Int64() != want {
			t.Errorf("decimal %q = %+v, want %d at scale 2", text, d, want)
		}
	}
	if v, err := convert(nil, dec); v != nil || err != nil {
		t.Errorf("NULL = %v, %v", v, err)
	}
	for _, bad := range []struct {
		col  Column
		text string
	}{{Column{DuckType: "BIGINT"}, "1.5"}, {dec, "1.234"}, {Column{DuckType: "TIMESTAMPTZ"}, "2026-01-01 00:00:00"}, {Column{DuckType: "DATE"}, "01/02/2026"}} {
		if _, err := convert(aws.String(bad.text), bad.col); err == nil {
			t.Errorf("%s %q: no error", bad.col.DuckType, bad.text)
		}
	}
}
