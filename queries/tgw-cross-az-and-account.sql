-- name: tgw-cross-az-and-account
-- description: Traffic through the transit gateway that crosses Availability Zones or accounts.
-- finds: Bytes, packets and records of traffic entering the gateway whose source and destination
--   are in different AZs (tgw_src_az_id → tgw_dst_az_id: data processing plus inter-AZ transfer)
--   or in VPCs of different accounts (tgw_src_vpc_account_id → tgw_dst_vpc_account_id: who sends
--   what to whom across the organisation), one row per kind and direction pair.
-- false-positives: Only records where both sides are known count: a VPN or Direct Connect side
--   has no AZ or VPC account ("-"), and the gateway reports "-" for traffic from a sublocation.
--   Dropped traffic has no destination side and is left out. The ingress/egress caveats of
--   tgw-top-attachments apply.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (the gateway owner's) (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: tgw = | Only this transit gateway, e.g. tgw-0123456789abcdef0 (default: all)
-- param: kind = all [all az account] | Only cross-AZ (az) or cross-account (account) traffic
-- param: direction = ingress [ingress egress any] | Records counted: what entered the gateway, what left it, or both
WITH t AS (
  SELECT tgw_src_az_id, tgw_dst_az_id, tgw_src_vpc_account_id, tgw_dst_vpc_account_id, bytes, packets
  FROM transit_gateway_flow_logs
  WHERE log_status = 'OK'
    AND ($direction = 'any' OR flow_direction = $direction)
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
    AND ($tgw IS NULL OR tgw_id = $tgw)
),
x AS (
  SELECT 'cross-az' AS kind, tgw_src_az_id AS source, tgw_dst_az_id AS destination, bytes, packets
  FROM t
  WHERE tgw_src_az_id <> '-' AND tgw_dst_az_id <> '-' AND tgw_src_az_id <> tgw_dst_az_id
  UNION ALL
  SELECT 'cross-account', tgw_src_vpc_account_id, tgw_dst_vpc_account_id, bytes, packets
  FROM t
  WHERE tgw_src_vpc_account_id <> '-' AND tgw_dst_vpc_account_id <> '-' AND tgw_src_vpc_account_id <> tgw_dst_vpc_account_id
)
SELECT kind, source, destination,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS records
FROM x
WHERE coalesce($kind, 'all') = 'all' OR kind = 'cross-' || $kind
GROUP BY kind, source, destination
ORDER BY kind, bytes DESC, source, destination
