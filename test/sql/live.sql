-- Live sessions: a file stored piece by piece while it is written.  Every
-- complete record is visible once its append commits; offsets make appends
-- idempotent; the footer completes the file as a whole-file ingest would;
-- a file that stops short is kept as cut short; bad input is refused.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'

CREATE TEMP TABLE src AS
SELECT pg_read_binary_file(:'data' || 'generated/session_15s_lz4_shuffled.mcap') AS b;

-- Append a file in pieces of the given size; each append repeated once.
CREATE FUNCTION pg_temp.append_all(id bigint, piece int, upto int DEFAULT NULL)
RETURNS TABLE (file_id bigint, stored_bytes bigint, state text) LANGUAGE plpgsql AS $$
DECLARE
	bytes bytea := (SELECT b FROM src);
	total int := coalesce(upto, length(bytes));
	off int := 0;
BEGIN
	WHILE off < total LOOP
		SELECT * INTO file_id, stored_bytes, state
		  FROM hdaq.ingest_append(id, off, substring(bytes from off + 1 for least(piece, total - off)));
		PERFORM hdaq.ingest_append(file_id, off, substring(bytes from off + 1 for least(piece, total - off)));
		off := off + piece;
	END LOOP;
	RETURN NEXT;
END $$;

-- the first half, in pieces of 5,000 bytes: visible, still recording
SELECT hdaq.ingest_begin('live.mcap', '{"car": "A"}') AS live \gset
SELECT * FROM pg_temp.append_all(:live, 5000, 1200000);
SELECT state, stored_bytes, message_count > 5000 AS has_messages, sha256 IS NULL AS no_digest_yet
  FROM hdaq.file WHERE file_id = :live;
SELECT count(*) > 5000 AS readable FROM hdaq.messages(file_id => :live);
SELECT count(*) > 0 AS decodable FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => :live);
SELECT hdaq.ingest_prefix_sha256(:live) = sha256(substring(b from 1 for 1200000)) AS prefix_digest FROM src;
SELECT name, state, stored_bytes, complete FROM hdaq.files WHERE file_id = :live;

-- the same bytes again, and an overlap: nothing is stored twice
SELECT stored_bytes FROM hdaq.ingest_append(:live, 0, (SELECT substring(b from 1 for 100) FROM src));
SELECT stored_bytes FROM hdaq.ingest_append(:live, 1199000, (SELECT substring(b from 1199001 for 2000) FROM src));
-- a gap is refused
SELECT * FROM hdaq.ingest_append(:live, 1300000, '\x00');

-- the rest, in pieces of 70,000 bytes: the footer completes it
SELECT file_id = :live AS same_file, state FROM pg_temp.append_all(:live, 70000);
SELECT state, stored_bytes = length(b) AS all_bytes, sha256 = sha256(b) AS digest, recovery
  FROM hdaq.file, src WHERE file_id = :live;
SELECT count(*) AS upload_rows FROM hdaq.upload;
SELECT hdaq.ingest_prefix_sha256(:live) IS NULL AS no_prefix_once_complete;
-- a channel's longest segment span covers its merged segments (a time
-- range is looked up that far back), and a query at a channel's last
-- instant finds its last message
SELECT count(*) AS spans_too_short FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key)
 WHERE c.file_id = :live AND s.end_ns - s.start_ns > c.max_segment_span_ns;
SELECT count(*) AS channels_missing_their_last_message FROM hdaq.channel c
 WHERE c.file_id = :live AND NOT EXISTS (
	SELECT FROM hdaq.messages(ARRAY[c.topic], hdaq.ns_to_timestamptz(c.end_ns),
							  hdaq.ns_to_timestamptz(c.end_ns), c.file_id));

-- a whole-file ingest of the same bytes finds it stored
SELECT hdaq.ingest((SELECT b FROM src), 'again') = :live AS same_file;

-- every message as a whole-file ingest stores it, in the same segments
CREATE TEMP TABLE live_rows AS
SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :live);
CREATE TEMP TABLE live_segments AS
SELECT c.topic, count(*) AS n, sum(s.message_count) AS messages
  FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key) WHERE c.file_id = :live GROUP BY 1;
SET hdaq.allow_drop = on;
SELECT hdaq.delete_file(:live);
SELECT hdaq.ingest((SELECT b FROM src), 'whole') AS whole \gset
SELECT (SELECT count(*) FROM live_rows) AS messages,
	   (SELECT count(*) FROM (SELECT * FROM live_rows EXCEPT ALL
			SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :whole)) d) AS missing_in_whole,
	   (SELECT count(*) FROM (SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :whole)
			EXCEPT ALL SELECT * FROM live_rows) d) AS missing_live;
SELECT count(*) AS channels_with_other_segments FROM (
	SELECT * FROM live_segments EXCEPT
	SELECT c.topic, count(*), sum(s.message_count)
	  FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key) WHERE c.file_id = :whole GROUP BY 1) d;

