-- The summary form of top-https-destinations (flowq only).
SELECT dstaddr AS destination,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       CAST(sum(records) AS BIGINT) AS records,
       count(DISTINCT srcaddr) AS sources,
       max(aws_service) AS aws_service
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE dstport = 443
  AND coalesce(log_status, 'OK') = 'OK'
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY dstaddr
ORDER BY packets DESC, destination
LIMIT $limit
