-- A read across files in a time range finds its channels through the time
-- index (channel_time_idx, a channel's [start_ns, end_ns] as an int8range):
-- every channel a window touches is found, at the window's exact edges too,
-- single-message channels included, whichever plan the lookup takes.
CREATE EXTENSION hdaq;
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT count(hdaq.ingest(pg_read_binary_file(:'data' || f), f)) AS files
  FROM (VALUES ('generated/session_15s.mcap'),
			   ('generated/session_15s_lz4_shuffled.mcap'),
			   ('keelson/keelson_test.mcap'),
			   ('hytech/data_acq_cloud/cloud_webserver_mcap_files_demo_2024-02-28_10-27-41.mcap'),
			   ('rosbag2/rosbag2_py_test_resources_mcap_talker_talker.mcap')) v(f);
ANALYZE hdaq.channel;

-- what the windows below cover: channels of one message (a range [t, t]),
-- channels ending on a whole microsecond (a window's first nanosecond),
-- and the two generated sessions, recorded over the same 15 s
SELECT count(*) FILTER (WHERE start_ns = end_ns) AS one_message,
	   count(*) FILTER (WHERE end_ns % 1000 = 0) AS ending_on_a_microsecond,
	   count(*) AS channels
  FROM hdaq.channel WHERE message_count > 0;

-- every stored message, the reference the windows are checked against
CREATE TEMP TABLE stored AS
SELECT topic, log_time_ns FROM hdaq.messages();

-- per channel: the microseconds holding its first and last messages, and
-- the microseconds just before and just after it
CREATE TEMP TABLE window_ AS
SELECT c.topic, w.a_us, w.b_us
  FROM hdaq.channel c,
	   LATERAL (VALUES (c.start_ns / 1000, c.start_ns / 1000),
					   (c.end_ns / 1000, c.end_ns / 1000),
					   (c.start_ns / 1000 - 1, c.start_ns / 1000 - 1),
					   (c.end_ns / 1000 + 1, c.end_ns / 1000 + 1),
					   (c.start_ns / 1000 - 1, c.end_ns / 1000 + 1)) w(a_us, b_us)
 WHERE c.message_count > 0;

-- a window of whole microseconds [a, b] holds log times a*1000 to b*1000 + 999
CREATE FUNCTION pg_temp.mismatches(OUT windows bigint, OUT found bigint, OUT wrong bigint)
LANGUAGE sql AS $$
	SELECT count(*), sum(got), count(*) FILTER (WHERE got <> expected)
	  FROM (SELECT (SELECT count(*) FROM hdaq.messages(ARRAY[w.topic],
						hdaq.ns_to_timestamptz(w.a_us * 1000),
						hdaq.ns_to_timestamptz(w.b_us * 1000))) AS got,
				   (SELECT count(*) FROM stored s WHERE s.topic = w.topic
					   AND s.log_time_ns BETWEEN w.a_us * 1000 AND w.b_us * 1000 + 999) AS expected
			  FROM window_ w) x
$$;

-- the same, every topic at once, and with one bound open, for each file's
-- first and last microsecond
CREATE FUNCTION pg_temp.mismatches_open(OUT windows bigint, OUT wrong bigint)
LANGUAGE sql AS $$
	SELECT count(*), count(*) FILTER (WHERE got <> expected)
	  FROM (SELECT (SELECT count(*) FROM hdaq.messages(NULL::text[], w.a, w.b)) AS got,
				   (SELECT count(*) FROM stored s
					 WHERE (w.a IS NULL OR s.log_time_ns >= hdaq.timestamptz_to_ns(w.a))
					   AND (w.b IS NULL OR s.log_time_ns <= hdaq.timestamptz_to_ns(w.b) + 999)) AS expected
			  FROM hdaq.file f,
				   LATERAL (VALUES (f.start_time, f.start_time), (f.end_time, f.end_time),
								   (f.end_time, NULL), (NULL, f.start_time),
								   (f.end_time + interval '1 us', NULL),
								   (NULL, f.start_time - interval '1 us')) w(a, b)) x
$$;

SELECT * FROM pg_temp.mismatches();
SELECT * FROM pg_temp.mismatches_open();

-- the same through the time index alone (no sequential scan to fall back on)
SET enable_seqscan = off;
SELECT * FROM pg_temp.mismatches();
SELECT * FROM pg_temp.mismatches_open();
RESET enable_seqscan;

-- a channel ending at the largest time a bigint holds: its range has no
-- upper bound (end_ns + 1 would overflow), and windows still find it
BEGIN;
UPDATE hdaq.channel SET end_ns = 9223372036854775807
 WHERE channel_key = (SELECT min(channel_key) FROM hdaq.channel WHERE topic = 'VehicleData');
SELECT count(*) AS from_2262 FROM hdaq.messages(ARRAY['VehicleData'], '2262-01-01', NULL);
SELECT count(*) = (SELECT count(*) FROM stored WHERE topic = 'VehicleData') AS every_message
  FROM hdaq.messages(ARRAY['VehicleData'], '2000-01-01', NULL);
ROLLBACK;

SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
