-- hdaq.sample over leaf blocks: its rows read from the blocks equal, to
-- the bit and in the same order, the rows read by decoding the messages;
-- aggregates pushed into its scan (answered from block summaries) equal
-- those the plan computes from the rows (hdaq.aggregate_pushdown off):
-- counts, min and max exactly, sum and avg to a relative 1e-12 (another
-- summation order).  One path, several paths by path, several files by
-- file_id, time ranges that cut blocks, files without blocks (no pushdown
-- when planning sees it, decoding when a kept plan meets one), what is not
-- pushed, and names that do not exist are still errors.
CREATE EXTENSION hdaq;
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SET client_min_messages = warning;
\set VERBOSITY terse

SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_new_year.mcap'), 'new_year') AS new_year \gset
-- two blocks per leaf (4,178 messages a channel)
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap'), 'cloud') AS cloud \gset
-- a file stored without blocks
SET hdaq.leaf_blocks = off;
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s_lz4_shuffled.mcap'), 'plain') AS plain \gset
RESET hdaq.leaf_blocks;
SELECT f.name, count(b.*) > 0 AS has_blocks,
	   count(*) FILTER (WHERE b.ord > 0) > 0 AS several_blocks
  FROM hdaq.file f LEFT JOIN hdaq.leaf_block b USING (file_id)
 GROUP BY f.name ORDER BY f.name;

