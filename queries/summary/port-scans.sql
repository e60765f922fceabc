-- The summary form of port-scans (flowq only): REJECTed records keep their exact dstport.
SELECT srcaddr AS source,
       count(DISTINCT dstport) AS ports,
       CAST(sum(records) AS BIGINT) AS records,
       count(DISTINCT dstaddr) AS targets,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       from_unixtime(min(first_start)) AS first_seen,
       from_unixtime(max(last_end)) AS last_seen
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE action = 'REJECT'
  AND coalesce(log_status, 'OK') = 'OK'
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr
HAVING count(DISTINCT dstport) >= $min_ports
ORDER BY ports DESC, source
LIMIT $limit
