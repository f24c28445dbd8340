-- hdaq.message: every stored message as a relation.  The same rows as
-- hdaq.messages() for each selection, in the same order; what its scan
-- takes from WHERE (EXPLAIN); ORDER BY log_time without a sort; a join
-- with hdaq.file probing per file; a Grafana panel's query; LIMIT.
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
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_new_year.mcap'), 'new_year') AS new_year \gset
SELECT hdaq.tag(:gen, '{"driver": "A"}'), hdaq.tag(:gen2, '{"driver": "B"}'),
	   hdaq.tag(:aero, '{"driver": "A"}'), hdaq.tag(:new_year, '{"driver": "C"}');
ANALYZE hdaq.file;

-- The relation's rows against the function's: how many, those only one
-- side has (EXCEPT ALL both ways, every column), and the positions where
-- the two orders differ.
CREATE FUNCTION pg_temp.compare(relation_sql text, function_sql text,
								OUT rows bigint, OUT only_relation bigint,
								OUT only_function bigint, OUT order_differs bigint)
LANGUAGE plpgsql AS $$
DECLARE
	cols text := 'file_id, topic, log_time, log_time_ns, publish_time_ns, sequence, data';
BEGIN
	EXECUTE format('SELECT count(*) FROM (%s) r', relation_sql) INTO rows;
	EXECUTE format('SELECT count(*) FROM (SELECT %s FROM (%s) r EXCEPT ALL SELECT %s FROM (%s) f) x',
				   cols, relation_sql, cols, function_sql) INTO only_relation;
	EXECUTE format('SELECT count(*) FROM (SELECT %s FROM (%s) f EXCEPT ALL SELECT %s FROM (%s) r) x',
				   cols, function_sql, cols, relation_sql) INTO only_function;
	EXECUTE format('SELECT count(*) FROM (SELECT row_number() OVER () AS n, file_id, topic, log_time_ns FROM (%s) r) a'
				   ' FULL JOIN (SELECT row_number() OVER () AS n, file_id, topic, log_time_ns FROM (%s) f) b USING (n)'
				   ' WHERE (a.file_id, a.topic, a.log_time_ns) IS DISTINCT FROM (b.file_id, b.topic, b.log_time_ns)',
				   relation_sql, function_sql) INTO order_differs;
END
$$;

-- every message
SELECT * FROM pg_temp.compare('SELECT * FROM hdaq.message', 'SELECT * FROM hdaq.messages()');
SELECT count(*) = (SELECT sum(message_count) FROM hdaq.file) AS every_message FROM hdaq.message;
-- one file
SELECT * FROM pg_temp.compare(format('SELECT * FROM hdaq.message WHERE file_id = %s', :gen),
							  format('SELECT * FROM hdaq.messages(file_id => %s)', :gen));
-- a file and a topic
SELECT * FROM pg_temp.compare(format('SELECT * FROM hdaq.message WHERE file_id = %s AND topic = ''VehicleData''', :gen2),
							  format('SELECT * FROM hdaq.messages(ARRAY[''VehicleData''], file_id => %s)', :gen2));
-- topics, every file (two files over the same 15 s: merged in log-time order)
SELECT * FROM pg_temp.compare('SELECT * FROM hdaq.message WHERE topic IN (''VnImuData'', ''MCUOutputData'')',
							  'SELECT * FROM hdaq.messages(ARRAY[''VnImuData'', ''MCUOutputData''])');
-- a time range, inclusive, as BETWEEN and as start_time/end_time
SELECT * FROM pg_temp.compare('SELECT * FROM hdaq.message WHERE log_time BETWEEN ''2026-03-17T14:00:05Z'' AND ''2026-03-17T14:00:08Z''',
							  'SELECT * FROM hdaq.messages(start_time => ''2026-03-17T14:00:05Z'', end_time => ''2026-03-17T14:00:08Z'')');
-- strict bounds, on log_time and on log_time_ns, across New Year
SELECT * FROM pg_temp.compare('SELECT * FROM hdaq.message WHERE log_time > ''2025-12-31 23:59:59.9+00'' AND log_time < ''2026-01-01 00:00:00.1+00''',
							  'SELECT * FROM hdaq.messages() WHERE log_time > ''2025-12-31 23:59:59.9+00'' AND log_time < ''2026-01-01 00:00:00.1+00''');
