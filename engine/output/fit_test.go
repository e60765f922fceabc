package output

import (
	"fmt"
	"strings"
	"testing"
)

// blockedSSH has the shape of the blocked-ssh report: addresses, counts, two timestamps, a flag.
const blockedSSH = `
SELECT * FROM (VALUES
  ('45.155.205.233', 1204, 2408, 12, TIMESTAMPTZ '2026-01-15 01:10:25+00', TIMESTAMPTZ '2026-01-15 01:38:47+00', true),
  ('2a03:b0c0:3:d0::1a2b:1001', 12, 22, 2, TIMESTAMPTZ '2026-01-15 15:36:43+00', TIMESTAMPTZ '2026-01-15 16:03:49+00', true)
) t(source, attempts, packets, targets, first_seen, last_seen, public)`

// asymmetric has the shape of the asymmetric-flows report: kinds and lists of ENI legs.
const asymmetric = `
SELECT * FROM (VALUES
  ('10.0.2.30', '10.0.3.31', 6, 3306, 'reverse-missing', 4, 'eni-10a7fba2ecc8def95:REJECT eni-df860a9e03334e461:ACCEPT', '', TIMESTAMPTZ '2026-01-15 02:22:01+00'),
  ('10.0.3.28', '10.0.1.29', 6, 8443, 'reverse-rejected', 4, 'eni-1351f92afb2e63b15:ACCEPT eni-ff1dac2016ba82fb5:ACCEPT', 'eni-ff1dac2016ba82fb5:REJECT', TIMESTAMPTZ '2026-01-15 02:23:49+00')
) t(src, dst, protocol, dst_port, kind, conversations, request_legs, reply_legs, first_seen)`

// whole lists values that must appear uncut at every width.
var (
	wholeBlockedSSH = []string{"45.155.205.233", "2a03:b0c0:3:d0::1a2b:1001", "1,204", "2,408"}
	wholeAsymmetric = []string{"10.0.2.30", "10.0.3.31", "10.0.3.28", "10.0.1.29", "3306", "8443",
		"reverse-missing", "reverse-rejected", "eni-10a7fba2ecc8def95:REJECT", "eni-1351f92afb2e63b15:ACCEPT"}
)

// TestFitNeverCutsIdentifiers renders at every width from 30 to 220 columns: addresses, ids,
// ports, kinds and numbers are always whole, and every line fits.
func TestFitNeverCutsIdentifiers(t *testing.T) {
	db := openDB(t)
	for _, c := range []struct {
		name  string
		q     string
		whole []string
	}{{"blocked-ssh", blockedSSH, wholeBlockedSSH}, {"asymmetric-flows", asymmetric, wholeAsymmetric}} {
		for w := 30; w <= 220; w++ {
			got, _ := render(t, db, c.q, Table, Options{Width: w})
			for _, s := range c.whole {
				if !strings.Contains(got, s) {
					t.Errorf("%s at %d columns: %q cut:\n%s", c.name, w, s, got)
				}
			}
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if strings.HasPrefix(line, "┌") || strings.HasPrefix(line, "│") {
					if lw := widthCond.StringWidth(line); lw > w {
						t.Errorf("%s at %d columns: line is %d wide: %s", c.name, w, lw, line)
					}
				}
			}
		}
	}
}

// TestFitOrder checks which columns give way first, at hand-computed widths.
func TestFitOrder(t *testing.T) {
	db := openDB(t)
	// Natural widths: note 40, at 19, kind 6 ("reject"), bytes 7 ("1.0 KiB"); border 3*4+1 = 13: 85.
	q := `SELECT 'a free text note that is long enough ok' AS note, TIMESTAMP '2026-01-15 02:22:01' AS at,
	  'reject' AS kind, 1024 AS bytes`
	cases := []struct {
		width int
		want  []string // substrings of the output
		line  bool     // shown in line mode
	}{
		{85, []string{"a free text note that is long enough ok", "2026-01-15 02:22:01", "reject", "1.0 KiB"}, false},
		// 20 cells short: only the note gives way (40 → 20 cells: 19 characters and "…").
		{65, []string{"│ a free text note th… │ 2026-01-15 02:22:01 │ reject │ 1.0 KiB │"}, false},
		// note at its least (6) leaves 19+6+7+13 = 51: at 49 the timestamp goes to 17.
		{49, []string{"│ a fre… │ 2026-01-15 02:22… │ reject │ 1.0 KiB │"}, false},
		// least everywhere: 6 + 11 + 6 + 7 + 13 = 43 fits; 42 does not.
		{43, []string{"│ a fre… │ 2026-01-15… │ reject │ 1.0 KiB │"}, false},
		{42, []string{"note = a free text note that is long enough ok\n", "  at = 2026-01-15 02:22:01\n"}, true},
	}
	for _, c := range cases {
		got, _ := render(t, db, q, Table, Options{Width: c.width})
		for _, s := range c.want {
			if !strings.Contains(got, s) {
				t.Errorf("width %d: lacks %q:\n%s", c.width, s, got)
			}
		}
		if isLine := !strings.Contains(got, "┌"); isLine != c.line {
			t.Errorf("width %d: line mode %v, want %v:\n%s", c.width, isLine, c.line, got)
		}
	}
}

