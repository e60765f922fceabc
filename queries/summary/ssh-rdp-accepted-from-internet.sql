-- The summary form of ssh-rdp-accepted-from-internet (flowq only): ports below 32768 are kept
-- exactly for every action.
SELECT srcaddr AS source,
       dstaddr AS destination,
       dstport AS dst_port,
       CAST(sum(records) AS BIGINT) AS records,
       sum(bytes) AS bytes,
       count(DISTINCT interface_id) AS interfaces,
       from_unixtime(min(first_start)) AS first_seen,
       from_unixtime(max(last_end)) AS last_seen
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE action = 'ACCEPT'
  AND protocol = 6
  AND dstport IN (22, 3389)
  AND NOT (contains('10.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
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
            OR contains('ff00::/8', TRY_CAST(srcaddr AS IPADDRESS)))
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr, dstaddr, dstport
ORDER BY records DESC, source, destination, dst_port
LIMIT $limit
