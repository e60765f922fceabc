package shell

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/internal/golden"
	"github.com/flowq/flowq/engine/iostreams"
)

func runScriptText(t *testing.T, cfg Config, script string) (stdout, stderr string, err error) {
	t.Helper()
	if cfg.Session == nil {
		cfg.Session = testSession(t)
	}
	var out, errb bytes.Buffer
	cfg.IO = iostreams.Test(strings.NewReader(script), &out, &errb)
	err = Run(context.Background(), cfg)
	return out.String(), errb.String(), err
}

// TestScriptGolden runs a report through the plain-reader path. The golden file was checked by
// hand against the planted rows: ACCEPT 4 flows 1,238,147 bytes (1000+2500+80+1234567), REJECT
// 1 flow 500 bytes; top talkers 10.0.0.1 = 1,236,067 and 10.0.0.4 = 2,500; packets by port
// 22 → 5, 53 → 1, 443 → 33.
func TestScriptGolden(t *testing.T) {
	script, err := os.ReadFile("testdata/report.sql")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runScriptText(t, Config{Queries: fakeQueries{}, NoTiming: true}, string(script))
	if err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr not empty (prompt noise?):\n%s", errOut)
	}
	golden.CheckString(t, filepath.Join("testdata", "report.golden"), out)
}

func TestScriptStopsAtFirstError(t *testing.T) {
	script := "SELECT 1 AS one;\nSELECT 2 AS two,\n  nosuch FROM vpc_flow_logs;\nSELECT 3 AS three;\n"
	out, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, script)
	if !errors.Is(err, ErrReported) {
		t.Fatalf("err = %v, want ErrReported", err)
	}
	if out != "one\n1\n" {
		t.Errorf("stdout = %q, want only the first result", out)
	}
	// The failing statement starts on line 2; DuckDB marks the column on its LINE 2, which is
	// line 3 of the script: the error names the line of the error.
	for _, want := range []string{"Error: <stdin> line 3: Binder Error: Referenced column \"nosuch\" not found",
		"LINE 2:   nosuch FROM vpc_flow_logs\n          ^"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestScriptTimingToStderr(t *testing.T) {
	out, errOut, err := runScriptText(t, Config{Format: "csv"}, "SELECT 1 AS x; SELECT * FROM range(3);\n")
	if err != nil {
		t.Fatal(err)
	}
	if out != "x\n1\nrange\n0\n1\n2\n" {
		t.Errorf("stdout = %q", out)
	}
	if !regexp.MustCompile(`^\(1 row, [^)]+\)\n\(3 rows, [^)]+\)\n$`).MatchString(errOut) {
		t.Errorf("stderr = %q, want one footer per result", errOut)
	}
}

func TestScriptLastStatementWithoutSemicolon(t *testing.T) {
	out, _, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, "select 41 + 1 as a")
	if err != nil || out != "a\n42\n" {
		t.Errorf("out = %q, err = %v", out, err)
	}
	out, _, err = runScriptText(t, Config{Format: "csv", NoTiming: true}, "select 1 as a; -- trailing comment only\n")
	if err != nil || out != "a\n1\n" {
		t.Errorf("out = %q, err = %v", out, err)
	}
}

func TestScriptOpenBlockComment(t *testing.T) {
	// Lines inside an open /* comment are comment text: neither the statement nor the
	// meta-command in it runs.
	script := "/* disabled:\nSELECT 1 AS one;\n.mode json\n*/\nSELECT 2 AS two;\n"
	out, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, script)
	if err != nil || out != "two\n2\n" {
		t.Errorf("out = %q, err = %v\n%s", out, err, errOut)
	}
}

func TestScriptOutputAndRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "out.csv")
	inc := filepath.Join(dir, "inc.sql")
	if err := os.WriteFile(inc, []byte("SELECT count(*) AS rejected FROM vpc_flow_logs\nWHERE action = 'REJECT';\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := ".output " + file + "\nSELECT count(*) AS flows FROM vpc_flow_logs;\n.output\n.read " + inc + "\n"
	out, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, script)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	got, _ := os.ReadFile(file)
	if string(got) != "flows\n5\n" {
		t.Errorf(".output file = %q", got)
	}
	if out != "rejected\n1\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestScriptAthena(t *testing.T) {
	// Athena divides integers like Trino (7/2 = 3, the rewrite's "//"); DuckDB gives 3.5.
	script := ".athena on\nSELECT 7/2 AS n;\n.athena off\nSELECT 7/2 AS n;\n.athena on\nSELECT 9/2 AS n;\n"
	out, errOut, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, script)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	if out != "n\n3\nn\n3.5\nn\n4\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestScriptQuit(t *testing.T) {
	out, _, err := runScriptText(t, Config{Format: "csv", NoTiming: true}, "SELECT 1 AS a;\n.quit\nSELECT 2 AS b;\n")
	if err != nil && !errors.Is(err, errQuit) {
		t.Fatal(err)
	}
	if out != "a\n1\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestScriptStatusStatements(t *testing.T) {
	// SET, CREATE and INSERT answer with one-column status results: they become status lines
	// on stderr; a query that happens to name its column "Success" is still printed.
	out, errOut, err := runScriptText(t, Config{Format: "csv"},
		"SET threads = 1; CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2); SELECT true AS \"Success\" WHERE false;\n")
	if err != nil {
		t.Fatal(err)
	}
	if out != "Success\n" {
		t.Errorf("stdout = %q", out)
	}
	if !regexp.MustCompile(`^\(OK, [^)]+\)\n\(OK, [^)]+\)\n\(2 rows affected, [^)]+\)\n\(0 rows, [^)]+\)\n$`).MatchString(errOut) {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestScriptMaxRows(t *testing.T) {
	out, _, err := runScriptText(t, Config{Format: "line", NoTiming: true}, ".maxrows 2\nSELECT range AS r FROM range(5);\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "3 more rows") || strings.Contains(out, "= 2\n") {
		t.Errorf("cap of 2 rows not applied:\n%s", out)
	}
}

func TestScriptBeforeStatement(t *testing.T) {
	db := testDB(t)
	calls := 0
	before := func(ctx context.Context) error {
		calls++
		// Stands in for the store rebuilding its views after another process loaded data.
		_, err := db.ExecContext(ctx, "CREATE OR REPLACE VIEW fresh AS SELECT "+strconv.Itoa(calls)+" AS generation")
		return err
	}
	sess := &dbSession{db: db, before: before}
	out, _, err := runScriptText(t, Config{Session: sess, Format: "csv", NoTiming: true},
		"SELECT * FROM fresh; SELECT * FROM fresh;\n")
	if err != nil {
		t.Fatal(err)
	}
	if out != "generation\n1\ngeneration\n2\n" || calls != 2 {
		t.Errorf("stdout = %q after %d calls", out, calls)
	}
}
