package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowq/flowq/engine/compat"
	"github.com/flowq/flowq/engine/flowgen"
	"github.com/flowq/flowq/engine/savedquery"
	"github.com/flowq/flowq/engine/store"
	"github.com/flowq/flowq/queries"
)

// benchCIDR is the value given to a required CIDR parameter (traffic-from, traffic-to): the
// generator's private address space, so the query has rows to return.
const benchCIDR = "10.0.0.0/8"

// preparedQuery is a saved query bound and rewritten, ready for both sessions.
type preparedQuery struct {
	name string
	stmt string
	args []any
	skip string // why it is not run, if so
}

// prepareQueries binds every built-in saved query with its defaults (required CIDRs get
// benchCIDR) against the data's clock, and applies the Athena rewrite as the CLI does.
func prepareQueries(now time.Time) ([]preparedQuery, error) {
	c, err := savedquery.NewCatalog(queries.FS)
	if err != nil {
		return nil, fmt.Errorf("built-in queries: %w", err)
	}
	var out []preparedQuery
	for _, q := range c.List() {
		pq := preparedQuery{name: q.Name}
		params := map[string]string{}
		for _, p := range q.Params {
			if p.Required && p.Default == "" {
				if p.Type == savedquery.TypeCIDR {
					params[p.Name] = benchCIDR
				} else {
					pq.skip = "required parameter " + p.Name
				}
			}
		}
		if pq.skip == "" {
			stmt, args, err := savedquery.PrepareAt(q, params, now)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", q.Name, err)
			}
			pq.stmt, pq.args = stmt, args
		}
		out = append(out, pq)
	}
	return out, nil
}

// queryer is what runs a statement: a *sql.DB or a *sql.Conn.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runOnce runs a statement and reads every row, as a client printing the result would.
func runOnce(ctx context.Context, q queryer, stmt string, args []any) (time.Duration, int, error) {
	start := time.Now()
	rows, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, n, err
	}
	return time.Since(start), n, nil
}

// timed is a query's median over the runs made.
type timed struct {
	median time.Duration
	runs   int
	rows   int
}

// timeQuery runs a statement up to `runs` times and returns the median and the row count. It
// stops early once the runs took more than budget: a query that slow misses its target by far,
// and five runs of it would take most of the benchmark's time.
func timeQuery(ctx context.Context, q queryer, stmt string, args []any, runs int, budget time.Duration) (timed, error) {
	var ds []time.Duration
	var spent time.Duration
	rowsN := 0
	for range runs {
		d, n, err := runOnce(ctx, q, stmt, args)
		if err != nil {
			return timed{}, err
		}
		ds = append(ds, d)
		rowsN = n
		if spent += d; spent > budget {
			break
		}
	}
	return timed{median: median(ds), runs: len(ds), rows: rowsN}, nil
}

// openFlowq opens a session on a data dir the way the CLI does.
func openFlowq(ctx context.Context, dataDir string) (*store.Session, error) {
	st, err := store.Open(ctx, dataDir)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dataDir, err)
	}
	return st.OpenSession(ctx, store.SessionOptions{Init: compat.Register})
}

// ensureLoaded gives a data dir holding the whole data set, loading it (unmeasured) when the
// ingest section did not run.
func (b *bench) ensureLoaded(ctx context.Context) error {
	if b.loaded != "" {
		return nil
	}
	dir := filepath.Join(b.tmp, "flowq-data")
	b.logf("queries: loading the data set (not measured: ingest was not selected)")
	_, sum, err := b.flowqLoad(ctx, dir, []string{b.data.Root})
	if err != nil {
		return err
	}
	records, _, _ := b.data.totals()
	if note := loadNote(sum, records); note != "" {
		b.logf("queries: warning: %s", note)
	}
	b.loaded = dir
	return nil
}

// dataEnd is the end of the generated day: the clock relative times are bound against.
func dataEnd(records int) time.Time {
	c := flowgen.Bench(records)
	return c.Start.Add(c.Span)
}

