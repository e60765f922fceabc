-- name: nat-gateway-top-contributors
-- description: Per NAT gateway, the addresses behind it by bytes processed (out and in), with the estimated processing charge.
-- finds: For each NAT gateway, the instances and interfaces that send through it: bytes out (to the
--   internet or AWS services), bytes in (the replies), the bytes the gateway processed (both
--   directions are billed) and the processing charge at the region's rate, named from the
--   inventory when there is one. Estimated from flow logs (see the caveat column): traffic not
--   logged (SKIPDATA, NODATA, interfaces outside the flow logs) is not counted, the hourly charge
--   is left out.
-- false-positives: NAT gateways are known from the inventory, else from their records'
--   pkt-dstaddr (a public packet destination differing from dstaddr): without an inventory and
--   without pkt-srcaddr/pkt-dstaddr in the format no NAT gateway is found and the report is
--   empty. Other middleboxes that forward to public addresses (NAT instances, firewalls) look
--   like NAT gateways without an inventory. Without pkt fields the instance side is the private
--   end, so a private NAT gateway's both legs count.
-- portability: flowq only: reads cost_flows and the price macros that flowq defines in its sessions.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 50 | Rows to return
SELECT nat_id AS nat_gateway,
       nat_instance AS address,
       nat_instance_name AS name,
       bytes_out,
       bytes_in,
       bytes_out + bytes_in AS bytes_processed,
       round(cost_gb(bytes_out + bytes_in) * cost_nat_rate(region), 2) AS charge,
       cost_rate('NAT gateway processing', cost_nat_rate(region), region) AS rate_used,
       cost_caveat() AS caveat
FROM (
  SELECT nat_id, nat_instance, max(nat_instance_name) AS nat_instance_name, max(region) AS region,
         sum(CASE WHEN nat_leg = 'inner-out' THEN bytes ELSE 0 END) AS bytes_out,
         sum(CASE WHEN nat_leg = 'inner-in' THEN bytes ELSE 0 END) AS bytes_in
  FROM cost_flows
  WHERE nat_leg IN ('inner-out', 'inner-in')
    AND ($since IS NULL OR start >= $since)
    AND ($until IS NULL OR start < $until)
    AND ($since IS NULL OR "date" >= $since_date)
    AND ($until IS NULL OR "date" <= $until_date)
    AND ($account IS NULL OR account_id = $account)
    AND ($region IS NULL OR region = $region)
  GROUP BY nat_id, nat_instance
) t
ORDER BY bytes_processed DESC, nat_gateway, address
LIMIT $limit
