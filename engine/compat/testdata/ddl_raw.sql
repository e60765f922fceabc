-- Text deliveries as AWS writes them (default format, flow-log versions 2-5).
-- Columns must follow the order of the flow log's format.
CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` (
  `version` int,
  `account_id` string,
  `interface_id` string,
  `srcaddr` string,
  `dstaddr` string,
  `srcport` int,
  `dstport` int,
  `protocol` bigint,
  `packets` bigint,
  `bytes` bigint,
  `start` bigint,
  `end` bigint,
  `action` string,
  `log_status` string,
  `vpc_id` string,
  `subnet_id` string,
  `instance_id` string,
  `tcp_flags` int,
  `type` string,
  `pkt_srcaddr` string,
  `pkt_dstaddr` string,
  `region` string,
  `az_id` string,
  `sublocation_type` string,
  `sublocation_id` string,
  `pkt_src_aws_service` string,
  `pkt_dst_aws_service` string,
  `flow_direction` string,
  `traffic_path` int
)
PARTITIONED BY (`date` date)
ROW FORMAT DELIMITED
FIELDS TERMINATED BY ' '
LOCATION 's3://logs-bucket/vpc/AWSLogs/123456789012/vpcflowlogs/eu-west-1/'
TBLPROPERTIES ("skip.header.line.count"="1");

ALTER TABLE `vpc_flow_logs` ADD IF NOT EXISTS
  PARTITION (`date`='2024-01-01') LOCATION 's3://logs-bucket/vpc/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/01/01/'
  PARTITION (`date`='2024-01-02') LOCATION 's3://logs-bucket/vpc/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/01/02/';
