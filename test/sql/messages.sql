-- hdaq.messages: selection by topic, time and file; order; the views.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
\set conf :abs_srcdir '/conformance/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/drivebrain_software_2026/test1_505139.mcap'), 'test1') AS test1 \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'hytech/hytech-foxglove-extensions/10_up_CCW.mcap'), 'aero') AS aero \gset

-- rows come in log-time order within a file
SELECT count(*) AS out_of_order
  FROM (SELECT log_time_ns < lag(log_time_ns) OVER (ORDER BY ordinality) AS back
		  FROM hdaq.messages(file_id => :test1) WITH ORDINALITY) t
 WHERE back;

-- and across files
SELECT count(*) AS out_of_order
  FROM (SELECT log_time_ns < lag(log_time_ns) OVER (ORDER BY ordinality) AS back
		  FROM hdaq.messages() WITH ORDINALITY) t
 WHERE back;

-- every stored message, once
SELECT (SELECT count(*) FROM hdaq.messages()) = (SELECT sum(message_count) FROM hdaq.file) AS all_messages;

-- a time window returns exactly the messages inside it (bounds inclusive)
SELECT start_ns + (end_ns - start_ns) / 3 AS lo, start_ns + (end_ns - start_ns) / 2 AS hi
  FROM hdaq.file WHERE file_id = :test1 \gset
SELECT count(*) = (SELECT count(*) FROM hdaq.messages(file_id => :test1)
					WHERE log_time_ns BETWEEN hdaq.timestamptz_to_ns(hdaq.ns_to_timestamptz(:lo))
										  AND hdaq.timestamptz_to_ns(hdaq.ns_to_timestamptz(:hi)) + 999)
	   AS window_matches,
	   count(*) > 0 AS nonempty
  FROM hdaq.messages(start_time => hdaq.ns_to_timestamptz(:lo),
					 end_time => hdaq.ns_to_timestamptz(:hi) + interval '0.000001 s' - interval '0.000001 s',
					 file_id => :test1);

-- topics select channels; a topic no file has is an error
SELECT topic, count(*) FROM hdaq.messages(ARRAY['/a_topic_that_is_not_there'], file_id => :test1) GROUP BY 1;
SELECT count(DISTINCT topic) AS topics, count(*) = (SELECT sum(message_count) FROM hdaq.channel
													 WHERE file_id = :aero AND topic IN (SELECT topic FROM hdaq.channel WHERE file_id = :aero ORDER BY topic LIMIT 2)) AS counts_match
  FROM hdaq.messages((SELECT array_agg(topic) FROM (SELECT topic FROM hdaq.channel WHERE file_id = :aero ORDER BY topic LIMIT 2) t), file_id => :aero);

-- an empty or inverted range returns nothing
SELECT count(*) FROM hdaq.messages(start_time => '2100-01-01', file_id => :test1);
SELECT count(*) FROM hdaq.messages(start_time => '2024-01-02', end_time => '2024-01-01');

-- named arguments, as users write them
SELECT count(*) > 0 AS ok FROM hdaq.messages(file_id => :test1, topics => NULL);

-- the same over a value, without ingest
SELECT topic, log_time_ns, sequence, encode(data, 'hex') AS data
  FROM hdaq.messages(pg_read_binary_file(:'conf' || 'TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap')::hdaq.mcap);
-- an end_time covers its whole microsecond: [0, 0] holds the log times 0 to 999 ns
SELECT log_time_ns FROM hdaq.messages(pg_read_binary_file(:'conf' || 'TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap')::hdaq.mcap,
									  start_time => hdaq.ns_to_timestamptz(0), end_time => hdaq.ns_to_timestamptz(0));

-- the views
SELECT name, duration > interval '0' AS has_duration, cardinality(topics) > 0 AS has_topics, complete
  FROM hdaq.files WHERE file_id IN (:test1, :aero) ORDER BY name;
SELECT count(*) AS topics_with_rate FROM hdaq.topics WHERE file_id = :aero AND rate_hz > 0;
SELECT topic, schema_name, schema_encoding, message_encoding, round(rate_hz) AS hz
  FROM hdaq.topics WHERE file_id = :aero ORDER BY topic LIMIT 3;

-- times
SELECT hdaq.ns_to_timestamptz(1700000000123456789), hdaq.timestamptz_to_ns('2023-11-14 22:13:20.123456+00');
SELECT hdaq.ns_to_timestamptz(-1), hdaq.timestamptz_to_ns('infinity');

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
