-- Leaf blocks: numeric leaves kept as compressed (time, value) runs with
-- summaries.  Every numeric leaf of every real log of test/data and of the
-- generated sessions, array elements included (cell_voltages[3]), reads
-- the same, to the bit, from its blocks as from decoding the messages
-- (hdaq.leaf_blocks off); signal_stats from the summaries equals
-- aggregates of hdaq.signal; arrays of varying length (a file built here)
-- give blocks only to the elements every message holds, and
-- hdaq.leaf_blocks_max_index bounds them; blocks go with their file and
-- are rebuilt by hdaq.build_leaf_blocks; a corrupt block is an error.
CREATE EXTENSION hdaq;
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SET client_min_messages = warning;
\set VERBOSITY terse

-- every log of test/data
CREATE TEMP TABLE logs AS
SELECT d || '/' || f AS name,
	   hdaq.ingest(pg_read_binary_file(:'data' || d || '/' || f), d || '/' || f) AS file_id
  FROM (VALUES ('generated'), ('hytech/data_acq_cloud'), ('hytech/drivebrain_software_2026'),
			   ('hytech/hytech-foxglove-extensions'), ('keelson'), ('rosbag2')) AS dirs(d),
	   LATERAL (SELECT f FROM pg_ls_dir(:'data' || d) AS f WHERE f LIKE '%.mcap' ORDER BY f) files;
SELECT count(*) > 30 AS many_logs, count(DISTINCT file_id) > 25 AS distinct_files FROM logs;

-- a JSON file (with a jsonschema) of ten messages whose arrays vary: v has
-- 4 elements, 2 in the 7th message and 6 in the 9th; cells (objects) 3;
-- m (arrays of arrays) 2 x 2
CREATE FUNCTION pg_temp.le(v numeric, n int) RETURNS bytea LANGUAGE sql AS $$
  SELECT string_agg(set_byte('\x00'::bytea, 0,
							 (floor(v / 256::numeric ^ i) % 256)::int), ''::bytea ORDER BY i)
	FROM generate_series(0, n - 1) AS i $$;
CREATE FUNCTION pg_temp.str(s text) RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.le(length(convert_to(s, 'UTF8')), 4) || convert_to(s, 'UTF8') $$;
CREATE FUNCTION pg_temp.rec(opcode int, body bytea) RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.le(opcode, 1) || pg_temp.le(length(body), 8) || body $$;
CREATE FUNCTION pg_temp.pack_mcap(messages text[]) RETURNS bytea LANGUAGE sql AS $$
  SELECT '\x894d434150300d0a'::bytea
		 || pg_temp.rec(1, pg_temp.str('') || pg_temp.str('arrays'))
		 || pg_temp.rec(3, pg_temp.le(1, 2) || pg_temp.str('Pack') || pg_temp.str('jsonschema')
						   || pg_temp.str('{"type": "object", "properties": {'
										  '"v": {"type": "array", "items": {"type": "number"}}, '
										  '"cells": {"type": "array", "items": {"type": "object", '
										  '"properties": {"volt": {"type": "number"}}}}, '
										  '"m": {"type": "array", "items": {"type": "array", '
										  '"items": {"type": "number"}}}}}'))
		 || pg_temp.rec(4, pg_temp.le(1, 2) || pg_temp.le(1, 2) || pg_temp.str('Pack')
						   || pg_temp.str('json') || pg_temp.le(0, 4))
		 || (SELECT string_agg(pg_temp.rec(5, pg_temp.le(1, 2) || pg_temp.le(i, 4)
											  || pg_temp.le(i * 1000000000::numeric, 8)
											  || pg_temp.le(i * 1000000000::numeric, 8)
											  || convert_to(messages[i], 'UTF8')), ''::bytea ORDER BY i)
			   FROM generate_subscripts(messages, 1) AS i)
		 || pg_temp.rec(2, pg_temp.le(0, 20)) || '\x894d434150300d0a'::bytea $$;
SELECT hdaq.ingest(pg_temp.pack_mcap(ARRAY(
  SELECT format('{"v": [%s], "cells": [{"volt": %s}, {"volt": %s}, {"volt": %s}], "m": [[%s, 1], [2, %s]]}',
				array_to_string(ARRAY(SELECT i * 10 + k
										FROM generate_series(0, CASE i WHEN 7 THEN 1 WHEN 9 THEN 5 ELSE 3 END) k), ', '),
				3.1 + i / 100.0, 2.9 + i / 50.0, 3.3, i, -i)
	FROM generate_series(1, 10) AS i)), 'arrays') AS pack \gset
