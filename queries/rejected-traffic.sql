-- name: rejected-traffic
-- description: REJECTed records by destination port and source, most records first.
-- finds: What security groups and network ACLs turn away: per protocol and destination port, and
--   per source address (by=both), or per port only (by=port) or per source only (by=source),
--   with records, packets, distinct sources and distinct targets.
-- false-positives: Internet background noise (scanners probing every public address) dominates
--   on public subnets. REJECT also covers packets after a connection closed, and a stateless
--   network ACL dropping return traffic: see asymmetric-flows for those.
-- portability: Athena (Trino) SQL; the grouping is chosen with CASE on the bound $by value.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: by = both [both port source] | Group by destination port and source, by port or by source
-- param: limit = 100 | Rows to return
SELECT protocol, dst_port, source,
       count(*) AS records,
       sum(packets) AS packets,
       count(DISTINCT srcaddr) AS sources,
       count(DISTINCT dstaddr) AS targets
FROM (
  SELECT CASE WHEN $by IN ('both', 'port') THEN protocol END AS protocol,
         CASE WHEN $by IN ('both', 'port') THEN dstport END AS dst_port,
         CASE WHEN $by IN ('both', 'source') THEN srcaddr END AS source,
         srcaddr, dstaddr, packets
  FROM vpc_flow_logs
  WHERE action = 'REJECT'
    AND coalesce(log_status, 'OK') = 'OK'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
) t
GROUP BY protocol, dst_port, source
ORDER BY records DESC, protocol, dst_port, source
LIMIT $limit
