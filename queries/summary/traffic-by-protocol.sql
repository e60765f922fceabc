-- The summary form of traffic-by-protocol (flowq only).
SELECT protocol,
       CASE protocol WHEN 1 THEN 'ICMP' WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP' WHEN 47 THEN 'GRE'
         WHEN 50 THEN 'ESP' WHEN 51 THEN 'AH' WHEN 58 THEN 'ICMPv6' WHEN 132 THEN 'SCTP'
         ELSE 'other' END AS name,
       CAST(sum(records) AS BIGINT) AS records,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       round(100.0 * sum(bytes) / nullif(sum(sum(bytes)) OVER (), 0), 2) AS pct_bytes
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE coalesce(log_status, 'OK') = 'OK'
  AND protocol IS NOT NULL
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY protocol
ORDER BY bytes DESC, protocol
