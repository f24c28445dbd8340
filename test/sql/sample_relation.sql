-- hdaq.sample: decoded numeric samples as a relation.  The same rows as
-- hdaq.signal() for each selection, in the same order, values equal to
-- the bit; the topic and path it needs (errors naming what is missing);
-- names that do not exist are errors; what its scan takes from WHERE
-- (EXPLAIN); ORDER BY time without a sort; joins; a Grafana panel.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
-- small segments, so that a time range has segments to skip
SET hdaq.segment_size = '4kB';
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset
RESET hdaq.segment_size;
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s_lz4_shuffled.mcap'), 'gen2') AS gen2 \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/hytech-foxglove-extensions/10_up_CCW.mcap'), 'aero') AS aero \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap'), 'cdr') AS cdr \gset
SELECT hdaq.tag(:gen, '{"driver": "A"}'), hdaq.tag(:gen2, '{"driver": "B"}'),
	   hdaq.tag(:aero, '{"driver": "A"}'), hdaq.tag(:cdr, '{"driver": "C"}');
ANALYZE hdaq.file;

-- The relation's (time, value) against the function's: how many rows, how
-- many have a value, those only one side has (EXCEPT ALL both ways, the
-- value as its eight bytes, so equal means equal to the bit), and the
-- positions where the two orders differ.
CREATE FUNCTION pg_temp.compare(relation_sql text, function_sql text,
								OUT rows bigint, OUT with_value bigint,
								OUT only_relation bigint, OUT only_function bigint,
								OUT order_differs bigint)
LANGUAGE plpgsql AS $$
DECLARE
	cols text := 'time, float8send(value) AS bits';
BEGIN
	EXECUTE format('SELECT count(*), count(value) FROM (%s) r', relation_sql)
		INTO rows, with_value;
	EXECUTE format('SELECT count(*) FROM (SELECT %s FROM (%s) r EXCEPT ALL SELECT %s FROM (%s) f) x',
				   cols, relation_sql, cols, function_sql) INTO only_relation;
	EXECUTE format('SELECT count(*) FROM (SELECT %s FROM (%s) f EXCEPT ALL SELECT %s FROM (%s) r) x',
				   cols, function_sql, cols, relation_sql) INTO only_function;
	EXECUTE format('SELECT count(*) FROM (SELECT row_number() OVER () AS n, %s FROM (%s) r) a'
				   ' FULL JOIN (SELECT row_number() OVER () AS n, %s FROM (%s) f) b USING (n)'
				   ' WHERE (a.time, a.bits) IS DISTINCT FROM (b.time, b.bits)',
				   cols, relation_sql, cols, function_sql) INTO order_differs;
END
$$;

\i test/sql/include/error_parts.sql

-- a float32 leaf, every file (two files over the same 15 s, merged in time order)
SELECT * FROM pg_temp.compare(
	'SELECT time, value FROM hdaq.sample WHERE topic = ''VehicleData'' AND path = ''current_rpms.FL''',
	'SELECT time, value FROM hdaq.signal(''VehicleData'', ''current_rpms.FL'')');
-- one file; a double, an enum, a bool, a uint64, an int32
SELECT p AS path, c.*
  FROM unnest(ARRAY['lat_deg', 'ins_status.ins_mode', 'ins_status.gnss_fix', 'timestamp_ns',
					'ins_status.gps_status.num_sats_pvt_1']) p,
	   pg_temp.compare(format('SELECT time, value FROM hdaq.sample WHERE file_id = %s AND topic = ''VnInsData'' AND path = %L', :gen2, p),
					   format('SELECT time, value FROM hdaq.signal(''VnInsData'', %L, file_id => %s)', p, :gen2)) c;
-- an array element, and one past the end of every message's array: NULL values
SELECT p AS path, c.*
  FROM unnest(ARRAY['cell_voltages[3]', 'cell_voltages[999]']) p,
	   pg_temp.compare(format('SELECT time, value FROM hdaq.sample WHERE file_id = %s AND topic = ''ACUAllData'' AND path = %L', :gen, p),
					   format('SELECT time, value FROM hdaq.signal(''ACUAllData'', %L, file_id => %s)', p, :gen)) c;
