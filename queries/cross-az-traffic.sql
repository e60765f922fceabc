-- name: cross-az-traffic
-- description: Bytes between availability zones per pair of named ends, with the inter-AZ charge; same-AZ and VPC-peering traffic shown separately.
-- finds: Per source and destination (named from the inventory, else the address) and their AZ ids,
--   the bytes sent, and for traffic between two AZs the inter-AZ charge, paid in each direction
--   (the sender's AZ out and the receiver's AZ in: twice the per-GB rate). scope says cross-az,
--   same-az (no charge), cross-az-peering / same-az-peering (traffic-path 4: intra-region VPC
--   peering, same rates), inter-region-peering (traffic-path 5: the inter-region rate, once).
--   Traffic logged by both ends counts once: the sender's record, or the receiver's when the
--   sender's records are not in the logs (or when the receiver is a NAT gateway: the sender's
--   own record names the far end, not the gateway). Estimated from flow logs (caveat column).
-- false-positives: An end's AZ comes from the inventory, else from the az-id of the records its
--   own interface logged (needs az-id and flow-direction, version 4-5 formats): ends whose AZ is
--   unknown are left out. Without flow-direction and an inventory, same-AZ bytes between two
--   logged interfaces may count twice. Traffic through a NAT gateway counts between the instance
--   and the gateway (the gateway's own charge is in nat-gateway-top-contributors).
-- portability: flowq only: reads cost_flows and the price macros that flowq defines in its sessions.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: scope = all [all cross-az same-az peering] | Only cross-AZ, same-AZ or peering rows (default: all)
-- param: limit = 100 | Rows to return
SELECT src, src_az, dst, dst_az, scope, bytes,
       round(CASE WHEN scope IN ('cross-az', 'cross-az-peering') THEN cost_gb(bytes) * cost_inter_az_rate(region) * 2
                  WHEN scope = 'inter-region-peering' THEN cost_gb(bytes) * cost_inter_region_rate(region)
                  ELSE 0 END, 2) AS charge,
       CASE WHEN scope = 'inter-region-peering' THEN cost_rate('inter-region, once', cost_inter_region_rate(region), region)
            ELSE cost_rate('inter-AZ in each direction (x2)', cost_inter_az_rate(region), region) END AS rate_used,
       cost_caveat() AS caveat
FROM (
  SELECT coalesce(src_name, srcaddr) AS src, src_az, coalesce(dst_name, dstaddr) AS dst, dst_az,
         CASE WHEN traffic_path = 5 THEN 'inter-region-peering'
              WHEN traffic_path = 4 AND src_az <> dst_az THEN 'cross-az-peering'
              WHEN traffic_path = 4 THEN 'same-az-peering'
              WHEN src_az <> dst_az THEN 'cross-az'
              ELSE 'same-az' END AS scope,
         max(region) AS region,
         sum(bytes) AS bytes
  FROM cost_flows
  WHERE src_private AND dst_private
    AND src_az IS NOT NULL AND dst_az IS NOT NULL
    AND (side = 'out' OR (side = 'in' AND (NOT sender_logged OR nat_leg = 'inner-out')) OR side IS NULL)
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY ALL
) t
WHERE $scope = 'all' OR scope = $scope OR ($scope = 'peering' AND scope LIKE '%peering')
ORDER BY charge DESC, bytes DESC, src, dst
LIMIT $limit
