-- The summary form of egress-to-internet (flowq only): the hourly summary keeps both
-- addresses and the largest pkt-dst-aws-service of each group (aws_service).
SELECT dstaddr AS destination,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(records) AS records,
       count(srcaddr) AS sources,
       max(aws_service) AS aws_service
FROM (
  SELECT dstaddr,
         srcaddr,
         sum(bytes) AS bytes,
         sum(packets) AS packets,
         CAST(sum(records) AS BIGINT) AS records,
         max(aws_service) AS aws_service
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY dstaddr, srcaddr
) t
GROUP BY dstaddr
HAVING NOT (contains('10.0.0.0/8', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('172.16.0.0/12', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('192.168.0.0/16', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('100.64.0.0/10', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('127.0.0.0/8', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('169.254.0.0/16', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('0.0.0.0/8', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('224.0.0.0/4', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('fc00::/7', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('fe80::/10', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('::1/128', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('ff00::/8', TRY_CAST(max(dstaddr) AS IPADDRESS)))
ORDER BY bytes DESC, destination
LIMIT $limit
