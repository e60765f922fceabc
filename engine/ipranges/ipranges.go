// Package ipranges names public addresses with AWS's published IP ranges (service, region, network
// border group): a dated copy ships inside flowq, and Refresh replaces it from AWS when reachable.
//
// The document is AWS's ip-ranges.json. The copy embedded at build time is data/ip-ranges-DATE.json.gz
// (the published file, gzipped, unchanged); a refreshed copy lives in DATA_DIR/ipranges/ip-ranges.json
// and wins over the embedded one when it is newer (by its createDate). Lookups take the most specific
// match, preferring a named service (S3, EC2, ...) over the AMAZON catch-all that covers every range.
//
// The user's own labels (labels.go: DATA_DIR/labels.csv, CIDR → name, team, env) use the same
// longest-prefix index; sql.go exposes both to DuckDB as scalar functions with a bounded memo,
// since flow records repeat few addresses many times.
package ipranges

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/flowq/flowq/engine/atomicfile"
)

// DefaultURL is where AWS publishes the document.
const DefaultURL = "https://ip-ranges.amazonaws.com/ip-ranges.json"

// Layout in the data dir.
const (
	Subdir   = "ipranges"
	FileName = "ip-ranges.json"
)

// catchAll is the service every AWS range is also listed under; a named service is more useful.
const catchAll = "AMAZON"

// maxDocument bounds a download (the 2026 document is 2.6 MB).
const maxDocument = 64 << 20

//go:embed data/*.json.gz
var embedded embed.FS

// Entry is one published prefix.
type Entry struct {
	Prefix             netip.Prefix
	Service            string
	Region             string
	NetworkBorderGroup string
}

// Ranges is a parsed document indexed for lookups.
type Ranges struct {
	Created   time.Time // the document's createDate (UTC)
	SyncToken string
	Source    string // "embedded" or the file it was read from
	Entries   []Entry
	idx       prefixIndex
}

// Match is the answer for one address.
type Match struct {
	Entry
	// Services lists every distinct service whose ranges hold the address (AMAZON included), sorted.
	Services []string
}

// Label is "SERVICE REGION", e.g. "S3 us-east-1".
func (m Match) Label() string { return m.Service + " " + m.Region }

type document struct {
	SyncToken  string `json:"syncToken"`
	CreateDate string `json:"createDate"`
	Prefixes   []struct {
		IPPrefix           string `json:"ip_prefix"`
		Region             string `json:"region"`
		Service            string `json:"service"`
		NetworkBorderGroup string `json:"network_border_group"`
	} `json:"prefixes"`
	IPv6Prefixes []struct {
		IPv6Prefix         string `json:"ipv6_prefix"`
		Region             string `json:"region"`
		Service            string `json:"service"`
		NetworkBorderGroup string `json:"network_border_group"`
	} `json:"ipv6_prefixes"`
}

// Parse reads an ip-ranges.json document; source names it in errors.
func Parse(data []byte, source string) (*Ranges, error) {
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not an ip-ranges document: %w", source, err)
	}
	created, err := time.Parse("2006-01-02-15-04-05", doc.CreateDate)
	if err != nil {
		return nil, fmt.Errorf("%s: createDate %q is not YYYY-MM-DD-hh-mm-ss", source, doc.CreateDate)
	}
	if len(doc.Prefixes) == 0 {
		return nil, fmt.Errorf("%s: no IPv4 prefixes", source)
	}
	r := &Ranges{Created: created.UTC(), SyncToken: doc.SyncToken, Source: source}
	add := func(i int, p, service, region, nbg string) error {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("%s: prefix %d: %w", source, i+1, err)
		}
		r.Entries = append(r.Entries, Entry{Prefix: pfx.Masked(), Service: service, Region: region, NetworkBorderGroup: nbg})
		return nil
	}
	for i, p := range doc.Prefixes {
		if err := add(i, p.IPPrefix, p.Service, p.Region, p.NetworkBorderGroup); err != nil {
			return nil, err
		}
	}
	for i, p := range doc.IPv6Prefixes {
		if err := add(i, p.IPv6Prefix, p.Service, p.Region, p.NetworkBorderGroup); err != nil {
			return nil, fmt.Errorf("ipv6 %w", err)
		}
	}
	r.idx = newPrefixIndex()
	for i, e := range r.Entries {
		r.idx.add(e.Prefix, i)
	}
	r.idx.sort()
	return r, nil
}

