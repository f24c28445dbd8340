-- Runs you can tag and find: hdaq.tag, hdaq.untag, re-ingest with tags,
-- hdaq.files.properties (metadata entries with tags over them) and its index.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
CREATE TEMP TABLE src AS
SELECT pg_read_binary_file(:'data' || 'generated/session_15s.mcap') AS gen,
	   pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap') AS cdr;
SELECT hdaq.ingest(gen, 'gen', '{"event": "endurance"}') AS gen FROM src \gset
SELECT hdaq.ingest(cdr, 'cdr') AS cdr FROM src \gset

-- the generated session records its driver in a Metadata record "setup"
SELECT metadata, tags FROM hdaq.files WHERE file_id = :gen;
SELECT properties->>'driver' AS driver, properties->>'event' AS event, properties->>'carModel' AS car
  FROM hdaq.files WHERE file_id = :gen;

-- tag: merged tags come back; a tag wins over a metadata entry of the same key
SELECT hdaq.tag(:cdr, '{"driver": "A", "lap": 3}');
SELECT hdaq.tag(:gen, '{"driver": "B"}');
SELECT file_id, properties->>'driver' AS driver FROM hdaq.files ORDER BY file_id;
SELECT file_id FROM hdaq.files WHERE properties->>'driver' = 'A';
SELECT file_id FROM hdaq.files WHERE properties @> '{"driver": "B"}';
-- untag: the metadata entry shows through again
SELECT hdaq.untag(:gen, ARRAY['driver', 'no such key']);
SELECT properties->>'driver' AS driver FROM hdaq.files WHERE file_id = :gen;

-- re-ingesting a stored file with tags merges them, and the NOTICE says so,
-- naming the file by its stored name
SELECT hdaq.ingest(gen, 'gen, uploaded again', '{"session": "FP2"}') = :gen AS same_file FROM src;
SELECT tags FROM hdaq.files WHERE file_id = :gen;
SELECT lo_from_bytea(0, cdr) AS lo FROM src \gset
SELECT hdaq.ingest_lo(:lo, 'cdr again', '{"lap": 4}') = :cdr AS same_file;
SELECT hdaq.ingest_lo(:lo, 'cdr again, no tags') = :cdr AS same_file;
SELECT tags FROM hdaq.files WHERE file_id = :cdr;

-- a GIN index serves properties @> ...
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT file_id FROM hdaq.files WHERE properties @> '{"driver": "A"}';
RESET enable_seqscan;

-- errors
SELECT hdaq.tag(999, '{"a": 1}');
SELECT hdaq.untag(999, ARRAY['a']);
SELECT hdaq.tag(:gen, '["a"]');
SELECT hdaq.tag(:gen, NULL);
SELECT hdaq.delete_file(999);

SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
