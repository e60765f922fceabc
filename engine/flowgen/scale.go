package flowgen

import "time"

// Month-scale presets for `make bench-scale` (issue 22): a month of the bench account, its
// scanner-heavy variant, and the next ten minutes of deliveries after either.

// monthStart is the first day of the month presets: 30 daily partitions, 2026-01-01 to 01-30.
var monthStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// MonthDays is the number of days (date partitions) of a month preset.
const MonthDays = 30

// Month is `records` records over 30 days from the bench account (Bench's VPCs, formats and
// object sizes): about records/30 a day. Internet scanners are the generator's usual: 5% of
// background conversations are single-record probes from a pool of at most 1,500 addresses.
func Month(records int) Config {
	c := Bench(records)
	c.Seed = 21
	c.Start = monthStart
	c.Span = MonthDays * 24 * time.Hour
	return c
}

// ScannerMonth is Month where most traffic is internet scanners: 70% of background
// conversations are probes, from a pool of addresses large enough (one per 50 records, at
// least 1,000) that most (source, destination) pairs of an hour are distinct, which summaries
// cannot shrink.
func ScannerMonth(records int) Config {
	c := Month(records)
	c.Seed = 22
	c.ScannerShare = 70
	c.ScannerPool = max(1000, records/50)
	return c
}

// NextMinutes is the deliveries of `span` after the end of month config c, at the same rate,
// with the same seed, accounts, regions and formats: the new objects an incremental sync brings.
func NextMinutes(c Config, span time.Duration) Config {
	perSecond := float64(c.Records) / c.Span.Seconds()
	n := c
	n.Start = c.Start.Add(c.Span)
	n.Span = span
	n.Window = 5 * time.Minute
	n.Records = max(1, int(perSecond*span.Seconds()))
	n.Scenarios = false
	return n
}
