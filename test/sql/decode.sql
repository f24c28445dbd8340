-- Decoding in SQL: messages_json, signal, signals; errors and skip_errors.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s_lz4_shuffled.mcap'), 'gen_shuffled') AS gen2 \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_wrong_rmw_test_wrong_rmw_test_0.mcap'), 'wrong_rmw') AS wrong \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap'), 'cdr') AS cdr \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/drivebrain_software_2026/test1_505139.mcap'), 'test1') AS test1 \gset

-- protobuf: every field present, names as in the .proto, enums by name
SELECT array(SELECT jsonb_object_keys(message) ORDER BY 1) AS fields
  FROM hdaq.messages_json(ARRAY['LapTime'], file_id => :gen);
SELECT message->'core_data'->>'acu_state' AS acu_state, jsonb_typeof(message->'cell_voltages') AS cell_voltages
  FROM hdaq.messages_json(ARRAY['ACUAllData'], file_id => :gen) LIMIT 1;
-- every message of every topic decodes
SELECT topic, count(*) FROM hdaq.messages_json(file_id => :gen) GROUP BY topic ORDER BY topic;

-- json messages are the document as it is
SELECT message->'StateEstimator' ? 'fl_sus_pot_max' AS has_member
  FROM hdaq.messages_json(ARRAY['drivebrain_configuration'], file_id => :test1) LIMIT 1;

-- ROS 2 CDR: arrays, strings, 64-bit integers
SELECT topic, message FROM hdaq.messages_json(file_id => :cdr) ORDER BY log_time_ns, topic LIMIT 2;

-- signal: one leaf, value for value what messages_json holds
SELECT count(*) AS n,
	   count(*) FILTER (WHERE s.value::real IS DISTINCT FROM (j.message->'current_rpms'->>'FL')::real) AS mismatches
  FROM (SELECT row_number() OVER () AS i, * FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen)) s
  JOIN (SELECT row_number() OVER () AS i, * FROM hdaq.messages_json(ARRAY['VehicleData'], file_id => :gen)) j USING (i)
 WHERE s.time = j.log_time;
SELECT (SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen))
	 = (SELECT message_count FROM hdaq.channel WHERE file_id = :gen AND topic = 'VehicleData') AS one_per_message;

-- array elements, enums as numbers, bools as 0/1
SELECT count(*) FILTER (WHERE s.value::real IS DISTINCT FROM (j.message->'cell_voltages'->>3)::real) AS mismatches
  FROM (SELECT row_number() OVER () AS i, * FROM hdaq.signal('ACUAllData', 'cell_voltages[3]', file_id => :gen)) s
  JOIN (SELECT row_number() OVER () AS i, * FROM hdaq.messages_json(ARRAY['ACUAllData'], file_id => :gen)) j USING (i);
SELECT DISTINCT value FROM hdaq.signal('ACUAllData', 'core_data.acu_state', file_id => :gen) ORDER BY 1 LIMIT 3;
SELECT DISTINCT value FROM hdaq.signal('/array_topic', 'bool_values[0]', file_id => :cdr);

-- a time window, and out-of-order files come back in time order
SELECT count(*) AS out_of_order FROM (
	SELECT time < lag(time) OVER (ORDER BY ordinality) AS back
	  FROM hdaq.signal('VnImuData', 'uncomp_accel_sensor_frd_m_ss.x', file_id => :gen2) WITH ORDINALITY) t WHERE back;
SELECT count(*) = (SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen)
					WHERE time BETWEEN '2026-03-17 14:00:05+00' AND '2026-03-17 14:00:06+00') AS window_matches
  FROM hdaq.signal('VehicleData', 'current_rpms.FL', '2026-03-17 14:00:05+00', '2026-03-17 14:00:06+00', :gen);

-- signals: long format, metric as given, ROS topics with slashes
SELECT metric, count(*) FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL', 'VehicleData/current_rpms.RR',
												'ACUAllData/cell_voltages[0]', '/test_topic/int32_value'])
 GROUP BY metric ORDER BY metric;
SELECT metric, count(*) FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL', '/test_topic/int32_value'], skip_errors => true)
 GROUP BY metric ORDER BY metric;
SELECT count(*) AS out_of_order FROM (
	SELECT time < lag(time) OVER (ORDER BY ordinality) AS back
	  FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL', 'VnImuData/uncomp_accel_sensor_frd_m_ss.y'], file_id => :gen) WITH ORDINALITY) t
 WHERE back;

-- paths and topics are checked before any data is read
SELECT * FROM hdaq.signal('VehicleData', 'current_rpms.FX');
SELECT * FROM hdaq.signal('VehicleDat', 'current_rpms.FL');
SELECT * FROM hdaq.signal('VehicleData', 'current_rpms');
SELECT * FROM hdaq.signals(ARRAY['no slash here']);
SELECT * FROM hdaq.signal(NULL, 'x');

-- a channel whose messages cannot be decoded: an error naming it, or skipped on request
SELECT topic, message_encoding FROM hdaq.channel WHERE file_id = :wrong ORDER BY topic;
SELECT count(*) FROM hdaq.messages_json(file_id => :wrong);
SELECT count(*) FROM hdaq.messages_json(file_id => :wrong, skip_errors => true);
SELECT count(*) AS raw_bytes_still_there FROM hdaq.messages(file_id => :wrong);

-- downsample: per bucket the first, min, max and last samples, as an M4
-- query over every sample computes them
CREATE TEMP TABLE sig AS
SELECT row_number() OVER () AS n, time, value
  FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :gen);
-- every bucket's extremes and ends are there, each sample once, in time order
WITH d AS (SELECT row_number() OVER () AS i, * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '100 ms', :gen)),
	 b AS (SELECT date_bin('100 ms', time, 'epoch') AS b, min(value) AS lo, max(value) AS hi,
				  min(time) AS t0, max(time) AS t1, count(*) AS n FROM sig GROUP BY 1)
SELECT count(*) AS buckets,
	   count(*) FILTER (WHERE (SELECT min(value) FROM d WHERE date_bin('100 ms', d.time, 'epoch') = b.b) <> b.lo) AS wrong_min,
	   count(*) FILTER (WHERE (SELECT max(value) FROM d WHERE date_bin('100 ms', d.time, 'epoch') = b.b) <> b.hi) AS wrong_max,
	   count(*) FILTER (WHERE (SELECT min(time) FROM d WHERE date_bin('100 ms', d.time, 'epoch') = b.b) <> b.t0) AS wrong_first,
	   count(*) FILTER (WHERE (SELECT max(time) FROM d WHERE date_bin('100 ms', d.time, 'epoch') = b.b) <> b.t1) AS wrong_last,
	   count(*) FILTER (WHERE (SELECT count(*) FROM d WHERE date_bin('100 ms', d.time, 'epoch') = b.b) > least(4, b.n)) AS too_many,
	   (SELECT count(*) FROM (SELECT time < lag(time) OVER (ORDER BY i) AS back FROM d) x WHERE back) AS out_of_order
  FROM b;
-- a time range and a bucket wider than the data
SELECT count(*) FROM hdaq.downsample('VehicleData', 'current_rpms.FL', '2026-03-17 14:00:05+00', '2026-03-17 14:00:06+00', '1 hour', :gen);
SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '1 month');
SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '0 s');

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