-- another file's protobuf, and ROS 2 CDR
SELECT * FROM pg_temp.compare(
	format('SELECT time, value FROM hdaq.sample WHERE file_id = %s AND topic = ''aero_data_ttyACM0_data'' AND path = ''readings_pa[0]''', :aero),
	format('SELECT time, value FROM hdaq.signal(''aero_data_ttyACM0_data'', ''readings_pa[0]'', file_id => %s)', :aero));
SELECT * FROM pg_temp.compare(
	'SELECT time, value FROM hdaq.sample WHERE topic = ''/array_topic'' AND path = ''float64_values[1]''',
	'SELECT time, value FROM hdaq.signal(''/array_topic'', ''float64_values[1]'')');
-- a time range, inclusive, as BETWEEN and as start_time/end_time; on time_ns
SELECT * FROM pg_temp.compare(
	'SELECT time, value FROM hdaq.sample WHERE topic = ''VehicleData'' AND path = ''current_rpms.RR'' AND time BETWEEN ''2026-03-17T14:00:05Z'' AND ''2026-03-17T14:00:08Z''',
	'SELECT time, value FROM hdaq.signal(''VehicleData'', ''current_rpms.RR'', ''2026-03-17T14:00:05Z'', ''2026-03-17T14:00:08Z'')');
SELECT hdaq.timestamptz_to_ns('2026-03-17T14:00:02Z') AS ns2, hdaq.timestamptz_to_ns('2026-03-17T14:00:03Z') AS ns3 \gset
SELECT * FROM pg_temp.compare(
	format('SELECT time, value FROM hdaq.sample WHERE topic = ''VehicleData'' AND path = ''steering_angle_deg'' AND time_ns > %s AND time_ns <= %s', :ns2, :ns3),
	format('SELECT time, value FROM hdaq.signal(''VehicleData'', ''steering_angle_deg'') WHERE hdaq.timestamptz_to_ns(time) > %s AND hdaq.timestamptz_to_ns(time) <= %s', :ns2, :ns3));
-- time_ns is the message's log time, time its microsecond
SELECT count(*) AS rows, count(*) FILTER (WHERE hdaq.ns_to_timestamptz(time_ns) <> time) AS time_differs,
	   count(*) FILTER (WHERE (time_ns, file_id) NOT IN (SELECT log_time_ns, file_id FROM hdaq.message WHERE topic = 'LapTime')) AS not_a_message
  FROM hdaq.sample WHERE topic = 'LapTime' AND path = 'laptime_seconds';

-- several paths (IN, = ANY): each message once per path, in time order,
-- the paths of one message in path order; each path's rows are the function's
SELECT path, count(*) AS rows
  FROM hdaq.sample WHERE file_id = :gen AND topic = 'VehicleData'
   AND path IN ('current_rpms.FR', 'current_rpms.FL', 'current_rpms.FL') GROUP BY path ORDER BY path;
SELECT p AS path, c.*
  FROM unnest(ARRAY['current_rpms.FL', 'current_rpms.FR', 'is_ready_to_drive']) p,
	   pg_temp.compare(format('SELECT time, value FROM (SELECT * FROM hdaq.sample WHERE topic = ''VehicleData'' AND path = ANY (''{current_rpms.FL,current_rpms.FR,is_ready_to_drive}'')) s WHERE path = %L', p),
					   format('SELECT time, value FROM hdaq.signal(''VehicleData'', %L)', p)) c;
SELECT count(*) AS out_of_order
  FROM (SELECT (time_ns, path) < lag((time_ns, path)) OVER () AS back
		  FROM hdaq.sample WHERE file_id = :gen AND topic = 'VehicleData'
		   AND path IN ('current_rpms.FR', 'current_rpms.FL')) t
 WHERE back;
