-- A centre merging base stations (edges): the REPLICA triggers of
-- hdaq--0.1.0--0.2.0.sql, driven here as a logical replication worker
-- drives them (session_replication_role = replica: replica triggers fire,
-- ordinary ones and foreign keys do not), with rows arriving in the orders
-- an edge's first copy may deliver them (tables copied in parallel, a row
-- before the row it belongs to).  test/t/080_edge_centre.pl runs them in
-- real subscriptions.
CREATE EXTENSION hdaq;
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'

-- every table an edge publishes has its triggers, enabled for replication
-- workers only, on itself and on each of its partitions if it has any
WITH part AS (
	SELECT t.tbl, r.relid
	  FROM unnest(ARRAY['file', 'schema', 'channel', 'segment', 'metadata', 'attachment']) AS t(tbl),
		   LATERAL (SELECT ('hdaq.' || t.tbl)::regclass AS relid
					UNION SELECT p.relid FROM pg_partition_tree(('hdaq.' || t.tbl)::regclass) p) r
)
SELECT p.tbl, array_agg(DISTINCT g.tgname ORDER BY g.tgname) AS triggers,
	   bool_and(g.tgenabled = 'R') AS replica_only,
	   count(DISTINCT g.tgrelid) = (SELECT count(*) FROM part q WHERE q.tbl = p.tbl) AS on_every_partition
  FROM part p
  JOIN pg_trigger g ON g.tgrelid = p.relid AND g.tgname LIKE 'centre\_%'
 GROUP BY p.tbl ORDER BY p.tbl;

-- the edge's publication: the stored files, not the state of uploads
SET client_min_messages = error;	-- (a WARNING if wal_level is not logical)
SELECT hdaq.create_edge_publication();
RESET client_min_messages;
SELECT pubname, pubinsert, pubupdate, pubdelete, pubtruncate, pubviaroot FROM pg_publication;
SELECT schemaname, tablename FROM pg_publication_tables ORDER BY tablename;
DROP PUBLICATION hdaq_edge;

-- the lock ingest takes on a digest is the lock the centre takes
CREATE TEMP TABLE src AS
SELECT pg_read_binary_file(:'data' || 'hytech/drivebrain_software_2026/test_1_44248.mcap') AS a,
	   pg_read_binary_file(:'data' || 'generated/session_15s.mcap') AS b,
	   pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap') AS c;
BEGIN;
SELECT hdaq.ingest(a, 'a', '{"station": "A", "driver": "X"}') AS a FROM src \gset
SELECT ((l.classid::bigint << 32) | l.objid::bigint) = hdaq.sha256_lock_key(sha256(s.a)) AS same_lock
  FROM pg_locks l, src s
 WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.objsubid = 1;
COMMIT;
SELECT hdaq.ingest(b, 'b') AS b FROM src \gset

-- what an edge's copy of a file is made of: its rows as they are stored
-- here, under other keys (file_id 1001, channel_key 1001000 + channel_id)
CREATE TEMP VIEW copy_channel AS
SELECT 1001000 + c.channel_id AS channel_key, 1001::bigint AS file_id, c.channel_id, c.topic,
	   c.message_encoding, c.schema_id, c.schema_key, c.metadata, c.message_count,
	   c.start_ns, c.end_ns, c.max_segment_span_ns, c.channel_key AS original_key
  FROM hdaq.channel c WHERE c.file_id = :a;
-- a segment row under another channel (and file, for a store whose
-- segments name theirs), whatever columns hdaq.segment has
CREATE FUNCTION pg_temp.segment_copy(g hdaq.segment, channel_key bigint, file_id bigint, seq_offset integer)
	RETURNS hdaq.segment LANGUAGE sql AS $$
	SELECT jsonb_populate_record(NULL::hdaq.segment,
		to_jsonb(g) || jsonb_build_object('channel_key', channel_key, 'file_id', file_id, 'seq', g.seq + seq_offset))
$$;
CREATE TEMP TABLE messages_before AS
SELECT count(*) AS n, md5(string_agg(concat_ws('|', topic, log_time_ns, sequence, md5(data)), ',' ORDER BY topic, log_time_ns, sequence, data)) AS digest
  FROM hdaq.messages(file_id => :a);

