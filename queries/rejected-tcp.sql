-- name: rejected-tcp
-- description: REJECTed TCP by source, destination and destination port, most records first.
-- finds: TCP connection attempts that a security group or network ACL refused, with packets,
--   the ENIs that logged them and first/last seen.
-- false-positives: Packets that arrive after a connection closed are REJECTed too (often with
--   FIN or RST tcp_flags), and a stateless network ACL on the return path rejects replies whose
--   destination port is ephemeral: see asymmetric-flows.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 100 | Rows to return
SELECT srcaddr AS source,
       dstaddr AS destination,
       dstport AS dst_port,
       count(*) AS records,
       sum(packets) AS packets,
       count(DISTINCT interface_id) AS interfaces,
       from_unixtime(min(start)) AS first_seen,
       from_unixtime(max("end")) AS last_seen
FROM vpc_flow_logs
WHERE action = 'REJECT'
  AND protocol = 6
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr, dstaddr, dstport
ORDER BY records DESC, source, destination, dst_port
LIMIT $limit
