package cost

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/flowq/flowq/engine/inventory"
)

// Caveat is what every cost report says beside its figures.
// Short, since it is on every row: docs/cost.md says it in full.
const Caveat = "estimated from flow logs, not a bill: unlogged traffic, SKIPDATA and NODATA gaps and fixed charges not counted"

// RegisterSession gives a query session what the cost reports read:
//
//	cost_prices, cost_egress_tiers, cost_price_info   the price table in effect (Load)
//	cost_region(r)                                   r if the table has rates for it, else the default region
//	cost_gb(bytes)                                   bytes in the table's GB (bytes_per_gb: 2^30)
//	cost_nat_rate(r), cost_inter_az_rate(r),         rates per GB (inter-AZ: each direction)
//	  cost_inter_region_rate(r)
//	cost_egress_charge(r, gb)                        the tiered internet egress charge of gb in a month
//	cost_rate(what, rate, r)                         '0.045 USD/GB NAT processing (us-east-1 prices of 2026-12-02)'
//	cost_caveat()                                    Caveat
//	cost_service_name, cost_service_region,          AWS's IP ranges and labels.csv, loaded on first use (funcs.go)
//	  cost_is_private, cost_label
//	cost_flows                                       view: the OK flow records classified (see flowsSQL)
//
// Names, NAT gateways and AZs come from the inventory: a session that already has
// vpc_flow_logs_named (inventory.RegisterSession) is used as it is; otherwise, when the data dir
// holds inventory snapshots, RegisterSession calls inventory.RegisterSession; without an inventory
// the names are NULL and the reports read the flow-log fields alone. Meant for
// store.SessionOptions.Init, after the dialect's functions.
func RegisterSession(ctx context.Context, conn *sql.Conn, dataDir string) error {
	p, err := Load(dataDir)
	if err != nil {
		return err
	}
	return Register(ctx, conn, dataDir, p)
}

// Register is RegisterSession with a given price table.
func Register(ctx context.Context, conn *sql.Conn, dataDir string, p *Prices) error {
	if err := registerFuncs(conn, dataDir); err != nil {
		return err
	}
	for _, q := range PriceSQL(p) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("cost: price table: %w", err)
		}
	}
	has := func(view string) (bool, error) {
		var n int
		err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", view).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("cost: looking for %s: %w", view, err)
		}
		return n > 0, nil
	}
	flows, err := has("vpc_flow_logs")
	if err != nil || !flows {
		return err // no flow-log view: not a store session
	}
	named, err := has("vpc_flow_logs_named")
	if err != nil {
		return err
	}
	if !named && dataDir != "" {
		man, err := inventory.ReadManifest(dataDir)
		if err != nil {
			return fmt.Errorf("cost: %w", err)
		}
		if len(man.Snapshots) > 0 {
			if err := inventory.RegisterSession(ctx, conn, dataDir); err != nil {
				return fmt.Errorf("cost: %w", err)
			}
			named = true
		}
	}
	base := baseNamedSQL
	if !named {
		base = baseUnnamedSQL
	}
	for _, q := range []string{base, flowsSQL} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("cost: cost_flows: %w", err)
		}
	}
	return nil
}

