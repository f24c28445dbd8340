-- Hardening: errors with the class they mean, read-only queries that
-- leave nothing, and stored files that a DROP cannot take by accident.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 's15') AS s15 \gset

\set VERBOSITY sqlstate
-- bad input is class 22, never XX (which says the storage is damaged)
SELECT hdaq.ingest('\x00');
SELECT hdaq.ingest('\x894d434150300d0a');
SELECT hdaq.info('\x894d434150300d0a'::bytea::hdaq.mcap) IS NOT NULL AS info_of_magic_only;
SELECT count(*) FROM hdaq.messages('\x00'::bytea::hdaq.mcap);
-- times that have no nanosecond count are errors, not clamped values
SELECT hdaq.timestamptz_to_ns('294000-01-01 00:00:00+00');
SELECT hdaq.timestamptz_to_ns('infinity');
SELECT hdaq.timestamptz_to_ns('1500-01-01 00:00:00+00');
SELECT hdaq.timestamptz_to_ns('2262-04-11 00:00:00+00') AS last_day_holds;
-- a large object that does not exist, or that the caller may not read:
-- PostgreSQL's own errors
SELECT hdaq.ingest_lo(4294967295);
CREATE ROLE hdaq_hardening_reader;
GRANT USAGE ON SCHEMA hdaq TO hdaq_hardening_reader;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA hdaq TO hdaq_hardening_reader;
SELECT lo_from_bytea(0, pg_read_binary_file(:'data' || 'generated/session_15s.mcap')) AS lo \gset
SET ROLE hdaq_hardening_reader;
SELECT hdaq.ingest_lo(:lo);
RESET ROLE;
SELECT lo_unlink(:lo);
\set VERBOSITY default

-- query_to_mat: the query runs read-only and leaves nothing behind
SELECT count(*) AS large_objects_before FROM pg_largeobject_metadata;
SELECT length(hdaq.query_to_mat('SELECT lo_create(0) AS o')) > 0 AS exported;
SELECT count(*) AS large_objects_after FROM pg_largeobject_metadata;
SELECT hdaq.query_to_mat('SELECT nextval(''public.test_file_id'') AS n');
SELECT hdaq.query_to_mat('WITH gone AS (DELETE FROM hdaq.file RETURNING file_id) SELECT * FROM gone');
SELECT count(*) AS files_still_there FROM hdaq.file;
-- and the transaction is writable again afterwards
CREATE TEMP TABLE after_export AS SELECT 1 AS still_writable;
SELECT * FROM after_export;

-- stored files are not dropped by accident
DROP EXTENSION hdaq;
DROP EXTENSION hdaq CASCADE;
DROP SCHEMA hdaq CASCADE;
SELECT count(*) AS files_kept FROM hdaq.file;
-- other drops are not concerned
CREATE SCHEMA hdaq_hardening_other;
DROP SCHEMA hdaq_hardening_other;

DROP OWNED BY hdaq_hardening_reader;
DROP ROLE hdaq_hardening_reader;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