-- the elements every message holds have blocks; v[2] and v[3] (missing
-- from the 7th message) and v[4], v[5] (only in the 9th) have none
SELECT path, value_count FROM hdaq.leaf_block WHERE file_id = :pack ORDER BY path COLLATE "C";

-- blocks were built at ingest, for most channels with numeric leaves
SELECT count(*) > 3000 AS blocks, count(DISTINCT channel_key) > 500 AS channels,
	   count(DISTINCT file_id) > 20 AS files
  FROM hdaq.leaf_block;
-- the leaves of a channel share its blocks of times (path ''): one per
-- block of each leaf, the same messages
SELECT count(*) AS value_blocks_without_times
  FROM hdaq.leaf_block b
 WHERE b.path <> ''
   AND NOT EXISTS (SELECT 1 FROM hdaq.leaf_block t
					WHERE t.channel_key = b.channel_key AND t.path = '' AND t.ord = b.ord
					  AND t.start_ns = b.start_ns AND t.end_ns = b.end_ns
					  AND t.value_count = b.value_count);
-- every block's count matches its channel (each leaf is in every message)
SELECT count(*) AS leaves_not_whole
  FROM (SELECT b.channel_key, b.path, sum(b.value_count) AS n
		  FROM hdaq.leaf_block b GROUP BY 1, 2) l
  JOIN hdaq.channel c USING (channel_key)
 WHERE l.n <> c.message_count;

-- the differential: each leaf from its blocks and from its messages
CREATE FUNCTION pg_temp.read_leaf(blocks boolean, topic text, path text, file_id bigint,
								  start_time timestamptz DEFAULT NULL,
								  end_time timestamptz DEFAULT NULL)
	RETURNS TABLE (n bigint, t timestamptz, v bytea) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('hdaq.leaf_blocks', blocks::text, true);
	RETURN QUERY SELECT row_number() OVER (), s.time, float8send(s.value)
				   FROM hdaq.signal(read_leaf.topic, read_leaf.path, read_leaf.start_time,
									read_leaf.end_time, read_leaf.file_id) s;
	PERFORM set_config('hdaq.leaf_blocks', 'on', true);
END $$;
CREATE TEMP TABLE leaves AS
SELECT DISTINCT c.file_id, c.topic, b.path, c.start_ns, c.end_ns
  FROM hdaq.leaf_block b JOIN hdaq.channel c USING (channel_key)
 WHERE b.path <> '';
CREATE TEMP TABLE differences AS
SELECT l.file_id, l.topic, l.path,
	   (SELECT count(*) FROM pg_temp.read_leaf(true, l.topic, l.path, l.file_id)) AS from_blocks,
	   (SELECT count(*)
		  FROM pg_temp.read_leaf(true, l.topic, l.path, l.file_id) a
		  FULL JOIN pg_temp.read_leaf(false, l.topic, l.path, l.file_id) m USING (n)
		 WHERE a.t IS DISTINCT FROM m.t OR a.v IS DISTINCT FROM m.v) AS differing
  FROM leaves l;
SELECT count(*) > 3000 AS leaves_compared, sum(from_blocks) > 1000000 AS values_compared,
	   sum(differing) AS values_differing
  FROM differences;
