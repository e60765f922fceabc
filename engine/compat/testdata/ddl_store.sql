-- flowq's store: Parquet, Hive-partitioned by date (upload DATA/tables to s3://my-bucket/flowq/tables).
-- In Athena queries, quote the "_source" column (it starts with an underscore).
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
  `traffic_path` int,
  `ecs_cluster_arn` string,
  `ecs_cluster_name` string,
  `ecs_container_instance_arn` string,
  `ecs_container_instance_id` string,
  `ecs_container_id` string,
  `ecs_second_container_id` string,
  `ecs_service_name` string,
  `ecs_task_definition_arn` string,
  `ecs_task_arn` string,
  `ecs_task_id` string,
  `reject_reason` string,
  `resource_id` string,
  `encryption_status` int,
  `_source` bigint
)
PARTITIONED BY (`date` date)
STORED AS PARQUET
LOCATION 's3://my-bucket/flowq/tables/vpc_flow_logs/';

-- Register the date=YYYY-MM-DD partitions (again after each upload of new days):
MSCK REPAIR TABLE `vpc_flow_logs`;
