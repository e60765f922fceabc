-- name: ssh-rdp-accepted-from-internet
-- description: Public sources ACCEPTed on TCP 22 or 3389: security groups open to the internet.
-- finds: Each public source, destination and port (22 SSH, 3389 RDP) whose inbound connection was
--   ACCEPTed, with records, bytes, the ENIs and first/last seen. A row here means a security
--   group lets that source in: check it is meant to (a bastion with a narrow rule) and not 0.0.0.0/0.
-- false-positives: An admin's fixed public address allowed on purpose shows up as well. Shared
--   address space (100.64.0.0/10, carrier-grade NAT, e.g. VPN clients) is not public and is not
--   listed. A reply from an instance's own SSH client to port 22 elsewhere is not listed, since
--   only public sources are.
-- portability: Athena (Trino) SQL; the public test is Trino's contains(cidr, IPADDRESS) over the
--   non-public ranges, which flowq's compatibility layer provides.
-- param: since = | Only records starting at or after this time: 7d, 36h, 2024-05-01, RFC 3339 or Unix seconds (default: all)
-- param: until = | Only records starting before this time, same forms (default: all)
-- param: account = | Only this account id (default: all)
-- param: region = | Only this region, e.g. us-east-1 (default: all)
-- param: limit = 100 | Rows to return
SELECT srcaddr AS source,
       dstaddr AS destination,
       dstport AS dst_port,
       count(*) AS records,
       sum(bytes) AS bytes,
       count(DISTINCT interface_id) AS interfaces,
       from_unixtime(min(start)) AS first_seen,
       from_unixtime(max("end")) AS last_seen
FROM vpc_flow_logs
WHERE action = 'ACCEPT'
  AND protocol = 6
  AND dstport IN (22, 3389)
  -- The CASE keeps the address tests (a function call each) to the few rows on port 22/3389:
  -- a plain AND may be reordered to test every ACCEPTed record first.
  AND CASE WHEN dstport IN (22, 3389) THEN NOT (contains('10.0.0.0/8', TRY_CAST(srcaddr AS IPADDRESS))
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
           OR contains('ff00::/8', TRY_CAST(srcaddr AS IPADDRESS))) ELSE false END
  AND ($since IS NULL OR start >= $since)
  AND ($until IS NULL OR start < $until)
  AND ($since IS NULL OR "date" >= $since_date)
  AND ($until IS NULL OR "date" <= $until_date)
  AND ($account IS NULL OR account_id = $account)
  AND ($region IS NULL OR region = $region)
GROUP BY srcaddr, dstaddr, dstport
ORDER BY records DESC, source, destination, dst_port
LIMIT $limit
