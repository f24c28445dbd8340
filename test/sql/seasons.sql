-- Seasons: hdaq.segment partitioned by year of start_ns (UTC), segments
-- in the partition of their start, lookups that read only the partitions
-- a channel spans, and hdaq.drop_season removing exactly one year's files.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'

-- one partition per year from 2000 to 2049 and a default one, every one
-- holding its data out of line, and every one kept by pg_dump
SELECT count(*) AS partitions,
	   min(c.relname) FILTER (WHERE c.relname ~ '^segment_[0-9]+$') AS first_year,
	   max(c.relname) FILTER (WHERE c.relname ~ '^segment_[0-9]+$') AS last_year,
	   string_agg(c.relname, ', ') FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT') AS default_partition
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'hdaq.segment'::regclass;
SELECT pg_get_expr(relpartbound, oid) AS bounds_of_2025 FROM pg_class
 WHERE oid = 'hdaq.segment_2025'::regclass;
SELECT hdaq.ns_to_timestamptz(1735689600000000000) AT TIME ZONE 'UTC' AS from_2025,
	   hdaq.ns_to_timestamptz(1767225600000000000) AT TIME ZONE 'UTC' AS to_2026;
SELECT a.attrelid::regclass AS not_external FROM pg_attribute a
  JOIN pg_inherits i ON i.inhrelid = a.attrelid
 WHERE i.inhparent = 'hdaq.segment'::regclass AND a.attname = 'data' AND a.attstorage <> 'e';
SELECT count(*) AS partitions_not_dumped FROM pg_inherits i
 WHERE i.inhparent = 'hdaq.segment'::regclass
   AND i.inhrelid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'hdaq')::oid[]);

-- files of 2023, 2024 (two), 2026 and 1970 (the default partition), and a
-- file of 2025 recorded over New Year's Eve, cut into small segments so
-- that some start in 2026
CREATE TEMP TABLE src (name text, path text);
INSERT INTO src VALUES
	('aero 2023', 'hytech/hytech-foxglove-extensions/10_up_CCW.mcap'),
	('demo 2024', 'hytech/data_acq_cloud/cloud_webserver_mcap_files_demo_2024-02-28_10-27-41.mcap'),
	('keelson 2024', 'keelson/keelson_test.mcap'),
	('drivebrain 2026', 'hytech/drivebrain_software_2026/test_1_1274.mcap'),
	('rewriter 1970', 'rosbag2/rosbag2_py_test_resources_mcap_convert_a_rewriter_a_0.mcap');
SET client_min_messages = warning;
SELECT hdaq.ingest(pg_read_binary_file(:'data' || path), name) FROM src ORDER BY name;
SET hdaq.segment_size = '4kB';
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_new_year.mcap'), 'new year 2025');
RESET hdaq.segment_size;
RESET client_min_messages;

SELECT f.file_id, f.name, extract(year FROM f.start_time AT TIME ZONE 'UTC') AS start_year,
	   (SELECT string_agg(DISTINCT s.tableoid::regclass::text, ', ')
		  FROM hdaq.segment s WHERE s.file_id = f.file_id) AS partitions
  FROM hdaq.file f ORDER BY f.file_id;

-- every segment is in the partition of the year it starts in, and carries
-- its channel's file_id
SELECT count(*) AS segments,
	   count(*) FILTER (WHERE s.tableoid::regclass::text <>
			CASE WHEN extract(year FROM hdaq.ns_to_timestamptz(s.start_ns) AT TIME ZONE 'UTC') BETWEEN 2000 AND 2049
				 THEN 'hdaq.segment_' || extract(year FROM hdaq.ns_to_timestamptz(s.start_ns) AT TIME ZONE 'UTC')
				 ELSE 'hdaq.segment_other' END) AS misplaced,
	   count(*) FILTER (WHERE s.file_id <> c.file_id) AS wrong_file_id
  FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key);

-- a segment lookup bounded by its channel's time range reads one partition
EXPLAIN (COSTS OFF)
SELECT seq, start_ns, end_ns FROM hdaq.segment
 WHERE channel_key = 1 AND start_ns >= 1767225600000000000
   AND start_ns <= 1767225700000000000 AND end_ns >= 0;

-- what each file reads back, to compare after the drops
CREATE TEMP TABLE before AS
SELECT f.file_id, f.name,
	   (SELECT count(*) FROM hdaq.messages(file_id => f.file_id)) AS messages,
	   (SELECT md5(string_agg(concat_ws('|', topic, log_time_ns, sequence, md5(data)), ','
							  ORDER BY log_time_ns, topic, sequence))
		  FROM hdaq.messages(file_id => f.file_id)) AS digest
  FROM hdaq.file f;
