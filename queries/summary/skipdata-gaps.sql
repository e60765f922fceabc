-- The summary form of skipdata-gaps (flowq only): the hourly summary's hour is start - start % 3600.
SELECT interface_id,
       account_id,
       region,
       from_unixtime(hour) AS hour,
       CAST(sum(records) AS BIGINT) AS skipdata_rows,
       from_unixtime(min(first_start)) AS first_start,
       from_unixtime(max(last_end)) AS last_end
FROM vpc_flow_summary_hourly_range($since, $until)
WHERE log_status = 'SKIPDATA'
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY interface_id, account_id, region, hour
ORDER BY hour, interface_id
