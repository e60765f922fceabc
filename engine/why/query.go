package why

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// rec is one OK record between the two sides.
type rec struct {
	eni              string
	srcaddr, dstaddr string
	sport, dport     int
	proto            int
	packets, bytes   int64
	start, end       int64
	action           string
	flags            int
	hasFlags         bool
	flowDir          string // ingress/egress from the record, "" when absent

	fwd       bool   // srcaddr on the question's source side
	dir       string // ingress, egress or unknown (relative to eni)
	inferred  bool   // dir came from the ENI's own address
	request   bool   // sent by the connection's client
	eniSide   string // source, destination or other
	sampleKey int    // position in time order, for stable sorting
}

// eniInfo is what the analysis knows about one interface.
type eniInfo struct {
	id       string
	own      [2]string // own address per family (0 IPv4, 1 IPv6); "" when unknown or ambiguous
	tied     [2][]string
	records  int64 // between the two sides
	ok       int64
	nodata   int64
	skipdata int64
	hours    map[int64]*[3]int64 // hour → OK, NODATA, SKIPDATA rows
	side     string
}

// analysis holds one question's data while it is worked out.
type analysis struct {
	q        Question
	src, dst side
	protos   []int

	recs       []*rec // oldest first
	truncated  bool
	enis       map[string]*eniInfo
	convs      []*conv // every connection, by start
	considered []*conv // the ones the verdict rests on
}

// where accumulates a WHERE clause and its bound parameters.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// match returns a condition that col is on side s, with its parameters. Plain addresses are
// compared as text (fast, no UDF); prefixes use the compat cidr_contains, behind a cheap text
// pre-filter on the prefix's whole IPv4 octets or the IPv6 colon.
func match(col string, s side) (string, []any) {
	if s.exact {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(s.alts)), ", ")
		args := make([]any, len(s.alts))
		for i, a := range s.alts {
			args[i] = a
		}
		return fmt.Sprintf("%s IN (%s)", col, ph), args
	}
	if s.prefix.Addr().Is4() {
		octets := s.prefix.Bits() / 8
		if octets > 0 {
			parts := strings.Split(s.prefix.Addr().String(), ".")
			pre := strings.Join(parts[:octets], ".") + "."
			return fmt.Sprintf("(starts_with(%s, ?) AND cidr_contains(?, %s))", col, col), []any{pre, s.prefix.String()}
		}
		return fmt.Sprintf("(NOT contains(%s, ':') AND cidr_contains(?, %s))", col, col), []any{s.prefix.String()}
	}
	return fmt.Sprintf("(contains(%s, ':') AND cidr_contains(?, %s))", col, col), []any{s.prefix.String()}
}

// timeRange adds the question's time range (records overlapping it) and, as a partition filter,
// the dates it touches with a day's margin either side: the date of a record's key is its
// delivery's, which can differ from its start's near midnight.
func (a *analysis) timeRange(w *where) {
	if !a.q.Since.IsZero() {
		w.add(`"end" >= ?`, a.q.Since.Unix())
		w.add(`("date" IS NULL OR "date" >= CAST(? AS DATE))`, a.q.Since.UTC().AddDate(0, 0, -1).Format(time.DateOnly))
	}
	if !a.q.Until.IsZero() {
		w.add(`start < ?`, a.q.Until.Unix())
		w.add(`("date" IS NULL OR "date" <= CAST(? AS DATE))`, a.q.Until.UTC().AddDate(0, 0, 1).Format(time.DateOnly))
	}
}

func (a *analysis) hasRange() bool { return !a.q.Since.IsZero() || !a.q.Until.IsZero() }