SET session_replication_role = replica;

-- ---- the same file from a second edge: segments first, then channels,
-- ---- metadata, then the file row (a first copy in the worst order)
INSERT INTO hdaq.segment
SELECT s.* FROM copy_channel c JOIN hdaq.segment g ON g.channel_key = c.original_key,
	 LATERAL pg_temp.segment_copy(g, c.channel_key, 1001, 0) s;
INSERT INTO hdaq.channel (channel_key, file_id, channel_id, topic, message_encoding, schema_id, schema_key, metadata, message_count, start_ns, end_ns, max_segment_span_ns)
SELECT channel_key, file_id, channel_id, topic, message_encoding, schema_id, schema_key, metadata, message_count, start_ns, end_ns, max_segment_span_ns
  FROM copy_channel;
INSERT INTO hdaq.metadata (file_id, ord, name, metadata) VALUES (1001, 0, 'm', '{"k": "v"}');
SELECT count(*) AS copies_stored_so_far FROM hdaq.segment g WHERE g.channel_key > 1001000 AND g.channel_key < 1002000;
-- the file row: its content is stored as file a
INSERT INTO hdaq.file (file_id, sha256, name, size_bytes, start_ns, end_ns, message_count, profile, library, recovery, tags, state, stored_bytes)
SELECT 1001, sha256, 'a at station B', size_bytes, start_ns, end_ns, message_count, profile, library, recovery, '{"station": "B", "lap": 3}', state, stored_bytes
  FROM hdaq.file WHERE file_id = :a;
SELECT same_as = :a AS same_as_a FROM hdaq.file_alias WHERE file_id = 1001;
SELECT count(*) AS channels_skipped FROM hdaq.channel_skipped WHERE file_id = 1001;
-- nothing of the copy is stored, and file a is what it was, its tags merged
SELECT (SELECT count(*) FROM hdaq.file WHERE file_id = 1001) AS files,
	   (SELECT count(*) FROM hdaq.channel WHERE file_id = 1001) AS channels,
	   (SELECT count(*) FROM hdaq.segment WHERE channel_key > 1001000 AND channel_key < 1002000) AS segments,
	   (SELECT count(*) FROM hdaq.metadata WHERE file_id = 1001) AS metadata;
SELECT tags, properties->>'station' AS station, properties->>'lap' AS lap FROM hdaq.file WHERE file_id = :a;
-- later rows of the copy: not stored either
INSERT INTO hdaq.segment
SELECT s.* FROM copy_channel c JOIN hdaq.segment g ON g.channel_key = c.original_key,
	 LATERAL pg_temp.segment_copy(g, c.channel_key, 1001, 100) s;
INSERT INTO hdaq.channel (channel_key, file_id, channel_id, topic, message_encoding, schema_id)
VALUES (1001099, 1001, 99, 'late', 'json', 0);
INSERT INTO hdaq.attachment (file_id, ord, name, media_type, log_time_ns, create_time_ns, data)
VALUES (1001, 0, 'x', 'text/plain', 0, 0, 'x');
SELECT (SELECT count(*) FROM hdaq.channel WHERE file_id = 1001) AS channels,
	   (SELECT count(*) FROM hdaq.segment WHERE channel_key > 1001000 AND channel_key < 1002000) AS segments,
	   (SELECT count(*) FROM hdaq.attachment WHERE file_id = 1001) AS attachments;
-- and updates and deletes of its rows find nothing
UPDATE hdaq.file SET tags = '{"station": "B2"}' WHERE file_id = 1001;
DELETE FROM hdaq.channel WHERE file_id = 1001;

-- ---- the schemas of a file from another edge: already stored, kept once
SELECT count(*) AS schemas FROM hdaq.schema \gset
INSERT INTO hdaq.schema (schema_key, name, encoding, sha256, data)
SELECT schema_key, name, encoding, sha256, data FROM hdaq.schema;
SELECT count(*) = :schemas AS each_schema_once FROM hdaq.schema;

