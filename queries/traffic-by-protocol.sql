-- name: traffic-by-protocol
-- description: Records, packets and bytes per IP protocol.
-- finds: The protocol mix (TCP, UDP, ICMP, ICMPv6, ...), with each protocol's share of bytes.
-- false-positives: In-VPC traffic is logged by both ENIs and counts twice.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
SELECT protocol,
       CASE protocol WHEN 1 THEN 'ICMP' WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP' WHEN 47 THEN 'GRE'
         WHEN 50 THEN 'ESP' WHEN 51 THEN 'AH' WHEN 58 THEN 'ICMPv6' WHEN 132 THEN 'SCTP'
         ELSE 'other' END AS name,
       count(*) AS records,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       round(100.0 * sum(bytes) / nullif(sum(sum(bytes)) OVER (), 0), 2) AS pct_bytes
FROM vpc_flow_logs
WHERE coalesce(log_status, 'OK') = 'OK'
  AND protocol IS NOT NULL
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY protocol
ORDER BY bytes DESC, protocol