-- A query run with the pushdown on and off: its rows as jsonb.
CREATE FUNCTION pg_temp.run(q text, pushdown boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	r jsonb;
BEGIN
	PERFORM set_config('hdaq.aggregate_pushdown', pushdown::text, true);
	EXECUTE 'SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]'') FROM (' || q || ') t' INTO r;
	PERFORM set_config('hdaq.aggregate_pushdown', 'on', true);
	RETURN r;
END $$;

-- Whether the plan of q has the aggregates in its scan.
CREATE FUNCTION pg_temp.pushed(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
		IF line LIKE '%Pushed Aggregates:%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END $$;

-- q with the pushdown against q without: whether it was pushed, how many
-- rows, and the values that differ (columns named sum* or avg* compared to
-- a relative 1e-12, every other column exactly).
CREATE FUNCTION pg_temp.agree(q text, OUT pushed boolean, OUT rows int,
							  OUT differences text)
LANGUAGE plpgsql AS $$
DECLARE
	a jsonb := pg_temp.run(q, true);
	b jsonb := pg_temp.run(q, false);
	k text;
	x jsonb;
	y jsonb;
BEGIN
	pushed := pg_temp.pushed(q);
	rows := jsonb_array_length(b);
	IF jsonb_array_length(a) <> rows THEN
		differences := format('%s rows pushed, %s not', jsonb_array_length(a), rows);
		RETURN;
	END IF;
	FOR i IN 0 .. rows - 1 LOOP
		FOR k IN SELECT jsonb_object_keys(b -> i) LOOP
			x := a -> i -> k;
			y := b -> i -> k;
			IF x = y THEN
				CONTINUE;
			END IF;
			IF (k LIKE 'sum%' OR k LIKE 'avg%') AND jsonb_typeof(x) = 'number'
				AND jsonb_typeof(y) = 'number'
				AND abs(x::float8 - y::float8) <= 1e-12 * greatest(abs(x::float8), abs(y::float8)) THEN
				CONTINUE;
			END IF;
			differences := concat_ws('; ', differences,
									 format('row %s %s: %s against %s', i, k, x, y));
		END LOOP;
	END LOOP;
END $$;

-- one path of one file: every aggregate the scan computes
SELECT * FROM pg_temp.agree(format($q$
	SELECT count(*), count(value), sum(value), avg(value), min(value), max(value),
		   min(time), max(time), min(time_ns), max(time_ns), count(time) AS count_time
	  FROM hdaq.sample WHERE file_id = %s AND topic = 'VehicleData' AND path = 'current_rpms.FL'$q$, :gen));
-- the numbers themselves, from the blocks
SELECT count(*), sum(value) IS NOT NULL AS has_sum, min(value) <= avg(value) AND avg(value) <= max(value) AS avg_between
  FROM hdaq.sample WHERE file_id = :gen AND topic = 'VehicleData' AND path = 'current_rpms.FL';
-- the same as hdaq.signal_stats (which reads the same summaries)
SELECT s.count = st.count AS count, s.min = st.min AS min, s.max = st.max AS max,
	   abs(s.avg - st.mean) <= 1e-12 * abs(st.mean) AS avg
  FROM (SELECT count(*), min(value), max(value), avg(value) FROM hdaq.sample
		 WHERE file_id = :gen AND topic = 'VehicleData' AND path = 'current_rpms.FL') s,
	   hdaq.signal_stats('VehicleData', 'current_rpms.FL', file_id => :gen) st;

-- several paths, by path (path IN and = ANY), expressions over aggregates
SELECT * FROM pg_temp.agree(format($q$
	SELECT path, count(*), sum(value), avg(value), min(value), max(value),
		   sum(value) / count(*) AS avg_by_hand
	  FROM hdaq.sample
	 WHERE file_id = %s AND topic = 'VehicleData'
	   AND path IN ('current_rpms.FL', 'current_rpms.FR', 'current_rpms.RL', 'current_rpms.RR', 'steering_angle_deg')
	 GROUP BY path ORDER BY path$q$, :gen));
SELECT * FROM pg_temp.agree($q$
	SELECT topic, path, max(value) - min(value) AS spread
	  FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path = ANY (ARRAY['RR_TTPMS_P', 'RR_TTPMS_SN'])
	 GROUP BY topic, path ORDER BY max(value) - min(value), path$q$);
-- several files, by file (the file without blocks left out), and all of them
SELECT * FROM pg_temp.agree(format($q$
	SELECT file_id, count(*), sum(value), min(time), max(time)
	  FROM hdaq.sample
	 WHERE file_id IN (%s, %s) AND topic = 'VehicleData' AND path = 'current_rpms.FL'
	 GROUP BY file_id ORDER BY file_id$q$, :gen, :new_year));
SELECT * FROM pg_temp.agree(format($q$
	SELECT file_id, path, count(*), sum(value), avg(value)
	  FROM hdaq.sample
	 WHERE file_id IN (%s, %s) AND topic = 'VehicleData'
	   AND path IN ('current_rpms.FL', 'prev_MCU_recv_millis')
	 GROUP BY file_id, path ORDER BY file_id, path$q$, :gen, :new_year));
SELECT * FROM pg_temp.agree($q$
	SELECT count(*), sum(value) FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$q$);

-- time ranges: the whole first block and part of the second, parts of
-- both, inside the first, bounds in ns, one instant, and none
SELECT * FROM pg_temp.agree($q$
	SELECT path, count(*), sum(value), avg(value), min(value), max(value), min(time_ns), max(time_ns)
	  FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'RR_TTPMS_BAT_V', 'RR_TTPMS_SN')
	   AND time_ns BETWEEN 1709094215390728186 AND 1709094630000000000
	 GROUP BY path ORDER BY path$q$);
SELECT * FROM pg_temp.agree($q$
	SELECT path, count(*), sum(value), min(value), max(value), min(time), max(time)
	  FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'RR_TTPMS_BAT_V')
	   AND time >= to_timestamp(1709094600.25) AND time < to_timestamp(1709094630.5)
	 GROUP BY path ORDER BY path$q$);
SELECT * FROM pg_temp.agree($q$
	SELECT count(*), sum(value), avg(value), min(value), max(value)
	  FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'
	   AND time_ns > 1709094300000000000 AND time_ns <= 1709094400000000000$q$);
SELECT * FROM pg_temp.agree($q$
	SELECT count(*), sum(value), min(time_ns)
	  FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'
	   AND time_ns = 1709094627647190875$q$);
