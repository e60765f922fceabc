-- name: top-udp-sources
-- description: UDP senders by bytes, most first: who uses UDP (DNS, QUIC, NTP, syslog, VPNs).
-- finds: Per source address of UDP (protocol 17) records: bytes, packets, records, distinct
--   destinations and destination ports, and the lowest destination port seen.
-- false-positives: UDP has no connection: replies from a DNS resolver or a QUIC server are UDP
--   senders too, listed under the server's address. In-VPC UDP is logged by both ENIs and counts
--   twice.
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 20 | Rows to return
SELECT srcaddr AS source,
       sum(bytes) AS bytes,
       sum(packets) AS packets,
       count(*) AS records,
       count(DISTINCT dstaddr) AS destinations,
       count(DISTINCT dstport) AS dst_ports,
       min(dstport) AS lowest_dst_port
FROM vpc_flow_logs
WHERE protocol = 17
  AND coalesce(log_status, 'OK') = 'OK'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr
ORDER BY bytes DESC, source
LIMIT $limit
