package main

import (
	"database/sql"
	"io"

	"github.com/flowq/flowq/engine/output"
)

// renderChart draws rows (--chart) as a terminal chart as wide and high as the terminal allows
// (80×20 when not on one), in colour and Unicode when the terminal shows them.
func renderChart(f *factory, w io.Writer, rows *sql.Rows, kind output.ChartKind) error {
	data, err := output.ChartFromRows(rows)
	if err != nil {
		return err
	}
	width, height := output.ChartSize(f.IO.TerminalSize())
	caps := f.IO.Caps()
	return output.Chart(w, data, output.ChartOptions{Kind: kind, Width: width, Height: height,
		Unicode: caps.Unicode, Color: caps.Color})
}
