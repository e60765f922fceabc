// Package flowgen generates deterministic, realistic VPC Flow Log deliveries (S3 key layouts,
// default and custom formats) with planted scenarios, and records their true answers in a Truth.
package flowgen

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/flowlog"
)

// Layout is one of the four S3 key layouts AWS delivers flow logs in.
type Layout int

const (
	LayoutDefault    Layout = iota // PREFIX/AWSLogs/ACCOUNT/vpcflowlogs/REGION/yyyy/mm/dd/
	LayoutHourly                   // ... /yyyy/mm/dd/HH/
	LayoutHive                     // ... aws-account-id=/aws-service=/aws-region=/year=/month=/day=/
	LayoutHiveHourly               // ... day=dd/hour=HH/
)

// AllLayouts lists every layout.
var AllLayouts = []Layout{LayoutDefault, LayoutHourly, LayoutHive, LayoutHiveHourly}

var layoutNames = []string{"default", "hourly", "hive", "hive-hourly"}

func (l Layout) String() string {
	if l >= 0 && int(l) < len(layoutNames) {
		return layoutNames[l]
	}
	return fmt.Sprintf("layout(%d)", int(l))
}

// Hive reports whether the layout uses "name=value" folders.
func (l Layout) Hive() bool { return l == LayoutHive || l == LayoutHiveHourly }

// Hourly reports whether the layout has an hour folder.
func (l Layout) Hourly() bool { return l == LayoutHourly || l == LayoutHiveHourly }

// MarshalText writes the layout's name.
func (l Layout) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a layout name.
func (l *Layout) UnmarshalText(b []byte) error {
	for i, n := range layoutNames {
		if n == string(b) {
			*l = Layout(i)
			return nil
		}
	}
	return fmt.Errorf("flowgen: unknown layout %q", b)
}

// Format is a flow log's record format: the header field names in order.
type Format struct {
	Name   string
	Fields []string
}

// Header returns the header line of the format.
func (f Format) Header() string { return strings.Join(f.Fields, " ") }

// The formats the generator knows. Every field must be one the generator can fill (see fieldIDs).
var (
	// FormatDefault is the AWS default format (version 2, 14 fields): the header a loader
	// assumes for a file without one, which the generator writes for header-less objects.
	FormatDefault = Format{Name: "default", Fields: strings.Fields(flowlog.DefaultHeader().Names())}
	// FormatV5 is a custom format with every version 2-5 field in AWS's order.
	FormatV5 = Format{Name: "v5", Fields: strings.Fields(
		"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status " +
			"vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id " +
			"pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path")}
	// FormatShuffled is a custom format in an unusual order. It has no account-id (a loader must
	// take the account from the S3 key) and ends with version.
	FormatShuffled = Format{Name: "shuffled", Fields: strings.Fields(
		"srcaddr dstaddr srcport dstport protocol action log-status bytes packets start end interface-id " +
			"vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id flow-direction " +
			"traffic-path pkt-src-aws-service version")}
)

// AllFormats lists the built-in formats.
var AllFormats = []Format{FormatDefault, FormatV5, FormatShuffled}

// Config says what to generate. Zero fields take the defaults documented on each field.
type Config struct {
	Seed    int64
	Records int           // approximate number of background traffic records (scenarios, NODATA and SKIPDATA rows come on top)
	Start   time.Time     // first delivery window (truncated to Window); default 2026-01-15T00:00Z
	Span    time.Duration // time covered; default 24h
	Window  time.Duration // delivery interval of one object; default 5m (AWS's); larger windows give bigger objects

	Accounts []string // 12-digit account ids; default three, one with a leading zero
	Regions  []string // default us-east-1, eu-west-1
	Layouts  []Layout // assigned to flow logs in turn; default all four
	Formats  []Format // assigned to flow logs in turn; default v5, default, shuffled
	Prefix   string   // bucket prefix before AWSLogs/
	Org      string   // organisation segment after AWSLogs/ ("o-xxxx"), if any

	// One flow log (VPC) per account and region. FlowLogWeights share the traffic between them
	// (default 1/(i+1)), which makes object sizes vary like real busy and quiet VPCs.
	FlowLogWeights []float64
	Steady         bool // no day/night traffic curve: object sizes then depend on the flow log only
	ENIsPerVPC     int  // background ENIs per VPC; default 8

	MaxObjectRecords int // a window's records are split into objects of at most this many; default 200000
	PlainEvery       int // every Nth object is plain text (.log) rather than gzip; 0 = never
	HeaderlessEvery  int // every Nth object of a default-format flow log has no header line; 0 = never
	GzipLevel        int // compression level; default gzip.DefaultCompression

	// Internet scanners, for month-scale benchmarks (scale.go): ScannerShare is the percentage
	// of background conversations that are single-record probes from the internet REJECTed by
	// a security group (0: 5, as always), ScannerPool how many distinct addresses probe (0: the
	// usual pool of 50 + Records/200, at most 1500). Zero values generate exactly what they
	// always did.
	ScannerShare int
	ScannerPool  int

	Scenarios bool // plant the scenarios recorded in Truth
	Workers   int  // parallel object builders; default GOMAXPROCS
}

