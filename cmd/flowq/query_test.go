package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/flowq/flowq/engine/iostreams"
	"github.com/flowq/flowq/engine/shell"
	"github.com/spf13/cobra"
)

// parseWithRunF runs a command built by build with args and a runF that captures the options; it
// returns the captured options (nil when runF was not reached) and the error.
func parseWithRunF[O any](t *testing.T, build func(*factory, func(context.Context, *O) error) *cobra.Command, args []string) (*O, error) {
	t.Helper()
	f := newFactory(iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	var got *O
	cmd := build(f, func(_ context.Context, o *O) error {
		got = o
		return nil
	})
	root := newRootCmd(f) // root's flag-error handling makes bad flags usage errors, as in flowq
	for _, c := range root.Commands() {
		if c.Name() == cmd.Name() {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(cmd)
	usageArgs(root)
	root.SetArgs(append([]string{cmd.Name()}, args...))
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	err := root.ExecuteContext(context.Background())
	return got, err
}

// exitsUsage reports whether err makes flowq exit with the usage status.
func exitsUsage(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.code == exitUsage
}

func TestQueryFlags(t *testing.T) {
	def := outputFlags{maxRows: 1000, dialect: "athena"}
	with := func(fn func(o *outputFlags)) outputFlags {
		o := def
		fn(&o)
		return o
	}
	cases := []struct {
		name  string
		args  []string
		want  *queryOptions // nil: a usage error
		usage string        // part of the usage error
	}{
		{"sql argument", []string{"SELECT 1"}, &queryOptions{sql: "SELECT 1", output: def}, ""},
		{"file", []string{"-f", "r.sql"}, &queryOptions{file: "r.sql", output: def}, ""},
		{"stdin", []string{"-f", "-"}, &queryOptions{file: "-", output: def}, ""},
		{"all output flags", []string{"SELECT 1", "--format", "json", "-o", "x.json", "--max-rows", "5", "--read-only", "--dialect", "duckdb"},
			&queryOptions{sql: "SELECT 1", output: with(func(o *outputFlags) {
				o.format, o.out, o.maxRows, o.readOnly, o.dialect = "json", "x.json", 5, true, "duckdb"
			})}, ""},
		{"chart without kind", []string{"SELECT 1", "--chart"}, &queryOptions{sql: "SELECT 1", output: with(func(o *outputFlags) { o.chart = "auto" })}, ""},
		{"chart bar", []string{"SELECT 1", "--chart=bar"}, &queryOptions{sql: "SELECT 1", output: with(func(o *outputFlags) { o.chart = "bar" })}, ""},
		{"no sql", nil, nil, "no SQL given"},
		{"sql and file", []string{"SELECT 1", "-f", "r.sql"}, nil, "not both"},
		{"two args", []string{"SELECT 1", "SELECT 2"}, nil, "accepts at most 1 arg"},
		{"bad format", []string{"SELECT 1", "--format", "xml"}, nil, "--format"},
		{"bad chart", []string{"SELECT 1", "--chart=pie"}, nil, "--chart"},
		{"bad dialect", []string{"SELECT 1", "--dialect", "mysql"}, nil, "dialect"},
		{"bad max-rows", []string{"SELECT 1", "--max-rows", "many"}, nil, "max-rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseWithRunF(t, newQueryCmd, c.args)
			if c.want == nil {
				if !exitsUsage(err) || !strings.Contains(err.Error(), c.usage) {
					t.Fatalf("err = %v, want a usage error containing %q", err, c.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.f = nil
			got.remote = athenaRemote{} // --on and the AWS options: TestAthenaRemoteFlags
			if !reflect.DeepEqual(*got, *c.want) {
				t.Errorf("options = %+v\nwant      %+v", *got, *c.want)
			}
		})
	}
}

func TestShellFlags(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		want  *shellOptions
		usage string
	}{
		{"defaults", nil, &shellOptions{dialect: "athena"}, ""},
		{"all flags", []string{"--format", "md", "--max-rows", "7", "--read-only", "--no-timing", "--dialect", "duckdb"},
			&shellOptions{format: "markdown", maxRows: 7, readOnly: true, noTiming: true, dialect: "duckdb"}, ""},
		{"bad format", []string{"--format", "xml"}, nil, "xml"},
		{"bad dialect", []string{"--dialect", "sqlite"}, nil, "dialect"},
		{"argument", []string{"SELECT 1"}, nil, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseWithRunF(t, newShellCmd, c.args)
			if c.want == nil {
				if !exitsUsage(err) || !strings.Contains(err.Error(), c.usage) {
					t.Fatalf("err = %v, want a usage error containing %q", err, c.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.f = nil
			if !reflect.DeepEqual(*got, *c.want) {
				t.Errorf("options = %+v\nwant      %+v", *got, *c.want)
			}
		})
	}
}

// TestShellDocsListEveryCommand: docs/shell.md lists exactly the shell's meta-commands, each
// with the usage .help shows.
func TestShellDocsListEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../docs/shell.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "## Meta-commands")
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `(\\.[a-z]+[^`]*)` \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[strings.ReplaceAll(m[1], `\|`, "|")] = true
	}
	for _, c := range shell.Commands(extraShellCommands(nil)) {
		want := strings.TrimSpace(c.Name + " " + c.Usage)
		if !documented[want] {
			t.Errorf("docs/shell.md lacks a row for `%s`", want)
		}
		delete(documented, want)
	}
	for d := range documented {
		t.Errorf("docs/shell.md documents `%s`, which is not in the command table", d)
	}
}