// runQueries times every saved query on the loaded data (median of runs) and once on the raw
// files through DuckDB alone.
func (b *bench) runQueries(ctx context.Context) error {
	if err := b.ensureLoaded(ctx); err != nil {
		return err
	}
	pqs, err := prepareQueries(dataEnd(b.cfg.records))
	if err != nil {
		return err
	}
	sess, err := openFlowq(ctx, b.loaded)
	if err != nil {
		return err
	}
	defer sess.Close()
	var raw *rawDB
	if b.cfg.baselines {
		if raw, err = openRaw(ctx, b.data, b.cfg.threads); err != nil {
			return err
		}
		defer raw.close()
	}

	records, _, _ := b.data.totals()
	t := &table{
		title:  fmt.Sprintf("Saved queries on %s rows (flowq: median of %d after load; raw: DuckDB on the .log.gz files, once)", count(records), b.cfg.runs),
		header: []string{"query", "flowq", "rows", "raw DuckDB", "raw ÷ flowq", "< 500 ms", "≥ 20×"},
	}
	var fast, far, ran int
	for _, pq := range pqs {
		if pq.skip != "" {
			t.rows = append(t.rows, []string{pq.name, "skipped: " + pq.skip, "", "", "", "", ""})
			continue
		}
		b.logf("queries: %s", pq.name)
		tq, err := timeQuery(ctx, sess.DB, pq.stmt, pq.args, b.cfg.runs, b.cfg.queryBudget)
		if err != nil {
			return fmt.Errorf("flowq %s: %w", pq.name, err)
		}
		med, n := tq.median, tq.rows
		flowqCell := dur(med)
		if tq.runs < b.cfg.runs {
			flowqCell = fmt.Sprintf("%s (%d run%s)", dur(med), tq.runs, plural(tq.runs))
		}
		ran++
		rawCell, ratioCell, farCell := "not run", "–", "–"
		var rd time.Duration
		var rn int
		var rerr error
		timedOut := false
		if raw != nil {
			rctx, cancel := context.WithTimeout(ctx, b.cfg.rawTimeout)
			rd, rn, rerr = runOnce(rctx, raw.conn, pq.stmt, pq.args)
			timedOut = rctx.Err() != nil
			cancel()
		}
		switch {
		case raw == nil:
		case timedOut && ctx.Err() == nil:
			rawCell = "> " + dur(b.cfg.rawTimeout)
			ratioCell = "> " + ratio(b.cfg.rawTimeout.Seconds(), med.Seconds())
			farCell = verdict(b.cfg.rawTimeout >= 20*med)
			if b.cfg.rawTimeout >= 20*med {
				far++
			}
		case rerr != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rawCell = "error"
			t.notes = append(t.notes, fmt.Sprintf("%s: raw DuckDB failed: %s", pq.name, brief(rerr)))
		default:
			rawCell = dur(rd)
			ratioCell = ratio(rd.Seconds(), med.Seconds())
			farCell = verdict(rd >= 20*med)
			if rd >= 20*med {
				far++
			}
			if rn != n {
				t.notes = append(t.notes, fmt.Sprintf("%s: flowq returned %d rows, raw DuckDB %d", pq.name, n, rn))
			}
		}
		if med < 500*time.Millisecond {
			fast++
		}
		t.rows = append(t.rows, []string{pq.name, flowqCell, fmt.Sprint(n), rawCell, ratioCell, verdict(med < 500*time.Millisecond), farCell})
		if b.data != nil && pq.name == b.cfg.scaleQuery {
			b.fullQuery = med
		}
	}
	if b.cfg.profileDir != "" {
		dir := filepath.Join(b.cfg.profileDir, "explain")
		if err := explainQueries(ctx, sess.DB, pqs, dir); err != nil {
			return err
		}
		b.logf("profile: EXPLAIN ANALYZE of every query in %s", dir)
	}
	t.notes = append(t.notes,
		fmt.Sprintf("target every query < 500 ms median: %d of %d (%s)", fast, ran, verdict(fast == ran)),
		fmt.Sprintf("target every query ≥ 20× faster than raw DuckDB: %d of %d (%s)", far, ran, verdict(far == ran && raw != nil)),
		fmt.Sprintf("required CIDR parameters bound to %s; relative times against %s", benchCIDR, dataEnd(b.cfg.records).Format(time.RFC3339)),
		fmt.Sprintf("a flowq query stops repeating once its runs took %s (fewer runs shown)", b.cfg.queryBudget))
	b.tables = append(b.tables, t)
	return nil
}

// brief is an error on one line, cut to 300 characters.
func brief(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// rawDB is DuckDB alone over the raw files: a vpc_flow_logs view as the Athena table would
// read them, plus the Athena compatibility functions.
type rawDB struct {
	db   *sql.DB
	conn *sql.Conn
}

func (r *rawDB) close() {
	r.conn.Close()
	r.db.Close()
}

func openRaw(ctx context.Context, d *dataset, threads int) (*rawDB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	r := &rawDB{db: db, conn: conn}
	view, err := rawViewSQL(groups(d.Root, d.Files))
	if err != nil {
		r.close()
		return nil, err
	}
	for _, s := range []string{"SET TimeZone='UTC'", fmt.Sprintf("SET threads=%d", threads), view} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			r.close()
			return nil, fmt.Errorf("raw DuckDB: %.200s: %w", s, err)
		}
	}
	if err := compat.Register(ctx, conn); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// rawViewSQL is the vpc_flow_logs view over the raw files: one read_csv per header group and
// day, with the Athena columns and the date from the key.
func rawViewSQL(gs []group) (string, error) {
	if len(gs) == 0 {
		return "", errors.New("no files")
	}
	cols := athenaFields()
	var parts []string
	for _, g := range gs {
		s, err := groupSelect(g, cols)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return "CREATE OR REPLACE VIEW vpc_flow_logs AS " + strings.Join(parts, "\nUNION ALL BY NAME\n"), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