// Date is the document's creation day, e.g. "2026-08-22".
func (r *Ranges) Date() string { return r.Created.Format("2006-01-02") }

// Lookup finds the range holding addr: a named service over AMAZON, then the longest prefix, then
// the document's order.
func (r *Ranges) Lookup(addr netip.Addr) (Match, bool) {
	best := r.best(addr, func(i int) {})
	if best < 0 {
		return Match{}, false
	}
	services := map[string]bool{}
	r.best(addr, func(i int) { services[r.Entries[i].Service] = true })
	m := Match{Entry: r.Entries[best]}
	for s := range services {
		m.Services = append(m.Services, s)
	}
	sort.Strings(m.Services)
	return m, true
}

// best returns the index of the entry Lookup answers with (-1 for none), calling seen for every
// entry holding addr. It allocates nothing: SQL calls it once per record.
func (r *Ranges) best(addr netip.Addr, seen func(int)) int {
	best := -1
	r.idx.walk(addr, func(i int) {
		seen(i)
		// walk goes longest prefix first, so the first named entry seen is the best one.
		switch {
		case best < 0:
			best = i
		case r.Entries[best].Service == catchAll && r.Entries[i].Service != catchAll:
			best = i
		}
	})
	return best
}

// Embedded returns the copy built into flowq.
func Embedded() (*Ranges, error) {
	names, err := fs.Glob(embedded, "data/*.json.gz")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no embedded ip-ranges document: %v", err)
	}
	sort.Strings(names)
	name := names[len(names)-1] // dated names: the last is the newest
	raw, err := embedded.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("embedded %s: %w", name, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("embedded %s: %w", name, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("embedded %s: %w", name, err)
	}
	r, err := Parse(data, "embedded "+name)
	if err != nil {
		return nil, err
	}
	r.Source = "embedded"
	return r, nil
}

// StoredPath is where Refresh keeps the downloaded document.
func StoredPath(dataDir string) string { return filepath.Join(dataDir, Subdir, FileName) }

// Load returns the newer of the refreshed copy in dataDir (if any) and the embedded one. A stored
// copy that cannot be read is an error naming it, not a silent fallback.
func Load(dataDir string) (*Ranges, error) {
	emb, err := Embedded()
	if err != nil {
		return nil, err
	}
	path := StoredPath(dataDir)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return emb, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ip ranges %s: %w", path, err)
	}
	st, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	if newer(st, emb) {
		return st, nil
	}
	return emb, nil
}

// newer compares documents by createDate, then by syncToken (a Unix time as text).
func newer(a, b *Ranges) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	at, _ := strconv.ParseInt(a.SyncToken, 10, 64)
	bt, _ := strconv.ParseInt(b.SyncToken, 10, 64)
	return at > bt
}

// RefreshResult tells what Refresh did.
type RefreshResult struct {
	Ranges  *Ranges // the copy in effect afterwards
	Updated bool    // a newer document was downloaded and stored
}

// Refresh downloads the document from url (DefaultURL when empty) and stores it atomically in
// dataDir when it is newer than the copy in effect. On any failure the copy in effect stays and
// is returned beside the error, so callers can carry on offline.
func Refresh(ctx context.Context, client *http.Client, url, dataDir string) (RefreshResult, error) {
	cur, err := Load(dataDir)
	if err != nil {
		return RefreshResult{}, err
	}
	res := RefreshResult{Ranges: cur}
	if url == "" {
		url = DefaultURL
	}
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return res, fmt.Errorf("ip ranges %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return res, fmt.Errorf("ip ranges %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("ip ranges %s: HTTP %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return res, fmt.Errorf("ip ranges %s: %w", url, err)
	}
	if len(data) > maxDocument {
		return res, fmt.Errorf("ip ranges %s: larger than %d bytes", url, maxDocument)
	}
	got, err := Parse(data, url)
	if err != nil {
		return res, err
	}
	if !newer(got, cur) {
		return res, nil
	}
	path := StoredPath(dataDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return res, fmt.Errorf("ip ranges %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, data, 0o600, "."+FileName+".tmp-*"); err != nil {
		return res, err
	}
	got.Source = path
	return RefreshResult{Ranges: got, Updated: true}, nil
}

// Family is "IPv4" or "IPv6" for a prefix.
func Family(p netip.Prefix) string {
	if p.Addr().Is6() {
		return "IPv6"
	}
	return "IPv4"
}
