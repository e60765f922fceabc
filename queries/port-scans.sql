-- name: port-scans
-- description: Sources with many distinct REJECTed destination ports: port scanners.
-- finds: Per source address: distinct REJECTed destination ports, REJECTed records, distinct
--   targets, lowest and highest port, first and last seen; sources with at least min_ports ports.
-- false-positives: A stateless network ACL that rejects return traffic makes the far end look
--   like it scans ephemeral ports (the rejected replies go to many client ports): check
--   asymmetric-flows. Vulnerability scanners you run yourself appear too.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: min_ports:int = 20 | Least distinct REJECTed destination ports for a source to be listed
-- param: limit = 50 | Rows to return
SELECT srcaddr AS source,
       count(DISTINCT dstport) AS ports,
       count(*) AS records,
       count(DISTINCT dstaddr) AS targets,
       min(dstport) AS lowest_port,
       max(dstport) AS highest_port,
       from_unixtime(min(start)) AS first_seen,
       from_unixtime(max("end")) AS last_seen
FROM vpc_flow_logs
WHERE action = 'REJECT'
  AND coalesce(log_status, 'OK') = 'OK'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr
HAVING count(DISTINCT dstport) >= $min_ports
ORDER BY ports DESC, source
LIMIT $limit
