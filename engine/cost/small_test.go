package cost_test

import (
	"os"
	"testing"

	"github.com/flowq/flowq/engine/cost/costtest"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/store/storetest"
)

var small = storetest.NewFixture(flowgen.Small())

func TestMain(m *testing.M) {
	code := m.Run()
	small.Remove()
	os.Exit(code)
}

// Every cost report runs over flowgen's Small data set (three formats, NODATA/SKIPDATA rows,
// background traffic through NAT gateways), every charge is a number of at least 0 and every
// row carries the caveat.
func TestSmallDataSet(t *testing.T) {
	_, st := small.Get(t)
	sess := costtest.Session(t, st)
	for _, name := range []string{"nat-gateway-top-contributors", "cross-az-traffic", "aws-services-via-nat", "internet-egress", "cost-summary"} {
		rows := runQuery(t, sess, name, nil)
		for _, r := range rows {
			if c := num(t, r, "charge"); c < 0 {
				t.Errorf("%s: negative charge %v", name, r)
			}
			if r["caveat"] == nil || r["rate_used"] == nil {
				t.Errorf("%s: no caveat or rate: %v", name, r)
			}
		}
		t.Logf("%s: %d rows", name, len(rows))
	}
}