// pairCond is the condition for records between the two sides in either direction, honouring
// the port (destination port of requests, source port of replies) and protocol.
func (a *analysis) pairCond(w *where) {
	s1, a1 := match("srcaddr", a.src)
	d1, a2 := match("dstaddr", a.dst)
	s2, a3 := match("srcaddr", a.dst)
	d2, a4 := match("dstaddr", a.src)
	fwd, rev := s1+" AND "+d1, s2+" AND "+d2
	var args []any
	args = append(args, a1...)
	args = append(args, a2...)
	if a.q.Port > 0 {
		fwd += " AND dstport = ?"
		args = append(args, a.q.Port)
	}
	args = append(args, a3...)
	args = append(args, a4...)
	if a.q.Port > 0 {
		rev += " AND srcport = ?"
		args = append(args, a.q.Port)
	}
	w.add("(("+fwd+") OR ("+rev+"))", args...)
	if len(a.protos) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(a.protos)), ", ")
		var pa []any
		for _, p := range a.protos {
			pa = append(pa, p)
		}
		w.add("protocol IN ("+ph+")", pa...)
	}
}

const eniExpr = `coalesce(interface_id, '-')`

// gather reads the pair records, the involved ENIs' own addresses and their coverage rows.
func (a *analysis) gather(ctx context.Context, db *sql.DB) error {
	var w where
	w.add("log_status = 'OK'")
	a.timeRange(&w)
	a.pairCond(&w)
	q := `SELECT ` + eniExpr + `, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, tcp_flags, flow_direction
FROM vpc_flow_logs WHERE ` + w.sql() + `
ORDER BY start DESC, "end" DESC, interface_id, srcaddr, dstaddr, srcport, dstport LIMIT ` + fmt.Sprint(MaxRecords+1)
	rows, err := db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return fmt.Errorf("why: reading records between %s and %s: %w", a.src.text, a.dst.text, err)
	}
	for rows.Next() {
		var (
			r                                               rec
			sport, dport, proto, packets, bytes, start, end sql.NullInt64
			flags                                           sql.NullInt64
			src, dst, action, dir                           sql.NullString
		)
		if err := rows.Scan(&r.eni, &src, &dst, &sport, &dport, &proto, &packets, &bytes, &start, &end, &action, &flags, &dir); err != nil {
			rows.Close()
			return fmt.Errorf("why: reading records: %w", err)
		}
		r.srcaddr, r.dstaddr, r.action = src.String, dst.String, action.String
		r.sport, r.dport, r.proto = int(sport.Int64), int(dport.Int64), int(proto.Int64)
		r.packets, r.bytes, r.start, r.end = packets.Int64, bytes.Int64, start.Int64, end.Int64
		r.flags, r.hasFlags = int(flags.Int64), flags.Valid
		if d := strings.ToLower(dir.String); d == "ingress" || d == "egress" {
			r.flowDir = d
		}
		a.recs = append(a.recs, &r)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("why: reading records: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("why: reading records: %w", err)
	}
	if len(a.recs) > MaxRecords {
		a.recs, a.truncated = a.recs[:MaxRecords], true
	}
	// Oldest first from here on.
	for i, j := 0, len(a.recs)-1; i < j; i, j = i+1, j-1 {
		a.recs[i], a.recs[j] = a.recs[j], a.recs[i]
	}
	for i, r := range a.recs {
		r.sampleKey = i
	}
	a.enis = map[string]*eniInfo{}
	for _, r := range a.recs {
		a.eni(r.eni).records++
	}
	if err := a.ownAddresses(ctx, db); err != nil {
		return err
	}
	return a.coverage(ctx, db)
}

func (a *analysis) eni(id string) *eniInfo {
	e := a.enis[id]
	if e == nil {
		e = &eniInfo{id: id, hours: map[int64]*[3]int64{}}
		a.enis[id] = e
	}
	return e
}

