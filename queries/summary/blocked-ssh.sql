-- The summary form of blocked-ssh (flowq only): REJECTed records keep their exact dstport in
-- the hourly summary, so the same groups come out of it.
SELECT srcaddr AS source,
       CAST(sum(records) AS BIGINT) AS attempts,
       sum(packets) AS packets,
       count(DISTINCT dstaddr) AS targets,
       from_unixtime(min(first_start)) AS first_seen,
       from_unixtime(max(last_end)) AS last_seen,
       NOT (contains('10.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('172.16.0.0/12', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('192.168.0.0/16', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('100.64.0.0/10', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('127.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('169.254.0.0/16', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('0.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('224.0.0.0/4', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('fc00::/7', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('fe80::/10', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('::1/128', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('ff00::/8', TRY_CAST(srcaddr AS IPADDRESS))) AS public
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE action = 'REJECT'
  AND protocol = 6
  AND dstport = 22
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr
ORDER BY attempts DESC, source
LIMIT $limit
