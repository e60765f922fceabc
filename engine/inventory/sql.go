package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Execer is what Register needs of a DuckDB connection (*sql.Conn, *sql.DB).
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Register loads the inventory of dataDir into the DuckDB behind conn as in-memory tables (so
// they work in a read-only session, whose file access is limited to the flow-log tables) and
// defines the time-aware lookups. With no snapshot the tables exist empty and every lookup gives
// NULL. Call it again to see snapshots committed since.
//
// Tables, one per snapshot table (see TableNames), e.g. inventory_interfaces_history (all
// snapshots, with snapshot_id and taken_at) and inventory_interfaces (the latest snapshot of each
// account and region whose Describe call worked); inventory_snapshots; inventory_coverage (one
// row per snapshot, account, region and table, with the call's status); and the timelines
// inventory_interface_timeline and inventory_address_timeline (valid_from / valid_to, NULL for
// open ends; observed_from: before it, an answer is assumed), and inventory_address_owner, the
// address timeline with one owner per address and time (where two VPCs use one address at once,
// the most recently seen), which the ip_ macros and joins use.
//
// Macros (ts is a TIMESTAMPTZ, e.g. to_timestamp(start)):
//
//	eni_name(interface_id, ts), eni_kind(interface_id, ts), eni_resource(interface_id, ts),
//	eni_security_groups(interface_id, ts), eni_subnet(interface_id, ts), eni_az_id(interface_id, ts)
//	ip_name(addr, ts) (RegisterSession adds the user's labels to it), ip_inventory_name(addr, ts), ip_resource(addr, ts), ip_interface(addr, ts), ip_inventory_kind(addr, ts),
//	ip_security_groups(addr, ts), ip_subnet(addr, ts)
//	ip_owner(addr, ts)     table macro: every owner of addr at ts, with an assumed column
//	eni_owner(interface_id, ts)  table macro: the same for an interface
func Register(ctx context.Context, conn Execer, dataDir string) error {
	man, err := ReadManifest(dataDir)
	if err != nil {
		return err
	}
	var stmts []string
	snaps := "SELECT NULL::VARCHAR AS snapshot_id, NULL::TIMESTAMPTZ AS taken_at WHERE false"
	if len(man.Snapshots) > 0 {
		var vals []string
		for _, s := range man.Snapshots {
			vals = append(vals, fmt.Sprintf("(%s, %s::TIMESTAMPTZ)", sqlString(s.ID), sqlString(s.TakenAt.Format(time.RFC3339))))
		}
		snaps = "SELECT * FROM (VALUES " + strings.Join(vals, ", ") + ") v(snapshot_id, taken_at)"
	}
	stmts = append(stmts, "CREATE OR REPLACE TABLE inventory_snapshots AS "+snaps)
	for _, t := range tables {
		src, err := historySQL(dataDir, man, t)
		if err != nil {
			return err
		}
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE TABLE inventory_%s_history AS %s", t.name, src))
	}
	stmts = append(stmts,
		`CREATE OR REPLACE TABLE inventory_coverage AS
		 SELECT snapshot_id, taken_at, account_id, region, trim(unnest(string_split(tables, ','))) AS table_name, call, status, error
		 FROM inventory_calls_history`,
		`CREATE OR REPLACE TABLE inventory_latest AS
		 SELECT account_id, region, table_name, arg_max(snapshot_id, taken_at) AS snapshot_id, max(taken_at) AS taken_at
		 FROM inventory_coverage WHERE status = 'ok' GROUP BY ALL`)
	for _, t := range tables {
		if t.name == "calls" {
			stmts = append(stmts, `CREATE OR REPLACE TABLE inventory_calls AS
				SELECT h.* FROM inventory_calls_history h
				JOIN (SELECT account_id, region, max(taken_at) AS taken_at FROM inventory_calls_history GROUP BY ALL) l USING (account_id, region, taken_at)`)
			continue
		}
		stmts = append(stmts, fmt.Sprintf(`CREATE OR REPLACE TABLE inventory_%[1]s AS
			SELECT h.* FROM inventory_%[1]s_history h
			JOIN inventory_latest l ON l.table_name = '%[1]s' AND l.snapshot_id = h.snapshot_id AND l.account_id = h.account_id AND l.region = h.region`, t.name))
	}
	stmts = append(stmts,
		"CREATE OR REPLACE TABLE inventory_interface_timeline AS "+timelineSQL("interfaces",
			"inventory_interfaces_history",
			[]string{"interface_id"},
			[]string{"instance_id", "resource_kind", "resource_id", "resource_name", "vpc_id", "subnet_id", "az_id", "security_group_ids", "private_ip", "public_ip"},
			"coalesce(resource_kind, '') || '/' || coalesce(resource_id, '')"),
		"CREATE OR REPLACE TABLE inventory_address_timeline AS "+timelineSQL("interfaces",
			`(SELECT a.*, i.attach_time, i.instance_id, i.subnet_id AS i_subnet, i.az_id, i.security_group_ids
			  FROM inventory_addresses_history a LEFT JOIN inventory_interfaces_history i USING (snapshot_id, account_id, region, interface_id))`,
			[]string{"vpc_id", "address"},
			[]string{"kind", "interface_id", "instance_id", "resource_kind", "resource_id", "resource_name", "subnet_id", "az_id", "security_group_ids"},
			"coalesce(interface_id, '') || '/' || coalesce(resource_kind, '') || '/' || coalesce(resource_id, '')"),
	)
	// Two VPCs (or accounts) may use one private address at the same time; joins need one owner
	// per address and time, so the most recently seen one is kept where intervals overlap (the
	// timeline itself keeps both).
	stmts = append(stmts, `CREATE OR REPLACE TABLE inventory_address_owner AS
		SELECT t.* FROM inventory_address_timeline t
		WHERE NOT EXISTS (SELECT 1 FROM inventory_address_timeline o
			WHERE o.address = t.address AND (o.account_id, o.region, o.vpc_id) IS DISTINCT FROM (t.account_id, t.region, t.vpc_id)
			AND coalesce(o.valid_from, '-infinity'::TIMESTAMPTZ) < coalesce(t.valid_to, 'infinity'::TIMESTAMPTZ)
			AND coalesce(t.valid_from, '-infinity'::TIMESTAMPTZ) < coalesce(o.valid_to, 'infinity'::TIMESTAMPTZ)
			AND (o.last_seen > t.last_seen OR (o.last_seen = t.last_seen AND (o.account_id, o.region, o.vpc_id) > (t.account_id, t.region, t.vpc_id))))`)
	// A NULL time matches no interval: an unknown time has no known owner (pass now() for today's).
	at := "ts IS NOT NULL AND (t.valid_from IS NULL OR ts >= t.valid_from) AND (t.valid_to IS NULL OR ts < t.valid_to)"
	// The most recently seen owner first when two VPCs reuse an address.
	for _, m := range []struct{ name, col, tbl, key string }{
		{"eni_name", "resource_name", "inventory_interface_timeline", "interface_id"},
		{"eni_kind", "resource_kind", "inventory_interface_timeline", "interface_id"},
		{"eni_resource", "resource_id", "inventory_interface_timeline", "interface_id"},
		{"ip_name", "resource_name", "inventory_address_owner", "address"},
		{"ip_inventory_name", "resource_name", "inventory_address_owner", "address"},
		{"ip_resource", "resource_id", "inventory_address_owner", "address"},
		{"ip_interface", "interface_id", "inventory_address_owner", "address"},
		{"ip_inventory_kind", "resource_kind", "inventory_address_owner", "address"},
		{"eni_security_groups", "security_group_ids", "inventory_interface_timeline", "interface_id"},
		{"eni_subnet", "subnet_id", "inventory_interface_timeline", "interface_id"},
		{"eni_az_id", "az_id", "inventory_interface_timeline", "interface_id"},
		{"ip_security_groups", "security_group_ids", "inventory_address_owner", "address"},
		{"ip_subnet", "subnet_id", "inventory_address_owner", "address"},
	} {
		stmts = append(stmts, fmt.Sprintf(`CREATE OR REPLACE MACRO %s(k, ts) AS
			(SELECT t.%s FROM %s t WHERE t.%s = k AND %s ORDER BY t.last_seen DESC LIMIT 1)`, m.name, m.col, m.tbl, m.key, at))
	}
	stmts = append(stmts,
		fmt.Sprintf(`CREATE OR REPLACE MACRO ip_owner(k, ts) AS TABLE
			SELECT t.*, ts < t.observed_from AS assumed FROM inventory_address_timeline t WHERE t.address = k AND %s ORDER BY t.last_seen DESC`, at),
		fmt.Sprintf(`CREATE OR REPLACE MACRO eni_owner(k, ts) AS TABLE
			SELECT t.*, ts < t.observed_from AS assumed FROM inventory_interface_timeline t WHERE t.interface_id = k AND %s ORDER BY t.last_seen DESC`, at),
	)
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("inventory tables: %w\n%s", err, q)
		}
	}
	return nil
}