-- no row: without GROUP BY one row (count 0, the rest NULL), with it none
SELECT * FROM pg_temp.agree($q$
	SELECT count(*), count(value), sum(value), avg(value), min(value), max(time)
	  FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' AND time_ns < 1000$q$);
SELECT count(*), sum(value), max(time) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' AND time_ns < 1000;
SELECT * FROM pg_temp.agree($q$
	SELECT path, count(*) FROM hdaq.sample
	 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' AND time_ns < 1000
	 GROUP BY path$q$);

-- Files without blocks: planning that sees one selected plans no pushdown
SELECT pg_temp.pushed(format($q$
	SELECT count(*), sum(value) FROM hdaq.sample
	 WHERE file_id = %s AND topic = 'VehicleData' AND path = 'current_rpms.FL'$q$, :plain)) AS pushed_plain;
SELECT * FROM pg_temp.agree($q$
	SELECT file_id, count(*), sum(value) FROM hdaq.sample
	 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL'
	 GROUP BY file_id ORDER BY file_id$q$);
SELECT * FROM pg_temp.agree($q$
	SELECT path, count(*), sum(value), min(value), max(value) FROM hdaq.sample
	 WHERE topic = 'VehicleData' AND path IN ('current_rpms.FL', 'steering_angle_deg')
	 GROUP BY path ORDER BY path$q$);
-- a plan kept for any file (a parameter) decodes the file without blocks
PREPARE by_file(bigint) AS
	SELECT count(*), count(value) AS count_1, sum(value), min(value), max(value),
		   max(time) AS max_1
	  FROM hdaq.sample WHERE file_id = $1 AND topic = 'VehicleData' AND path = 'current_rpms.FL';
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_file(0);
CREATE TEMP TABLE kept AS EXECUTE by_file(:plain);
CREATE TEMP TABLE kept_gen AS EXECUTE by_file(:gen);
RESET plan_cache_mode;
SET hdaq.aggregate_pushdown = off;
SELECT k.count = r.count AS count, k.count_1 = r.count_1 AS count_value,
	   abs(k.sum - r.sum) <= 1e-12 * abs(r.sum) AS sum,
	   k.min = r.min AS min, k.max = r.max AS max, k.max_1 = r.max_1 AS max_time
  FROM kept k, (SELECT count(*), count(value) AS count_1, sum(value), min(value), max(value),
					   max(time) AS max_1
				  FROM hdaq.sample WHERE file_id = :plain AND topic = 'VehicleData'
				   AND path = 'current_rpms.FL') r;
SELECT k.count = r.count AS count, abs(k.sum - r.sum) <= 1e-12 * abs(r.sum) AS sum
  FROM kept_gen k, (SELECT count(*), sum(value) FROM hdaq.sample
					 WHERE file_id = :gen AND topic = 'VehicleData' AND path = 'current_rpms.FL') r;
RESET hdaq.aggregate_pushdown;
-- a scan per file (its file_id a parameter), rescanned for each: the file
-- without blocks decoded
SELECT * FROM pg_temp.agree($q$
	SELECT f.name, x.* FROM hdaq.file f,
		   LATERAL (SELECT count(*), sum(value), min(value), max(time) FROM hdaq.sample s
					 WHERE s.file_id = f.file_id AND s.topic = 'VehicleData'
					   AND s.path = 'current_rpms.FL') x
	 ORDER BY f.name$q$);
SELECT * FROM pg_temp.agree($q$
	SELECT f.name, (SELECT count(*) FROM hdaq.sample s
					 WHERE s.file_id = f.file_id AND s.topic = 'rr_ttpms_1_data'
					   AND s.path = 'RR_TTPMS_P') AS n
	  FROM hdaq.file f ORDER BY f.name$q$);
-- and with leaf blocks off, no pushdown at all
SET hdaq.leaf_blocks = off;
SELECT pg_temp.pushed($q$SELECT count(*) FROM hdaq.sample
	WHERE topic = 'VehicleData' AND path = 'current_rpms.FL'$q$) AS pushed_without_blocks;
RESET hdaq.leaf_blocks;

-- The plan: the aggregates and group key in the scan
EXPLAIN (VERBOSE, COSTS OFF)
SELECT path, count(*), sum(value) / count(*) AS mean
  FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'RR_TTPMS_SN')
   AND time_ns >= 1709094600000000000
 GROUP BY path ORDER BY path;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT path, count(*) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'RR_TTPMS_SN')
 GROUP BY path;
-- hdaq.aggregate_pushdown off: the plan aggregates the rows
SET hdaq.aggregate_pushdown = off;
EXPLAIN (COSTS OFF)
SELECT count(*), sum(value) FROM hdaq.sample
 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL';
RESET hdaq.aggregate_pushdown;

