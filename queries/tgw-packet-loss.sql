-- name: tgw-packet-loss
-- description: Packets the transit gateway dropped, by cause, attachment and hour.
-- finds: Every UTC hour, transit gateway and attachment where the gateway lost packets, one row
--   per cause: no-route (the route table has no route to the destination), blackhole (the route
--   is a blackhole), mtu-exceeded (packets larger than the next attachment's MTU, e.g. 8500-byte
--   packets towards a 1500-byte VPN) and ttl-expired (a routing loop or a TTL too small), with
--   the packets lost, the packets the records saw, and how many sources and destinations were
--   affected.
-- false-positives: None known: the counters are the gateway's own. The attachment is the one
--   whose record carries the counter (tgw_attachment_id); for mtu-exceeded the attachment the
--   packets were too big for is the record's tgw_pair_attachment_id. Records of a custom format
--   without a packets-lost-* field count as no loss for that cause.
-- portability: Athena (Trino) SQL as is, over a transit_gateway_flow_logs table with the
--   snake_case columns.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (the gateway owner's) (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: tgw = | Only this transit gateway, e.g. tgw-0123456789abcdef0 (default: all)
-- param: cause = all [all no-route blackhole mtu-exceeded ttl-expired] | Only this cause
WITH t AS (
  SELECT start, tgw_id, tgw_attachment_id, srcaddr, dstaddr, packets,
         packets_lost_no_route, packets_lost_blackhole, packets_lost_mtu_exceeded, packets_lost_ttl_expired
  FROM transit_gateway_flow_logs
  WHERE log_status = 'OK'
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
    AND ($tgw IS NULL OR tgw_id = $tgw)
),
lost AS (
  SELECT start, tgw_id, tgw_attachment_id, srcaddr, dstaddr, packets, 'no-route' AS cause, packets_lost_no_route AS n
  FROM t WHERE packets_lost_no_route > 0
  UNION ALL
  SELECT start, tgw_id, tgw_attachment_id, srcaddr, dstaddr, packets, 'blackhole', packets_lost_blackhole
  FROM t WHERE packets_lost_blackhole > 0
  UNION ALL
  SELECT start, tgw_id, tgw_attachment_id, srcaddr, dstaddr, packets, 'mtu-exceeded', packets_lost_mtu_exceeded
  FROM t WHERE packets_lost_mtu_exceeded > 0
  UNION ALL
  SELECT start, tgw_id, tgw_attachment_id, srcaddr, dstaddr, packets, 'ttl-expired', packets_lost_ttl_expired
  FROM t WHERE packets_lost_ttl_expired > 0
)
SELECT from_unixtime(start - start % 3600) AS hour,
       tgw_id,
       tgw_attachment_id,
       cause,
       sum(n) AS packets_lost,
       sum(packets) AS packets_seen,
       count(*) AS records,
       count(DISTINCT srcaddr) AS sources,
       count(DISTINCT dstaddr) AS destinations
FROM lost
WHERE coalesce($cause, 'all') IN ('all', cause)
GROUP BY start - start % 3600, tgw_id, tgw_attachment_id, cause
ORDER BY hour, cause, tgw_attachment_id