-- ---- a copy recorded live at another edge: stored while its digest is
-- ---- unknown; when it completes with the digest of file b, deleted
INSERT INTO hdaq.file (file_id, name, size_bytes, tags, state, stored_bytes)
VALUES (1002, 'b live at station B', 0, '{"live": true}', 'recording', 0);
INSERT INTO hdaq.channel (channel_key, file_id, channel_id, topic, message_encoding, schema_id, schema_key, message_count, start_ns, end_ns)
SELECT 1002000 + channel_id, 1002, channel_id, topic, message_encoding, schema_id, schema_key, message_count, start_ns, end_ns
  FROM hdaq.channel WHERE file_id = :b;
INSERT INTO hdaq.segment
SELECT s.* FROM hdaq.channel c JOIN hdaq.segment g USING (channel_key),
	 LATERAL pg_temp.segment_copy(g, 1002000 + c.channel_id, 1002, 0) s
 WHERE c.file_id = :b;
INSERT INTO hdaq.metadata (file_id, ord, name, metadata)
SELECT 1002, ord, name, metadata FROM hdaq.metadata WHERE file_id = :b;
INSERT INTO hdaq.attachment (file_id, ord, name, media_type, log_time_ns, create_time_ns, data)
SELECT 1002, ord, name, media_type, log_time_ns, create_time_ns, data FROM hdaq.attachment WHERE file_id = :b;
UPDATE hdaq.file SET stored_bytes = 1000, size_bytes = 1000 WHERE file_id = 1002;
SELECT state, stored_bytes, (SELECT count(*) > 0 FROM hdaq.segment WHERE channel_key BETWEEN 1002000 AND 1002999) AS has_segments
  FROM hdaq.file WHERE file_id = 1002;
-- the update that completes it: the trigger deletes the row it updates
UPDATE hdaq.file f SET sha256 = b.sha256, state = 'complete', size_bytes = b.size_bytes, stored_bytes = b.stored_bytes
  FROM hdaq.file b WHERE f.file_id = 1002 AND b.file_id = :b;
SELECT (SELECT count(*) FROM hdaq.file WHERE file_id = 1002) AS files,
	   (SELECT count(*) FROM hdaq.channel WHERE file_id = 1002) AS channels,
	   (SELECT count(*) FROM hdaq.segment WHERE channel_key BETWEEN 1002000 AND 1002999) AS segments,
	   (SELECT count(*) FROM hdaq.metadata WHERE file_id = 1002) AS metadata,
	   (SELECT count(*) FROM hdaq.attachment WHERE file_id = 1002) AS attachments,
	   (SELECT same_as = :b FROM hdaq.file_alias WHERE file_id = 1002) AS aliased_to_b;
SELECT tags FROM hdaq.file WHERE file_id = :b;
-- its compaction's segments, arriving after: not stored
INSERT INTO hdaq.segment
SELECT s.* FROM hdaq.channel c JOIN hdaq.segment g USING (channel_key),
	 LATERAL pg_temp.segment_copy(g, 1002000 + c.channel_id, 1002, 100) s
 WHERE c.file_id = :b;
SELECT count(*) AS segments FROM hdaq.segment WHERE channel_key BETWEEN 1002000 AND 1002999;

