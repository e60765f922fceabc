package inventory

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/flowq/flowq/engine/ipranges"
)

// RegisterSession gives a query session every label flowq knows: the inventory (Register), AWS's
// IP ranges (ipranges.RegisterSQL, the newer of the embedded and the refreshed copy), the user's
// labels from DATA_DIR/labels.csv (ipranges.RegisterLabelsSQL; ip_name falls back to them), and
//
//	ip_kind(addr, ts)  instance, nat_gateway, load_balancer, rds, lambda, vpc_endpoint,
//	                   transit_gateway, other_managed, interface (from the inventory); else
//	                   aws_service (AWS's ranges), private_unknown or internet; NULL for '-'
//
// and, when the session has a vpc_flow_logs view, the view vpc_flow_logs_named: every column of
// vpc_flow_logs plus the names, kinds, AWS services, security groups, subnets and AZ ids of both
// ends and of the logging interface, each at the record's start time.
//
// It is meant for store.SessionOptions.Init, which runs on the session's one connection after
// the flow-log views exist. Without an inventory the names are NULL and the kinds come from the
// IP ranges alone.
func RegisterSession(ctx context.Context, conn *sql.Conn, dataDir string) error {
	if err := Register(ctx, conn, dataDir); err != nil {
		return err
	}
	r, err := ipranges.Load(dataDir)
	if err != nil {
		return err
	}
	if err := ipranges.RegisterSQL(ctx, conn, r); err != nil {
		return err
	}
	labels, err := ipranges.LoadLabels(dataDir, "")
	if err != nil {
		return err
	}
	if err := ipranges.RegisterLabelsSQL(ctx, conn, labels); err != nil {
		return err
	}
	for _, q := range []string{
		"CREATE OR REPLACE MACRO ip_kind(a, ts) AS coalesce(ip_inventory_kind(a, ts), " + kindFallback("a") + ")",
		"CREATE OR REPLACE MACRO ip_name(a, ts) AS coalesce(ip_inventory_name(a, ts), ip_label(a))",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("inventory macros: %w", err)
		}
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'vpc_flow_logs'").Scan(&n); err != nil {
		return fmt.Errorf("looking for vpc_flow_logs: %w", err)
	}
	if n == 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, NamedViewSQL()); err != nil {
		return fmt.Errorf("vpc_flow_logs_named: %w", err)
	}
	return nil
}

// NamedViewSQL returns the statement defining vpc_flow_logs_named over vpc_flow_logs (see RegisterSession). It joins
// the owner tables on the address (or interface) and the record's start time rather than calling
// the per-row macros: one hash join per end instead of a subquery per column.
func NamedViewSQL() string {
	return `CREATE OR REPLACE VIEW vpc_flow_logs_named AS
SELECT f.*,
	coalesce(s.resource_name, ip_label(f.srcaddr)) AS src_name,
	coalesce(s.resource_kind, ` + kindFallback("f.srcaddr") + `) AS src_kind,
	aws_service(f.srcaddr) AS src_aws_service,
	s.security_group_ids AS src_security_groups,
	s.subnet_id AS src_subnet,
	s.az_id AS src_az_id,
	coalesce(d.resource_name, ip_label(f.dstaddr)) AS dst_name,
	coalesce(d.resource_kind, ` + kindFallback("f.dstaddr") + `) AS dst_kind,
	aws_service(f.dstaddr) AS dst_aws_service,
	d.security_group_ids AS dst_security_groups,
	d.subnet_id AS dst_subnet,
	d.az_id AS dst_az_id,
	i.resource_name AS interface_name,
	i.resource_kind AS interface_kind,
	i.security_group_ids AS interface_security_groups,
	i.subnet_id AS interface_subnet,
	i.az_id AS interface_az_id
FROM vpc_flow_logs f
LEFT JOIN inventory_address_owner s ON s.address = f.srcaddr AND ` + during("s") + `
LEFT JOIN inventory_address_owner d ON d.address = f.dstaddr AND ` + during("d") + `
LEFT JOIN inventory_interface_timeline i ON i.interface_id = f.interface_id AND ` + during("i")
}

// during matches an owner row t valid at the record's start.
func during(t string) string {
	return fmt.Sprintf("to_timestamp(f.start) >= coalesce(%[1]s.valid_from, '-infinity'::TIMESTAMPTZ) AND to_timestamp(f.start) < coalesce(%[1]s.valid_to, 'infinity'::TIMESTAMPTZ)", t)
}

// kindFallback is ip_kind's answer for an address the inventory does not know.
func kindFallback(a string) string {
	return fmt.Sprintf(`CASE WHEN ip_is_private(%[1]s) IS NULL THEN NULL WHEN aws_service(%[1]s) IS NOT NULL THEN 'aws_service'
		WHEN ip_is_private(%[1]s) THEN 'private_unknown' ELSE 'internet' END`, a)
}

// Summary is what `flowq status` can say about names: the newest snapshot, the IP ranges' date
// and the number of user labels.
type Summary struct {
	Snapshots      int           `json:"inventory_snapshots"`
	Latest         *SnapshotInfo `json:"inventory_latest,omitempty"`
	IPRangesDate   string        `json:"ip_ranges_date"`
	IPRangesSource string        `json:"ip_ranges_source"`
	Labels         int           `json:"user_labels"`
}

// Summarize reads the manifest, the IP ranges in effect and the labels of dataDir.
func Summarize(dataDir string) (Summary, error) {
	var s Summary
	man, err := ReadManifest(dataDir)
	if err != nil {
		return s, err
	}
	s.Snapshots = len(man.Snapshots)
	if n := len(man.Snapshots); n > 0 {
		latest := man.Snapshots[n-1]
		s.Latest = &latest
	}
	r, err := ipranges.Load(dataDir)
	if err != nil {
		return s, err
	}
	s.IPRangesDate, s.IPRangesSource = r.Date(), r.Source
	l, err := ipranges.LoadLabels(dataDir, "")
	if err != nil {
		return s, err
	}
	s.Labels = len(l.Entries)
	return s, nil
}

// CoverageSQL counts, in a session set up by RegisterSession, the flow records and those whose
// interface the inventory names at the record's time (the inventory's coverage for status).
func CoverageSQL() string {
	return `SELECT count(*) AS records, count(i.interface_id) AS named FROM vpc_flow_logs f
LEFT JOIN inventory_interface_timeline i ON i.interface_id = f.interface_id AND ` + during("i")
}
