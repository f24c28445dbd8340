-- Ingest: files become catalog rows and per-channel segments; nothing is
-- lost, nothing is stored twice, and bad input leaves nothing behind.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'

CREATE TEMP TABLE src AS
SELECT name, pg_read_binary_file(:'data' || path) AS bytes
  FROM (VALUES
	('dblog', 'hytech/drivebrain_software_2026/dblog_2026-03-17_22-19-17.mcap'),
	('test1', 'hytech/drivebrain_software_2026/test1_505139.mcap'),
	('unfinished', 'hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap'),
	('appended', 'hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_17_28.mcap'),
	('aero', 'hytech/hytech-foxglove-extensions/10_up_CCW.mcap'),
	('keelson', 'keelson/keelson_test.mcap'),
	('cdr', 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap'),
	('wbag0', 'rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_0.mcap'),
	('bag_topics', 'rosbag2/rosbag2_cpp_test_rosbag2_cpp_bags_only_topics.mcap'),
	('attachment', '../conformance/data/OneAttachment/OneAttachment-ax-pad-st-sum.mcap')
  ) AS t(name, path);

-- each file is stored once, with the counts its content has
CREATE TEMP TABLE ids AS
SELECT name, hdaq.ingest(bytes, name, jsonb_build_object('fixture', name)) AS file_id FROM src;
SELECT s.name, f.message_count = (hdaq.info(s.bytes::hdaq.mcap)->>'message_count')::bigint AS count_matches,
	   f.size_bytes = length(s.bytes) AS size_matches,
	   f.sha256 = sha256(s.bytes) AS sha_matches,
	   f.recovery IS NULL AS complete
  FROM src s JOIN ids USING (name) JOIN hdaq.file f USING (file_id)
 ORDER BY s.name;

-- the unfinished recording keeps its 25,068 messages and says what was dropped
SELECT f.message_count, f.recovery->'complete' AS complete, f.recovery->'truncated' AS truncated
  FROM hdaq.file f JOIN ids USING (file_id) WHERE ids.name = 'unfinished';

-- storing the same bytes again returns the same file_id with a notice
SELECT hdaq.ingest(bytes, 'again') = (SELECT file_id FROM ids WHERE name = 'dblog') AS same_id
  FROM src WHERE name = 'dblog';
SELECT count(*) AS files FROM hdaq.file;

-- schemas are shared across files: one row per distinct (name, encoding, content)
SELECT count(*) = count(DISTINCT (name, encoding, sha256)) AS deduplicated FROM hdaq.schema;

-- every message comes back, with its topic, times, sequence and bytes
SELECT s.name,
	   (SELECT count(*) FROM (
		  (SELECT topic, log_time_ns, publish_time_ns, sequence, md5(data)
			 FROM hdaq.messages(file_id => i.file_id)
		   EXCEPT ALL
		   SELECT topic, log_time_ns, publish_time_ns, sequence, md5(data)
			 FROM hdaq.messages(s.bytes::hdaq.mcap))
		  UNION ALL
		  (SELECT topic, log_time_ns, publish_time_ns, sequence, md5(data)
			 FROM hdaq.messages(s.bytes::hdaq.mcap)
		   EXCEPT ALL
		   SELECT topic, log_time_ns, publish_time_ns, sequence, md5(data)
			 FROM hdaq.messages(file_id => i.file_id))) AS d) AS differences
  FROM src s JOIN ids i USING (name)
 ORDER BY s.name;

-- channel rows: counts and time ranges computed from the messages
SELECT s.name, bool_and(c.message_count = m.n AND c.start_ns = m.lo AND c.end_ns = m.hi) AS channels_match
  FROM src s JOIN ids i USING (name)
  JOIN hdaq.channel c ON c.file_id = i.file_id
  JOIN LATERAL (SELECT count(*) AS n, min(log_time_ns) AS lo, max(log_time_ns) AS hi
				  FROM hdaq.messages(ARRAY[c.topic], file_id => i.file_id)) m ON true
 WHERE c.message_count > 0
 GROUP BY s.name ORDER BY s.name;

-- metadata records, attachments and channel metadata are kept
SELECT m.ord, m.name, array(SELECT jsonb_object_keys(m.metadata) ORDER BY 1) AS keys
  FROM hdaq.metadata m JOIN ids USING (file_id) WHERE ids.name = 'bag_topics' ORDER BY m.ord;
SELECT a.name, a.media_type, a.log_time_ns, a.create_time_ns, encode(a.data, 'hex') AS data
  FROM hdaq.attachment a JOIN ids USING (file_id) WHERE ids.name = 'attachment';
SELECT topic, metadata ? 'offered_qos_profiles' AS has_qos
  FROM hdaq.channel c JOIN ids USING (file_id) WHERE ids.name = 'cdr' ORDER BY topic;

-- bad input is refused and leaves nothing behind
SELECT count(*) AS files_before FROM hdaq.file \gset
SELECT hdaq.ingest('\x00010203'::bytea, 'garbage');
SELECT hdaq.ingest('\x894d434150300d0a'::bytea, 'only magic');
SELECT hdaq.ingest(substr(bytes, 1, 20), 'cut in the header') FROM src WHERE name = 'dblog';
SELECT count(*) = :files_before AS nothing_left FROM hdaq.file;
SELECT count(*) AS orphan_channels FROM hdaq.channel c WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = c.file_id);
SELECT hdaq.ingest(bytes, 'bad tags', '[1,2]') FROM src WHERE name = 'dblog';

