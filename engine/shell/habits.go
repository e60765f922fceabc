package shell

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Habits from other SQL shells: psql's backslash commands and its bare exit/quit/help, which
// would otherwise open a SQL continuation that swallows the next lines. Each is answered with
// flowq's meta-command, named so the user learns it.

// habit is a recognised foreign command: the meta-command line that does the same, or a note
// when there is no equivalent.
type habit struct {
	meta string // ".tables", ".schema vpc_flow_logs", ... ("" = nothing to run)
	note string // shown before running meta, or alone
}

// isCommand reports whether a whole input is a command rather than SQL: a meta-command, a
// backslash command, or a bare exit/quit/help.
func isCommand(text string) bool {
	if isMeta(text) {
		return true
	}
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, `\`) {
		return true
	}
	switch strings.ToLower(strings.TrimRight(t, "; \t")) {
	case "exit", "quit", "help":
		return true
	}
	return false
}

// lastLineCommand reports whether the last line of a multi-line input is a backslash command
// psql honours inside an unfinished statement (\q, \r), and returns it.
func lastLineCommand(text string) (string, bool) {
	i := strings.LastIndexByte(strings.TrimRight(text, " \t\r\n"), '\n')
	if i < 0 {
		return "", false
	}
	last := strings.TrimSpace(text[i+1:])
	switch strings.ToLower(last) {
	case `\q`, `\r`:
		return last, true
	}
	return "", false
}

// translateHabit maps a non-meta command line (isCommand) to flowq's equivalent; timing and
// format are the session's current settings, for the toggles (\timing, \x).
func (s *session) translateHabit(line string) habit {
	t := strings.TrimSpace(line)
	word, rest := cutWord(t)
	lw := strings.ToLower(strings.TrimRight(word, ";"))
	switch lw {
	case "exit", "quit", `\q`:
		return habit{meta: ".quit"}
	case "help", `\?`, `\h`, `\help`:
		return habit{meta: ".help", note: fmt.Sprintf("(%s: flowq's commands start with '.'; .help lists them)", word)}
	case `\d`, `\d+`, `\dt`, `\dt+`, `\dv`, `\dv+`:
		if rest != "" && lw != `\dt` && lw != `\dv` {
			return habit{meta: ".schema " + rest, note: fmt.Sprintf("(%s %s is .schema %s in flowq)", word, rest, rest)}
		}
		return habit{meta: ".tables", note: fmt.Sprintf("(%s is .tables in flowq)", word)}
	case `\timing`:
		v := rest
		if v == "" {
			v = "on"
			if s.timing {
				v = "off"
			}
		}
		return habit{meta: ".timing " + v, note: fmt.Sprintf("(%s is .timing %s in flowq)", word, v)}
	case `\x`:
		mode := "line"
		switch strings.ToLower(rest) {
		case "off":
			mode = "table"
		case "", "auto":
			if s.format == "line" {
				mode = "table"
			}
		}
		return habit{meta: ".mode " + mode, note: fmt.Sprintf("(%s is .mode %s in flowq)", word, mode)}
	case `\o`:
		return habit{meta: strings.TrimSpace(".output " + rest), note: fmt.Sprintf("(%s is .output in flowq)", word)}
	case `\i`, `\ir`:
		return habit{meta: ".read " + rest, note: fmt.Sprintf("(%s is .read in flowq)", word)}
	case `\r`:
		return habit{note: "Query buffer reset (cleared)."}
	}
	return habit{note: fmt.Sprintf("unknown command %s: flowq's commands start with '.' (see .help)", word)}
}

// runCommand runs a command line (isCommand): a meta-command, or a foreign command's flowq
// equivalent after a note naming it. An unknown backslash command is an error.
func (s *session) runCommand(ctx context.Context, line string) error {
	if isMeta(line) {
		return s.dispatch(ctx, line)
	}
	h := s.translateHabit(line)
	if h.meta == "" && strings.HasPrefix(h.note, "unknown command") {
		return errors.New(h.note)
	}
	if h.note != "" {
		s.footer(h.note)
	}
	if h.meta == "" {
		return nil
	}
	return s.dispatch(ctx, h.meta)
}