// historySQL reads one table of every committed snapshot, or gives an empty table of the same
// columns when there is none.
func historySQL(dataDir string, man *Manifest, t table) (string, error) {
	if len(man.Snapshots) == 0 {
		cols, err := columns(t.row)
		if err != nil {
			return "", err
		}
		sel := []string{"NULL::VARCHAR AS snapshot_id", "NULL::TIMESTAMPTZ AS taken_at"}
		for _, c := range cols {
			name, typ, _ := strings.Cut(c, ": ")
			sel = append(sel, fmt.Sprintf("NULL::%s AS %s", strings.Trim(typ, "'"), strings.Trim(name, "'")))
		}
		return "SELECT " + strings.Join(sel, ", ") + " WHERE false", nil
	}
	files := make([]string, len(man.Snapshots))
	for i, s := range man.Snapshots {
		files[i] = sqlString(File(dataDir, s.ID, t.name))
	}
	// union_by_name: snapshots written by an older flowq may lack newer columns.
	return fmt.Sprintf("SELECT * FROM read_parquet([%s], union_by_name=true)", strings.Join(files, ", ")), nil
}

// timelineSQL builds validity intervals from the snapshots of table's scope (account and region)
// whose call worked: consecutive snapshots seeing the same value (valueExpr) for a key form one
// run (see the package comment for the rules).
func timelineSQL(table, src string, keys, vals []string, valueExpr string) string {
	key := strings.Join(keys, ", ")
	part := "account_id, region, " + key
	var lastVals []string
	for _, v := range vals {
		lastVals = append(lastVals, fmt.Sprintf("arg_max(%[1]s, n) AS %[1]s", v))
	}
	return fmt.Sprintf(`
WITH snaps AS (
	SELECT account_id, region, snapshot_id, taken_at,
		row_number() OVER (PARTITION BY account_id, region ORDER BY taken_at, snapshot_id) AS n,
		count(*) OVER (PARTITION BY account_id, region) AS total
	FROM inventory_coverage WHERE table_name = '%[1]s' AND status = 'ok'),
obs AS (
	SELECT h.*, s.n, s.total, %[5]s AS v
	FROM %[2]s h JOIN snaps s USING (snapshot_id, account_id, region)),
marked AS (
	SELECT *, CASE WHEN lag(n) OVER w = n - 1 AND lag(v) OVER w = v THEN 0 ELSE 1 END AS brk
	FROM obs WINDOW w AS (PARTITION BY %[3]s ORDER BY n)),
numbered AS (
	SELECT *, sum(brk) OVER (PARTITION BY %[3]s ORDER BY n) AS run FROM marked),
runs AS (
	SELECT account_id, region, %[4]s, run, any_value(total) AS total,
		min(n) AS first_n, max(n) AS last_n, min(taken_at) AS first_seen, max(taken_at) AS last_seen,
		arg_min(attach_time, n) AS attach_time, %[6]s
	FROM numbered GROUP BY account_id, region, %[4]s, run),
bounded AS (
	SELECT r.*, p.taken_at AS prev_snapshot, nx.taken_at AS next_snapshot,
		CASE WHEN r.attach_time IS NOT NULL AND r.attach_time <= r.first_seen
			AND (p.taken_at IS NULL OR r.attach_time > p.taken_at) THEN r.attach_time ELSE r.first_seen END AS observed_from
	FROM runs r
	LEFT JOIN snaps p ON p.account_id = r.account_id AND p.region = r.region AND p.n = r.first_n - 1
	LEFT JOIN snaps nx ON nx.account_id = r.account_id AND nx.region = r.region AND nx.n = r.last_n + 1)
SELECT account_id, region, %[4]s, %[7]s,
	CASE WHEN first_n = 1 THEN NULL ELSE observed_from END AS valid_from,
	CASE WHEN last_n = total THEN NULL
		WHEN lead(first_n) OVER k = last_n + 1 THEN lead(observed_from) OVER k
		ELSE next_snapshot END AS valid_to,
	observed_from, first_seen, last_seen, attach_time
FROM bounded
WINDOW k AS (PARTITION BY %[3]s ORDER BY run)`,
		table, src, part, key, valueExpr, strings.Join(lastVals, ", "), strings.Join(vals, ", "))
}

// Open opens an in-memory DuckDB holding dataDir's inventory (see Register), for commands that
// read it outside a query session. It spills, if ever, under DATA_DIR/inventory/tmp/PID, which
// close removes.
func Open(ctx context.Context, dataDir string) (db *sql.DB, close func() error, err error) {
	tmp := filepath.Join(dataDir, Subdir, "tmp", strconv.Itoa(os.Getpid()))
	db, err = openDB(ctx, tmp)
	if err != nil {
		return nil, nil, err
	}
	close = func() error {
		err := db.Close()
		os.RemoveAll(tmp)
		return err
	}
	if err := Register(ctx, db, dataDir); err != nil {
		close()
		return nil, nil, err
	}
	return db, close, nil
}
