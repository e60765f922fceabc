package ipranges

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// LabelsFile is the user's labels file in the data dir.
const LabelsFile = "labels.csv"

// Label names one network of the user's (on-premises, partner, VPN ranges).
type Label struct {
	Prefix netip.Prefix
	Name   string
	Team   string
	Env    string
	Line   int // in the file, for messages
}

// Labels are the user's CIDR → name labels; the most specific prefix holding an address wins.
type Labels struct {
	Source  string
	Entries []Label
	idx     prefixIndex
}

// ParseLabels reads a labels file: CSV lines "CIDR,NAME[,TEAM[,ENV]]"; a first line starting
// with "cidr" is a header; blank lines and lines starting with # are skipped. A bare address is
// a /32 (or /128). Errors name source and line.
func ParseLabels(r io.Reader, source string) (*Labels, error) {
	l := &Labels{Source: source, idx: newPrefixIndex()}
	seen := map[netip.Prefix]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if n == 1 && strings.HasPrefix(strings.ToLower(line), "cidr") {
			continue
		}
		cr := csv.NewReader(bytes.NewReader([]byte(line)))
		cr.TrimLeadingSpace = true
		cr.FieldsPerRecord = -1
		f, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", source, n, err)
		}
		if len(f) < 2 || len(f) > 4 {
			return nil, fmt.Errorf("%s:%d: want CIDR,NAME[,TEAM[,ENV]], got %d fields", source, n, len(f))
		}
		p, err := parseCIDR(strings.TrimSpace(f[0]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %q is not a CIDR or address", source, n, f[0])
		}
		name := strings.TrimSpace(f[1])
		if name == "" {
			return nil, fmt.Errorf("%s:%d: empty name for %s", source, n, p)
		}
		if prev, dup := seen[p]; dup {
			return nil, fmt.Errorf("%s:%d: %s is already labelled on line %d", source, n, p, prev)
		}
		seen[p] = n
		lb := Label{Prefix: p, Name: name, Line: n}
		if len(f) > 2 {
			lb.Team = strings.TrimSpace(f[2])
		}
		if len(f) > 3 {
			lb.Env = strings.TrimSpace(f[3])
		}
		l.idx.add(p, len(l.Entries))
		l.Entries = append(l.Entries, lb)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	l.idx.sort()
	return l, nil
}

func parseCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// LoadLabels reads path, or DATA_DIR/labels.csv when path is empty; a missing default file is an
// empty set, a missing named file an error.
func LoadLabels(dataDir, path string) (*Labels, error) {
	named := path != ""
	if !named {
		path = filepath.Join(dataDir, LabelsFile)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return &Labels{Source: path, idx: newPrefixIndex()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer f.Close()
	return ParseLabels(f, path)
}

// Lookup returns the most specific label holding addr.
func (l *Labels) Lookup(addr netip.Addr) (Label, bool) {
	best := -1
	l.idx.walk(addr, func(i int) {
		if best < 0 {
			best = i // longest first
		}
	})
	if best < 0 {
		return Label{}, false
	}
	return l.Entries[best], true
}
