-- name: top-talking-instances
-- description: EC2 instances by bytes (sent and received by their ENIs), most first.
-- finds: Per instance_id: bytes, packets, records, how many of its ENIs logged traffic, and its
--   subnet(s) and VPC.
-- false-positives: Needs a custom format with instance-id (version 3): default-format records
--   carry none and are left out, as are interfaces without an instance ("-": NAT gateways, load
--   balancers, endpoints). Traffic between two instances counts for both.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 20 | Rows to return
SELECT instance_id,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(records) AS records,
       count(DISTINCT interface_id) AS interfaces,
       count(DISTINCT subnet_id) AS subnets,
       max(vpc_id) AS vpc_id
FROM (
  -- Per instance, ENI and subnet first, then per instance: the same figures as a single
  -- GROUP BY with count(DISTINCT ...) over every record, which DuckDB computed more slowly.
  SELECT instance_id,
         interface_id,
         subnet_id,
         max(vpc_id) AS vpc_id,
         sum(bytes) AS bytes,
         sum(packets) AS packets,
         count(*) AS records
  FROM vpc_flow_logs
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND instance_id IS NOT NULL
    AND instance_id <> '-'
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY instance_id, interface_id, subnet_id
) t
GROUP BY instance_id
ORDER BY bytes DESC, instance_id
LIMIT $limit
