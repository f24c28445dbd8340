-- hdaq.info: what `mcap info` shows, for real and damaged files.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set conf :abs_srcdir '/conformance/data/'
\set hytech :abs_srcdir '/data/hytech/'
\set rosbag :abs_srcdir '/data/rosbag2/'

CREATE TEMP TABLE f AS
SELECT name, hdaq.info(pg_read_binary_file(path)::hdaq.mcap) AS info
  FROM (VALUES
	('unfinished', :'hytech' || 'data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap'),
	('appended', :'hytech' || 'data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_17_28.mcap'),
	('no_footer', :'hytech' || 'data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_19_30_56.mcap'),
	('drivebrain', :'hytech' || 'drivebrain_software_2026/test1_505139.mcap'),
	('aero', :'hytech' || 'hytech-foxglove-extensions/10_up_CCW.mcap'),
	('keelson', :'abs_srcdir' || '/data/keelson/keelson_test.mcap'),
	('ros2', :'rosbag' || 'rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap'),
	('ten', :'conf' || 'TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap')
  ) AS t(name, path);

-- the top-level keys
SELECT name, array(SELECT jsonb_object_keys(info) ORDER BY 1) AS keys FROM f WHERE name = 'ten';

-- counts and completeness
SELECT name, info->'message_count' AS messages,
	   jsonb_array_length(info->'channels') AS channels,
	   jsonb_array_length(info->'schemas') AS schemas,
	   info->'recovery'->'complete' AS complete
  FROM f ORDER BY name;

-- the unfinished recording: 25,068 messages, and it says it was cut short
SELECT info->'message_count' AS messages,
	   info->'recovery'->'complete' AS complete,
	   info->'recovery'->'truncated' AS truncated
  FROM f WHERE name = 'unfinished';

-- per channel: topic, encoding, schema, count
SELECT c->>'topic' AS topic, c->>'message_encoding' AS encoding,
	   c->>'schema_name' AS schema, c->'message_count' AS messages
  FROM f, jsonb_array_elements(info->'channels') AS c
 WHERE name = 'ten' ORDER BY 1;

-- time range of TenMessages: log times 0..9
SELECT info->'start_time' AS start_ns, info->'end_time' AS end_ns, info->>'start_time_iso' AS start_iso,
       info->'duration_ns' AS duration_ns
  FROM f WHERE name = 'ten';

-- chunks by compression, and what a damaged file lost
SELECT name, info->'chunks'->'count' AS chunks,
	   (SELECT string_agg(b->>'compression', ',') FROM jsonb_array_elements(info->'chunks'->'by_compression') b) AS compressions
  FROM f ORDER BY name;
SELECT name, info->'recovery'->>'description' AS recovery
  FROM f WHERE NOT (info->'recovery'->>'complete')::boolean OR (info->'recovery'->>'trailing_data')::boolean
 ORDER BY name;

-- metadata records and attachments
SELECT m->>'name' AS name, m->'metadata' ? 'serialized_bag_info' AS has_bag_info
  FROM hdaq.info(pg_read_binary_file(:'rosbag' || 'rosbag2_py_test_resources_mcap_wbag_wbag_0.mcap')::hdaq.mcap) AS i,
       jsonb_array_elements(i->'metadata') m;
SELECT a->>'name' AS name, a->>'media_type' AS media_type, a->'size' AS size
  FROM hdaq.info(pg_read_binary_file(:'conf' || 'OneAttachment/OneAttachment-ax-pad-st-sum.mcap')::hdaq.mcap) AS i,
	   jsonb_array_elements(i->'attachments') a;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
