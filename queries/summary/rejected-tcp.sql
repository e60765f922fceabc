-- The summary form of rejected-tcp (flowq only).
SELECT srcaddr AS source,
       dstaddr AS destination,
       dstport AS dst_port,
       CAST(sum(records) AS BIGINT) AS records,
       sum(packets) AS packets,
       count(DISTINCT interface_id) AS interfaces,
       from_unixtime(min(first_start)) AS first_seen,
       from_unixtime(max(last_end)) AS last_seen
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE action = 'REJECT'
  AND protocol = 6
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr, dstaddr, dstport
ORDER BY records DESC, source, destination, dst_port
LIMIT $limit
