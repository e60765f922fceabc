package flowgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowq/flowq/engine/internal/golden"
)

// TestGolden pins the exact text of a tiny generation, one file per format, so that a change
// to record layout or randomness shows up in review.
func TestGolden(t *testing.T) {
	for _, f := range AllFormats {
		t.Run(f.Name, func(t *testing.T) {
			cfg := Config{Seed: 3, Records: 12, Span: 5 * time.Minute, Accounts: []string{"012345678901"},
				Regions: []string{"eu-west-1"}, Formats: []Format{f}, Layouts: []Layout{LayoutHiveHourly}, ENIsPerVPC: 4}
			m := NewMemSink()
			if _, err := Generate(context.Background(), cfg, m); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			for _, k := range m.Keys() {
				data, _ := m.Get(k)
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				text, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				got.WriteString("# " + k + "\n")
				got.Write(text)
			}
			golden.Check(t, filepath.Join("testdata", "tiny-"+f.Name+".golden"), got.Bytes())
		})
	}
}