-- of which array elements, of the real logs (hytech's aero readings_pa[i]),
-- of the ROS 2 logs and of the generated sessions (ACUAllData)
SELECT count(*) > 900 AS element_leaves_compared,
	   sum(from_blocks) > 100000 AS element_values_compared,
	   count(*) FILTER (WHERE topic LIKE 'aero_data%') = 16 AS hytech_elements,
	   count(*) FILTER (WHERE topic = 'ACUAllData' AND path LIKE 'cell_voltages[%') > 300 AS cell_voltages,
	   sum(differing) AS element_values_differing
  FROM differences WHERE path LIKE '%[%';

-- every path of the file with varying arrays, with blocks or not (NULL
-- rows where a message lacks the element), the same both ways
SELECT count(*) FILTER (WHERE n > 0) AS paths_with_rows, sum(n) AS rows, sum(nulls) AS null_rows,
	   sum(d) AS pack_values_differing
  FROM (SELECT format('v[%s]', i) FROM generate_series(0, 6) i
		UNION ALL SELECT format('cells[%s].volt', i) FROM generate_series(0, 3) i
		UNION ALL SELECT format('m[%s][%s]', i, j) FROM generate_series(0, 2) i, generate_series(0, 2) j) p(path),
	   LATERAL (SELECT count(*) FILTER (WHERE a.t IS NOT NULL) AS n,
					   count(*) FILTER (WHERE a.t IS NOT NULL AND a.v IS NULL) AS nulls,
					   count(*) FILTER (WHERE a.t IS DISTINCT FROM m.t OR a.v IS DISTINCT FROM m.v) AS d
				  FROM pg_temp.read_leaf(true, 'Pack', p.path, :pack) a
				  FULL JOIN pg_temp.read_leaf(false, 'Pack', p.path, :pack) m USING (n)) r;

-- a window inside a channel, ends inside blocks: the same rows both ways
CREATE TEMP TABLE windows AS
SELECT l.*, hdaq.ns_to_timestamptz(l.start_ns + (l.end_ns - l.start_ns) / 3) AS w0,
	   hdaq.ns_to_timestamptz(l.start_ns + 2 * (l.end_ns - l.start_ns) / 3) AS w1
  FROM leaves l WHERE l.end_ns > l.start_ns;
SELECT count(*) AS window_values_differing
  FROM windows w,
	   LATERAL (SELECT 1 FROM pg_temp.read_leaf(true, w.topic, w.path, w.file_id, w.w0, w.w1) a
				  FULL JOIN pg_temp.read_leaf(false, w.topic, w.path, w.file_id, w.w0, w.w1) m USING (n)
				 WHERE a.t IS DISTINCT FROM m.t OR a.v IS DISTINCT FROM m.v) d;

-- five leaves of one topic at once, and M4, both ways
SELECT file_id AS gen FROM logs WHERE name = 'generated/session_15s.mcap' \gset
CREATE FUNCTION pg_temp.five(blocks boolean) RETURNS TABLE (n bigint, t timestamptz, m text, v bytea)
	LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('hdaq.leaf_blocks', blocks::text, true);
	RETURN QUERY SELECT row_number() OVER (), s.time, s.metric, float8send(s.value)
				   FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL', 'VehicleData/current_rpms.RR',
										   'VehicleData/current_rpms.FR', 'VehicleData/steering_angle_deg',
										   'VehicleData/current_inputs.accel_percent'],
									 file_id => (SELECT file_id FROM logs WHERE name = 'generated/session_15s.mcap')) s;
	PERFORM set_config('hdaq.leaf_blocks', 'on', true);
END $$;
SELECT count(*) > 0 AS rows, count(*) FILTER (WHERE a.t IS DISTINCT FROM m.t OR a.m IS DISTINCT FROM m.m
											  OR a.v IS DISTINCT FROM m.v) AS differing
  FROM pg_temp.five(true) a FULL JOIN pg_temp.five(false) m USING (n);
CREATE TEMP TABLE m4_blocks AS
SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '100 ms', :gen);
SET hdaq.leaf_blocks = off;
CREATE TEMP TABLE m4_messages AS
SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '100 ms', :gen);
RESET hdaq.leaf_blocks;
SELECT (SELECT count(*) FROM m4_blocks) > 0 AS buckets,
	   (SELECT count(*) FROM (SELECT * FROM m4_blocks EXCEPT ALL SELECT * FROM m4_messages) x) +
	   (SELECT count(*) FROM (SELECT * FROM m4_messages EXCEPT ALL SELECT * FROM m4_blocks) x) AS m4_differing;

