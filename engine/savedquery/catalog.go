package savedquery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowq/flowq/queries"
)

// BuiltinSource is Query.Source for the queries embedded in the binary.
const BuiltinSource = "builtin"

// Catalog is the set of saved queries by name: the built-in ones, overridden or extended by
// user folders, later folders winning.
type Catalog struct {
	byName map[string]Query
	errs   []error
}

// UserDir is the user's queries folder: os.UserConfigDir()/flowq/queries.
func UserDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config dir: %w", err)
	}
	return filepath.Join(d, "flowq", "queries"), nil
}

// DefaultCatalog loads the built-in queries, then the user's queries folder (skipped when it
// does not exist), then each of extra (the --queries folders), which must exist.
func DefaultCatalog(extra ...string) (*Catalog, error) {
	c, err := NewCatalog(queries.FS)
	if err != nil {
		return nil, err
	}
	if dir, err := UserDir(); err == nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			if err := c.AddDir(dir); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range extra {
		if err := c.AddDir(d); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// NewCatalog loads the .sql files at the root of fsys as built-in queries. A bad built-in file
// is an error: it is a bug in flowq.
func NewCatalog(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{byName: map[string]Query{}}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("listing built-in queries: %w", err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("built-in query %s: %w", n, err)
		}
		q, err := Parse(string(b), strings.TrimSuffix(n, ".sql"), BuiltinSource+":"+n)
		if err != nil {
			return nil, err
		}
		q.Source = BuiltinSource
		if prev, dup := c.byName[q.Name]; dup {
			return nil, fmt.Errorf("built-in query %s: name %q already used by %s", n, q.Name, prev.Source)
		}
		c.byName[q.Name] = q
	}
	if err := c.addSummaries(fsys, BuiltinSource, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// AddDir loads every .sql file of dir (not its subfolders); a query whose name is already in
// the catalog replaces it. A file that does not parse is skipped and reported by Errors, so one
// broken user file does not disable the others; a folder that cannot be read is an error.
func (c *Catalog) AddDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("queries folder: %w", err)
	}
	seen := map[string]string{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		q, err := LoadFile(p)
		if err != nil {
			c.errs = append(c.errs, err)
			continue
		}
		if other, dup := seen[q.Name]; dup {
			c.errs = append(c.errs, fmt.Errorf("%s: name %q already used by %s in the same folder; skipped", p, q.Name, other))
			continue
		}
		seen[q.Name] = p
		if prev, ok := c.byName[q.Name]; ok {
			q.Shadows = prev.Source
		}
		c.byName[q.Name] = q
	}
	defined := map[string]bool{}
	for name := range seen {
		defined[name] = true
	}
	return c.addDirSummaries(dir, defined)
}

// Errors lists the user files that were skipped because they do not parse.
func (c *Catalog) Errors() []error { return c.errs }

// Lookup finds a query by name.
func (c *Catalog) Lookup(name string) (Query, bool) {
	q, ok := c.byName[name]
	return q, ok
}

// List returns every query, sorted by name.
func (c *Catalog) List() []Query {
	out := make([]Query, 0, len(c.byName))
	for _, q := range c.byName {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the query names, sorted (for completion and error messages).
func (c *Catalog) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Resolve finds what `flowq run ARG` means: a path to a .sql file (ARG ends in .sql or holds a
// path separator), else a query name.
func (c *Catalog) Resolve(arg string) (Query, error) {
	if strings.HasSuffix(arg, ".sql") || strings.ContainsRune(arg, os.PathSeparator) || strings.Contains(arg, "/") {
		return LoadFile(arg)
	}
	if q, ok := c.Lookup(arg); ok {
		return q, nil
	}
	return Query{}, fmt.Errorf("no saved query %q (see `flowq queries`; known: %s)", arg, strings.Join(c.Names(), ", "))
}

// LoadFile reads one query file. Without a name in its header it is named after the file.
func LoadFile(p string) (Query, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Query{}, fmt.Errorf("query file %s: %w", p, err)
		}
		return Query{}, fmt.Errorf("reading query file: %w", err)
	}
	return Parse(string(b), fileQueryName(p), p)
}

// fileQueryName derives a query name from a file name for files whose header names none.
func fileQueryName(p string) string {
	base := strings.ToLower(strings.TrimSuffix(path.Base(filepath.ToSlash(p)), ".sql"))
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 || !nameRE.MatchString(b.String()) {
		return "query-" + b.String()
	}
	return b.String()
}
