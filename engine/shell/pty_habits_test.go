package shell

import (
	"strings"
	"testing"
	"time"
)

// TestPTYHabits: psql's commands answer at once with flowq's equivalent instead of opening a
// "......" continuation; Ctrl-D and Ctrl-C edit as in psql (readline): Ctrl-D deletes the
// character under the cursor and never exits while text is typed, Ctrl-C drops the whole
// input, continuation lines included; \q on a continuation line leaves.
func TestPTYHabits(t *testing.T) {
	sh := startShell(t, "")
	sh.wait(`flowq> `, 20*time.Second)

	sh.typeText(`\dt`)
	sh.key(keyEnter)
	out := sh.wait(`(?s)\\dt is \.tables in flowq.*vpc_flow_logs.*flowq> `, 5*time.Second)
	if strings.Contains(out, "......") {
		t.Errorf(`\dt opened a continuation:\n%s`, out)
	}

	sh.typeText(`\d vpc_flow_logs`)
	sh.key(keyEnter)
	sh.wait(`(?s)\.schema vpc_flow_logs in flowq.*srcaddr.*flowq> `, 5*time.Second)

	sh.typeText("help")
	sh.key(keyEnter)
	sh.wait(`(?s)\.run NAME.*flowq> `, 5*time.Second)

	// Timing is on interactively: \timing turns it off, so the next result has no footer.
	sh.typeText(`\timing`)
	sh.key(keyEnter)
	sh.wait(`\\timing is \.timing off in flowq`, 5*time.Second)
	sh.waitPrompt()
	sh.typeText(".timer on")
	sh.key(keyEnter)
	sh.waitPrompt()

	// Ctrl-D with text: deletes the character under the cursor (the 4), does not exit.
	sh.typeText("SELECT 1234 AS n;")
	for range len("4 AS n;") {
		sh.key(keyLeft)
	}
	sh.key(keyCtrlD)
	sh.key(keyEnter)
	out = sh.wait(`\(1 row`, 5*time.Second)
	if !strings.Contains(out, "│ 123 │") {
		t.Errorf("Ctrl-D did not delete the character under the cursor:\n%s", out)
	}
	sh.waitPrompt()
	// Ctrl-D at the end of a non-empty line: nothing.
	sh.typeText("SELECT 8 AS eight;")
	sh.key(keyCtrlD)
	sh.key(keyEnter)
	out = sh.wait(`\(1 row`, 5*time.Second)
	if !strings.Contains(out, "│     8 │") {
		t.Errorf("Ctrl-D at the end of the line changed the input:\n%s", out)
	}
	sh.waitPrompt()

	// Ctrl-C on a continuation line drops the whole statement.
	sh.typeText("SELECT 'dropped' AS d")
	sh.key(keyEnter)
	sh.wait(`\.\.\.\.\.\. ?$`, 5*time.Second)
	sh.typeText("FROM nowhere")
	sh.key(keyCtrlC)
	sh.waitPrompt()
	sh.typeText("SELECT 5 AS five;")
	sh.key(keyEnter)
	out = sh.wait(`(?s)\(1 row.*flowq> `, 5*time.Second)
	if strings.Contains(out, "dropped") || strings.Contains(out, "Error") {
		t.Errorf("Ctrl-C left the continuation in the buffer:\n%s", out)
	}

	// \q on a continuation line leaves, as in psql.
	sh.typeText("SELECT 1")
	sh.key(keyEnter)
	sh.wait(`\.\.\.\.\.\. ?$`, 5*time.Second)
	sh.typeText(`\q`)
	sh.key(keyEnter)
	if err := sh.exit(5 * time.Second); err != nil {
		t.Fatalf(`\q: exit %v`, err)
	}
}

// TestPTYExitWords: exit and quit alone leave the shell.
func TestPTYExitWords(t *testing.T) {
	for _, word := range []string{"exit", "quit"} {
		t.Run(word, func(t *testing.T) {
			sh := startShell(t, "")
			sh.wait(`flowq> `, 20*time.Second)
			sh.typeText(word)
			sh.key(keyEnter)
			if err := sh.exit(5 * time.Second); err != nil {
				t.Fatalf("%s: exit %v", word, err)
			}
		})
	}
}

// TestPTYParamValues: Tab after "NAME=" of .run completes the parameter's allowed values; it
// used to insert parameter names there. REJECT over the planted rows: 10.0.0.1, 500 bytes.
func TestPTYParamValues(t *testing.T) {
	sh := startShell(t, "")
	sh.wait(`flowq> `, 20*time.Second)
	sh.typeText(".run top_talkers action=R")
	sh.key(keyTab)
	sh.waitNoMark(`action=REJECT`, 5*time.Second)
	sh.key(keyEnter)
	out := sh.wait(`(?s)\(1 row.*flowq> `, 10*time.Second)
	if !strings.Contains(out, "10.0.0.1") || !strings.Contains(out, "500") || strings.Contains(out, "Error") {
		t.Errorf("wrong result:\n%s", out)
	}
	// A parameter without choices: Tab after '=' leaves the line alone.
	sh.typeText(".run top_talkers limit=")
	sh.key(keyTab)
	sh.typeText("2")
	sh.key(keyEnter)
	out = sh.wait(`(?s)\(2 rows.*flowq> `, 10*time.Second)
	if strings.Contains(out, "Error") || !strings.Contains(out, "10.0.0.4") {
		t.Errorf("wrong result after Tab on limit=:\n%s", out)
	}
	sh.key(keyCtrlD)
	if err := sh.exit(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestPTYPager: a result taller than the terminal (40 lines) goes through $PAGER; one that fits
// does not; .pager off turns it off.
func TestPTYPager(t *testing.T) {
	sh := startShell(t, "", "PAGER=sed s/^/PAGED:/")
	sh.wait(`flowq> `, 20*time.Second)

	sh.typeText("SELECT range AS n FROM range(100);")
	sh.key(keyEnter)
	out := sh.wait(`(?s)\(100 rows.*flowq> `, 10*time.Second)
	if !strings.Contains(out, "PAGED:│ 99 │") && !strings.Contains(out, "PAGED:│ 99") {
		t.Errorf("tall result not paged:\n%s", out)
	}

	sh.typeText("SELECT 41 AS small;")
	sh.key(keyEnter)
	out = sh.wait(`(?s)\(1 row.*flowq> `, 10*time.Second)
	if strings.Contains(out, "PAGED:") || !strings.Contains(out, "41") {
		t.Errorf("short result paged:\n%s", out)
	}

	sh.typeText(".pager off")
	sh.key(keyEnter)
	sh.waitPrompt()
	sh.typeText("SELECT range AS n FROM range(100);")
	sh.key(keyEnter)
	out = sh.wait(`(?s)\(100 rows.*flowq> `, 10*time.Second)
	if strings.Contains(out, "PAGED:") || !strings.Contains(out, "99") {
		t.Errorf(".pager off still paged:\n%s", out)
	}
	sh.key(keyCtrlD)
	if err := sh.exit(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// waitPrompt waits for a fresh prompt: "flowq> " at the end of the output after a line break,
// not the editor's redraw of the line just entered.
func (s *ptyShell) waitPrompt() {
	s.t.Helper()
	s.wait(`(?s)\n[^\n]*flowq> \s*$`, 5*time.Second)
}
