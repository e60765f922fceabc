package shell

import (
	"io"

	"context"
	"errors"
	"github.com/flowq/flowq/engine/iostreams"
	"reflect"
	"strings"
	"testing"
)

func TestParseMeta(t *testing.T) {
	tests := []struct {
		line    string
		name    string
		args    []string
		wantErr bool
	}{
		{".mode csv", ".mode", []string{"csv"}, false},
		{"  .OUTPUT   'my file.csv'  ", ".output", []string{"my file.csv"}, false},
		{`.run top_talkers limit=5 action="ACCEPT"`, ".run", []string{"top_talkers", "limit=5", "action=ACCEPT"}, false},
		{".tables", ".tables", []string{}, false},
		{`.read "a b.sql`, "", nil, true},
		{"select 1", "", nil, true},
	}
	for _, tt := range tests {
		name, args, err := parseMeta(tt.line)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err = %v, wantErr %v", tt.line, err, tt.wantErr)
			continue
		}
		if name != tt.name || !reflect.DeepEqual(args, tt.args) {
			t.Errorf("%q: got %q %q, want %q %q", tt.line, name, args, tt.name, tt.args)
		}
	}
}

func TestParseParams(t *testing.T) {
	got, err := parseParams([]string{"limit=5", "filter=a=b", "empty="})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"limit": "5", "filter": "a=b", "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"limit", "=5"} {
		if _, err := parseParams([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDispatch(t *testing.T) {
	var chartArgs []string
	chart := Command{Name: ".chart", Usage: "COLUMN", Help: "chart the last result",
		Args: func(*Env, []string) []Candidate { return []Candidate{{Text: "bytes"}} },
		Run: func(ctx context.Context, env *Env, args []string) error {
			chartArgs = args
			return nil
		}}
	s, err := newSession(Config{Session: testSession(t), IO: iostreams.Test(nil, io.Discard, io.Discard), ExtraCommands: []Command{chart}, Queries: fakeQueries{}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s.out, s.err, s.scr = &out, &out, &out
	ctx := context.Background()

	ok := []struct {
		line  string
		check func() bool
	}{
		{".mode csv", func() bool { return s.format == "csv" }},
		{".mode MD", func() bool { return s.format == "markdown" }},
		{".timing off", func() bool { return !s.timing }},
		{".timing on", func() bool { return s.timing }},
		{".maxrows 5", func() bool { return s.maxRows == 5 }},
		{".chart bytes", func() bool { return reflect.DeepEqual(chartArgs, []string{"bytes"}) }},
	}
	for _, tt := range ok {
		if err := s.dispatch(ctx, tt.line); err != nil || !tt.check() {
			t.Errorf("%q: err = %v, state wrong = %v", tt.line, err, !tt.check())
		}
	}
	bad := []struct{ line, want string }{
		{".maxrows many", "usage: .maxrows N"},
		{".timing maybe", `expected on or off, got "maybe"`},
		{".mode xml", "usage: .mode [table|csv|json|ndjson|markdown|line]"},
		{".nosuch", "unknown command .nosuch"},
		{".schema nosuch", `no table or view named "nosuch"`},
		{".run", "expected a query name"},
		{".run top_talkers limit", `expected param=value, got "limit"`},
		{".run nosuch", `no saved query "nosuch"`},
	}
	for _, tt := range bad {
		err := s.dispatch(ctx, tt.line)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tt.line, err, tt.want)
		}
	}
	if err := s.dispatch(ctx, ".exit"); !errors.Is(err, errQuit) {
		t.Errorf(".exit: %v", err)
	}

	// .help is generated from the same table: every command, the extra one included.
	out.Reset()
	if err := s.dispatch(ctx, ".help"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".help", ".tables", ".schema [table]", ".queries", ".run NAME [param=value ...]",
		".timing on|off", ".mode [table|csv", ".output [FILE]", ".read FILE.sql", ".status", ".maxrows N",
		".athena on|off", ".history", ".quit", ".exit", ".chart COLUMN"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf(".help lacks %q:\n%s", name, out.String())
		}
	}
	out.Reset()
	if err := s.dispatch(ctx, ".help run"); err != nil || !strings.Contains(out.String(), "run a saved query") {
		t.Errorf(".help run: %v %q", err, out.String())
	}
	out.Reset()
	if err := s.dispatch(ctx, ".queries"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "top_talkers  limit=10 action=ACCEPT|REJECT  sources by bytes") {
		t.Errorf(".queries:\n%s", out.String())
	}
}

func TestHistoryCommand(t *testing.T) {
	s, err := newSession(Config{Session: testSession(t), IO: iostreams.Test(nil, io.Discard, io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	s.hist, _ = LoadHistory("", 0)
	for _, e := range []string{"SELECT 1;", "SELECT srcaddr FROM vpc_flow_logs;", ".tables", "select SRCADDR from x;"} {
		s.hist.Add(e)
	}
	var out strings.Builder
	s.out, s.scr = &out, &out
	if err := s.dispatch(context.Background(), ".history search srcaddr"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "SELECT srcaddr FROM vpc_flow_logs;\nselect SRCADDR from x;\n" {
		t.Errorf("search = %q", out.String())
	}
}
