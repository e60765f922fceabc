package store

import "github.com/flowq/flowq/engine/flowlog"

// Columns per table. Ledger.Columns are vpc_flow_logs' (as ledgers always had them); the
// columns of other tables are kept in Ledger.TableCols by table, so a ledger written before
// transit gateway tables reads as one without them.

// ColumnsOf are the columns present in at least one part of table, in the order first seen.
func (l *Ledger) ColumnsOf(table string) []string {
	if table == flowTable {
		return l.Columns
	}
	return l.TableCols[table]
}

// UnknownColumnsOf are table's present columns that are not fields of its log type.
func (l *Ledger) UnknownColumnsOf(table string) []string {
	typ := flowlog.VPC
	if table == tgwTable {
		typ = flowlog.TransitGateway
	}
	var out []string
	for _, c := range l.ColumnsOf(table) {
		if _, known := lookupField(typ, c); !known {
			out = append(out, c)
		}
	}
	return out
}

// addColumns notes a loaded part's columns under its table.
func (l *Ledger) addColumns(table string, cols []string) {
	have := l.ColumnsOf(table)
	for _, c := range cols {
		if !contains(have, c) {
			have = append(have, c)
		}
	}
	l.setColumns(table, have)
}

func (l *Ledger) setColumns(table string, cols []string) {
	if table == flowTable {
		l.Columns = cols
		return
	}
	if l.TableCols == nil {
		l.TableCols = map[string][]string{}
	}
	l.TableCols[table] = cols
}

// PartsOf are the live parts of one table.
func (l *Ledger) PartsOf(table string) []Part {
	var out []Part
	for _, p := range l.Parts {
		if partTable(p.Path) == table {
			out = append(out, p)
		}
	}
	return out
}

// TableRows are the rows of the loaded sources by table, from the parts that hold them (a
// source's rows are in one table).
func (l *Ledger) TableRows() map[string]int64 {
	table := map[int64]string{}
	for _, p := range l.Parts {
		for _, id := range p.Sources {
			table[id] = partTable(p.Path)
		}
	}
	out := map[string]int64{}
	for _, s := range l.Sources {
		if t, ok := table[s.ID]; ok {
			out[t] += s.Rows
		}
	}
	return out
}

// KeyDaysOf is KeyDays for the sources whose rows are in table (a raw Athena table over one
// log type's deliveries gets that log type's days only).
func (l *Ledger) KeyDaysOf(table, account, region string) KeyDays {
	in := map[int64]bool{}
	for _, p := range l.PartsOf(table) {
		for _, id := range p.Sources {
			in[id] = true
		}
	}
	sub := &Ledger{Sources: map[string]*SourceEntry{}}
	for path, s := range l.Sources {
		if in[s.ID] {
			sub.Sources[path] = s
		}
	}
	return sub.KeyDays(account, region)
}