-- several topics and a path each has (both topics' rows, merged in time order)
SELECT p AS topic, c.*
  FROM unnest(ARRAY['aero_data_ttyACM0_data', 'aero_data_ttyACM1_data']) p,
	   pg_temp.compare(format('SELECT time, value FROM (SELECT * FROM hdaq.sample WHERE topic IN (''aero_data_ttyACM1_data'', ''aero_data_ttyACM0_data'') AND path = ''readings_pa[0]'') s WHERE topic = %L', p),
					   format('SELECT time, value FROM hdaq.signal(%L, ''readings_pa[0]'')', p)) c;
SELECT count(*) AS out_of_order
  FROM (SELECT time_ns < lag(time_ns) OVER () AS back
		  FROM hdaq.sample WHERE topic IN ('aero_data_ttyACM1_data', 'aero_data_ttyACM0_data') AND path = 'readings_pa[0]') t
 WHERE back;

-- topic and path are required: a class-22 error naming what is missing
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData'$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE path = 'current_rpms.FL'$$);
-- (a condition the scan cannot take does not count)
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic LIKE 'Vehicle%' AND path = 'current_rpms.FL'$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE (topic = 'VehicleData' OR topic = 'x') AND path = 'current_rpms.FL'$$);

-- names that do not exist are errors, never an empty result
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleDat' AND path = 'current_rpms.FL'$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.XX'$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData' AND path IN ('current_rpms.FL', 'current_rpm.FR')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE file_id = 999 AND topic = 'VehicleData' AND path = 'current_rpms.FL'$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'is_ready_to_drive.x'$$);
-- more paths than a scan decodes at once
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData'
	AND path = ANY (ARRAY(SELECT 'current_rpms.FL' || repeat(' ', i) FROM generate_series(0, 256) i))$$);
-- a path checked against the topic's schema where the selection holds none of its messages
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.sample WHERE file_id = %s AND topic = 'VehicleData' AND path = 'current_rpms.XX'$$, :aero));
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.XX' AND time < '2000-01-01'$$);
-- what exists but holds nothing there: no rows (a file without the topic, a range outside the run)
SELECT count(*) FROM hdaq.sample WHERE file_id = :aero AND topic = 'VehicleData' AND path = 'current_rpms.FL';
SELECT count(*) FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.FL' AND time < '2000-01-01';
SELECT count(*) FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.FL' AND time > '2026-03-17T14:00:08Z' AND time < '2026-03-17T14:00:05Z';
SELECT count(*) FROM hdaq.sample WHERE topic = NULL AND path = 'current_rpms.FL';
-- the same for hdaq.signal
SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', NULL, '2000-01-01');

-- What the scan takes: Files, Topics, Paths, Time Range; the Filter checks
-- every clause again on the rows
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.FL';
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.sample
 WHERE file_id IN (1, 2) AND topic = ANY ('{VehicleData,ACUAllData}') AND path IN ('current_rpms.FL', 'current_rpms.FR')
   AND time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z';
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.sample
 WHERE 'VehicleData' = topic AND 'current_rpms.FL' = path AND time_ns >= 1773756005000000000 AND time > now() - interval '1 year';
PREPARE by_topic_path(text, text) AS
	SELECT count(*), count(value) FROM hdaq.sample WHERE topic = $1 AND path = $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_topic_path('VehicleData', 'current_rpms.FL');
EXECUTE by_topic_path('VehicleData', 'current_rpms.FL');
EXECUTE by_topic_path('ACUAllData', 'cell_voltages[999]');
RESET plan_cache_mode;
-- rows in time order: ORDER BY time (or time_ns) needs no sort
EXPLAIN (COSTS OFF) SELECT time, value FROM hdaq.sample
 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL' ORDER BY time;
EXPLAIN (COSTS OFF) SELECT time, value FROM hdaq.sample
 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL' ORDER BY time_ns LIMIT 5;
