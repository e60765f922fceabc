package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{7 * ms}, 7 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{40 * ms, 10 * ms, 30 * ms, 20 * ms}, 25 * ms},
		{[]time.Duration{100 * ms, 3 * ms, 2 * ms, 1 * ms, 900 * ms}, 3 * ms}, // outliers do not move it
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFit(t *testing.T) {
	// y = 2 + 3x exactly: slope 3, intercept 2, R² 1.
	a, s, r2 := fit([]float64{1, 2, 4}, []float64{5, 8, 14})
	if math.Abs(a-2) > 1e-9 || math.Abs(s-3) > 1e-9 || math.Abs(r2-1) > 1e-9 {
		t.Errorf("fit = %v, %v, %v; want 2, 3, 1", a, s, r2)
	}
	// Points (0,0), (1,2), (2,1): slope 0.5, intercept 0.5; residuals -0.5, 1, -0.5 give
	// SSR 1.5 against SST 2, so R² 0.25.
	a, s, r2 = fit([]float64{0, 1, 2}, []float64{0, 2, 1})
	if math.Abs(a-0.5) > 1e-9 || math.Abs(s-0.5) > 1e-9 || math.Abs(r2-0.25) > 1e-9 {
		t.Errorf("fit = %v, %v, %v; want 0.5, 0.5, 0.25", a, s, r2)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{count(950), "950"},
		{count(12345), "12.3 k"},
		{count(10_000_000), "10.00 M"},
		{rate(2_430_000), "2.43 M/s"},
		{rate(177_400), "177 k/s"},
		{rate(362.4), "362/s"},
		{rate(12.34), "12.3/s"},
		{mib(3 << 20), "3.0 MiB"},
		{mib(200 << 20), "200 MiB"},
		{mib(1536 << 20), "1.50 GiB"},
		{dur(1500 * time.Microsecond), "1.5 ms"},
		{dur(320 * time.Millisecond), "320 ms"},
		{dur(25 * time.Second), "25.0 s"},
		{dur(0), "–"},
		{ratio(3, 2), "1.50×"},
		{ratio(500, 2), "250×"},
		{ratio(0, 2), "–"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tb := &table{
		title:  "T",
		header: []string{"name", "n", "note"},
		rows:   [][]string{{"a", "1", "x"}, {"long name", "1234", ""}},
		notes:  []string{"fine"},
	}
	want := "### T\n\n" +
		"| name      |    n | note |\n" +
		"| --------- | ---: | ---- |\n" +
		"| a         |    1 | x    |\n" +
		"| long name | 1234 |      |\n" +
		"\n- fine\n"
	if got := tb.markdown(); got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestReplaceSection(t *testing.T) {
	for _, c := range []struct {
		name, doc, want string
		err             bool
	}{
		{"empty", "", beginMark + "\nNEW\n" + endMark + "\n", false},
		{"no markers", "# B\nprose", "# B\nprose\n\n" + beginMark + "\nNEW\n" + endMark + "\n", false},
		{"replace", "# B\n" + beginMark + "\nOLD\nOLD\n" + endMark + "\n## After\n", "# B\n" + beginMark + "\nNEW\n" + endMark + "\n## After\n", false},
		{"only begin", "x " + beginMark, "", true},
		{"reversed", endMark + " " + beginMark, "", true},
	} {
		got, err := replaceSection(c.doc, "NEW\n\n")
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s: got %q, %v; want %q (error %v)", c.name, got, err, c.want, c.err)
		}
	}
}

func TestParseOnly(t *testing.T) {
	got, err := parseOnly(" ingest, sync ,")
	if err != nil || len(got) != 2 || !got["ingest"] || !got["sync"] {
		t.Errorf("parseOnly = %v, %v", got, err)
	}
	if _, err := parseOnly("ingest,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("parseOnly(bogus) error = %v", err)
	}
	if _, err := parseOnly(""); err == nil {
		t.Error("parseOnly(\"\") gave no error")
	}
}

func TestSubsetNested(t *testing.T) {
	var files []fileInfo
	for i := range 40 {
		files = append(files, fileInfo{Key: string(rune('a'+i%26)) + string(rune('a'+i/26)), Records: 100})
	}
	small, big := subset(files, 1000), subset(files, 2000)
	if len(small) != 10 || len(big) != 20 {
		t.Fatalf("subset sizes %d, %d; want 10, 20 (100 records each)", len(small), len(big))
	}
	for i, f := range small {
		if big[i].Key != f.Key {
			t.Fatalf("subsets are not nested at %d: %s vs %s", i, f.Key, big[i].Key)
		}
	}
	if all := subset(files, 1e9); len(all) != 40 {
		t.Errorf("subset beyond the total gave %d files, want 40", len(all))
	}
}
