-- hdaq.fields: the leaves of a topic's schema, each usable by hdaq.signal as written.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap'), 'cdr') AS cdr \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/drivebrain_software_2026/test1_505139.mcap'), 'test1') AS test1 \gset

-- the 89 leaves of VehicleData in the generated session
SELECT count(*) AS leaves, count(*) FILTER (WHERE numeric) AS numeric,
	   count(DISTINCT path) AS distinct_paths
  FROM hdaq.fields('VehicleData', :gen);
SELECT * FROM hdaq.fields('VehicleData') LIMIT 8;
-- arrays as [0] with the most elements any message has, enums with their names
SELECT * FROM hdaq.fields('ACUAllData', :gen) WHERE repeated OR enum_names IS NOT NULL;
SELECT f.max_length = (SELECT max(jsonb_array_length(message->'cell_voltages'))
						 FROM hdaq.messages_json(ARRAY['ACUAllData'], file_id => :gen)) AS max_length_matches
  FROM hdaq.fields('ACUAllData', :gen) f WHERE f.path = 'cell_voltages[0]';
-- max_length reads the messages, so only for one file: NULL without file_id
SELECT path, max_length FROM hdaq.fields('ACUAllData') WHERE repeated LIMIT 1;

-- every numeric path reads as written: one row per message
SELECT f.path, count(s.*) = (SELECT message_count FROM hdaq.channel WHERE file_id = :gen AND topic = 'VehicleData') AS one_per_message
  FROM hdaq.fields('VehicleData', :gen) f
  LEFT JOIN LATERAL hdaq.signal('VehicleData', f.path, file_id => :gen) s ON true
 WHERE f.numeric
 GROUP BY f.path
HAVING count(s.*) <> (SELECT message_count FROM hdaq.channel WHERE file_id = :gen AND topic = 'VehicleData');
SELECT count(*) AS unreadable
  FROM (SELECT DISTINCT topic FROM hdaq.topics WHERE file_id = :gen) t,
	   hdaq.fields(t.topic, :gen) f,
	   LATERAL (SELECT count(*) AS n FROM hdaq.signal(t.topic, f.path, file_id => :gen)) s
 WHERE f.numeric AND s.n = 0;

-- ROS 2 CDR: types named by kind
SELECT * FROM hdaq.fields('/array_topic', :cdr) LIMIT 5;
-- JSON with a jsonschema: its properties
SELECT * FROM hdaq.fields('drivebrain_configuration', :test1) LIMIT 3;

-- what does not exist is an error, as for every selecting function
SELECT * FROM hdaq.fields('VehicleDatx');
SELECT * FROM hdaq.fields('VehicleData', 999);
SELECT * FROM hdaq.fields('VehicleData', :cdr);
SELECT * FROM hdaq.fields(NULL);

SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