// ownAddresses finds every ENI that logged a record naming either side (this includes the
// ENIs of the pair records) and the address seen most on each, per family. A record with a
// flow-direction names its ENI's own address for sure (egress: srcaddr, ingress: dstaddr) and
// counts double; one without counts both addresses once.
func (a *analysis) ownAddresses(ctx context.Context, db *sql.DB) error {
	var cand where
	cand.add("log_status = 'OK'")
	a.timeRange(&cand)
	var sides []string
	var sargs []any
	for _, s := range []side{a.src, a.dst} {
		for _, col := range []string{"srcaddr", "dstaddr"} {
			c, args := match(col, s)
			sides = append(sides, c)
			sargs = append(sargs, args...)
		}
	}
	cand.add("("+strings.Join(sides, " OR ")+")", sargs...)
	var all where
	all.add("log_status = 'OK'")
	a.timeRange(&all)
	q := `WITH cand AS (SELECT DISTINCT ` + eniExpr + ` AS eni FROM vpc_flow_logs WHERE ` + cand.sql() + `),
r AS (SELECT ` + eniExpr + ` AS eni, srcaddr, dstaddr, lower(flow_direction) AS d FROM vpc_flow_logs
      WHERE ` + all.sql() + ` AND ` + eniExpr + ` IN (SELECT eni FROM cand)),
w AS (SELECT eni, srcaddr AS addr, CASE d WHEN 'egress' THEN 2 WHEN 'ingress' THEN 0 ELSE 1 END AS n FROM r
      UNION ALL
      SELECT eni, dstaddr, CASE d WHEN 'ingress' THEN 2 WHEN 'egress' THEN 0 ELSE 1 END FROM r),
g AS (SELECT eni, addr, sum(n) AS n, contains(addr, ':') AS v6 FROM w WHERE n > 0 AND addr IS NOT NULL AND addr <> '-' GROUP BY eni, addr)
SELECT eni, addr, n, v6 FROM g QUALIFY row_number() OVER (PARTITION BY eni, v6 ORDER BY n DESC, addr) <= 2
ORDER BY eni, v6, n DESC, addr`
	args := append(append([]any{}, cand.args...), all.args...)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("why: finding the interfaces of %s and %s: %w", a.src.text, a.dst.text, err)
	}
	type top struct {
		addr string
		n    int64
	}
	tops := map[string]*[2][]top{}
	for rows.Next() {
		var (
			id, addr string
			n        int64
			v6       bool
		)
		if err := rows.Scan(&id, &addr, &n, &v6); err != nil {
			rows.Close()
			return fmt.Errorf("why: finding interfaces: %w", err)
		}
		a.eni(id)
		t := tops[id]
		if t == nil {
			t = &[2][]top{}
			tops[id] = t
		}
		fam := 0
		if v6 {
			fam = 1
		}
		t[fam] = append(t[fam], top{addr, n})
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("why: finding interfaces: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("why: finding interfaces: %w", err)
	}
	owned := map[string]string{} // address → ENI, for unambiguous owners
	for id, t := range tops {
		e := a.enis[id]
		for fam, list := range t {
			switch {
			case len(list) == 1 || len(list) > 1 && list[0].n > list[1].n:
				e.own[fam] = list[0].addr
				owned[list[0].addr] = id
			case len(list) > 1:
				e.tied[fam] = []string{list[0].addr, list[1].addr}
			}
		}
	}
	// A tie between two addresses is settled when one of them is another ENI's own address:
	// an address belongs to one interface.
	ids := make([]string, 0, len(a.enis))
	for id := range a.enis {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := a.enis[id]
		for fam, tie := range e.tied {
			if len(tie) != 2 {
				continue
			}
			o0, o1 := owned[tie[0]], owned[tie[1]]
			switch {
			case o0 != "" && o0 != id && (o1 == "" || o1 == id):
				e.own[fam] = tie[1]
			case o1 != "" && o1 != id && (o0 == "" || o0 == id):
				e.own[fam] = tie[0]
			}
		}
	}
	return nil
}

