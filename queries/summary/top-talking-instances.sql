-- The summary form of top-talking-instances (flowq only).
SELECT instance_id,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(records) AS records,
       count(DISTINCT interface_id) AS interfaces,
       count(DISTINCT subnet_id) AS subnets,
       max(vpc_id) AS vpc_id
FROM (
  SELECT instance_id,
         interface_id,
         subnet_id,
         max(vpc_id) AS vpc_id,
         sum(bytes) AS bytes,
         sum(packets) AS packets,
         CAST(sum(records) AS BIGINT) AS records
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND instance_id IS NOT NULL
    AND instance_id <> '-'
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY instance_id, interface_id, subnet_id
) t
GROUP BY instance_id
ORDER BY bytes DESC, instance_id
LIMIT $limit
