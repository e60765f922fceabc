-- name: blocked-ssh
-- description: Rejected TCP to port 22 by source address, most attempts first.
-- finds: Sources whose SSH connection attempts were REJECTed (security group or network ACL):
--   attempts (records), packets, how many distinct targets, first and last seen, and whether the
--   source is a public address. Brute-force and credential-stuffing sources rise to the top.
-- false-positives: Counts records, not connections: a flow log with a 1-minute aggregation
--   interval writes more records for the same attempts than one with 10 minutes. Packets that
--   arrive after a connection closed are also REJECTed and can list a legitimate admin. An
--   in-VPC attempt logged by both ENIs counts twice.
-- portability: Athena (Trino) SQL. contains(cidr, TRY_CAST(x AS IPADDRESS)) is Trino's CIDR test,
--   which flowq's compatibility layer provides; replace the $parameters with literals
--   (flowq run blocked-ssh --print) to paste it into Athena.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 100 | Rows to return
SELECT srcaddr AS source,
       count(*) AS attempts,
       sum(packets) AS packets,
       count(DISTINCT dstaddr) AS targets,
       from_unixtime(min(start)) AS first_seen,
       from_unixtime(max("end")) AS last_seen,
       NOT (contains('10.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('172.16.0.0/12', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('192.168.0.0/16', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('100.64.0.0/10', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('127.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('169.254.0.0/16', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('0.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('224.0.0.0/4', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('fc00::/7', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('fe80::/10', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('::1/128', TRY_CAST(srcaddr AS IPADDRESS))
            OR contains('ff00::/8', TRY_CAST(srcaddr AS IPADDRESS))) AS public
FROM vpc_flow_logs
WHERE action = 'REJECT'
  AND protocol = 6
  AND dstport = 22
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr
ORDER BY attempts DESC, source
LIMIT $limit
