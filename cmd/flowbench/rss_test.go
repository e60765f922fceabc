package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
)

// TestMain lets the test binary play the helper and a child of known size, as flowbench's own
// main does for the helper.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case rssCmd:
			code, err := rssChild(os.Args[2:])
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
			os.Exit(code)
		case "__alloc":
			n, _ := strconv.Atoi(os.Args[2])
			touch(n)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

var sink []byte

// touch allocates n MiB and writes every page, so they count in the resident set.
func touch(n int) {
	sink = make([]byte, n<<20)
	for i := 0; i < len(sink); i += 4096 {
		sink[i] = 1
	}
}

// TestMeasuredRSS: a child touching 100 MiB reports about that much, although this process
// touched 600 MiB before starting it (measured directly, the child would report ≥ 600 MiB).
func TestMeasuredRSS(t *testing.T) {
	touch(600)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{tmp: t.TempDir(), log: io.Discard}
	_, rss, err := b.measuredRun(context.Background(), nil, io.Discard, os.Stderr, self, "__alloc", "100")
	if err != nil {
		t.Fatal(err)
	}
	if rss < 100<<20 || rss > 250<<20 {
		t.Errorf("child peak RSS %s, want 100–250 MiB", mib(rss))
	}
	sink = nil
}