-- What is not pushed: each of these plans aggregates the rows (the first,
-- pushed, for comparison)
SELECT q, pg_temp.pushed(q) AS pushed
  FROM (VALUES
	($$SELECT count(*), sum(value) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$$),
	($$SELECT count(DISTINCT value) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$$),
	($$SELECT sum(value) FILTER (WHERE value > 0) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$$),
	($$SELECT string_agg(value::text, ',' ORDER BY time) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$$),
	($$SELECT sum(value * 2) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$$),
	($$SELECT count(*) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' AND value > 0$$),
	($$SELECT path, count(*) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' GROUP BY path HAVING count(*) > 1$$),
	($$SELECT date_trunc('second', time), count(*) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' GROUP BY 1$$),
	($$SELECT path, count(*) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' GROUP BY ROLLUP (path)$$),
	($$SELECT f.name, count(*) FROM hdaq.sample s JOIN hdaq.file f USING (file_id) WHERE s.topic = 'VehicleData' AND s.path = 'current_rpms.FL' GROUP BY f.name$$)
  ) AS t(q);

-- Names that do not exist are errors, pushed or not (a path that does not
-- exist has no blocks, but planning pushes when it selects no channel)
SELECT pg_temp.pushed($$SELECT count(*) FROM hdaq.sample WHERE topic = 'NoSuchTopic' AND path = 'x'$$);
SELECT count(*) FROM hdaq.sample WHERE topic = 'NoSuchTopic' AND path = 'x';
SELECT count(*), sum(value) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'no_such.field';
SELECT path, count(*) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'no_such.field') GROUP BY path;
SELECT pg_temp.pushed($$SELECT count(*) FROM hdaq.sample WHERE file_id = 12345 AND topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'$$);
SELECT count(*) FROM hdaq.sample WHERE file_id = 12345 AND topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P';
-- (a range with no message of the topic still checks the path)
SELECT pg_temp.pushed($$SELECT count(*) FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'no_such.field' AND time_ns < 1000$$);
SELECT count(*) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path = 'no_such.field' AND time_ns < 1000;
SET hdaq.aggregate_pushdown = off;
SELECT count(*) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path = 'no_such.field' AND time_ns < 1000;
RESET hdaq.aggregate_pushdown;
-- the sample relation still needs its topic and path
SELECT count(*) FROM hdaq.sample WHERE topic = 'VehicleData';

-- The rows of the scan, read from blocks, against decoding: the same rows,
-- values to the bit, in the same order (several files merged by time;
-- several paths; a range that cuts the blocks)
CREATE FUNCTION pg_temp.stream(q text, blocks boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	PERFORM set_config('hdaq.leaf_blocks', blocks::text, true);
	EXECUTE 'SELECT count(*) || '' rows '' || md5(string_agg(concat_ws('' '', file_id, topic, path, time_ns, time,'
			' float8send(value)), '','')) FROM (' || q || ') t' INTO r;
	PERFORM set_config('hdaq.leaf_blocks', 'on', true);
	RETURN r;
END $$;
SELECT what, pg_temp.stream(q, true) = pg_temp.stream(q, false) AS same_rows,
	   split_part(pg_temp.stream(q, true), ' ', 1)::int > 0 AS some_rows
  FROM (VALUES
	('two files, two paths', format($$SELECT * FROM hdaq.sample WHERE file_id IN (%s, %s) AND topic = 'VehicleData' AND path IN ('current_rpms.FL', 'steering_angle_deg')$$, :gen, :new_year)),
	('two blocks, two paths', $$SELECT * FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'RR_TTPMS_SN')$$),
	('a range that cuts both blocks', $$SELECT * FROM hdaq.sample WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' AND time_ns BETWEEN 1709094600000000000 AND 1709094630000000000$$),
	('three files, one without blocks', $$SELECT * FROM hdaq.sample WHERE topic = 'VehicleData' AND path = 'current_rpms.RR'$$)
  ) AS t(what, q);
-- EXPLAIN ANALYZE counts the block sets read (a range across the two
-- blocks: both; inside the first: one), no segment read
SET hdaq.aggregate_pushdown = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path IN ('RR_TTPMS_P', 'RR_TTPMS_SN')
   AND time_ns BETWEEN 1709094600000000000 AND 1709094630000000000;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P'
   AND time_ns BETWEEN 1709094300000000000 AND 1709094400000000000;
RESET hdaq.aggregate_pushdown;
-- a LIMIT stops the reading; rows from blocks come in time order
SELECT count(*) FROM (SELECT * FROM hdaq.sample
 WHERE topic = 'rr_ttpms_1_data' AND path = 'RR_TTPMS_P' LIMIT 10) s;
SELECT bool_and(ordered) AS time_order FROM (
	SELECT time_ns >= lag(time_ns, 1, time_ns) OVER () AS ordered FROM hdaq.sample
	 WHERE topic = 'VehicleData' AND path = 'current_rpms.FL') s;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
