-- name: top-talkers
-- description: Top talkers by bytes (and packets): per src→dst pair, address, ENI, instance or subnet.
-- finds: Who moves the most data. by=pair groups by source and destination address, src by
--   source, dst by destination, eni by interface_id, instance by instance_id, subnet by subnet_id.
--   pkt-pair, pkt-src and pkt-dst use the packet-level addresses (pkt-srcaddr, pkt-dstaddr:
--   the original endpoints behind a NAT gateway), falling back to srcaddr/dstaddr where the
--   format lacks them.
-- false-positives: Traffic between two ENIs of the flow log's scope is logged by both, so it
--   counts twice; traffic with the outside world once. instance and subnet need a custom format
--   with instance-id / subnet-id (version 3): records in the default format have none and are left
--   out, as are interfaces without an instance (NAT gateways, load balancers: "-").
-- portability: Athena (Trino) SQL. The grouping is a CASE on the bound $by value, since SQL
--   cannot take a column name as a parameter.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: by = pair [pair src dst eni instance subnet pkt-pair pkt-src pkt-dst] | What to group by
-- param: limit = 20 | Rows to return
SELECT CASE WHEN k2 IS NULL THEN k1 ELSE k1 || ' -> ' || k2 END AS talker,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS records
FROM (
  -- Pairs are grouped as two columns and joined into text after the aggregation: building a
  -- string per record first costs more than the grouping itself.
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
         bytes, packets
  FROM vpc_flow_logs
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND srcaddr <> '-'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
) t
WHERE k1 IS NOT NULL AND k1 <> '-'
GROUP BY k1, k2
ORDER BY bytes DESC, talker
LIMIT $limit