// coverage counts the involved ENIs' rows by log-status and hour.
func (a *analysis) coverage(ctx context.Context, db *sql.DB) error {
	if len(a.enis) == 0 {
		return nil
	}
	ids := make([]any, 0, len(a.enis))
	for id := range a.enis {
		ids = append(ids, id)
	}
	var w where
	a.timeRange(&w)
	w.add(eniExpr+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", ids...)
	q := `SELECT ` + eniExpr + `, log_status, (start // 3600) * 3600 AS hour, count(*)
FROM vpc_flow_logs WHERE ` + w.sql() + ` GROUP BY ALL`
	rows, err := db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return fmt.Errorf("why: reading the interfaces' coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     string
			status sql.NullString
			hour   sql.NullInt64
			n      int64
		)
		if err := rows.Scan(&id, &status, &hour, &n); err != nil {
			return fmt.Errorf("why: reading coverage: %w", err)
		}
		e := a.eni(id)
		h := e.hours[hour.Int64]
		if h == nil {
			h = &[3]int64{}
			e.hours[hour.Int64] = h
		}
		switch status.String {
		case "OK":
			e.ok += n
			h[0] += n
		case "NODATA":
			e.nodata += n
			h[1] += n
		case "SKIPDATA":
			e.skipdata += n
			h[2] += n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("why: reading coverage: %w", err)
	}
	return nil
}

// coverageGap looks at what the data holds when nothing between the two sides was found.
func (a *analysis) coverageGap(ctx context.Context, db *sql.DB) (*CoverageGap, error) {
	cov := &CoverageGap{}
	var first, last sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT min(start), max("end") FROM vpc_flow_logs`).Scan(&first, &last); err != nil {
		return nil, fmt.Errorf("why: reading the data's time span: %w", err)
	}
	if first.Valid {
		cov.DataFirst, cov.DataLast = unix(first.Int64), unix(last.Int64)
	}
	if a.hasRange() {
		var w where
		w.add("log_status = 'OK'")
		a.pairCond(&w)
		var f, l sql.NullInt64
		if err := db.QueryRowContext(ctx, `SELECT count(*), min(start), max("end") FROM vpc_flow_logs WHERE `+w.sql(), w.args...).Scan(&cov.PairTotal, &f, &l); err != nil {
			return nil, fmt.Errorf("why: looking outside the time range: %w", err)
		}
		if f.Valid {
			cov.PairFirst, cov.PairLast = unix(f.Int64), unix(l.Int64)
		}
	}
	for i, s := range []side{a.src, a.dst} {
		name := []string{"source", "destination"}[i]
		c1, a1 := match("srcaddr", s)
		c2, a2 := match("dstaddr", s)
		var in where
		a.timeRange(&in)
		q := `SELECT count(*) FILTER (WHERE ` + in.sql() + `), count(*), min(start), max("end") FROM vpc_flow_logs
WHERE log_status = 'OK' AND (` + c1 + ` OR ` + c2 + `)`
		args := append(append(append([]any{}, in.args...), a1...), a2...)
		sg := SideSighting{Side: name, Address: s.text}
		var f, l sql.NullInt64
		if err := db.QueryRowContext(ctx, q, args...).Scan(&sg.InRange, &sg.Total, &f, &l); err != nil {
			return nil, fmt.Errorf("why: looking for %s: %w", s.text, err)
		}
		if f.Valid {
			sg.First, sg.Last = unix(f.Int64), unix(l.Int64)
		}
		cov.Sides = append(cov.Sides, sg)
	}
	var w where
	a.timeRange(&w)
	q := `SELECT ` + eniExpr + ` AS eni, coalesce(max(vpc_id), ''), coalesce(max(subnet_id), ''),
  count_if(log_status = 'NODATA'), count_if(log_status = 'SKIPDATA')
FROM vpc_flow_logs WHERE ` + w.sql() + ` GROUP BY eni HAVING count_if(log_status = 'OK') = 0 ORDER BY eni LIMIT 50`
	rows, err := db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("why: listing quiet interfaces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var qe QuietENI
		if err := rows.Scan(&qe.ID, &qe.VPC, &qe.Subnet, &qe.NoData, &qe.SkipData); err != nil {
			return nil, fmt.Errorf("why: listing quiet interfaces: %w", err)
		}
		if qe.VPC == "-" {
			qe.VPC = ""
		}
		if qe.Subnet == "-" {
			qe.Subnet = ""
		}
		cov.Quiet = append(cov.Quiet, qe)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("why: listing quiet interfaces: %w", err)
	}
	return cov, nil
}

func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }
