package shell

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/iostreams"
)

// TestScriptHabits: psql's backslash commands and bare words, and the DuckDB CLI's forms, are
// commands answered with flowq's equivalent; they used to open a SQL statement that swallowed
// the lines after them.
func TestScriptHabits(t *testing.T) {
	tests := []struct {
		name, script string
		wantOut      []string // in stdout, in order
		notOut       []string
		wantErr      []string // in stderr
	}{
		{"dt", "\\dt\nSELECT 1 AS a;\n", []string{"name,kind\nvpc_flow_logs,table\n", "a\n1\n"}, nil, []string{`(\dt is .tables in flowq)`}},
		{"d", "\\d\n", []string{"vpc_flow_logs,table\n"}, nil, nil},
		{"d table", "\\d vpc_flow_logs\n", []string{"vpc_flow_logs,srcaddr,VARCHAR\n"}, nil, []string{`(\d vpc_flow_logs is .schema vpc_flow_logs in flowq)`}},
		{"timing toggles", "\\timing\nSELECT 1 AS a;\n\\timing\nSELECT 2 AS b;\n", []string{"a\n1\nb\n2\n"}, nil, []string{`(\timing is .timing on in flowq)`, "(1 row, ", `(\timing is .timing off in flowq)`}},
		{"q", "SELECT 1 AS a;\n\\q\nSELECT 2 AS b;\n", []string{"a\n1\n"}, []string{"b\n2"}, nil},
		{"exit", "exit\nSELECT 2 AS b;\n", nil, []string{"b\n2"}, nil},
		{"quit;", "quit;\nSELECT 2 AS b;\n", nil, []string{"b\n2"}, nil},
		{"help", "help\nSELECT 3 AS c;\n", []string{".tables", ".run NAME", "c\n3\n"}, nil, []string{"(help: flowq's commands start with '.'"}},
		{"x", "\\x\nSELECT 4 AS d;\n", []string{"d = 4\n"}, nil, nil},
		{"duckbox", ".mode duckbox\n.mode\n.mode box\nSELECT 5 AS e;\n", []string{"mode: table\n", "│ e │"}, nil, nil},
		{"mode alone", ".mode\n", []string{"mode: csv\n"}, nil, nil},
		{"headers off", ".headers off\nSELECT 6 AS f, 'x\"y' AS \"odd\nname\";\n.headers on\nSELECT 7 AS g;\n", []string{"6,\"x\"\"y\"\ng\n7\n"}, []string{"f,"}, nil},
		{"timer", ".timer on\nSELECT 8 AS h;\n.timer off\nSELECT 9 AS i;\n", []string{"h\n8\ni\n9\n"}, nil, []string{"(1 row, "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, tt.script)
			if err != nil {
				t.Fatalf("Run: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
			}
			rest := out
			for _, w := range tt.wantOut {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in order):\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.notOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, "Error") {
				t.Errorf("stderr has an error:\n%s", errOut)
			}
		})
	}
}

// TestScriptTimerCounts: .timer is .timing, so only the statement run with it on has a footer.
func TestScriptTimerCounts(t *testing.T) {
	_, errOut, err := runScriptText(t, Config{Format: "csv"}, ".timer off\nSELECT 1 AS a;\n.timer on\nSELECT 2 AS b;\n")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(errOut, "(1 row, "); n != 1 {
		t.Errorf("%d footers, want 1:\n%s", n, errOut)
	}
}

// TestScriptUnknownBackslash: a backslash command flowq does not know is an error naming it,
// not SQL.
func TestScriptUnknownBackslash(t *testing.T) {
	_, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, "SELECT 1 AS a;\n\\l\nSELECT 2 AS b;\n")
	if !errors.Is(err, ErrReported) || !strings.Contains(errOut, `Error: <stdin> line 2: unknown command \l: flowq's commands start with '.'`) {
		t.Errorf("err = %v, stderr = %q", err, errOut)
	}
}

// TestChartKeepsSQLQuotes: the SQL given to .chart reaches DuckDB as typed. The quotes of
// 'REJECT' used to be stripped, so DuckDB looked for a column named REJECT. The planted REJECT
// flow is 10.0.0.1 → 10.0.0.3:22, 500 bytes.
func TestChartKeepsSQLQuotes(t *testing.T) {
	script := ".chart bar SELECT srcaddr, sum(bytes) AS bytes FROM vpc_flow_logs WHERE action='REJECT' AND 'a  b' <> '' GROUP BY 1\n"
	out, errOut, err := runScriptText(t, Config{NoTiming: true}, script)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "10.0.0.1") || !strings.Contains(out, "500") || strings.Contains(out, "10.0.0.4") {
		t.Errorf("chart is not of the REJECT flows:\n%s", out)
	}
}