-- ---- a file of its own from an edge is stored as it comes
INSERT INTO hdaq.file (file_id, sha256, name, size_bytes, tags, state, stored_bytes)
VALUES (1003, sha256('\x01'), 'only at B', 1, '{}', 'complete', 1);
SELECT name FROM hdaq.file WHERE file_id = 1003;
-- (hdaq.file_edge names a worker's subscription: a session is none)
SELECT count(*) AS file_edge_rows FROM hdaq.file_edge;

RESET session_replication_role;

-- the stored files answer as before, alone
SELECT file_id = :a AS a, name FROM hdaq.file WHERE file_id IN (:a, :b) ORDER BY name;
SELECT count(*) = (SELECT n FROM messages_before) AND
	   md5(string_agg(concat_ws('|', topic, log_time_ns, sequence, md5(data)), ',' ORDER BY topic, log_time_ns, sequence, data)) = (SELECT digest FROM messages_before) AS messages_of_a_unchanged
  FROM hdaq.messages(file_id => :a);
SELECT count(*) = (SELECT message_count FROM hdaq.file WHERE file_id = :b) AS messages_of_b_once
  FROM hdaq.messages(file_id => :b);
SELECT count(*) AS files FROM hdaq.file;

-- ---- deletes at an edge delete here; a schema another file uses stays
SELECT hdaq.ingest(c, 'c') AS c FROM src \gset
SELECT array_agg(DISTINCT schema_key) AS c_schemas FROM hdaq.channel WHERE file_id = :c \gset
SET session_replication_role = replica;
-- the edge's delete_file, as it replicates: the file, its rows one by one
-- (the edge's foreign keys cascade), then its unused schemas
DELETE FROM hdaq.file WHERE file_id = :c;
DELETE FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = :c);
DELETE FROM hdaq.channel WHERE file_id = :c;
DELETE FROM hdaq.metadata WHERE file_id = :c;
DELETE FROM hdaq.schema WHERE schema_key = ANY (:'c_schemas');
-- a schema file a uses, deleted at an edge where no file uses it any more
DELETE FROM hdaq.schema WHERE schema_key IN (SELECT schema_key FROM hdaq.channel WHERE file_id = :a);
RESET session_replication_role;
SELECT (SELECT count(*) FROM hdaq.file WHERE file_id = :c) AS files,
	   (SELECT count(*) FROM hdaq.channel WHERE file_id = :c) AS channels,
	   (SELECT count(*) FROM hdaq.schema WHERE schema_key = ANY (:'c_schemas')) AS schemas_of_c;
SELECT count(*) = count(s.schema_key) AS schemas_of_a_kept
  FROM hdaq.channel c LEFT JOIN hdaq.schema s USING (schema_key)
 WHERE c.file_id = :a AND c.schema_key IS NOT NULL;

-- ---- a centre that keeps what its edges delete
SELECT hdaq.keep_deleted_files(true);
SELECT count(*) AS segments_of_b FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = :b) \gset
SELECT channel_key AS b_channel, start_ns AS b_start, seq AS b_seq
  FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = :b)
 ORDER BY channel_key, start_ns, seq LIMIT 1 \gset
INSERT INTO hdaq.file (file_id, name, size_bytes, tags, state, stored_bytes)
VALUES (1004, 'still recording', 0, '{}', 'recording', 0);
SET session_replication_role = replica;
-- a live file's compaction at its edge deletes segments: still applied
DELETE FROM hdaq.segment WHERE channel_key = :b_channel AND start_ns = :b_start AND seq = :b_seq;
-- a file still recording, deleted at its edge: deleted
DELETE FROM hdaq.file WHERE file_id = 1004;
-- file b deleted at its edge: kept
DELETE FROM hdaq.file WHERE file_id = :b;
DELETE FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = :b);
DELETE FROM hdaq.channel WHERE file_id = :b;
DELETE FROM hdaq.metadata WHERE file_id = :b;
DELETE FROM hdaq.attachment WHERE file_id = :b;
RESET session_replication_role;
SELECT (SELECT count(*) FROM hdaq.file WHERE file_id = 1004) AS recording_files,
	   (SELECT count(*) FROM hdaq.file WHERE file_id = :b) AS files_b,
	   (SELECT count(*) FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = :b)) = :segments_of_b - 1 AS segments_b_kept,
	   (SELECT count(*) > 0 FROM hdaq.metadata WHERE file_id = :b) AS metadata_b_kept,
	   (SELECT count(*) > 0 FROM hdaq.attachment WHERE file_id = :b) AS attachments_b_kept,
	   (SELECT count(*) FROM hdaq.deleted_at_edge WHERE file_id = :b) AS listed;
-- deleting it here deletes it, and its entry
SELECT hdaq.delete_file(:b);
SELECT count(*) AS listed FROM hdaq.deleted_at_edge;
SELECT hdaq.keep_deleted_files(false);

-- ---- a session's own statements: the triggers do not fire (a channel of
-- ---- a file recorded as an alias is stored)
INSERT INTO hdaq.file_alias (file_id, same_as) VALUES (:a, 0);
INSERT INTO hdaq.channel (file_id, channel_id, topic, message_encoding, schema_id)
VALUES (:a, 999, 'added here', 'json', 0);
SELECT count(*) AS stored FROM hdaq.channel WHERE topic = 'added here';

DROP VIEW copy_channel;
DROP FUNCTION pg_temp.segment_copy;
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
