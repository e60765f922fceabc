-- name: ipv4-vs-ipv6-bytes
-- description: Records, packets and bytes by address family of the source address.
-- finds: How much traffic is IPv4 and how much IPv6, with each family's share of bytes. The
--   family is a CIDR test (0.0.0.0/0 holds only IPv4 addresses), not the optional type field.
-- false-positives: In-VPC traffic is logged by both ENIs and counts twice. An IPv4-mapped IPv6
--   address (::ffff:a.b.c.d) counts as IPv4.
-- portability: Athena (Trino) SQL; contains('0.0.0.0/0', IPADDRESS) is Trino's CIDR test.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
SELECT family,
       count(*) AS records,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       round(100.0 * sum(bytes) / nullif(sum(sum(bytes)) OVER (), 0), 2) AS pct_bytes
FROM (
  SELECT CASE WHEN contains('0.0.0.0/0', TRY_CAST(srcaddr AS IPADDRESS)) THEN 'IPv4' ELSE 'IPv6' END AS family,
         packets, bytes
  FROM vpc_flow_logs
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND contains('::/0', TRY_CAST(srcaddr AS IPADDRESS))
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
) t
GROUP BY family
ORDER BY family
