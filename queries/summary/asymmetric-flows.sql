-- The summary form of asymmetric-flows (flowq only), at its default one-hour window: the
-- conversation summary holds, per hour, every conversation that is one-sided, or that more than
-- one (account, region) logged, with its counts and legs per account and region; the hourly
-- summary gives the SKIPDATA buckets.
-- requires: window=3600
WITH c AS (
  SELECT hour AS bucket, addr_a, port_a, addr_b, port_b, protocol,
         ab_accept, ab_reject, ba_accept, ba_reject, ab_legs, ba_legs, first_start, last_end
  FROM vpc_flow_summary_conversations_range($since, $until)
  WHERE hour IS NOT NULL
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
),
gaps AS (
  SELECT DISTINCT interface_id, hour AS bucket
  FROM vpc_flow_summary_hourly_range($since, $until)
  WHERE log_status = 'SKIPDATA'
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
),
sided AS (
  SELECT addr_a, port_a, addr_b, port_b, protocol, bucket,
         CAST(sum(ab_accept) AS BIGINT) AS ab_accept,
         CAST(sum(ab_reject) AS BIGINT) AS ab_reject,
         CAST(sum(ba_accept) AS BIGINT) AS ba_accept,
         CAST(sum(ba_reject) AS BIGINT) AS ba_reject,
         array_sort(array_distinct(flatten(array_agg(ab_legs) FILTER (WHERE ab_legs IS NOT NULL)))) AS ab_list,
         array_sort(array_distinct(flatten(array_agg(ba_legs) FILTER (WHERE ba_legs IS NOT NULL)))) AS ba_list,
         min(first_start) AS first_start,
         max(last_end) AS last_end
  FROM c
  GROUP BY addr_a, port_a, addr_b, port_b, protocol, bucket
  HAVING (sum(ab_accept) > 0 AND (sum(ba_accept) + sum(ba_reject) = 0 OR sum(ba_reject) > 0))
      OR (sum(ba_accept) > 0 AND (sum(ab_accept) + sum(ab_reject) = 0 OR (sum(ab_reject) > 0 AND sum(ba_reject) = 0)))
),
-- The ENIs of each conversation's legs ("eni:ACCEPT" or "eni:REJECT"), against the SKIPDATA buckets.
flagged AS (
  SELECT DISTINCT l.addr_a, l.port_a, l.addr_b, l.port_b, l.protocol, l.bucket
  FROM (
    SELECT addr_a, port_a, addr_b, port_b, protocol, bucket, unnest(ab_list) AS leg FROM sided
    UNION ALL
    SELECT addr_a, port_a, addr_b, port_b, protocol, bucket, unnest(ba_list) AS leg FROM sided
  ) l
  JOIN gaps g ON g.bucket = l.bucket AND g.interface_id = left(l.leg, length(l.leg) - 7)
),
conv AS (
  SELECT s.addr_a, s.port_a, s.addr_b, s.port_b, s.protocol, s.bucket,
         s.ab_accept, s.ab_reject, s.ba_accept, s.ba_reject,
         array_join(s.ab_list, ' ') AS ab_legs,
         array_join(s.ba_list, ' ') AS ba_legs,
         s.first_start, s.last_end,
         x.bucket IS NOT NULL AS skipdata
  FROM sided s
  LEFT JOIN flagged x ON x.addr_a = s.addr_a AND x.port_a = s.port_a AND x.addr_b = s.addr_b
                     AND x.port_b = s.port_b AND x.protocol = s.protocol AND x.bucket = s.bucket
),
one_sided AS (
  SELECT *,
         CASE WHEN ab_accept > 0 AND ba_accept + ba_reject = 0 THEN 'ab'
              WHEN ba_accept > 0 AND ab_accept + ab_reject = 0 THEN 'ba'
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
