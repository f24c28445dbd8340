-- What a selection names must exist; time bounds include what they say.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap'), 'cdr') AS cdr \gset

\i test/sql/include/error_parts.sql

-- a file that does not exist: every selecting function says so
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => 999)$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL'], file_id => 999)$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '1 s', 999)$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.messages(file_id => 999)$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.messages_json(file_id => 999)$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.export_mcap(999)$$);
SELECT * FROM pg_temp.err($$SELECT hdaq.export_mat(999)$$);

-- a topic that other files have, but not the chosen one
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => %s)$$, :cdr));
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL'], file_id => %s)$$, :cdr));
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '1 s', %s)$$, :cdr));
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.messages(ARRAY['VehicleData'], file_id => %s)$$, :cdr));
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.messages_json(ARRAY['VehicleData'], file_id => %s)$$, :cdr));
SELECT * FROM pg_temp.err(format($$SELECT hdaq.export_mcap(%s, ARRAY['VehicleData'])$$, :cdr));
SELECT * FROM pg_temp.err(format($$SELECT hdaq.export_mat(%s, ARRAY['VehicleData', 'VnImuData'])$$, :cdr));
-- a topic no file has
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.messages(ARRAY['VehicleDatx'])$$);
SELECT * FROM pg_temp.err(format($$SELECT hdaq.export_mat(%s, ARRAY['VehicleDatx'])$$, :gen));

-- an empty list selects nothing: an error, not an empty result
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.messages(ARRAY[]::text[])$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signals(ARRAY[]::text[])$$);

-- reversed time bounds
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signal('VehicleData', 'current_rpms.FL', '2024-01-02', '2024-01-01')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL'], '2024-01-02', '2024-01-01')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.downsample('VehicleData', 'current_rpms.FL', '2024-01-02', '2024-01-01', '1 s')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.messages(NULL::text[], '2024-01-02', '2024-01-01')$$);
SELECT * FROM pg_temp.err($$SELECT * FROM hdaq.messages_json(NULL, '2024-01-02', '2024-01-01')$$);
SELECT * FROM pg_temp.err(format($$SELECT hdaq.export_mcap(%s, NULL, '2024-01-02', '2024-01-01')$$, :gen));
SELECT * FROM pg_temp.err(format($$SELECT hdaq.export_mat(%s, NULL, '2024-01-02', '2024-01-01')$$, :gen));
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.messages(hdaq.export_mcap(%s, ARRAY['LapTime']), NULL, '2024-01-02', '2024-01-01')$$, :gen));
-- a valid range outside the file is an empty result, not an error
SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', '2000-01-01', '2000-01-02', file_id => :gen);

-- an index beyond what a message holds: NULL for that message (one row per message);
-- a path the schema rules out stays an error
SELECT count(*) AS messages, count(value) AS values
  FROM hdaq.signal('ACUAllData', 'cell_voltages[999]', file_id => :gen);
SELECT count(*) AS rows, count(value) AS values
  FROM hdaq.signals(ARRAY['ACUAllData/cell_voltages[999]', 'ACUAllData/cell_voltages[0]'], file_id => :gen);
SELECT count(*) AS samples
  FROM hdaq.downsample('ACUAllData', 'cell_voltages[999]', NULL, NULL, '1 s', :gen);
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.signal('ACUAllData', 'cell_voltage[0]', file_id => %s)$$, :gen));
-- the list of fields is not cut off
SELECT * FROM pg_temp.err(format($$SELECT * FROM hdaq.signal('VehicleData', 'zzzzzzzzzzzzzzzzzzzz', file_id => %s)$$, :gen));

-- an inclusive end_time covers its whole microsecond: [t, t] finds the
-- messages whose log_time is t, also those some hundred ns after t
SELECT log_time AS t, log_time_ns - hdaq.timestamptz_to_ns(log_time) AS ns_after_t
  FROM hdaq.messages(ARRAY['/array_topic'], file_id => :cdr)
 WHERE log_time_ns % 1000 <> 0
 ORDER BY log_time_ns LIMIT 1 \gset
SELECT :ns_after_t > 0 AS not_on_a_microsecond;
SELECT count(*) AS messages FROM hdaq.messages(ARRAY['/array_topic'], :'t', :'t', :cdr);
SELECT count(*) AS messages_json FROM hdaq.messages_json(ARRAY['/array_topic'], :'t', :'t', :cdr);
SELECT count(*) AS signal FROM hdaq.signal('/array_topic', 'bool_values[0]', :'t', :'t', :cdr);
SELECT count(*) AS signals FROM hdaq.signals(ARRAY['/array_topic/bool_values[0]'], :'t', :'t', :cdr);
SELECT count(*) AS downsample FROM hdaq.downsample('/array_topic', 'bool_values[0]', :'t', :'t', '1 ms', :cdr);
SELECT count(*) AS export_mcap
  FROM hdaq.messages(hdaq.export_mcap(:cdr, ARRAY['/array_topic'], :'t', :'t'));
SELECT count(*) AS over_a_value
  FROM hdaq.messages(hdaq.export_mcap(:cdr, ARRAY['/array_topic']), NULL, :'t', :'t');
-- export_mat: the topic is exported (a selection without messages has no variable for it)
SELECT position('array_topic' in encode(hdaq.export_mat(:cdr, ARRAY['/array_topic'], :'t', :'t', 'v5'), 'escape')) > 0 AS export_mat_has_topic;
-- and no further: an end_time one microsecond earlier does not reach t
SELECT count(*) AS before_t
  FROM hdaq.messages(ARRAY['/array_topic'], NULL, :'t'::timestamptz - interval '1 microsecond', :cdr)
 WHERE log_time >= :'t';

SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
