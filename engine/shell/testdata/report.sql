-- flowq report over the planted rows (helpers_test.go)
.mode csv
SELECT action, count(*) AS flows, sum(bytes) AS bytes
FROM vpc_flow_logs
GROUP BY action ORDER BY action;
SELECT 'a;b' AS semi, "end" FROM vpc_flow_logs WHERE srcaddr = '10.0.0.5'; SELECT 1 AS one; /* a ; in a comment */ SELECT 2 AS two;
.mode table
SELECT srcaddr, account_id, bytes FROM vpc_flow_logs WHERE dstport = 443 ORDER BY bytes;
.mode json
.run top_talkers limit=2
.mode markdown
SELECT dstport, sum(packets) AS packets FROM vpc_flow_logs GROUP BY dstport ORDER BY dstport
