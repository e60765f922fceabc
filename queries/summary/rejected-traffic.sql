-- The summary form of rejected-traffic (flowq only).
SELECT protocol, dst_port, source,
       CAST(sum(records) AS BIGINT) AS records,
       sum(packets) AS packets,
       count(DISTINCT srcaddr) AS sources,
       count(DISTINCT dstaddr) AS targets
FROM (
  SELECT CASE WHEN $by IN ('both', 'port') THEN protocol END AS protocol,
         CASE WHEN $by IN ('both', 'port') THEN dstport END AS dst_port,
         CASE WHEN $by IN ('both', 'source') THEN srcaddr END AS source,
         srcaddr, dstaddr, records, packets
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE action = 'REJECT'
    AND coalesce(log_status, 'OK') = 'OK'
    AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
) t
GROUP BY protocol, dst_port, source
ORDER BY records DESC, protocol, dst_port, source
LIMIT $limit