-- signal_stats from summaries equals aggregates of the signal, over the
-- whole channel and over a window whose ends cut blocks
CREATE FUNCTION pg_temp.stats_differ(topic text, path text, file_id bigint,
									 w0 timestamptz, w1 timestamptz) RETURNS boolean
	LANGUAGE sql AS $$
	WITH s AS (SELECT * FROM hdaq.signal(topic, path, w0, w1, file_id)),
		 agg AS (SELECT count(value) AS count, min(value) AS min, max(value) AS max,
						avg(value) AS mean,
						(SELECT min(time) FROM s WHERE value = (SELECT min(value) FROM s)) AS min_time,
						(SELECT min(time) FROM s WHERE value = (SELECT max(value) FROM s)) AS max_time,
						(SELECT value FROM s ORDER BY time LIMIT 1) AS first,
						(SELECT value FROM s ORDER BY time DESC LIMIT 1) AS last
				   FROM s),
		 st AS (SELECT * FROM hdaq.signal_stats(topic, path, w0, w1, file_id))
	SELECT st.count <> agg.count OR st.min IS DISTINCT FROM agg.min OR st.max IS DISTINCT FROM agg.max
		   OR st.min_time IS DISTINCT FROM agg.min_time OR st.max_time IS DISTINCT FROM agg.max_time
		   OR st.first IS DISTINCT FROM agg.first OR st.last IS DISTINCT FROM agg.last
		   OR NOT (st.mean IS NOT DISTINCT FROM agg.mean
				   OR abs(st.mean - agg.mean) <= 1e-9 * greatest(abs(agg.mean), 1))
	  FROM st, agg
$$;
SELECT count(*) FILTER (WHERE pg_temp.stats_differ(w.topic, w.path, w.file_id, NULL, NULL)) AS whole_differ,
	   count(*) FILTER (WHERE pg_temp.stats_differ(w.topic, w.path, w.file_id, w.w0, w.w1)) AS window_differ
  FROM (SELECT * FROM windows WHERE file_id = :gen) w;
-- the same with the summaries off (decoded)
SET hdaq.leaf_blocks = off;
SELECT count(*) FILTER (WHERE pg_temp.stats_differ(w.topic, w.path, w.file_id, w.w0, w.w1)) AS decoded_window_differ
  FROM (SELECT * FROM windows WHERE file_id = :gen) w;
RESET hdaq.leaf_blocks;
-- a season-wide question: the top of one leaf in every run that has it
SELECT count(*) = count(s.max) AS every_run_answered
  FROM hdaq.file f, hdaq.signal_stats('VehicleData', 'current_rpms.FL', file_id => f.file_id) s
 WHERE f.file_id IN (SELECT file_id FROM hdaq.channel WHERE topic = 'VehicleData');
-- and over an array element: the runs where cell 3 went under 3.0, from
-- the summaries, are those decoding finds
CREATE FUNCTION pg_temp.low_cell_runs(blocks boolean) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('hdaq.leaf_blocks', blocks::text, true);
	RETURN QUERY SELECT f.file_id
				   FROM hdaq.file f, hdaq.signal_stats('ACUAllData', 'cell_voltages[3]', file_id => f.file_id) s
				  WHERE f.file_id IN (SELECT file_id FROM hdaq.channel WHERE topic = 'ACUAllData')
					AND s.min < 3.0;
	PERFORM set_config('hdaq.leaf_blocks', 'on', true);
END $$;
SELECT (SELECT count(*) FROM pg_temp.low_cell_runs(true)) AS low_cell_runs,
	   (SELECT count(*) FROM (SELECT * FROM pg_temp.low_cell_runs(true)
							  EXCEPT SELECT * FROM pg_temp.low_cell_runs(false)) x) +
	   (SELECT count(*) FROM (SELECT * FROM pg_temp.low_cell_runs(false)
							  EXCEPT SELECT * FROM pg_temp.low_cell_runs(true)) x) AS runs_differing;
SELECT count(*) AS cell_stats_differ
  FROM (SELECT * FROM windows WHERE topic = 'ACUAllData' AND path LIKE 'cell_voltages[%') w
 WHERE pg_temp.stats_differ(w.topic, w.path, w.file_id, NULL, NULL)
	OR pg_temp.stats_differ(w.topic, w.path, w.file_id, w.w0, w.w1);
-- nothing in the range: a count of 0
SELECT * FROM hdaq.signal_stats('VehicleData', 'current_rpms.FL', '2000-01-01', '2000-01-02', :gen);
-- naming what does not exist is an error, as for hdaq.signal
SELECT * FROM hdaq.signal_stats('NoSuchTopic', 'x', file_id => :gen);
SELECT * FROM hdaq.signal_stats('VehicleData', 'no_such_field', file_id => :gen);
-- a file that is not stored: named, not an empty answer
SELECT * FROM hdaq.signal_stats('VehicleData', 'current_rpms.FL', file_id => -1);
-- the times' path is no leaf
SELECT * FROM hdaq.signal('VehicleData', '', file_id => :gen);

