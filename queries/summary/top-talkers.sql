-- The summary form of top-talkers (flowq only): the hourly summary keeps every column the
-- groupings read (addresses, packet addresses, ENI, instance, subnet).
SELECT CASE WHEN k2 IS NULL THEN k1 ELSE k1 || ' -> ' || k2 END AS talker,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       CAST(sum(records) AS BIGINT) AS records
FROM (
  SELECT CASE $by
           WHEN 'src' THEN srcaddr
           WHEN 'dst' THEN dstaddr
           WHEN 'eni' THEN interface_id
           WHEN 'instance' THEN instance_id
           WHEN 'subnet' THEN subnet_id
           WHEN 'pkt-src' THEN coalesce(nullif(pkt_srcaddr, '-'), srcaddr)
           WHEN 'pkt-dst' THEN coalesce(nullif(pkt_dstaddr, '-'), dstaddr)
           WHEN 'pkt-pair' THEN coalesce(nullif(pkt_srcaddr, '-'), srcaddr)
           ELSE srcaddr
         END AS k1,
         CASE $by
           WHEN 'pkt-pair' THEN coalesce(nullif(pkt_dstaddr, '-'), dstaddr)
           WHEN 'pair' THEN dstaddr
         END AS k2,
         bytes, packets, records
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND srcaddr <> '-'
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
) t
WHERE k1 IS NOT NULL AND k1 <> '-'
GROUP BY k1, k2
ORDER BY bytes DESC, talker
LIMIT $limit
