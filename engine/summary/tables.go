package summary

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/flowq/flowq/engine/flowlog"
)

// TableStatus is one flow-log table in a status: its rows and partition dates, and for
// transit_gateway_flow_logs what the gateway saw (gateways, attachments, packets lost by cause).
type TableStatus struct {
	Name        string           `json:"name"`
	Rows        int64            `json:"rows"`
	FirstDate   string           `json:"first_date,omitempty"`
	LastDate    string           `json:"last_date,omitempty"`
	Gateways    int64            `json:"gateways,omitempty"`
	Attachments int64            `json:"attachments,omitempty"`
	PacketsLost int64            `json:"packets_lost,omitempty"`
	LostByCause map[string]int64 `json:"packets_lost_by_cause,omitempty"`
}

// lossCauses are the transit gateway's packets-lost columns by the cause they name.
var lossCauses = []struct{ cause, col string }{
	{"no route", "packets_lost_no_route"},
	{"blackhole", "packets_lost_blackhole"},
	{"MTU exceeded", "packets_lost_mtu_exceeded"},
	{"TTL expired", "packets_lost_ttl_expired"},
}

// ReadTables reads the rows and date range of each flow-log table through db, and the transit
// gateway figures.
func ReadTables(ctx context.Context, db Querier) ([]TableStatus, error) {
	var out []TableStatus
	for _, table := range []string{flowlog.VPCTable, flowlog.TGWTable} {
		ts := TableStatus{Name: table}
		sel := `count(*), CAST(min("date") AS VARCHAR), CAST(max("date") AS VARCHAR)`
		tgw := table == flowlog.TGWTable
		if tgw {
			sel += ", count(DISTINCT tgw_id), count(DISTINCT tgw_attachment_id)"
			for _, c := range lossCauses {
				sel += fmt.Sprintf(", coalesce(sum(%s), 0)", c.col)
			}
		}
		rows, err := db.QueryContext(ctx, "SELECT "+sel+" FROM "+table)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", table, err)
		}
		var first, last sql.NullString
		dest := []any{&ts.Rows, &first, &last}
		lost := make([]int64, len(lossCauses))
		if tgw {
			dest = append(dest, &ts.Gateways, &ts.Attachments)
			for i := range lost {
				dest = append(dest, &lost[i])
			}
		}
		if rows.Next() {
			err = rows.Scan(dest...)
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", table, err)
		}
		ts.FirstDate, ts.LastDate = first.String, last.String
		for i, c := range lossCauses {
			if lost[i] > 0 {
				if ts.LostByCause == nil {
					ts.LostByCause = map[string]int64{}
				}
				ts.LostByCause[c.cause] = lost[i]
				ts.PacketsLost += lost[i]
			}
		}
		out = append(out, ts)
	}
	return out, nil
}

// writeTables writes one line per table.
func writeTables(w io.Writer, tables []TableStatus) {
	for i, t := range tables {
		label := "tables:      "
		if i > 0 {
			label = "             "
		}
		line := fmt.Sprintf("%s%s: %d rows", label, t.Name, t.Rows)
		if t.FirstDate != "" {
			line += fmt.Sprintf(", %s .. %s", t.FirstDate, t.LastDate)
		}
		if t.Name == flowlog.TGWTable && t.Rows > 0 {
			line += fmt.Sprintf("; %d gateways, %d attachments, %d packets lost", t.Gateways, t.Attachments, t.PacketsLost)
			var causes []string
			for _, c := range lossCauses {
				if n := t.LostByCause[c.cause]; n > 0 {
					causes = append(causes, fmt.Sprintf("%s %d", c.cause, n))
				}
			}
			if len(causes) > 0 {
				line += " (" + strings.Join(causes, ", ") + ")"
			}
		}
		fmt.Fprintln(w, line)
	}
}
