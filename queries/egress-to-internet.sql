-- name: egress-to-internet
-- description: Bytes to public addresses by destination, most bytes first.
-- finds: Where data leaves for the internet (and AWS public endpoints such as S3 without a
--   gateway endpoint): per public destination, bytes, packets, records, distinct sources, and the
--   AWS service name when the format carries pkt-dst-aws-service.
-- false-positives: Public means outside RFC 1918, RFC 6598 (100.64/10), loopback, link-local,
--   multicast and IPv6 ULA/link-local. Our own addresses are left out as destinations: an
--   ENI's own address is the one address in every record it logged, or of two such the one
--   the flow direction names (so an instance's public IPv6 address, receiving traffic, is not
--   "egress"); in a format without flow-direction, an ENI that talked to a single peer has no
--   known own address, and traffic to it still counts. Traffic to another VPC's public
--   address counts although it may never leave AWS.
-- portability: Athena (Trino) SQL; the public test is Trino's contains(cidr, IPADDRESS).
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 50 | Rows to return
WITH r AS (
  SELECT interface_id, srcaddr, dstaddr, bytes, packets, pkt_dst_aws_service, lower(flow_direction) AS dir
  FROM vpc_flow_logs
  WHERE coalesce(log_status, 'OK') = 'OK'
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
),
-- Our own addresses: an ENI's own address is in every record it logs, on one side or the
-- other (per address family). When exactly one address is, that is it; when two are (the ENI
-- talked to a single peer), the flow direction settles it where logged (ingress: dstaddr,
-- egress: srcaddr). Traffic to one of them is inbound (or between our ENIs), not egress: an
-- instance's public IPv6 address would otherwise head the list with the traffic it receives.
fam AS (
  SELECT interface_id, strpos(srcaddr, ':') > 0 AS v6, count(*) AS n
  FROM r
  GROUP BY interface_id, strpos(srcaddr, ':') > 0
),
seen AS (
  SELECT interface_id, v6, addr, count(*) AS n
  FROM (
    SELECT interface_id, strpos(srcaddr, ':') > 0 AS v6, srcaddr AS addr FROM r
    UNION ALL
    SELECT interface_id, strpos(srcaddr, ':') > 0, dstaddr FROM r WHERE dstaddr <> srcaddr
  ) a
  GROUP BY interface_id, v6, addr
),
cand AS (
  SELECT s.interface_id, s.v6, s.addr
  FROM seen s
  JOIN fam f ON f.interface_id = s.interface_id AND f.v6 = s.v6 AND s.n = f.n
),
directed AS (
  SELECT DISTINCT interface_id, CASE dir WHEN 'ingress' THEN dstaddr ELSE srcaddr END AS addr
  FROM r
  WHERE dir IN ('ingress', 'egress')
),
own AS (
  SELECT DISTINCT c.addr
  FROM cand c
  JOIN (SELECT interface_id, v6, count(*) AS k FROM cand GROUP BY interface_id, v6) g
    ON g.interface_id = c.interface_id AND g.v6 = c.v6
  LEFT JOIN directed d ON d.interface_id = c.interface_id AND d.addr = c.addr
  WHERE g.k = 1 OR d.addr IS NOT NULL
)
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
  FROM r
  WHERE dstaddr NOT IN (SELECT addr FROM own)
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
