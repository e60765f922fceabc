-- The summary form of ipv4-vs-ipv6-bytes (flowq only).
SELECT family,
       CAST(sum(records) AS BIGINT) AS records,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       round(100.0 * sum(bytes) / nullif(sum(sum(bytes)) OVER (), 0), 2) AS pct_bytes
FROM (
  SELECT CASE WHEN contains('0.0.0.0/0', TRY_CAST(srcaddr AS IPADDRESS)) THEN 'IPv4' ELSE 'IPv6' END AS family,
         records, packets, bytes
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND contains('::/0', TRY_CAST(srcaddr AS IPADDRESS))
    AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
) t
GROUP BY family
ORDER BY family
