-- name: cost-summary
-- description: Estimated charges per day and item (NAT processing, cross-AZ, S3/DynamoDB via NAT, internet egress), for --alert thresholds.
-- finds: One row per UTC day, region and item with bytes and the estimated charge:
--   nat-processing (bytes through NAT gateways), cross-az (bytes between AZs, both directions
--   charged), aws-services-via-nat (the part of nat-processing a gateway endpoint would save),
--   internet-egress (at the region's first tier: the day does not know the month's volume).
--   Rows under min_charge are left out, so `flowq run cost-summary --param since=1d
--   --param min_charge=50 --alert` exits 4 when a day's item costs more than 50. Estimated from
--   flow logs (caveat column); fixed and hourly charges are not included.
-- false-positives: As in the four reports it sums (nat-gateway-top-contributors,
--   cross-az-traffic, aws-services-via-nat, internet-egress).
-- portability: flowq only: reads cost_flows and the price macros that flowq defines in its sessions.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: min_charge = 0 | Only rows whose charge is at least this (in the price table's currency)
WITH f AS (
  SELECT * FROM cost_flows
  WHERE ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
),
items AS (
  SELECT day, region, 'nat-processing' AS item, sum(bytes) AS bytes,
         cost_gb(sum(bytes)) * cost_nat_rate(region) AS charge,
         cost_rate('NAT gateway processing', cost_nat_rate(region), region) AS rate_used
  FROM f WHERE nat_leg IN ('inner-out', 'inner-in') GROUP BY day, region
  UNION ALL
  SELECT day, region, 'cross-az', sum(bytes),
         cost_gb(sum(bytes)) * cost_inter_az_rate(region) * 2,
         cost_rate('inter-AZ in each direction (x2)', cost_inter_az_rate(region), region)
  FROM f WHERE src_private AND dst_private AND src_az IS NOT NULL AND dst_az IS NOT NULL AND src_az <> dst_az
    AND coalesce(traffic_path, 0) <> 5
    AND (side = 'out' OR (side = 'in' AND (NOT sender_logged OR nat_leg = 'inner-out')) OR side IS NULL)
  GROUP BY day, region
  UNION ALL
  SELECT day, region, 'aws-services-via-nat', sum(bytes),
         cost_gb(sum(bytes)) * cost_nat_rate(region),
         cost_rate('NAT gateway processing (a gateway endpoint saves it)', cost_nat_rate(region), region)
  FROM f WHERE upper(remote_service) IN ('S3', 'DYNAMODB')
    AND (remote_region IS NULL OR region IS NULL OR remote_region = region)
    AND ((pkt_known AND nat_leg IN ('inner-out', 'inner-in')) OR (NOT pkt_known AND nat_leg IN ('public-out', 'public-in')))
  GROUP BY day, region
  UNION ALL
  SELECT day, region, 'internet-egress', sum(bytes),
         cost_gb(sum(bytes)) * (SELECT per_gb FROM cost_egress_tiers t WHERE t.region = cost_region(f.region) AND t.from_gb = 0),
         cost_rate('internet egress, first tier', (SELECT per_gb FROM cost_egress_tiers t WHERE t.region = cost_region(f.region) AND t.from_gb = 0), region)
  FROM f WHERE side = 'out' AND dst_private = false AND remote_service IS NULL
    AND (nat_id IS NULL OR nat_leg = 'public-out')
    AND (nat_id IS NOT NULL OR coalesce(traffic_path, 0) <> 1)
  GROUP BY day, region
)
SELECT day, region, item, bytes, round(charge, 2) AS charge, rate_used, cost_caveat() AS caveat
FROM items
WHERE bytes > 0 AND charge >= CAST($min_charge AS DOUBLE)
ORDER BY day, region, charge DESC, item