var defaultStart = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = defaultStart
	}
	if c.Window <= 0 {
		c.Window = 5 * time.Minute
	}
	c.Start = c.Start.UTC().Truncate(c.Window)
	if c.Span <= 0 {
		c.Span = 24 * time.Hour
	}
	if len(c.Accounts) == 0 {
		c.Accounts = []string{"012345678901", "123456789012", "555566667777"}
	}
	if len(c.Regions) == 0 {
		c.Regions = []string{"us-east-1", "eu-west-1"}
	}
	if len(c.Layouts) == 0 {
		c.Layouts = AllLayouts
	}
	if len(c.Formats) == 0 {
		c.Formats = []Format{FormatV5, FormatDefault, FormatShuffled}
	}
	if c.ENIsPerVPC <= 0 {
		c.ENIsPerVPC = 8
	}
	if c.MaxObjectRecords <= 0 {
		c.MaxObjectRecords = 200000
	}
	if c.GzipLevel == 0 {
		c.GzipLevel = -1
	}
	return c
}

// Small is a few thousand records over two hours that cross midnight, covering every layout,
// format and scenario, plain and header-less objects and several objects per window: for tests.
func Small() Config {
	return Config{
		Seed:             1,
		Records:          3000,
		Start:            time.Date(2026, 1, 14, 23, 0, 0, 0, time.UTC),
		Span:             2 * time.Hour,
		Prefix:           "flowlogs",
		ENIsPerVPC:       8,
		MaxObjectRecords: 40,
		PlainEvery:       11,
		HeaderlessEvery:  7,
		Scenarios:        true,
	}
}

// Demo is a realistic day of about 250,000 records for `flowq demo`.
func Demo() Config {
	return Config{
		Seed:       42,
		Records:    250000,
		Start:      defaultStart,
		Span:       24 * time.Hour,
		ENIsPerVPC: 12,
		Scenarios:  true,
	}
}

// Bench is a day of about `records` records in objects of mixed sizes (roughly 100 KB to 5 MB
// at 10 M records), in the default and v5 formats, with scenarios planted.
func Bench(records int) Config {
	return Config{
		Seed:           7,
		Records:        records,
		Start:          defaultStart,
		Span:           24 * time.Hour,
		Window:         30 * time.Minute,
		Accounts:       []string{"012345678901", "123456789012"},
		Regions:        []string{"us-east-1", "eu-west-1"},
		Formats:        []Format{FormatDefault, FormatV5},
		FlowLogWeights: []float64{24, 6, 2, 1},
		ENIsPerVPC:     24,
		// A busy VPC's half-hour object reaches ~5 MB at 10 M records/day.
		MaxObjectRecords: 330000,
		Scenarios:        true,
	}
}

// SyncBench gives exactly `objects` small objects (8–64 KB gzip, v5 format) when objects is a
// multiple of 20: 20 flow logs delivering every 5 minutes, with flow-log weights spread 1–8×.
func SyncBench(objects int) Config {
	accounts := make([]string, 10)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("%012d", 100000000000+int64(i)*111111111)
	}
	weights := make([]float64, 20)
	for i := range weights {
		weights[i] = math.Pow(8, float64(i)/19)
	}
	windows := (objects + 19) / 20
	return Config{
		Seed:           9,
		Records:        objects * 1050,
		Start:          defaultStart,
		Span:           time.Duration(windows) * 5 * time.Minute,
		Accounts:       accounts,
		Regions:        []string{"us-east-1", "eu-west-1"},
		Formats:        []Format{FormatV5},
		FlowLogWeights: weights,
		Steady:         true,
		Scenarios:      false,
	}
}
