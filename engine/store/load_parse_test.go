package store

import (
	"testing"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

func TestDeliveryTime(t *testing.T) {
	tests := []struct{ name, want string }{
		{"012345678901_vpcflowlogs_eu-west-1_fl-38211623b4a70fb96_20260115T0030Z_0931e804.log.gz", "20260115T0030Z"},
		{"123456789012_vpcflowlogs_us-east-1_fl-1234567890abcdef0_20251231T2355Z_hash.log", "20251231T2355Z"},
		{"flows.log.gz", ""},
		{"a_2026011XT0030Z_b.log", ""},  // not digits
		{"a_20260115T0030_b.log", ""},   // no Z
		{"a_20260115T0030ZZ_b.log", ""}, // too long
	}
	for _, tc := range tests {
		if got := deliveryTime(tc.name); got != tc.want {
			t.Errorf("deliveryTime(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSortByDelivery checks files are taken by day, then delivery time, then path, whatever
// the account or flow log in front of the time.
func TestSortByDelivery(t *testing.T) {
	day := func(d int) flowlog.Key { return flowlog.Key{Date: time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC)} }
	mk := func(path string, d int) *candidate {
		c := &candidate{path: path}
		if d > 0 {
			c.key, c.hasKey = day(d), true
		}
		return c
	}
	files := []*candidate{
		mk("/m/999999999999_vpcflowlogs_us-east-1_fl-b_20260115T1000Z_x.log.gz", 15),
		mk("/m/111111111111_vpcflowlogs_us-east-1_fl-a_20260115T1030Z_x.log.gz", 15),
		mk("/m/111111111111_vpcflowlogs_us-east-1_fl-a_20260114T2330Z_x.log.gz", 14),
		mk("/m/000000000000_vpcflowlogs_us-east-1_fl-c_20260115T1000Z_x.log.gz", 15),
		mk("/m/z.log", 0),
		mk("/m/a.log", 0),
	}
	sortByDelivery(files)
	want := []string{
		"/m/a.log", "/m/z.log", // no key: day "" first, then by path
		"/m/111111111111_vpcflowlogs_us-east-1_fl-a_20260114T2330Z_x.log.gz",
		"/m/000000000000_vpcflowlogs_us-east-1_fl-c_20260115T1000Z_x.log.gz",
		"/m/999999999999_vpcflowlogs_us-east-1_fl-b_20260115T1000Z_x.log.gz",
		"/m/111111111111_vpcflowlogs_us-east-1_fl-a_20260115T1030Z_x.log.gz",
	}
	for i, c := range files {
		if c.path != want[i] {
			t.Errorf("position %d: %s, want %s", i, c.path, want[i])
		}
	}
}
