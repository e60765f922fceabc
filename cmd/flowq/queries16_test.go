package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/queries"
)

// Issue 16, also seen: `flowq queries` fits the terminal and lists parameter choices; --json
// uses snake_case keys and [] for empty lists.
func TestQueriesListFitsAndJSONKeys(t *testing.T) {
	c, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	list := c.List()
	for _, width := range []int{0, 60, 100} {
		var buf bytes.Buffer
		if err := listQueries(&buf, list, width); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		// top-talkers' by= lists its choices (pair is one of them).
		if !strings.Contains(out, "by=") || !strings.Contains(out, "|pair") && !strings.Contains(out, "pair|") {
			t.Errorf("width %d: the choices of top-talkers' by are not listed:\n%s", width, out)
		}
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if n := utf8.RuneCountInString(line); width > 0 && n > width {
				t.Errorf("width %d: line of %d runes: %q", width, n, line)
			}
		}
		for _, q := range list {
			if !strings.Contains(out, q.Name) {
				t.Errorf("width %d: %s not listed", width, q.Name)
			}
		}
	}

	var objs []map[string]any
	b, _ := json.Marshal(queriesJSON(list))
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"Name"`) || strings.Contains(string(b), `":null`) {
		t.Errorf("Go-cased keys or null in --json: %.300s", b)
	}
	for _, o := range objs {
		for _, k := range []string{"name", "description", "params", "sql", "source"} {
			if _, ok := o[k]; !ok {
				t.Errorf("%v lacks key %q", o["name"], k)
			}
		}
		for _, p := range o["params"].([]any) {
			if _, ok := p.(map[string]any)["choices"].([]any); !ok {
				t.Errorf("%v: a parameter's choices are not a list: %v", o["name"], p)
			}
		}
	}
}