// TestFitIDListCutBetweenIDs: an identifier list loses whole identifiers, with a count.
func TestFitIDListCutBetweenIDs(t *testing.T) {
	cases := []struct {
		s    string
		w    int
		want string
	}{
		{"eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT eni-9c0d1e2f:ACCEPT", 60, "eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT eni-9c0d1e2f:ACCEPT"},
		{"eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT eni-9c0d1e2f:ACCEPT", 45, "eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT +1"},
		{"eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT eni-9c0d1e2f:ACCEPT", 30, "eni-1a2b3c4d:ACCEPT +2"},
		{"eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT eni-9c0d1e2f:ACCEPT", 10, "eni-1a2b3c4d:ACCEPT +2"},
	}
	for _, c := range cases {
		if got := cutIDList(c.s, c.w); got != c.want {
			t.Errorf("cutIDList(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}

func TestIsIdentifier(t *testing.T) {
	cases := []struct {
		s      string
		idName bool
		want   bool
	}{
		{"45.155.205.233", false, true},
		{"2a03:b0c0:3:d0::1a2b:1001", false, true},
		{"10.0.0.0/8", false, true},
		{"eni-3521c0ffee1234567", false, true},
		{"tgw-attach-0123456789abcdef0", false, true},
		{"i-0123456789abcdef0:ACCEPT", false, true},
		{"123456789012", false, true},
		{"reverse-missing", false, true},
		{"abcdefghijabcdefghijabcdefghij", false, false}, // a long word is free text
		{"abcdefghijabcdefghijabcdefghij", true, true},   // unless the column is named for ids
		{"two words", true, false},
		{"世界", false, false},
	}
	for _, c := range cases {
		if got := isIdentifier(c.s, c.idName); got != c.want {
			t.Errorf("isIdentifier(%q, %v) = %v, want %v", c.s, c.idName, got, c.want)
		}
	}
}

func TestGoldenFit(t *testing.T) {
	db := openDB(t)
	for _, c := range []struct {
		name  string
		q     string
		width int
	}{{"blocked-ssh", blockedSSH, 100}, {"blocked-ssh", blockedSSH, 80}, {"asymmetric-flows", asymmetric, 160}, {"asymmetric-flows", asymmetric, 175}} {
		got, _ := render(t, db, c.q, Table, Options{Width: c.width})
		checkGolden(t, fmt.Sprintf("fit-%s.%d.table", c.name, c.width), got)
	}
}

func TestCutTime(t *testing.T) {
	const ts = "2026-01-15 01:10:25.5+00"
	cases := []struct {
		w    int
		want string
	}{
		{24, ts}, {23, "2026-01-15 01:10:25…"}, {20, "2026-01-15 01:10:25…"}, {19, "2026-01-15 01:10…"},
		{17, "2026-01-15 01:10…"}, {16, "2026-01-15…"}, {11, "2026-01-15…"}, {8, "2026-01…"},
	}
	for _, c := range cases {
		if got := cutTime(ts, c.w); got != c.want {
			t.Errorf("cutTime(%q, %d) = %q, want %q", ts, c.w, got, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	db := openDB(t)
	cases := []struct {
		q    string
		want fitClass
	}{
		{`SELECT '172.31.1.26 -> 172.31.2.27' AS talker`, fitFixed},
		{`SELECT 'eni-1a2b3c4d:ACCEPT eni-5e6f7a8b:REJECT' AS legs`, fitIDList},
		{`SELECT 'reverse-missing' AS kind UNION ALL SELECT '' UNION ALL SELECT NULL`, fitFixed},
		{`SELECT 'a free text note' AS note`, fitFree},
		{`SELECT 'ec2-54-1-2-3.compute-1.amazonaws.com' AS name`, fitFree},
		{`SELECT 'ec2-54-1-2-3.compute-1.amazonaws.com' AS host`, fitFixed},
		{`SELECT TIMESTAMP '2026-01-15 01:10:25' AS at`, fitTime},
		{`SELECT DATE '2026-01-15' AS day`, fitFixed},
		{`SELECT [1, 2] AS l`, fitFree},
	}
	for _, c := range cases {
		rows, err := db.Query(c.q)
		if err != nil {
			t.Fatal(err)
		}
		cts, _ := rows.ColumnTypes()
		col := column{name: cts[0].Name(), typ: parseType(cts[0].DatabaseTypeName())}
		col.numeric = isNumericType(col.typ)
		var cells [][]cell
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			cells = append(cells, []cell{{s: formatText(v, col.typ, textOpts{null: DefaultNull}), null: v == nil}})
		}
		rows.Close()
		if got := classify(col, cells, 0); got != c.want {
			t.Errorf("%s: class %d, want %d", c.q, got, c.want)
		}
	}
}