SELECT hdaq.timestamptz_to_ns('2026-03-17T14:00:02Z') AS ns2, hdaq.timestamptz_to_ns('2026-03-17T14:00:03Z') AS ns3 \gset
SELECT * FROM pg_temp.compare(format('SELECT * FROM hdaq.message WHERE log_time_ns > %s AND log_time_ns <= %s', :ns2, :ns3),
							  format('SELECT * FROM hdaq.messages() WHERE log_time_ns > %s AND log_time_ns <= %s', :ns2, :ns3));
-- a list of files, topics as an array, a window
SELECT * FROM pg_temp.compare(format('SELECT * FROM hdaq.message WHERE file_id IN (%s, %s) AND topic = ANY (''{VehicleData,EkfState}'') AND log_time >= ''2026-03-17T14:00:10Z''', :gen, :gen2),
							  format('SELECT * FROM hdaq.messages(ARRAY[''VehicleData'', ''EkfState''], start_time => ''2026-03-17T14:00:10Z'') WHERE file_id IN (%s, %s)', :gen, :gen2));
-- a log_time equal to a message's: its whole microsecond
SELECT log_time AS some_time FROM hdaq.message WHERE file_id = :gen AND topic = 'VehicleData' ORDER BY log_time OFFSET 100 LIMIT 1 \gset
SELECT * FROM pg_temp.compare(format('SELECT * FROM hdaq.message WHERE log_time = %L', :'some_time'),
							  format('SELECT * FROM hdaq.messages(start_time => %L, end_time => %L)', :'some_time', :'some_time'));

-- A WHERE that matches nothing gives no rows (the functions raise errors)
SELECT count(*) FROM hdaq.message WHERE file_id = 123456789;
SELECT count(*) FROM hdaq.message WHERE topic = '/not_a_topic';
SELECT count(*) FROM hdaq.message WHERE file_id = :aero AND topic = 'VehicleData';
SELECT count(*) FROM hdaq.message WHERE log_time > '2026-03-17T14:00:08Z' AND log_time < '2026-03-17T14:00:05Z';
SELECT count(*) FROM hdaq.message WHERE file_id = NULL OR topic = ANY (NULL);
SELECT count(*) FROM hdaq.message WHERE file_id = ANY ('{}') ;
SELECT count(*) FROM hdaq.message WHERE log_time > 'infinity' OR log_time < '-infinity';
SELECT count(*) = (SELECT sum(message_count) FROM hdaq.file) AS unbounded
  FROM hdaq.message WHERE log_time > '-infinity' AND log_time <= 'infinity' AND log_time_ns > -1;

-- What the scan takes: Files, Topics, Time Range; the Filter checks every
-- clause again on the rows.
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE file_id = 1;
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE 1 = file_id;
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE file_id IN (1, 2);
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE file_id = ANY (ARRAY[1, 2, 3]);
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE topic = 'VehicleData';
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE topic IN ('VehicleData', 'EkfState');
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE topic = ANY ('{VehicleData,EkfState}'::text[]);
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message
 WHERE log_time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z';
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message
 WHERE log_time > '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z' > log_time;
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE log_time = '2026-03-17T14:00:05Z';
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message
 WHERE log_time_ns >= 1773756005000000000 AND log_time_ns < 1773756008000000000;
-- a stable expression and a parameter are computed when the scan starts
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE log_time > now() - interval '1 hour';
PREPARE by_file_topic(bigint, text) AS
	SELECT count(*) FROM hdaq.message WHERE file_id = $1 AND topic = $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_file_topic(1, 'VehicleData');
EXECUTE by_file_topic(:gen, 'VehicleData');
RESET plan_cache_mode;
-- what the scan cannot take stays in the Filter only
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message
 WHERE topic LIKE 'Vehicle%' AND log_time_ns + 0 > 5 AND (file_id = 1 OR topic = 'x')
   AND publish_time_ns > 0 AND log_time > '2026-03-17'::date;

-- Rows come in log-time order: ORDER BY log_time (or log_time_ns) needs no sort
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message WHERE topic = 'VehicleData' ORDER BY log_time;
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message ORDER BY log_time_ns LIMIT 10;
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message ORDER BY log_time, log_time_ns;
-- (descending needs one)
EXPLAIN (COSTS OFF) SELECT * FROM hdaq.message ORDER BY log_time DESC LIMIT 1;
SELECT count(*) AS out_of_order
  FROM (SELECT log_time_ns < lag(log_time_ns) OVER () AS back FROM hdaq.message) t
 WHERE back;

