-- name: asymmetric-flows
-- description: Conversations ACCEPTed one way whose reverse 5-tuple is REJECTed or never seen.
-- finds: One-sided conversations: a request ACCEPTed in one direction whose reply (the reversed
--   5-tuple) is REJECTed, typically by a stateless network ACL that does not allow the return
--   traffic's ephemeral ports (kind reverse-rejected), or never logged at all in the same time
--   bucket: the reply took another path (another ENI, AZ or appliance), the request was dropped
--   further on, or nothing listens (kind reverse-missing). A request REJECTed where it was logged
--   (at the destination: a security group or inbound NACL) is a plain deny, not one-sided, and
--   is left out, as flowq why calls it sg-deny. Records are matched on the unordered
--   pair of endpoints, i.e. least/greatest of (address, port), per protocol and time bucket, so a
--   reply is compared with its own request and never with unrelated traffic between the same
--   hosts. One row per request direction, service port and kind: conversations, request records,
--   5-minute windows, the ENIs and actions that logged each leg, and a skipdata flag.
-- false-positives: Flow logs are best-effort and aggregated: a reply logged in another time
--   bucket than its request (a long connection crossing a bucket edge) looks missing, so the
--   bucket is wide (window, default one hour). An ENI that lost records (SKIPDATA) in that bucket
--   makes its side look one-sided: such rows have skipdata = true, or use skipdata=exclude. An
--   ENI outside the flow log's scope (another VPC, or a flow log that captures only ACCEPT or only
--   REJECT) never logs its side. A flow log's filter (ACCEPT-only) hides the REJECTed replies.
-- portability: Athena (Trino) SQL: count_if, array_agg ... FILTER, array_distinct, array_sort
--   and array_join are Trino functions (flowq's compatibility layer supplies array_join).
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: window:int = 3600 | Time bucket in seconds in which a request and its reply must both appear
-- param: skipdata = flag [flag exclude] | flag: mark conversations overlapping a SKIPDATA bucket of one of their ENIs; exclude: leave them out
-- param: limit = 100 | Rows to return
WITH f AS (
  SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action, start, "end", bucket, a_is_src,
         CASE WHEN a_is_src THEN srcaddr ELSE dstaddr END AS addr_a,
         CASE WHEN a_is_src THEN srcport ELSE dstport END AS port_a,
         CASE WHEN a_is_src THEN dstaddr ELSE srcaddr END AS addr_b,
         CASE WHEN a_is_src THEN dstport ELSE srcport END AS port_b
  FROM (
    SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action, start, "end",
           start - start % $window AS bucket,
           -- true when (srcaddr, srcport) is the least endpoint of the unordered pair
           (srcaddr < dstaddr OR (srcaddr = dstaddr AND srcport <= dstport)) AS a_is_src
    FROM vpc_flow_logs
    WHERE coalesce(log_status, 'OK') = 'OK'
      AND action IN ('ACCEPT', 'REJECT')
      AND srcaddr <> '-' AND dstaddr <> '-'
      AND srcport IS NOT NULL AND dstport IS NOT NULL AND protocol IS NOT NULL
      AND ($since IS NULL OR start >= $since)
      AND ($until IS NULL OR start < $until)
      AND ($account IS NULL OR account_id = $account)
      AND ($region IS NULL OR region = $region)
  ) r
),
gaps AS (
  SELECT DISTINCT interface_id, start - start % $window AS bucket
  FROM vpc_flow_logs
  WHERE log_status = 'SKIPDATA'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
),
-- First pass: only counts per conversation, to find the few one-sided ones cheaply; the
-- details (legs, SKIPDATA) are gathered for those alone.
sided AS (
  SELECT addr_a, port_a, addr_b, port_b, protocol, bucket
  FROM f
  GROUP BY addr_a, port_a, addr_b, port_b, protocol, bucket
  HAVING (count_if(a_is_src AND action = 'ACCEPT') > 0
          AND (count_if(NOT a_is_src) = 0 OR count_if(NOT a_is_src AND action = 'REJECT') > 0))
      OR (count_if(NOT a_is_src AND action = 'ACCEPT') > 0
          AND (count_if(a_is_src) = 0
               OR (count_if(a_is_src AND action = 'REJECT') > 0 AND count_if(NOT a_is_src AND action = 'REJECT') = 0)))
),
conv AS (
  SELECT f.addr_a, f.port_a, f.addr_b, f.port_b, f.protocol, f.bucket,
         count_if(a_is_src AND action = 'ACCEPT') AS ab_accept,
         count_if(a_is_src AND action = 'REJECT') AS ab_reject,
         count_if(NOT a_is_src AND action = 'ACCEPT') AS ba_accept,
         count_if(NOT a_is_src AND action = 'REJECT') AS ba_reject,
         array_join(array_sort(array_distinct(array_agg(f.interface_id || ':' || action) FILTER (WHERE a_is_src))), ' ') AS ab_legs,
         array_join(array_sort(array_distinct(array_agg(f.interface_id || ':' || action) FILTER (WHERE NOT a_is_src))), ' ') AS ba_legs,
         min(start) AS first_start,
         max("end") AS last_end,
         count_if(g.interface_id IS NOT NULL) > 0 AS skipdata
  FROM f
  JOIN sided s ON s.addr_a = f.addr_a AND s.port_a = f.port_a AND s.addr_b = f.addr_b
              AND s.port_b = f.port_b AND s.protocol = f.protocol AND s.bucket = f.bucket
  LEFT JOIN gaps g ON g.interface_id = f.interface_id AND g.bucket = f.bucket
  GROUP BY 1, 2, 3, 4, 5, 6
),
one_sided AS (
  SELECT *,
         -- A request REJECTed by an ENI that logged it, with no reply, is blocked (flowq why:
         -- sg-deny at the destination), not one-sided: rejected-traffic lists it.
         CASE WHEN ab_accept > 0 AND ab_reject = 0 AND ba_accept + ba_reject = 0 THEN 'ab'
              WHEN ba_accept > 0 AND ba_reject = 0 AND ab_accept + ab_reject = 0 THEN 'ba'
              WHEN ab_accept > 0 AND ba_reject > 0 AND ab_reject = 0 THEN 'ab'
              WHEN ba_accept > 0 AND ab_reject > 0 AND ba_reject = 0 THEN 'ba'
              WHEN ab_accept > 0 AND ba_reject > 0 THEN 'ab'
         END AS request,
         CASE WHEN ab_accept + ab_reject = 0 OR ba_accept + ba_reject = 0 THEN 'reverse-missing'
              ELSE 'reverse-rejected' END AS kind
  FROM conv
),
legs AS (
  SELECT CASE request WHEN 'ab' THEN addr_a ELSE addr_b END AS src,
         CASE request WHEN 'ab' THEN addr_b ELSE addr_a END AS dst,
         protocol,
         CASE request WHEN 'ab' THEN port_b ELSE port_a END AS dst_port,
         kind,
         CASE request WHEN 'ab' THEN ab_accept + ab_reject ELSE ba_accept + ba_reject END AS records,
         CASE request WHEN 'ab' THEN ab_legs ELSE ba_legs END AS request_legs,
         CASE request WHEN 'ab' THEN ba_legs ELSE ab_legs END AS reply_legs,
         first_start, last_end, skipdata
  FROM one_sided
  WHERE request IS NOT NULL
    AND ($skipdata = 'flag' OR NOT skipdata)
)
SELECT src, dst, protocol, dst_port, kind,
       count(*) AS conversations,
       sum(records) AS records,
       count(DISTINCT first_start - first_start % 300) AS windows,
       array_join(array_sort(array_distinct(array_agg(request_legs))), ' ') AS request_legs,
       coalesce(array_join(array_sort(array_distinct(array_agg(reply_legs) FILTER (WHERE reply_legs IS NOT NULL))), ' '), '') AS reply_legs,
       count_if(skipdata) > 0 AS skipdata,
       from_unixtime(min(first_start)) AS first_seen,
       from_unixtime(max(last_end)) AS last_seen
FROM legs
GROUP BY src, dst, protocol, dst_port, kind
ORDER BY skipdata, conversations DESC, records DESC, src, dst, protocol, dst_port, kind
LIMIT $limit
