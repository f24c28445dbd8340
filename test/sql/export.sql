-- hdaq.export_mcap: an indexed MCAP of a selection, read back by hdaq's own
-- reader (the official reader checks it too: test/mcapjs).
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
\set conf :abs_srcdir '/conformance/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/drivebrain_software_2026/test1_505139.mcap'), 'test1') AS test1 \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_cpp_test_rosbag2_cpp_bags_only_topics.mcap'), 'bag_topics') AS wbag \gset
SELECT hdaq.ingest(pg_read_binary_file(:'conf' || 'OneAttachment/OneAttachment-ax-pad-st-sum.mcap'), 'attachment') AS att \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/hytech-foxglove-extensions/10_up_CCW.mcap'), 'aero') AS aero \gset

-- a whole file: the export holds exactly the stored messages
CREATE TEMP TABLE ex AS SELECT hdaq.export_mcap(:test1) AS m;
SELECT (SELECT count(*) FROM (
		  (SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :test1)
		   EXCEPT ALL SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages((SELECT m FROM ex)))
		  UNION ALL
		  (SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages((SELECT m FROM ex))
		   EXCEPT ALL SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :test1))) d)
	   AS differences;

-- it is complete and indexed
SELECT info->'recovery'->'complete' AS complete, info->'message_count' AS messages,
	   (info->'chunks'->>'count')::int > 0 AS chunked
  FROM (SELECT hdaq.info(m) AS info FROM ex) i;

-- schemas and channels keep their ids, names, encodings and metadata
SELECT c->>'topic' AS topic, c->'id' AS id, c->>'schema_name' AS schema, c->>'message_encoding' AS encoding
  FROM (SELECT hdaq.info(m) AS info FROM ex) i, jsonb_array_elements(info->'channels') c ORDER BY 1;

-- a selection: one topic, a time window
SELECT start_ns + (end_ns - start_ns) / 4 AS lo, start_ns + (end_ns - start_ns) / 2 AS hi
  FROM hdaq.file WHERE file_id = :test1 \gset
SELECT count(*) = (SELECT count(*) FROM hdaq.messages(ARRAY['McapInfo'], hdaq.ns_to_timestamptz(:lo), hdaq.ns_to_timestamptz(:hi), :test1))
	   AS selection_matches, count(DISTINCT topic) AS topics
  FROM hdaq.messages(hdaq.export_mcap(:test1, ARRAY['McapInfo'], hdaq.ns_to_timestamptz(:lo), hdaq.ns_to_timestamptz(:hi)));

-- metadata records come along; a re-ingest of the export stores the same messages
SELECT hdaq.ingest(hdaq.export_mcap(:wbag), 'bag_topics exported') AS again \gset
SELECT (SELECT count(*) FROM hdaq.metadata WHERE file_id = :again) = (SELECT count(*) FROM hdaq.metadata WHERE file_id = :wbag) AS metadata_kept,
	   (SELECT jsonb_agg(metadata ORDER BY ord) FROM hdaq.metadata WHERE file_id = :again)
	 = (SELECT jsonb_agg(metadata ORDER BY ord) FROM hdaq.metadata WHERE file_id = :wbag) AS metadata_same,
	   (SELECT jsonb_agg(metadata ORDER BY channel_id) FROM hdaq.channel WHERE file_id = :again)
	 = (SELECT jsonb_agg(metadata ORDER BY channel_id) FROM hdaq.channel WHERE file_id = :wbag) AS channel_metadata_same;
SELECT count(*) AS differences FROM (
	SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :wbag)
	EXCEPT ALL SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :again)) d;

-- attachments come along with their times and bytes
SELECT a->>'name' AS name, a->>'media_type' AS media_type, a->'size' AS size, a->'log_time' AS log_time
  FROM jsonb_array_elements(hdaq.info(hdaq.export_mcap(:att))->'attachments') a;

-- two schema ids with the same name stay distinct
SELECT count(DISTINCT c->'schema_id') AS schema_ids
  FROM jsonb_array_elements(hdaq.info(hdaq.export_mcap(:aero))->'channels') c;

-- errors
SELECT hdaq.export_mcap(-5);
SELECT hdaq.export_mcap(NULL);

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP TABLE ex;
DROP EXTENSION hdaq;
