-- name: tgw-top-talkers
-- description: The transit gateway leg of top talkers: src→dst pairs by bytes through the gateway.
-- finds: Which address pairs move the most data across the gateway, with the attachment the
--   traffic entered by and the one it left by, its bytes and packets, and the packets the gateway
--   lost on the way (every packets-lost-* cause). cidr narrows it to pairs with either end in an
--   address or network: the gateway's side of a talker found in vpc_flow_logs.
-- false-positives: Counts what entered the gateway (ingress records), once per flow; see
--   tgw-top-attachments for flow logs on one attachment only (direction=egress or any). A pair
--   that entered by several attachments (asymmetric routing, or a changed route) shows the first
--   in name order.
-- portability: Athena (Trino) SQL; contains(cidr, TRY_CAST(x AS IPADDRESS)) is Trino's CIDR test.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (the gateway owner's) (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: tgw = | Only this transit gateway, e.g. tgw-0123456789abcdef0 (default: all)
-- param: cidr = | Only pairs with the source or the destination in this address or CIDR (default: all)
-- param: direction = ingress [ingress egress any] | Records counted: what entered the gateway, what left it, or both
-- param: limit = 20 | Rows to return
SELECT srcaddr || ' -> ' || dstaddr AS talker,
       min(tgw_attachment_id) AS entered_by,
       min(tgw_pair_attachment_id) AS left_by,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(coalesce(packets_lost_no_route, 0) + coalesce(packets_lost_blackhole, 0)
         + coalesce(packets_lost_mtu_exceeded, 0) + coalesce(packets_lost_ttl_expired, 0)) AS packets_lost,
       count(*) AS records
FROM transit_gateway_flow_logs
WHERE log_status = 'OK'
  AND srcaddr <> '-'
  AND ($direction = 'any' OR flow_direction = $direction)
  AND ($cidr IS NULL OR contains($cidr, TRY_CAST(srcaddr AS IPADDRESS)) OR contains($cidr, TRY_CAST(dstaddr AS IPADDRESS)))
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
  AND ($tgw IS NULL OR tgw_id = $tgw)
GROUP BY srcaddr, dstaddr
ORDER BY bytes DESC, talker
LIMIT $limit
