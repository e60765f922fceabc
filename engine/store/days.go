package store

import (
	"sort"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// KeyDays is what the loaded files in AWS's S3 key layout say about the raw deliveries: the days
// they cover and an account and region they come from.
type KeyDays struct {
	Account, Region string      // of the first matching file by path, or as asked
	Days            []time.Time // distinct, sorted, midnight UTC
}

// KeyDays lists the days of the loaded files whose path follows AWS's key layout, keeping only
// account and region when they are not "" (files outside the layout are left out). An Athena
// table over the raw mirror gets one partition per day; the account and region name its
// location when the user gave none.
func (l *Ledger) KeyDays(account, region string) KeyDays {
	paths := make([]string, 0, len(l.Sources))
	for p := range l.Sources {
		paths = append(paths, p)
	}
	sort.Strings(paths) // the first file, hence the account and region picked, is the same every run
	out := KeyDays{Account: account, Region: region}
	seen := map[time.Time]bool{}
	for _, p := range paths {
		k, ok := flowlog.ParseKey(p)
		if !ok || (account != "" && k.Account != account) || (region != "" && k.Region != region) {
			continue
		}
		if out.Account == "" {
			out.Account = k.Account
		}
		if out.Region == "" {
			out.Region = k.Region
		}
		if !seen[k.Date] {
			seen[k.Date] = true
			out.Days = append(out.Days, k.Date)
		}
	}
	sort.Slice(out.Days, func(i, j int) bool { return out.Days[i].Before(out.Days[j]) })
	return out
}
