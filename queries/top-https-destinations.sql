-- name: top-https-destinations
-- description: Packets to port 443 by destination address, most packets first.
-- finds: The busiest HTTPS destinations (TCP and QUIC over UDP), with packets, bytes, records and
--   distinct sources; AWS's own example query, with the service name when the format has it.
-- false-positives: In-VPC HTTPS (to a load balancer or an interface endpoint) is logged by both
--   ENIs and counts twice. REJECTed attempts are counted too: add action filtering if needed.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 20 | Rows to return
SELECT dstaddr AS destination,
       sum(packets) AS packets,
       sum(bytes) AS bytes,
       count(*) AS records,
       count(DISTINCT srcaddr) AS sources,
       max(nullif(pkt_dst_aws_service, '-')) AS aws_service
FROM vpc_flow_logs
WHERE dstport = 443
  AND coalesce(log_status, 'OK') = 'OK'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY dstaddr
ORDER BY packets DESC, destination
LIMIT $limit