-- A join with hdaq.file by tag: one scan per file the tag selects, its
-- file_id a parameter of the scan
EXPLAIN (COSTS OFF)
SELECT f.name, m.topic, count(*)
  FROM hdaq.file f JOIN hdaq.message m USING (file_id)
 WHERE f.tags->>'driver' = 'A'
 GROUP BY 1, 2;
SELECT f.name, count(*) AS messages, count(DISTINCT m.topic) AS topics,
	   count(*) = f.message_count AS all_of_file
  FROM hdaq.file f JOIN hdaq.message m USING (file_id)
 WHERE f.tags->>'driver' = 'A'
 GROUP BY f.name, f.message_count ORDER BY 1;
-- a join on the time: each outer row's file and time taken by the scan
EXPLAIN (COSTS OFF)
SELECT count(*) FROM hdaq.file f
  JOIN hdaq.message m ON m.file_id = f.file_id AND m.log_time <= f.start_time + interval '1 s'
 WHERE f.name = 'gen';
SELECT count(*) = (SELECT count(*) FROM hdaq.messages(file_id => :gen, end_time => (SELECT start_time + interval '1 s' FROM hdaq.file WHERE file_id = :gen)))
	   AS first_second
  FROM hdaq.file f
  JOIN hdaq.message m ON m.file_id = f.file_id AND m.log_time <= f.start_time + interval '1 s'
 WHERE f.name = 'gen';
-- two scans, segments read per file
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*)
  FROM hdaq.file f JOIN hdaq.message m USING (file_id)
 WHERE f.tags->>'driver' = 'A' AND m.topic = 'VehicleData';

-- A Grafana panel: messages per second of a topic over the dashboard's
-- range, as Grafana sends it once its macros are expanded:
--   SELECT $__timeGroupAlias(log_time, '1s'), count(*) AS messages, ...
--     FROM hdaq.message WHERE topic = 'VehicleData' AND $__timeFilter(log_time)
--    GROUP BY 1 ORDER BY 1
EXPLAIN (COSTS OFF)
SELECT floor(extract(epoch from log_time)/1)*1 AS "time", count(*) AS messages,
	   sum(length(data)) AS bytes
  FROM hdaq.message
 WHERE topic = 'VehicleData' AND log_time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z'
 GROUP BY 1 ORDER BY 1;
SELECT floor(extract(epoch from log_time)/1)*1 AS "time", count(*) AS messages,
	   sum(length(data)) AS bytes
  FROM hdaq.message
 WHERE topic = 'VehicleData' AND log_time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:08Z'
 GROUP BY 1 ORDER BY 1;
-- the same buckets from the function
SELECT floor(extract(epoch from log_time)/1)*1 AS "time", count(*) AS messages,
	   sum(length(data)) AS bytes
  FROM hdaq.messages(ARRAY['VehicleData'], '2026-03-17T14:00:05Z', '2026-03-17T14:00:08Z')
 GROUP BY 1 ORDER BY 1;
-- and Grafana's nanosecond filter, $__unixEpochNanoFilter(log_time_ns)
EXPLAIN (COSTS OFF)
SELECT count(*) FROM hdaq.message
 WHERE topic = 'VehicleData' AND log_time_ns >= 1773756005000000000 AND log_time_ns <= 1773756008000000000;

-- LIMIT stops the scan: few segments read, the rest skipped; a time range
-- reads only the segments that overlap it
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM hdaq.message WHERE file_id = :gen LIMIT 5;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM hdaq.message WHERE file_id = :gen;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM hdaq.message
 WHERE file_id = :gen AND log_time BETWEEN '2026-03-17T14:00:05Z' AND '2026-03-17T14:00:06Z';
SELECT count(*) AS rows, min(log_time) = f.start_time AS from_the_start
  FROM (SELECT * FROM hdaq.message WHERE file_id = :gen LIMIT 3) m
  JOIN hdaq.file f USING (file_id) GROUP BY f.start_time;

-- Only the columns read are formed; a whole row has them all
SELECT m IS NOT NULL AS complete FROM hdaq.message m WHERE file_id = :gen LIMIT 1;
SELECT count(*) AS rows, count(data) AS with_data FROM hdaq.message WHERE file_id = :new_year;

