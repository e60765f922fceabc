-- name: top-talking-subnets
-- description: Subnets by bytes (sent and received by their ENIs), most first.
-- finds: Per subnet_id: bytes, packets, records, how many ENIs and instances logged traffic, and
--   the VPC.
-- false-positives: Needs a custom format with subnet-id (version 3): default-format records carry
--   none and are left out. Traffic between two ENIs counts for both ENIs' subnets.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 20 | Rows to return
SELECT subnet_id,
       max(vpc_id) AS vpc_id,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(records) AS records,
       count(DISTINCT interface_id) AS interfaces,
       count(DISTINCT instance_id) AS instances
FROM (
  -- Per subnet and ENI first, then per subnet: the same figures as a single GROUP BY with
  -- count(DISTINCT ...) over every record, which DuckDB computed more slowly.
  SELECT subnet_id,
         interface_id,
         nullif(instance_id, '-') AS instance_id,
         max(vpc_id) AS vpc_id,
         sum(bytes) AS bytes,
         sum(packets) AS packets,
         count(*) AS records
  FROM vpc_flow_logs
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND subnet_id IS NOT NULL
    AND subnet_id <> '-'
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY subnet_id, interface_id, nullif(instance_id, '-')
) t
GROUP BY subnet_id
ORDER BY bytes DESC, subnet_id
LIMIT $limit
