-- name: tgw-top-attachments
-- description: Top transit gateway attachments, attachment pairs or VPC pairs by bytes.
-- finds: Where the gateway's traffic goes. by=attachment sums every record of each attachment,
--   split into bytes that entered the gateway there (ingress) and bytes that left by it
--   (egress); attachment-pair groups the traffic entering at one attachment by the attachment it
--   left by (tgw_pair_attachment_id; "-" when the gateway dropped it all); vpc-pair groups it by
--   source and destination VPC ("-" for a VPN, Direct Connect or peering side, which has no VPC).
-- false-positives: The pair views count what entered the gateway (ingress records): a flow log
--   on one attachment only sees traffic entering elsewhere as egress records, so choose
--   direction=egress or any there. Traffic the gateway dropped still counts as bytes that
--   entered (see tgw-packet-loss). Custom formats without flow-direction have no ingress
--   records: use direction=any.
-- portability: Athena (Trino) SQL. The grouping is a CASE on the bound $by value, since SQL
--   cannot take a column name as a parameter.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (the gateway owner's) (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: tgw = | Only this transit gateway, e.g. tgw-0123456789abcdef0 (default: all)
-- param: by = attachment [attachment attachment-pair vpc-pair] | What to group by
-- param: direction = ingress [ingress egress any] | Records of the pair views: what entered the gateway, what left it, or both
-- param: limit = 20 | Rows to return
SELECT k1 AS source,
       k2 AS destination,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS records,
       sum(CASE WHEN flow_direction = 'ingress' THEN bytes ELSE 0 END) AS bytes_in,
       sum(CASE WHEN flow_direction = 'egress' THEN bytes ELSE 0 END) AS bytes_out
FROM (
  SELECT CASE $by
           WHEN 'vpc-pair' THEN tgw_src_vpc_id
           ELSE tgw_attachment_id
         END AS k1,
         CASE $by
           WHEN 'vpc-pair' THEN tgw_dst_vpc_id
           WHEN 'attachment-pair' THEN tgw_pair_attachment_id
         END AS k2,
         bytes, packets, flow_direction
  FROM transit_gateway_flow_logs
  WHERE log_status = 'OK'
    AND ($by = 'attachment' OR $direction = 'any' OR flow_direction = $direction)
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
    AND ($tgw IS NULL OR tgw_id = $tgw)
) t
WHERE k1 IS NOT NULL
GROUP BY k1, k2
ORDER BY bytes DESC, source, destination
LIMIT $limit