-- hdaq.leaf_blocks_max_index bounds the elements of one repeated field
-- that get blocks (arrays in arrays: the first combinations); the others
-- read by decoding, the same rows
SET hdaq.leaf_blocks_max_index = 2;
SELECT hdaq.build_leaf_blocks(:pack) AS pack_blocks_at_2;
SELECT string_agg(path, ' ' ORDER BY path COLLATE "C") AS leaves_at_2
  FROM hdaq.leaf_block WHERE file_id = :pack AND path <> '';
SELECT count(*) AS differing_at_2
  FROM pg_temp.read_leaf(true, 'Pack', 'cells[2].volt', :pack) a
  FULL JOIN pg_temp.read_leaf(false, 'Pack', 'cells[2].volt', :pack) m USING (n)
 WHERE a.t IS DISTINCT FROM m.t OR a.v IS DISTINCT FROM m.v;
SET hdaq.leaf_blocks_max_index = 0;
SELECT hdaq.build_leaf_blocks(:pack) AS pack_blocks_at_0;
RESET hdaq.leaf_blocks_max_index;
SELECT hdaq.build_leaf_blocks(:pack) AS pack_blocks;

-- hdaq.leaf_blocks off at ingest: no blocks; build_leaf_blocks builds them
SELECT count(*) AS gen_blocks FROM hdaq.leaf_block WHERE file_id = :gen AND path <> '' \gset
SET hdaq.leaf_blocks = off;
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s_lz4_shuffled.mcap'), 'again', '{"copy": 1}') AS same \gset
SELECT hdaq.delete_file(:same);
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s_lz4_shuffled.mcap'), 'again') AS again \gset
SELECT count(*) AS blocks_without FROM hdaq.leaf_block WHERE file_id = :again;
RESET hdaq.leaf_blocks;
SELECT hdaq.build_leaf_blocks(:again) = :gen_blocks AS built_as_at_ingest;
SELECT hdaq.build_leaf_blocks(:again) = :gen_blocks AS rebuilt_replaces;
SELECT hdaq.build_leaf_blocks(12345);
-- deleting a file deletes its blocks
SELECT hdaq.delete_file(:again);
SELECT count(*) AS blocks_left FROM hdaq.leaf_block WHERE file_id = :again;

-- a corrupt block is an error naming it, not wrong values
UPDATE hdaq.leaf_block SET data = substr(data, 1, length(data) - 3)
 WHERE file_id = :gen AND path = 'current_rpms.FL' AND ord = 0;
DO $$
BEGIN
	PERFORM count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL',
									  file_id => (SELECT file_id FROM logs WHERE name = 'generated/session_15s.mcap'));
	RAISE NOTICE 'read a corrupt block';
EXCEPTION WHEN data_corrupted THEN
	RAISE WARNING 'data_corrupted: %', regexp_replace(SQLERRM, 'file [0-9]+', 'file N');
END $$;
SELECT hdaq.build_leaf_blocks(:gen) = :gen_blocks AS repaired;
SELECT count(*) > 0 AS readable FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen);

-- a role that may not read hdaq.leaf_block (granted table by table before
-- the upgrade added it) reads by decoding: the same rows
SELECT count(*) AS gen_rows FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen) \gset
CREATE ROLE regress_lb_reader;
GRANT USAGE ON SCHEMA hdaq TO regress_lb_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA hdaq TO regress_lb_reader;
REVOKE SELECT ON hdaq.leaf_block FROM regress_lb_reader;
SET ROLE regress_lb_reader;
SELECT count(*) = :gen_rows AS same_rows_without_blocks
  FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen);
SELECT count > 0 AS stats_without_blocks
  FROM hdaq.signal_stats('VehicleData', 'current_rpms.FL', file_id => :gen);
RESET ROLE;
REVOKE ALL ON ALL TABLES IN SCHEMA hdaq FROM regress_lb_reader;
REVOKE ALL ON SCHEMA hdaq FROM regress_lb_reader;
DROP ROLE regress_lb_reader;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