-- segments read and skipped for a time range of one file, when the scan
-- decodes the messages (from leaf blocks it reads no segment; the rows
-- counted by the plan, not by the scan's aggregate pushdown)
SET hdaq.leaf_blocks = off;
SET hdaq.aggregate_pushdown = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM hdaq.sample
 WHERE file_id = :gen AND topic = 'VehicleData' AND path = 'current_rpms.FL'
   AND time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:06Z';
RESET hdaq.leaf_blocks;
RESET hdaq.aggregate_pushdown;

-- Joins: with hdaq.file by tag, one scan per file the tag selects; with the
-- topic and path from another relation, one scan per (topic, path)
EXPLAIN (COSTS OFF)
SELECT f.name, avg(s.value)
  FROM hdaq.file f JOIN hdaq.sample s USING (file_id)
 WHERE f.tags->>'driver' = 'A' AND s.topic = 'ACUAllData' AND s.path = 'core_data.pack_voltage'
 GROUP BY 1;
SELECT f.name, count(*) AS rows,
	   count(*) = (SELECT count(*) FROM hdaq.signal('ACUAllData', 'core_data.pack_voltage', file_id => f.file_id)) AS as_signal
  FROM hdaq.file f JOIN hdaq.sample s USING (file_id)
 WHERE f.tags->>'driver' = 'B' AND s.topic = 'ACUAllData' AND s.path = 'core_data.pack_voltage'
 GROUP BY f.name, f.file_id;
CREATE TEMP TABLE wanted (topic text, path text);
INSERT INTO wanted VALUES ('VehicleData', 'current_rpms.FL'), ('VnInsData', 'lat_deg');
ANALYZE wanted;
EXPLAIN (COSTS OFF)
SELECT w.topic, w.path, count(s.value)
  FROM wanted w JOIN hdaq.sample s ON s.topic = w.topic AND s.path = w.path
 GROUP BY 1, 2;
SELECT w.topic, w.path, count(s.value) AS samples,
	   count(s.value) = (SELECT count(value) FROM hdaq.signal(w.topic, w.path)) AS as_signal
  FROM wanted w JOIN hdaq.sample s ON s.topic = w.topic AND s.path = w.path
 GROUP BY 1, 2 ORDER BY 1;

-- A Grafana panel: the average of a signal per bucket over the dashboard's
-- range, as Grafana sends it once its macros are expanded:
--   SELECT $__timeGroupAlias(time, $__interval), avg(value) AS "FL rpm"
--     FROM hdaq.sample
--    WHERE topic = 'VehicleData' AND path = 'current_rpms.FL' AND $__timeFilter(time)
--    GROUP BY 1 ORDER BY 1
EXPLAIN (COSTS OFF)
SELECT floor(extract(epoch from time)/0.5)*0.5 AS "time", avg(value) AS "FL rpm"
  FROM hdaq.sample
 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL'
   AND time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z'
 GROUP BY 1 ORDER BY 1;
-- the relation's buckets against the same buckets of hdaq.signal
SELECT count(*) AS buckets, count(*) FILTER (WHERE r.avg IS DISTINCT FROM f.avg OR r.n <> f.n) AS differ
  FROM (SELECT floor(extract(epoch from time)/0.5)*0.5 AS "time", avg(value), count(*) AS n
		  FROM hdaq.sample
		 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL'
		   AND time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z'
		 GROUP BY 1) r
  FULL JOIN
	   (SELECT floor(extract(epoch from time)/0.5)*0.5 AS "time", avg(value), count(*) AS n
		  FROM hdaq.signal('VehicleData', 'current_rpms.FL', '2026-03-17T14:00:05Z', '2026-03-17T14:00:08Z')
		 GROUP BY 1) f USING ("time");

-- Read only
INSERT INTO hdaq.sample (file_id) VALUES (1);
DELETE FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.FL';

-- leave nothing behind
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
SELECT count(*) AS left_behind FROM pg_foreign_data_wrapper WHERE fdwname = 'hdaq_fdw';