// TestScriptErrorLine: a script error names the file and the line the error is on, not the line
// its statement starts on.
func TestScriptErrorLine(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.sql")
	if err := os.WriteFile(inc, []byte("-- included\nSELECT 1 AS a;\nSELECT srcaddr,\n       nosuch\nFROM vpc_flow_logs;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, script, want string }{
		{"second line of a statement", "SELECT 1 AS one;\nSELECT 2 AS two,\n  nosuch FROM vpc_flow_logs;\n", "Error: <stdin> line 3: Binder Error"},
		{"statement after another on its line", "SELECT 1 AS one; SELECT\n\n  nosuch FROM vpc_flow_logs;\n", "Error: <stdin> line 3: Binder Error"},
		{"after comments, no semicolon", "-- report\n\nSELECT 1\n  , 2\n  , nosuch\nFROM vpc_flow_logs", "Error: <stdin> line 5: Binder Error"},
		{"parser error", "SELECT 1 AS a;\n\nSELECT 1\nFROM FROM vpc_flow_logs;\n", "Error: <stdin> line 4: Parser Error"},
		{"meta-command", "SELECT 1 AS a;\n.mode xml\n", "Error: <stdin> line 2: .mode"},
		{"read file", "SELECT 1 AS a;\n.read " + inc + "\n", "Error: " + inc + " line 4: Binder Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, tt.script)
			if !errors.Is(err, ErrReported) || !strings.Contains(errOut, tt.want) {
				t.Errorf("err = %v, stderr lacks %q:\n%s", err, tt.want, errOut)
			}
		})
	}
}

// TestQueriesListsChoices: .queries shows the values a parameter takes, in the list and for one
// query.
func TestQueriesListsChoices(t *testing.T) {
	out, errOut, err := runScriptText(t, Config{Queries: fakeQueries{}, NoTiming: true}, ".queries\n.queries top_talkers\n")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"action=ACCEPT|REJECT", "top_talkers — sources by bytes",
		"action     -        one of ACCEPT, REJECT  ACCEPT or REJECT", "limit      10       an integer"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestScriptCutSaysHowToSeeAll: a result cut by .maxrows says so under it, with the ways to see
// the rest (range(5) capped at 2 rows).
func TestScriptCutSaysHowToSeeAll(t *testing.T) {
	_, errOut, err := runScriptText(t, Config{Format: "table", NoTiming: true}, ".maxrows 2\nSELECT range AS r FROM range(5);\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "(2 of 5 rows shown: .maxrows 0 shows all, .output FILE writes them to a file)") {
		t.Errorf("stderr = %q", errOut)
	}
}

// TestIsCommand: what the editor accepts on Enter as a command instead of continuing SQL.
func TestIsCommand(t *testing.T) {
	tests := []struct {
		text      string
		cmd, last bool
	}{
		{".tables", true, false},
		{`\dt`, true, false},
		{"  exit  ", true, false},
		{"QUIT;", true, false},
		{"help", true, false},
		{"exit_code", false, false},
		{"SELECT 1", false, false},
		{"SELECT 1\n\\q", false, true},
		{"SELECT 1\n  \\r ", false, true},
		{"SELECT 1\n\\dt", false, false},
	}
	for _, tt := range tests {
		_, last := lastLineCommand(tt.text)
		if got := isCommand(tt.text); got != tt.cmd || last != tt.last {
			t.Errorf("%q: isCommand %v, lastLineCommand %v; want %v, %v", tt.text, got, last, tt.cmd, tt.last)
		}
	}
}

// TestRunInputPastedLines: an input of several lines that starts with a command (pasted) runs
// line by line; the SQL after the command used to become the command's arguments.
func TestRunInputPastedLines(t *testing.T) {
	var out, errb strings.Builder
	s, err := newSession(Config{Session: testSession(t), IO: iostreams.Test(nil, &out, &errb), NoTiming: true})
	if err != nil {
		t.Fatal(err)
	}
	noCancel := func(context.CancelFunc) {}
	if quit := s.runInput(context.Background(), ".mode csv\nSELECT 1 AS a;\n\\x\nSELECT 2 AS b;", noCancel); quit {
		t.Fatal("quit")
	}
	if got := out.String(); got != "a\n1\nb = 2\n" {
		t.Errorf("stdout = %q\nstderr = %q", got, errb.String())
	}
	if quit := s.runInput(context.Background(), "\\dt\nexit", noCancel); !quit {
		t.Errorf("exit on the second pasted line did not quit; stderr = %q", errb.String())
	}
}