-- data_json: the message decoded, what hdaq.messages_json gives, in the
-- same bytes (jsonb's text shows every numeric's scale and every key)
SELECT count(*) AS rows,
	   (SELECT count(*) FROM (SELECT topic, log_time_ns, data_json::text FROM hdaq.message WHERE file_id IN (:gen, :aero)
							  EXCEPT ALL
							  SELECT topic, log_time_ns, message::text FROM hdaq.messages_json(file_id => :gen)
							  EXCEPT ALL
							  SELECT topic, log_time_ns, message::text FROM hdaq.messages_json(file_id => :aero)) x) AS only_relation,
	   (SELECT count(*) FROM (SELECT topic, log_time_ns, message::text FROM hdaq.messages_json(file_id => :gen)
							  UNION ALL
							  SELECT topic, log_time_ns, message::text FROM hdaq.messages_json(file_id => :aero)
							  EXCEPT ALL
							  SELECT topic, log_time_ns, data_json::text FROM hdaq.message WHERE file_id IN (:gen, :aero)) x) AS only_function
  FROM hdaq.message WHERE file_id IN (:gen, :aero) AND data_json IS NOT NULL;
-- a leaf, through the topic and file the scan takes, against hdaq.signal
-- (float32 values: the shortest text read as a double is within 1e-7)
EXPLAIN (COSTS OFF)
SELECT data_json->'current_rpms'->>'FL' FROM hdaq.message WHERE topic = 'VehicleData' AND file_id = 1;
SELECT count(*) AS samples,
	   count(*) FILTER (WHERE abs((m.data_json->'current_rpms'->>'FL')::float8 - s.value) > 1e-7 * abs(s.value)) AS differ
  FROM (SELECT row_number() OVER () AS n, data_json FROM hdaq.message WHERE topic = 'VehicleData' AND file_id = :gen) m
  JOIN (SELECT row_number() OVER () AS n, value FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen)) s USING (n);
-- a condition on data_json is the Filter's; the scan still takes the others
EXPLAIN (COSTS OFF)
SELECT log_time FROM hdaq.message
 WHERE topic = 'VehicleData' AND (data_json->'current_rpms'->>'FL')::float8 > 10000;
SELECT count(*) = (SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen) WHERE value > 10000)
	   AS same_count
  FROM hdaq.message
 WHERE file_id = :gen AND topic = 'VehicleData' AND (data_json->'current_rpms'->>'FL')::float8 > 10000;
-- a topic that cannot be decoded: an error naming the message, only when
-- data_json is read (data and the other columns read as before)
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_wrong_rmw_test_wrong_rmw_test_0.mcap'), 'wrong_rmw') AS wrong \gset
SELECT count(*) AS rows, sum(length(data)) > 0 AS with_data FROM hdaq.message WHERE file_id = :wrong;
SELECT count(data_json) FROM hdaq.message WHERE file_id = :wrong;
SELECT data_json FROM hdaq.message WHERE file_id = :wrong AND topic = '/test_topic' LIMIT 1;
-- a relation of one's own with data_json alone, and one where it has another type
CREATE FOREIGN TABLE pg_temp.decoded (topic text, data_json jsonb) SERVER hdaq_store;
SELECT topic, data_json->'current_rpms' AS rpms FROM pg_temp.decoded WHERE topic = 'VehicleData' LIMIT 1;
CREATE FOREIGN TABLE pg_temp.decoded_text (data_json text) SERVER hdaq_store;
SELECT * FROM pg_temp.decoded_text LIMIT 1;
DROP FOREIGN TABLE pg_temp.decoded, pg_temp.decoded_text;

-- A long scan stops when the statement is cancelled (here by its timeout):
-- for each message, a scan of the rest of its file
-- (terse: the error's context is wherever the cancel found the scan)
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT sum(x.n) FROM hdaq.message m1,
	   LATERAL (SELECT count(*) AS n FROM hdaq.message m2
				 WHERE m2.file_id = m1.file_id AND m2.log_time_ns >= m1.log_time_ns) x;
RESET statement_timeout;
\set VERBOSITY default

-- Read only, no options
INSERT INTO hdaq.message (file_id) VALUES (1);
DELETE FROM hdaq.message;
ALTER FOREIGN TABLE hdaq.message OPTIONS (add size '1');

-- leave nothing behind: the next test starts from a fresh extension (the
-- wrapper, its server and the table go with it)
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
SELECT count(*) AS left_behind FROM pg_foreign_data_wrapper WHERE fdwname = 'hdaq_fdw';
