-- name: skipdata-gaps
-- description: SKIPDATA records per ENI and hour: where the flow log lost records.
-- finds: Each interface and UTC hour with SKIPDATA rows (AWS skipped records: capacity limits or
--   an internal error), with the row count and the first and last interval affected. Any other
--   report over those hours undercounts, and asymmetric-flows may show one-sided conversations.
-- false-positives: None known: SKIPDATA is AWS saying records are missing. An hour with no
--   records at all is not listed (that is NODATA or no delivery).
-- portability: Athena (Trino) SQL as is.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
SELECT interface_id,
       account_id,
       region,
       from_unixtime(start - start % 3600) AS hour,
       count(*) AS skipdata_rows,
       from_unixtime(min(start)) AS first_start,
       from_unixtime(max("end")) AS last_end
FROM vpc_flow_logs
WHERE log_status = 'SKIPDATA'
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY interface_id, account_id, region, start - start % 3600
ORDER BY hour, interface_id
