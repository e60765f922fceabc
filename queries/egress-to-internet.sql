-- name: egress-to-internet
-- description: Bytes to public addresses by destination, most bytes first.
-- finds: Where data leaves for the internet (and AWS public endpoints such as S3 without a
--   gateway endpoint): per public destination, bytes, packets, records, distinct sources, and the
--   AWS service name when the format carries pkt-dst-aws-service.
-- false-positives: Public means outside RFC 1918, RFC 6598 (100.64/10), loopback, link-local,
--   multicast and IPv6 ULA/link-local; an instance's own public IPv6 address is public, so
--   inbound IPv6 traffic to it is counted as well. Traffic to another VPC's public address
--   counts although it may never leave AWS.
-- portability: Athena (Trino) SQL; the public test is Trino's contains(cidr, IPADDRESS).
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 50 | Rows to return
SELECT dstaddr AS destination,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       sum(records) AS records,
       count(srcaddr) AS sources,
       max(aws_service) AS aws_service
FROM (
  -- Per destination and source first, then per destination: the same figures as a single
  -- GROUP BY with count(DISTINCT srcaddr), which DuckDB computed more slowly.
  SELECT dstaddr,
         srcaddr,
         sum(bytes) AS bytes,
         sum(packets) AS packets,
         count(*) AS records,
         max(nullif(pkt_dst_aws_service, '-')) AS aws_service
  FROM vpc_flow_logs
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY dstaddr, srcaddr
) t
GROUP BY dstaddr
HAVING NOT (contains('10.0.0.0/8', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('172.16.0.0/12', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('192.168.0.0/16', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('100.64.0.0/10', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('127.0.0.0/8', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('169.254.0.0/16', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('0.0.0.0/8', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('224.0.0.0/4', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('fc00::/7', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('fe80::/10', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('::1/128', TRY_CAST(max(dstaddr) AS IPADDRESS))
            OR contains('ff00::/8', TRY_CAST(max(dstaddr) AS IPADDRESS)))
ORDER BY bytes DESC, destination
LIMIT $limit
