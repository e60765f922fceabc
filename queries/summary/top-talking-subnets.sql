-- The summary form of top-talking-subnets (flowq only).
SELECT subnet_id,
       max(vpc_id) AS vpc_id,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(records) AS records,
       count(DISTINCT interface_id) AS interfaces,
       count(DISTINCT instance_id) AS instances
FROM (
  SELECT subnet_id,
         interface_id,
         nullif(instance_id, '-') AS instance_id,
         max(vpc_id) AS vpc_id,
         sum(bytes) AS bytes,
         sum(packets) AS packets,
         CAST(sum(records) AS BIGINT) AS records
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND subnet_id IS NOT NULL
    AND subnet_id <> '-'
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY subnet_id, interface_id, nullif(instance_id, '-')
) t
GROUP BY subnet_id
ORDER BY bytes DESC, subnet_id
LIMIT $limit