// cost_named is what cost_flows reads: vpc_flow_logs_named, or without an inventory the flow
// records with its name, kind and AZ columns NULL.
const (
	baseNamedSQL = `CREATE OR REPLACE VIEW cost_named AS
SELECT * FROM vpc_flow_logs_named`
	baseUnnamedSQL = `CREATE OR REPLACE VIEW cost_named AS
SELECT f.*, NULL::VARCHAR AS src_name, NULL::VARCHAR AS src_kind, NULL::VARCHAR AS src_az_id,
	NULL::VARCHAR AS dst_name, NULL::VARCHAR AS dst_kind, NULL::VARCHAR AS dst_az_id,
	NULL::VARCHAR AS interface_name, NULL::VARCHAR AS interface_kind, NULL::VARCHAR AS interface_az_id
FROM vpc_flow_logs f`
)

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// PriceSQL returns the statements that define the price tables and macros of p.
func PriceSQL(p *Prices) []string {
	regions := make([]string, 0, len(p.Regions))
	for r := range p.Regions {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	var rates, tiers []string
	for _, name := range regions {
		r := p.Regions[name]
		rates = append(rates, fmt.Sprintf("(%s, %g::DOUBLE, %g::DOUBLE, %g::DOUBLE)", lit(name), r.NATPerGB, r.InterAZPerGBEachDirection, r.InterRegionPerGB))
		from := 0.0
		for _, t := range r.InternetEgressTiers {
			to := "NULL::DOUBLE"
			if t.UpToGB != nil {
				to = fmt.Sprintf("%g::DOUBLE", *t.UpToGB)
			}
			tiers = append(tiers, fmt.Sprintf("(%s, %g::DOUBLE, %s, %g::DOUBLE)", lit(name), from, to, t.PerGB))
			if t.UpToGB != nil {
				from = *t.UpToGB
			}
		}
	}
	return []string{
		"CREATE OR REPLACE TABLE cost_prices AS SELECT * FROM (VALUES " + strings.Join(rates, ", ") +
			") v(region, nat_per_gb, inter_az_per_gb_each_direction, inter_region_per_gb)",
		"CREATE OR REPLACE TABLE cost_egress_tiers AS SELECT * FROM (VALUES " + strings.Join(tiers, ", ") +
			") v(region, from_gb, up_to_gb, per_gb)",
		fmt.Sprintf("CREATE OR REPLACE TABLE cost_price_info AS SELECT %s::DATE AS date, %s AS currency, %d::BIGINT AS bytes_per_gb, %s AS default_region, %s AS source, %s AS file",
			lit(p.Date), lit(p.Currency), p.BytesPerGB, lit(p.DefaultRegion), lit(p.Source), lit(p.File)),
		"CREATE OR REPLACE MACRO cost_region(reg_) AS coalesce((SELECT any_value(region) FROM cost_prices WHERE region = reg_), (SELECT default_region FROM cost_price_info))",
		"CREATE OR REPLACE MACRO cost_gb(bytes_) AS CAST(bytes_ AS DOUBLE) / (SELECT bytes_per_gb FROM cost_price_info)",
		"CREATE OR REPLACE MACRO cost_nat_rate(reg_) AS (SELECT any_value(nat_per_gb) FROM cost_prices WHERE region = cost_region(reg_))",
		"CREATE OR REPLACE MACRO cost_inter_az_rate(reg_) AS (SELECT any_value(inter_az_per_gb_each_direction) FROM cost_prices WHERE region = cost_region(reg_))",
		"CREATE OR REPLACE MACRO cost_inter_region_rate(reg_) AS (SELECT any_value(inter_region_per_gb) FROM cost_prices WHERE region = cost_region(reg_))",
		`CREATE OR REPLACE MACRO cost_egress_charge(reg_, gb_) AS (SELECT coalesce(sum(greatest(0, least(gb_, coalesce(up_to_gb, gb_)) - from_gb) * per_gb), 0)
			FROM cost_egress_tiers WHERE region = cost_region(reg_))`,
		`CREATE OR REPLACE MACRO cost_rate(what_, rate_, reg_) AS
			CAST(round(rate_, 6) AS VARCHAR) || ' ' || (SELECT currency FROM cost_price_info) || '/GB ' || what_ ||
			' (' || cost_region(reg_) || ' prices of ' || CAST((SELECT date FROM cost_price_info) AS VARCHAR) || ')'`,
		"CREATE OR REPLACE MACRO cost_caveat() AS " + lit(Caveat),
	}
}

// flowsSQL defines cost_flows: one row per OK record of vpc_flow_logs_named with what the cost
// reports need. Where the format and the inventory leave a fact unknown the column is NULL.
//
//	side          'out' when the logging interface sent the bytes, 'in' when it received them:
//	              flow-direction; else on a NAT interface its own address; else the private end of
//	              a private/public pair (a public address is never an interface's own IPv4 address)
//	nat_id        the NAT gateway whose interface logged the record: the inventory's NAT gateway
//	              interfaces, else interfaces whose records carry a packet destination (pkt-dstaddr)
//	              that is public and differs from dstaddr (the NAT's inner leg)
//	nat_leg       inner-out (instance → NAT), inner-in (NAT → instance), public-out, public-in
//	nat_instance  the address behind the NAT (inner legs), with nat_instance_name
//	remote        the far end: pkt-dstaddr / pkt-srcaddr on inner legs, the other address on public legs
//	remote_service, remote_region   S3, DYNAMODB, ... from AWS's IP ranges, else pkt-*-aws-service
//	src_az, dst_az, own_az          AZ ids: the inventory, else az-id of the records each address logged
//	sender_logged whether some interface logged the sending address as its own (dedupe of two-sided traffic)
const flowsSQL = `CREATE OR REPLACE VIEW cost_flows AS
WITH ok AS (
	SELECT * FROM cost_named WHERE coalesce(log_status, 'OK') = 'OK' AND bytes IS NOT NULL
),
nat_seen AS (
	SELECT interface_id, any_value(dstaddr) AS nat_ip FROM ok
	WHERE pkt_dstaddr IS NOT NULL AND pkt_dstaddr <> '-' AND pkt_dstaddr <> dstaddr AND NOT cost_is_private(pkt_dstaddr)
	GROUP BY interface_id
),
addr_az AS (
	SELECT CASE flow_direction WHEN 'egress' THEN srcaddr ELSE dstaddr END AS address, any_value(az_id) AS az_id
	FROM ok WHERE flow_direction IN ('egress', 'ingress') AND az_id IS NOT NULL AND az_id <> '-'
	GROUP BY 1
),
c AS (
	SELECT o.*,
		CAST(to_timestamp(o.start) AS DATE) AS day,
		coalesce(CASE WHEN o.interface_kind = 'nat_gateway' THEN o.interface_name END,
		         CASE WHEN ns.interface_id IS NOT NULL THEN o.interface_id END) AS nat_id,
		ns.nat_ip,
		coalesce(o.pkt_srcaddr, '-') <> '-' AND coalesce(o.pkt_dstaddr, '-') <> '-' AS pkt_known,
		coalesce(o.src_az_id, sa.az_id) AS src_az,
		coalesce(o.dst_az_id, da.az_id) AS dst_az,
		coalesce(nullif(o.az_id, '-'), o.interface_az_id) AS own_az,
		cost_is_private(o.srcaddr) AS src_private,
		cost_is_private(o.dstaddr) AS dst_private
	FROM ok o
	LEFT JOIN nat_seen ns ON ns.interface_id = o.interface_id
	LEFT JOIN addr_az sa ON sa.address = o.srcaddr
	LEFT JOIN addr_az da ON da.address = o.dstaddr
),
s AS (
	SELECT c.*,
		CASE WHEN flow_direction = 'egress' THEN 'out'
		     WHEN flow_direction = 'ingress' THEN 'in'
		     WHEN nat_id IS NOT NULL AND (src_kind = 'nat_gateway' OR srcaddr = nat_ip) THEN 'out'
		     WHEN nat_id IS NOT NULL AND (dst_kind = 'nat_gateway' OR dstaddr = nat_ip) THEN 'in'
		     WHEN src_private AND NOT dst_private THEN 'out'
		     WHEN dst_private AND NOT src_private THEN 'in'
		     WHEN src_az IS DISTINCT FROM dst_az AND own_az IS NOT NULL AND own_az = src_az THEN 'out'
		     WHEN src_az IS DISTINCT FROM dst_az AND own_az IS NOT NULL AND own_az = dst_az THEN 'in'
		END AS side
	FROM c
),
own AS (
	-- the addresses interfaces logged as their own (the sender of 'out', the receiver of 'in')
	SELECT DISTINCT CASE side WHEN 'out' THEN srcaddr ELSE dstaddr END AS address FROM s WHERE side IS NOT NULL
),
l AS (
	SELECT s.*,
		ow.address IS NOT NULL AS sender_logged,
		CASE WHEN nat_id IS NULL THEN NULL
		     WHEN side = 'in' AND (CASE WHEN pkt_known THEN pkt_dstaddr <> dstaddr ELSE coalesce(src_private, false) END) THEN 'inner-out'
		     WHEN side = 'out' AND (CASE WHEN pkt_known THEN pkt_srcaddr <> srcaddr ELSE coalesce(dst_private, false) END) THEN 'inner-in'
		     WHEN side = 'out' THEN 'public-out'
		     WHEN side = 'in' THEN 'public-in'
		END AS nat_leg
	FROM s LEFT JOIN own ow ON ow.address = s.srcaddr
),
r AS (
	SELECT l.*,
		CASE nat_leg WHEN 'inner-out' THEN srcaddr WHEN 'inner-in' THEN dstaddr END AS nat_instance,
		CASE nat_leg WHEN 'inner-out' THEN src_name WHEN 'inner-in' THEN dst_name END AS nat_instance_name,
		CASE WHEN nat_leg = 'inner-out' AND pkt_known THEN pkt_dstaddr
		     WHEN nat_leg = 'inner-in' AND pkt_known THEN pkt_srcaddr
		     WHEN nat_leg = 'public-out' THEN dstaddr
		     WHEN nat_leg = 'public-in' THEN srcaddr
		     WHEN nat_leg IS NULL AND side = 'out' THEN dstaddr
		     WHEN nat_leg IS NULL AND side = 'in' THEN srcaddr
		END AS remote,
		CASE WHEN nat_leg IN ('inner-out', 'public-out') OR (nat_leg IS NULL AND side = 'out') THEN nullif(pkt_dst_aws_service, '-')
		     ELSE nullif(pkt_src_aws_service, '-') END AS logged_service
	FROM l
)
SELECT r.*,
	coalesce(cost_service_name(remote), logged_service) AS remote_service,
	cost_service_region(remote) AS remote_region,
	coalesce(dst_name, cost_label(dstaddr)) AS dst_label
FROM r`
