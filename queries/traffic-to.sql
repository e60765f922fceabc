-- name: traffic-to
-- description: Traffic sent to an address or CIDR, by source, port, protocol and action.
-- finds: Everything sent to cidr (an address such as 10.0.1.5 or 2001:db8::7, or a network such
--   as 10.0.0.0/16), grouped by the source address, destination port, protocol and action, with
--   records, packets, bytes and first/last seen; optionally only one destination port.
-- false-positives: In-VPC traffic is logged by both ENIs and counts twice. NODATA and SKIPDATA
--   rows carry no addresses and never match.
-- portability: Athena (Trino) SQL; contains(cidr, TRY_CAST(x AS IPADDRESS)) is Trino's CIDR test.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: cidr required | Address or CIDR, e.g. 10.0.1.5, 10.0.0.0/16, 2001:db8::/32
-- param: port = | Only this destination port (default: all)
-- param: limit = 100 | Rows to return
SELECT srcaddr AS source,
       dstaddr AS destination,
       dstport AS dst_port,
       protocol,
       action,
       count(*) AS records,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       from_unixtime(min(start)) AS first_seen,
       from_unixtime(max("end")) AS last_seen
FROM vpc_flow_logs
WHERE contains($cidr, TRY_CAST(dstaddr AS IPADDRESS))
  AND ($port IS NULL OR dstport = $port)
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr, dstaddr, dstport, protocol, action
ORDER BY bytes DESC, records DESC, source, destination, dst_port, protocol, action
LIMIT $limit
