package cost

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/netip"
	"sync"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/flowq/flowq/engine/ipranges"
)

// The cost reports name AWS services and user labels through their own functions, which load
// AWS's IP ranges and labels.csv on first use: registering the IP ranges as a table
// (ipranges.RegisterSQL) takes seconds, and a session that never runs a cost report must not
// pay for it.
//
//	cost_service_name(addr)    'S3', 'DYNAMODB', ... from AWS's IP ranges (NULL: none)
//	cost_service_region(addr)  the range's region ('us-east-1', 'GLOBAL')
//	cost_is_private(addr)      ipranges.IsPrivate; NULL for '-' and non-addresses
//	cost_label(addr)           the name from DATA_DIR/labels.csv (most specific prefix)
func registerFuncs(conn *sql.Conn, dataDir string) error {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return err
	}
	boolean, err := duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	if err != nil {
		return err
	}
	ranges := sync.OnceValues(func() (*ipranges.Ranges, error) { return ipranges.Load(dataDir) })
	labels := sync.OnceValues(func() (*ipranges.Labels, error) { return ipranges.LoadLabels(dataDir, "") })
	service := func(pick func(ipranges.Match) string) func(netip.Addr) (any, error) {
		return func(a netip.Addr) (any, error) {
			r, err := ranges()
			if err != nil {
				return nil, err
			}
			if m, ok := r.Lookup(a); ok {
				return pick(m), nil
			}
			return nil, nil
		}
	}
	funcs := []struct {
		name string
		out  duckdb.TypeInfo
		fn   func(netip.Addr) (any, error)
	}{
		{"cost_service_name", varchar, service(func(m ipranges.Match) string { return m.Service })},
		{"cost_service_region", varchar, service(func(m ipranges.Match) string { return m.Region })},
		{"cost_is_private", boolean, func(a netip.Addr) (any, error) { return ipranges.IsPrivate(a), nil }},
		{"cost_label", varchar, func(a netip.Addr) (any, error) {
			l, err := labels()
			if err != nil {
				return nil, err
			}
			if m, ok := l.Lookup(a); ok {
				return m.Name, nil
			}
			return nil, nil
		}},
	}
	for _, f := range funcs {
		udf := scalarUDF{cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: f.out},
			exec: duckdb.ScalarFuncExecutor{RowExecutor: memo(f.fn)}}
		if err := duckdb.RegisterScalarUDF(conn, f.name, udf); err != nil {
			return fmt.Errorf("cost: registering %s: %w", f.name, err)
		}
	}
	return nil
}

// memo answers text addresses ('-' and garbage give NULL), remembering up to memoSize answers:
// flow records repeat few addresses many times.
func memo(look func(netip.Addr) (any, error)) func([]driver.Value) (any, error) {
	var mu sync.Mutex
	seen := map[string]any{}
	return func(v []driver.Value) (any, error) {
		s, _ := v[0].(string)
		mu.Lock()
		ans, ok := seen[s]
		mu.Unlock()
		if ok {
			return ans, nil
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, nil
		}
		ans, err = look(a)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		if len(seen) >= memoSize {
			clear(seen)
		}
		seen[s] = ans
		mu.Unlock()
		return ans, nil
	}
}

const memoSize = 1 << 16

type scalarUDF struct {
	cfg  duckdb.ScalarFuncConfig
	exec duckdb.ScalarFuncExecutor
}

func (s scalarUDF) Config() duckdb.ScalarFuncConfig     { return s.cfg }
func (s scalarUDF) Executor() duckdb.ScalarFuncExecutor { return s.exec }