-- a file cut at any point stores its valid part
SELECT hdaq.ingest(substr(bytes, 1, 300000), 'cut') IS NOT NULL AS stored FROM src WHERE name = 'test1';
SELECT message_count > 0 AND message_count < (SELECT message_count FROM hdaq.file JOIN ids USING (file_id) WHERE ids.name = 'test1') AS partial,
	   recovery->'complete' AS complete
  FROM hdaq.file WHERE name = 'cut';

-- delete_file removes the file and what belongs to it; shared schemas stay
SELECT hdaq.delete_file(file_id) FROM hdaq.file WHERE name = 'cut';
SELECT count(*) AS left_behind FROM hdaq.file WHERE name = 'cut';
SELECT count(*) AS segments_without_channel FROM hdaq.segment s WHERE NOT EXISTS (SELECT 1 FROM hdaq.channel c WHERE c.channel_key = s.channel_key);
SELECT count(*) AS schemas_still_used FROM hdaq.schema s WHERE EXISTS (SELECT 1 FROM hdaq.channel c WHERE c.schema_key = s.schema_key);
SELECT hdaq.delete_file(-1);

-- ingest_file needs pg_read_server_files
CREATE ROLE hdaq_reader_test;
GRANT USAGE ON SCHEMA hdaq TO hdaq_reader_test;
SET ROLE hdaq_reader_test;
SELECT hdaq.ingest_file(:'data' || 'hytech/drivebrain_software_2026/test_1_1274.mcap');
RESET ROLE;
DROP OWNED BY hdaq_reader_test;
DROP ROLE hdaq_reader_test;
SELECT hdaq.ingest_file(:'data' || 'hytech/drivebrain_software_2026/test_1_1274.mcap', '{"how": "server file"}') > 0 AS stored;
SELECT name, tags FROM hdaq.file WHERE tags ? 'how';

-- a large object streams in bounded memory
SELECT lo_from_bytea(0, bytes) AS lo FROM src WHERE name = 'aero' \gset
SELECT hdaq.ingest_lo(:lo, 'aero again') = (SELECT file_id FROM ids WHERE name = 'aero') AS deduplicated;
SELECT lo_unlink(:lo);
SELECT lo_from_bytea(0, substr(bytes, 1, 400000)) AS lo FROM src WHERE name = 'test1' \gset
SELECT hdaq.ingest_lo(:lo, 'test1 cut from a large object') AS cut_id \gset
SELECT message_count > 0 AS stored, recovery IS NOT NULL AS recovered, size_bytes
  FROM hdaq.file WHERE file_id = :cut_id;
SELECT lo_unlink(:lo);

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
