-- name: aws-services-via-nat
-- description: S3 and DynamoDB traffic that went through a NAT gateway: the processing charge paid and what a gateway endpoint would save.
-- finds: Per NAT gateway, AWS service (S3, DYNAMODB) and address behind the gateway (when the
--   format has pkt-srcaddr/pkt-dstaddr), the bytes each way, the NAT processing charge, and the
--   saving of a gateway endpoint (free for S3 and DynamoDB in the gateway's own region; a service
--   in another region cannot use one: saving 0 and said in endpoint_note). The service comes from
--   AWS's IP ranges, else from pkt-dst-aws-service / pkt-src-aws-service. Estimated from flow logs
--   (caveat column).
-- false-positives: NAT gateways are found as in nat-gateway-top-contributors. Without pkt fields
--   the NAT's public legs are read and the address behind the gateway is unknown (NULL).
-- portability: flowq only: reads cost_flows and the price macros that flowq defines in its sessions.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 50 | Rows to return
SELECT nat_id AS nat_gateway,
       service,
       service_region,
       address,
       name,
       bytes_out,
       bytes_in,
       round(cost_gb(bytes_out + bytes_in) * cost_nat_rate(region), 2) AS charge,
       cost_rate('NAT gateway processing', cost_nat_rate(region), region) AS rate_used,
       CASE WHEN service_region IS NULL OR service_region = region OR region IS NULL
            THEN round(cost_gb(bytes_out + bytes_in) * cost_nat_rate(region), 2) ELSE 0 END AS endpoint_saving,
       CASE WHEN service_region IS NULL OR service_region = region OR region IS NULL
            THEN 'a gateway endpoint for ' || service || ' is free: the whole processing charge'
            ELSE service || ' in ' || service_region || ' is another region: a gateway endpoint cannot reach it' END AS endpoint_note,
       cost_caveat() AS caveat
FROM (
  SELECT nat_id, upper(remote_service) AS service, remote_region AS service_region, nat_instance AS address,
         max(nat_instance_name) AS name, max(region) AS region,
         sum(CASE WHEN nat_leg IN ('inner-out', 'public-out') THEN bytes ELSE 0 END) AS bytes_out,
         sum(CASE WHEN nat_leg IN ('inner-in', 'public-in') THEN bytes ELSE 0 END) AS bytes_in
  FROM cost_flows
  WHERE upper(remote_service) IN ('S3', 'DYNAMODB')
    -- one leg per byte: the inner legs when the packet addresses name the service, else the public legs
    AND ((pkt_known AND nat_leg IN ('inner-out', 'inner-in')) OR (NOT pkt_known AND nat_leg IN ('public-out', 'public-in')))
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY nat_id, upper(remote_service), remote_region, nat_instance
) t
ORDER BY bytes_out + bytes_in DESC, nat_gateway, service, address
LIMIT $limit