CREATE FUNCTION pg_temp.reads_back() RETURNS TABLE (file_id bigint, name text, same boolean)
	LANGUAGE sql AS $$
	SELECT b.file_id, b.name,
		   (SELECT count(*) FROM hdaq.messages(file_id => b.file_id)) = b.messages
		   AND (SELECT md5(string_agg(concat_ws('|', topic, log_time_ns, sequence, md5(data)), ','
								  ORDER BY log_time_ns, topic, sequence))
				  FROM hdaq.messages(file_id => b.file_id)) = b.digest
	  FROM pg_temp.before b JOIN hdaq.file f USING (file_id) ORDER BY b.file_id
$$;
SELECT count(*) AS files, sum(messages) AS messages FROM before;

-- 2026: the drivebrain file goes; the file of 2025 keeps its segments
-- that start in 2026 and reads back the same
SELECT hdaq.drop_season(2026) AS removed;
SELECT file_id, name FROM hdaq.file ORDER BY file_id;
SELECT s.tableoid::regclass AS partition, f.name, count(*) AS segments
  FROM hdaq.segment s JOIN hdaq.file f USING (file_id)
 WHERE s.tableoid IN ('hdaq.segment_2025'::regclass, 'hdaq.segment_2026'::regclass)
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT * FROM pg_temp.reads_back();

-- 2025: the file of New Year's Eve goes, its segments in 2026 by cascade
SELECT hdaq.drop_season(2025) AS removed;
SELECT count(*) AS segments_2025 FROM hdaq.segment_2025;
SELECT count(*) AS segments_2026 FROM hdaq.segment_2026;

-- 2024: both files of 2024, nothing else
SELECT hdaq.drop_season(2024) AS removed;
SELECT * FROM pg_temp.reads_back();
SELECT count(*) AS channels_left, count(DISTINCT file_id) AS their_files FROM hdaq.channel;
SELECT count(*) AS schemas_without_channel FROM hdaq.schema s
 WHERE NOT EXISTS (SELECT 1 FROM hdaq.channel c WHERE c.schema_key = s.schema_key);
SELECT count(*) AS segments_without_file FROM hdaq.segment s
 WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = s.file_id);
SELECT tableoid::regclass AS partition, count(*) AS segments FROM hdaq.segment GROUP BY 1 ORDER BY 1;

-- a season with no file: nothing removed
SELECT hdaq.drop_season(2030) AS removed;
-- a year without a partition of its own is an error
SELECT hdaq.drop_season(2050);
\echo :LAST_ERROR_SQLSTATE
SELECT hdaq.drop_season(1970);
\echo :LAST_ERROR_SQLSTATE
-- nor is a detached partition a season any more
ALTER TABLE hdaq.segment DETACH PARTITION hdaq.segment_2023;
SELECT hdaq.drop_season(2023);
\echo :LAST_ERROR_SQLSTATE
-- the detached partition keeps its segments; the file row stays, without them
SELECT count(*) > 0 AS detached_keeps_segments FROM hdaq.segment_2023;
SELECT name, (SELECT count(*) FROM hdaq.messages(file_id => f.file_id)) AS messages
  FROM hdaq.file f WHERE name = 'aero 2023';
-- attached again, it reads back the same
ALTER TABLE hdaq.segment ATTACH PARTITION hdaq.segment_2023
	FOR VALUES FROM (1672531200000000000) TO (1704067200000000000);
SELECT * FROM pg_temp.reads_back();

-- only a role that may empty the partition drops a season
CREATE ROLE regress_hdaq_seasons;
GRANT USAGE ON SCHEMA hdaq TO regress_hdaq_seasons;
GRANT SELECT, DELETE ON ALL TABLES IN SCHEMA hdaq TO regress_hdaq_seasons;
SET ROLE regress_hdaq_seasons;
\set VERBOSITY terse
SELECT hdaq.drop_season(2023);
\set VERBOSITY default
RESET ROLE;
SELECT count(*) AS files_left FROM hdaq.file;
REVOKE ALL ON ALL TABLES IN SCHEMA hdaq FROM regress_hdaq_seasons;
REVOKE ALL ON SCHEMA hdaq FROM regress_hdaq_seasons;
DROP ROLE regress_hdaq_seasons;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
