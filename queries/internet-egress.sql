-- name: internet-egress
-- description: Bytes sent to the internet per source and destination label (AWS service, your label, or address), with the estimated transfer charge.
-- finds: Every byte an interface sent to a public address: per source (named from the inventory,
--   else the address; a NAT gateway for what it forwarded) and destination label (the AWS service
--   and region from AWS's IP ranges or pkt-dst-aws-service, else your label from labels.csv, else
--   the address). kind says how it is priced: internet (the region's monthly tiers, applied to the
--   month's total of these rows and spread evenly: rate_used is that blended rate),
--   aws-same-region (no transfer charge), aws-other-region (the inter-region rate). Estimated from
--   flow logs (caveat column); the monthly free allowance is not deducted.
-- false-positives: Traffic through a NAT gateway is counted at the gateway; an instance's own
--   record of it is left out when traffic-path says it went through the VPC (1), so without
--   traffic-path (formats before version 5) it may count twice. The tiers see only the logged
--   months' bytes in range, not the whole account's egress.
-- portability: flowq only: reads cost_flows and the price macros that flowq defines in its sessions.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 50 | Rows to return
WITH sent AS (
  SELECT coalesce(CASE WHEN nat_leg = 'public-out' THEN nat_id END, src_name, srcaddr) AS source,
         coalesce(remote_service || coalesce(' ' || remote_region, ''), dst_label, dstaddr) AS destination,
         CASE WHEN remote_service IS NULL THEN 'internet'
              WHEN remote_region IS NULL OR remote_region IN (region, 'GLOBAL') THEN 'aws-same-region'
              ELSE 'aws-other-region' END AS kind,
         region, strftime(day, '%Y-%m') AS month, bytes
  FROM cost_flows
  WHERE side = 'out' AND dst_private = false
    AND (nat_id IS NULL OR nat_leg = 'public-out')
    AND (nat_id IS NOT NULL OR coalesce(traffic_path, 0) <> 1)
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
),
months AS (
  SELECT region, month, cost_gb(sum(bytes)) AS gb FROM sent WHERE kind = 'internet' GROUP BY ALL
),
blended AS (
  SELECT region, month, CASE WHEN gb > 0 THEN cost_egress_charge(region, gb) / gb ELSE 0 END AS per_gb FROM months
),
rated AS (
  SELECT s.source, s.destination, s.kind, s.region, s.bytes,
         CASE s.kind WHEN 'internet' THEN b.per_gb WHEN 'aws-other-region' THEN cost_inter_region_rate(s.region) ELSE 0 END AS per_gb
  FROM sent s LEFT JOIN blended b ON b.region IS NOT DISTINCT FROM s.region AND b.month = s.month
)
SELECT source, destination, kind, sum(bytes) AS bytes,
       round(sum(cost_gb(bytes) * per_gb), 2) AS charge,
       CASE kind WHEN 'internet' THEN cost_rate('internet egress, blended monthly tiers', max(per_gb), max(region))
                 WHEN 'aws-other-region' THEN cost_rate('inter-region', max(per_gb), max(region))
                 ELSE cost_rate('same-region AWS service', 0, max(region)) END AS rate_used,
       cost_caveat() AS caveat
FROM rated
GROUP BY source, destination, kind
ORDER BY bytes DESC, source, destination
LIMIT $limit