-- a live copy of a stored file is merged into it when its footer arrives
SELECT hdaq.ingest_begin('copy.mcap', '{"station": "B"}') AS copy \gset
SELECT file_id = :whole AS merged, state FROM pg_temp.append_all(:copy, 400000);
SELECT count(*) AS files, (SELECT tags FROM hdaq.file WHERE file_id = :whole) AS tags FROM hdaq.file;
SELECT * FROM hdaq.ingest_append(:copy, 0, '\x00');

-- cut short: ingest_finish keeps what was whole, and says what was dropped
SELECT hdaq.ingest_begin('cut.mcap') AS cut \gset
SELECT state FROM pg_temp.append_all(:cut, 100000, 1000123);
SELECT hdaq.ingest_finish(:cut) = :cut AS same_file;
SELECT state, stored_bytes, message_count > 0 AS has_messages,
	   recovery->>'complete' AS complete, recovery->>'truncated' AS truncated,
	   (recovery->>'bytes_dropped')::int > 0 AS dropped_some
  FROM hdaq.file WHERE file_id = :cut;
SELECT hdaq.ingest_finish(:cut) = :cut AS finish_again_is_harmless;
SELECT * FROM hdaq.ingest_append(:cut, 1000123, '\x00');

-- compaction: a whole-file ingest of a file written out of order leaves
-- segments that overlap in time; compact() rewrites them in order, and
-- then has nothing left to do; every message stays
CREATE TEMP TABLE before_compaction AS
SELECT topic, log_time_ns, sequence, data FROM hdaq.messages(file_id => :whole);
CREATE FUNCTION pg_temp.overlaps(id bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		SELECT s.start_ns < max(s.end_ns) OVER (PARTITION BY s.channel_key ORDER BY s.start_ns, s.seq
												ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS o
		  FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key) WHERE c.file_id = id) s
	 WHERE o
$$;
SELECT pg_temp.overlaps(:whole) > 0 AS overlapping;
SELECT hdaq.compact(:whole) > 0 AS channels_rewritten;
SELECT pg_temp.overlaps(:whole) AS overlapping_after;
SELECT hdaq.compact(:whole) AS channels_rewritten_again;
SELECT count(*) AS changed FROM (
	(SELECT * FROM before_compaction EXCEPT ALL
	 SELECT topic, log_time_ns, sequence, data FROM hdaq.messages(file_id => :whole))
	UNION ALL
	(SELECT topic, log_time_ns, sequence, data FROM hdaq.messages(file_id => :whole)
	 EXCEPT ALL SELECT * FROM before_compaction)) d;
SELECT bool_and(back) AS in_time_order FROM (
	SELECT log_time_ns >= lag(log_time_ns, 1, 0::bigint) OVER (ORDER BY ord) AS back
	  FROM hdaq.messages(file_id => :whole) WITH ORDINALITY AS m(f, t, lt, log_time_ns, p, s, d, ord)) o;
SELECT hdaq.compact(123456789);

-- one append holding the whole file: its footer completes the file in the
-- same transaction that wrote its segments, and compaction (the file was
-- written out of order) reads them all
SET hdaq.allow_drop = on;
SELECT hdaq.delete_file(:whole);
SELECT hdaq.ingest_begin('at once') AS once \gset
SELECT state FROM hdaq.ingest_append(:once, 0, (SELECT b FROM src));
SELECT message_count, (SELECT count(*) FROM hdaq.messages(file_id => :once)) AS readable,
	   (SELECT count(*) FROM (SELECT * FROM live_rows EXCEPT ALL
			SELECT topic, log_time_ns, publish_time_ns, sequence, data FROM hdaq.messages(file_id => :once)) d) AS missing
  FROM hdaq.file WHERE file_id = :once;
SELECT hdaq.ingest((SELECT b FROM src), 'whole') = :once AS whole_finds_it;

-- bad input
SELECT hdaq.ingest_begin('junk') AS junk \gset
SELECT * FROM hdaq.ingest_append(:junk, 0, '\x89');
SELECT * FROM hdaq.ingest_append(:junk, 1, 'not an mcap file');
SELECT hdaq.ingest_finish(:junk);
SELECT * FROM hdaq.ingest_append(:junk, -1, '\x00');
SELECT * FROM hdaq.ingest_append(NULL, 0, '\x00');
SELECT * FROM hdaq.ingest_append(:junk, NULL, '\x00');
SELECT * FROM hdaq.ingest_append(123456789, 0, '\x00');
SELECT hdaq.ingest_finish(123456789);
SELECT hdaq.ingest_begin('badtags', '[1, 2]');
SELECT hdaq.delete_file(:junk);
SELECT count(*) AS upload_rows_left FROM hdaq.upload;

SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
