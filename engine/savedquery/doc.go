// Package savedquery is flowq's saved-query library: it parses the header of each .sql report,
// builds the catalog (built-in queries overridden by user folders) and binds parameters as values.
//
// docs/queries.md is the user's account of the built-in queries, the file format and the
// parameters; this is the programmer's.
//
// # Go API
//
//	type Query struct { Name, Description, Finds, FalsePositives, Portability string; Params []Param; SQL, Source, Shadows string }
//	type Param struct { Name string; Type ParamType; Default string; Required bool; Choices []string; Description string }
//
//	func Parse(text, fallbackName, source string) (Query, error)
//	func LoadFile(path string) (Query, error)
//	func NewCatalog(fsys fs.FS) (*Catalog, error)               // built-ins: queries.FS
//	func DefaultCatalog(extraDirs ...string) (*Catalog, error)  // built-ins + UserDir() + --queries dirs
//	func UserDir() (string, error)
//	func (c *Catalog) AddDir(dir string) error
//	func (c *Catalog) Lookup(name string) (Query, bool)
//	func (c *Catalog) List() []Query
//	func (c *Catalog) Names() []string
//	func (c *Catalog) Resolve(arg string) (Query, error)        // name or .sql path
//	func (c *Catalog) Errors() []error                          // skipped user files
//
//	func Bind(q Query, params map[string]string) (stmt string, args []any, err error)
//	func BindAt(q Query, params map[string]string, now time.Time) (string, []any, error)
//	func Prepare(q Query, params map[string]string) (string, []any, error) // Bind + compat.Rewrite
//	func Values(q Query, params map[string]string, now time.Time) (map[string]any, error) // + $since_date, $until_date
//	type Date string // a partition day: bound as 'YYYY-MM-DD', rendered as DATE 'YYYY-MM-DD'
//	func Render(q Query, params map[string]string, now time.Time) (string, error) // literals, for Athena
//	func ParseAssignments(words []string) (map[string]string, error)             // "k=v" words
//	func ParseTime(s string, now time.Time) (time.Time, error)
//	func ParseCIDR(s string) (string, error)
//
// To run a query: stmt, args, err := savedquery.Prepare(q, params), then
// sess.DB.QueryContext(ctx, stmt, args...) on a session opened with
// store.SessionOptions{Init: compat.Register}.
//
// # How it is tested
//
// The tests generate flowgen's Small() data set once per test binary, load it through the real
// store, and check every query's answer against the generator's recorded truth: the planted SSH
// attackers (60/36/20/12 attempts on 5/3/2/2 targets, one IPv6), the heavy talker pair, the port
// scanner (120 ports), every asymmetric pair with its kind, windows and legs, the SKIPDATA
// one-sided false positive, RDP/SSH sources allowed in, plus per-address, per-protocol,
// per-family, per-ENI/instance/subnet totals. Hand-made edge cases cover NODATA/SKIPDATA rows,
// IPv6, "-" values, the borders of the private ranges, an empty table (every query and every
// choice of its parameters returns no rows), hostile parameter values, and that the rendered
// Athena text answers like the bound query.
package savedquery
