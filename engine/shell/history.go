package shell

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	prompt "github.com/elk-language/go-prompt"
	istrings "github.com/elk-language/go-prompt/strings"
)

// DefaultHistorySize bounds the persisted history (entries, oldest dropped first).
const DefaultHistorySize = 1000

// History is the shell's input history: bounded, without duplicates (re-running an entry moves
// it to the end), persisted as one JSON string per line so multi-line statements survive.
// It implements go-prompt's HistoryInterface so Up/Down browse it.
type History struct {
	path    string // "" keeps history in memory only
	size    int
	entries []string

	// browsing state for Up/Down, as go-prompt's own History keeps it
	tmp      []string
	selected int
}

var _ prompt.HistoryInterface = (*History)(nil)

// LoadHistory reads the history file at path (missing file = empty history).
func LoadHistory(path string, size int) (*History, error) {
	if size <= 0 {
		size = DefaultHistorySize
	}
	h := &History{path: path, size: size}
	if path != "" {
		entries, err := readHistoryFile(path)
		if err != nil {
			return h, err
		}
		h.entries = bound(dedupKeepLast(entries), size)
	}
	h.Clear()
	return h, nil
}

func readHistoryFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history %s: %w", path, err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var s string
		if err := json.Unmarshal(line, &s); err != nil {
			// A damaged line (e.g. a crash mid-write by an old version) should not cost the rest.
			continue
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read history %s: %w", path, err)
	}
	return out, nil
}

func appendDedup(entries []string, e string) []string {
	for i, x := range entries {
		if x == e {
			entries = append(entries[:i:i], entries[i+1:]...)
			break
		}
	}
	return append(entries, e)
}

// dedupKeepLast keeps the last occurrence of each entry, in order: what appending them one by
// one with appendDedup gives, without its quadratic scan (a 5000-entry file took 40 ms).
func dedupKeepLast(entries []string) []string {
	seen := make(map[string]bool, len(entries))
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		if !seen[entries[i]] {
			seen[entries[i]] = true
			out = append(out, entries[i])
		}
	}
	slices.Reverse(out)
	return out
}

func bound(entries []string, size int) []string {
	if len(entries) > size {
		entries = append([]string(nil), entries[len(entries)-size:]...)
	}
	return entries
}

// Add records an executed input and persists it. Blank input is ignored.
func (h *History) Add(input string) {
	_ = h.AddErr(input)
}

// AddErr is Add returning the persistence error. Other shells may have appended to the file
// since we loaded it, so the file is re-read and merged before the atomic rewrite.
func (h *History) AddErr(input string) error {
	input = strings.TrimRight(input, " \t\r\n")
	if strings.TrimSpace(input) == "" {
		h.Clear()
		return nil
	}
	h.entries = bound(appendDedup(h.entries, input), h.size)
	h.Clear()
	if h.path == "" {
		return nil
	}
	onDisk, err := readHistoryFile(h.path)
	if err != nil {
		return err
	}
	merged := onDisk
	merged = appendDedup(merged, input)
	merged = bound(merged, h.size)
	return writeHistoryFile(h.path, merged)
}

func writeHistoryFile(path string, entries []string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write history %s: %w", path, err)
	}
	var buf bytes.Buffer
	for _, e := range entries {
		b, _ := json.Marshal(e)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	// CreateTemp makes the file 0600: history holds queries that may name hosts and accounts.
	f, err := os.CreateTemp(filepath.Dir(path), ".history-*")
	if err != nil {
		return fmt.Errorf("write history %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(buf.Bytes())
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o600)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write history %s: %w", path, werr)
	}
	return nil
}

// Search returns the entries containing text (case-insensitive), most recent first.
func (h *History) Search(text string) []string {
	text = strings.ToLower(text)
	var out []string
	for i := len(h.entries) - 1; i >= 0; i-- {
		if strings.Contains(strings.ToLower(h.entries[i]), text) {
			out = append(out, h.entries[i])
		}
	}
	return out
}

// SearchBefore finds the most recent entry older than index before (len(Entries()) to start
// at the newest) containing text; it returns the entry's index, or -1.
func (h *History) SearchBefore(text string, before int) int {
	text = strings.ToLower(text)
	if before > len(h.entries) {
		before = len(h.entries)
	}
	for i := before - 1; i >= 0; i-- {
		if strings.Contains(strings.ToLower(h.entries[i]), text) {
			return i
		}
	}
	return -1
}

// Clear resets the Up/Down browsing state (go-prompt calls it after each input and on Ctrl-C).
func (h *History) Clear() {
	h.tmp = append(append([]string(nil), h.entries...), "")
	h.selected = len(h.tmp) - 1
}

// Older moves one entry back (Up).
func (h *History) Older(buf *prompt.Buffer, columns istrings.Width, rows int) (*prompt.Buffer, bool) {
	if len(h.tmp) == 1 || h.selected == 0 {
		return buf, false
	}
	h.tmp[h.selected] = buf.Text()
	h.selected--
	nb := prompt.NewBuffer()
	nb.InsertTextMoveCursor(h.tmp[h.selected], columns, rows, false)
	return nb, true
}

// Newer moves one entry forward (Down).
func (h *History) Newer(buf *prompt.Buffer, columns istrings.Width, rows int) (*prompt.Buffer, bool) {
	if h.selected >= len(h.tmp)-1 {
		return buf, false
	}
	h.tmp[h.selected] = buf.Text()
	h.selected++
	nb := prompt.NewBuffer()
	nb.InsertTextMoveCursor(h.tmp[h.selected], columns, rows, false)
	return nb, true
}

// Get returns entry i (0 = oldest).
func (h *History) Get(i int) (string, bool) {
	if i < 0 || i >= len(h.entries) {
		return "", false
	}
	return h.entries[i], true
}

// Entries returns the entries, oldest first.
func (h *History) Entries() []string { return h.entries }

// DeleteAll forgets the in-memory entries (the file is left alone).
func (h *History) DeleteAll() {
	h.entries = nil
	h.Clear()
}
