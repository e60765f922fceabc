package store

import (
	"slices"
	"testing"
	"time"
)

func TestKeyDays(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 5, d, 0, 0, 0, 0, time.UTC) }
	led := &Ledger{Sources: map[string]*SourceEntry{}}
	for _, p := range []string{
		"/m/s3/b/AWSLogs/222222222222/vpcflowlogs/us-east-1/2024/05/03/222222222222_vpcflowlogs_us-east-1_fl-1_20240503T0000Z_a.log.gz",
		"/m/s3/b/AWSLogs/111111111111/vpcflowlogs/eu-west-1/2024/05/02/111111111111_vpcflowlogs_eu-west-1_fl-1_20240502T0000Z_b.log.gz",
		"/m/s3/b/AWSLogs/111111111111/vpcflowlogs/eu-west-1/2024/05/02/111111111111_vpcflowlogs_eu-west-1_fl-1_20240502T0100Z_c.log.gz",
		"/m/s3/b/AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/01/111111111111_vpcflowlogs_us-east-1_fl-1_20240501T0000Z_d.log.gz",
		"/home/me/loose/flows.log", // not in the key layout: left out
	} {
		led.Sources[p] = &SourceEntry{Path: p}
	}
	for _, tc := range []struct {
		account, region  string
		wantAcct, wantRg string
		want             []time.Time
	}{
		// The first path in order is account 111's eu-west-1 file.
		{"", "", "111111111111", "eu-west-1", []time.Time{day(1), day(2), day(3)}},
		{"111111111111", "", "111111111111", "eu-west-1", []time.Time{day(1), day(2)}},
		{"", "us-east-1", "111111111111", "us-east-1", []time.Time{day(1), day(3)}},
		{"222222222222", "us-east-1", "222222222222", "us-east-1", []time.Time{day(3)}},
		{"333333333333", "", "333333333333", "", nil},
	} {
		got := led.KeyDays(tc.account, tc.region)
		if got.Account != tc.wantAcct || got.Region != tc.wantRg || !slices.Equal(got.Days, tc.want) {
			t.Errorf("KeyDays(%q, %q) = %+v, want %s %s %v", tc.account, tc.region, got, tc.wantAcct, tc.wantRg, tc.want)
		}
	}
}
