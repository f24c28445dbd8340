-- Memory limits: hdaq.max_chunk_bytes bounds records as well as chunks (a
-- record over it is skipped and reported, never allocated), and a damaged
-- file of which nothing usable could be read is refused.  The files are
-- built here, record by record.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql

-- little-endian integers and MCAP strings, as the records need them
CREATE FUNCTION pg_temp.le(v numeric, n int) RETURNS bytea LANGUAGE sql AS $$
  SELECT string_agg(set_byte('\x00'::bytea, 0,
                             (floor(v / 256::numeric ^ i) % 256)::int), ''::bytea ORDER BY i)
    FROM generate_series(0, n - 1) AS i $$;
CREATE FUNCTION pg_temp.str(s text) RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.le(length(convert_to(s, 'UTF8')), 4) || convert_to(s, 'UTF8') $$;
CREATE FUNCTION pg_temp.rec(opcode int, body bytea) RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.le(opcode, 1) || pg_temp.le(length(body), 8) || body $$;
CREATE FUNCTION pg_temp.magic() RETURNS bytea LANGUAGE sql AS
  $$ SELECT '\x894d434150300d0a'::bytea $$;
CREATE FUNCTION pg_temp.header() RETURNS bytea LANGUAGE sql AS
  $$ SELECT pg_temp.rec(1, pg_temp.str('') || pg_temp.str('memtest')) $$;
CREATE FUNCTION pg_temp.channel() RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.rec(4, pg_temp.le(1, 2) || pg_temp.le(0, 2) || pg_temp.str('/big')
                        || pg_temp.str('raw') || pg_temp.le(0, 4)) $$;
-- a Message on channel 1 at log time t with size bytes of data
CREATE FUNCTION pg_temp.message(t bigint, size int) RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.rec(5, pg_temp.le(1, 2) || pg_temp.le(t, 4) || pg_temp.le(t, 8)
                        || pg_temp.le(t, 8) || convert_to(repeat('x', size), 'UTF8')) $$;
CREATE FUNCTION pg_temp.footer() RETURNS bytea LANGUAGE sql AS
  $$ SELECT pg_temp.rec(2, pg_temp.le(0, 20)) || pg_temp.magic() $$;
-- a Chunk declaring uncompressed bytes, holding records compressed so
CREATE FUNCTION pg_temp.chunk(uncompressed numeric, compression text, records bytea)
  RETURNS bytea LANGUAGE sql AS $$
  SELECT pg_temp.rec(6, pg_temp.le(1, 8) || pg_temp.le(3, 8) || pg_temp.le(uncompressed, 8)
                        || pg_temp.le(0, 4) || pg_temp.str(compression)
                        || pg_temp.le(length(records), 8) || records) $$;

SET hdaq.max_chunk_bytes = '64kB';

-- an unchunked message of 100 kB between two small ones: skipped and
-- reported, the others stored
CREATE TEMP TABLE big AS
  SELECT pg_temp.magic() || pg_temp.header() || pg_temp.channel()
         || pg_temp.message(1, 10) || pg_temp.message(2, 100 * 1024)
         || pg_temp.message(3, 10) || pg_temp.footer() AS bytes;
SELECT length(bytes) AS file_bytes FROM big;
SELECT hdaq.ingest(bytes, 'big message') AS big_id FROM big \gset
SELECT message_count, recovery->'records_skipped' AS records_skipped,
       recovery->'problems'->0->>'status' AS status,
       recovery->'problems'->0->>'message' AS problem
  FROM hdaq.file WHERE file_id = :big_id;
SELECT log_time_ns, length(data) AS bytes FROM hdaq.messages(file_id => :big_id);
-- the same over the value, and what info says of it
SELECT log_time_ns, length(data) AS bytes FROM hdaq.messages((SELECT bytes FROM big)::hdaq.mcap);
SELECT i->'message_count' AS message_count, i->'recovery'->'records_skipped' AS records_skipped,
       i->'recovery'->'problems'->0->>'message' AS problem
  FROM (SELECT hdaq.info(bytes::hdaq.mcap) AS i FROM big) s;
-- within a larger limit, the message is read
SET hdaq.max_chunk_bytes = '1MB';
SELECT count(*) AS messages, max(length(data)) AS largest
  FROM hdaq.messages((SELECT bytes FROM big)::hdaq.mcap);
SET hdaq.max_chunk_bytes = '64kB';

-- files with no usable content are refused (class 22), and leave nothing
SELECT count(*) AS files_before FROM hdaq.file \gset
-- 45 bytes: the only record after the header claims 2^62 bytes
CREATE TEMP TABLE claims AS
  SELECT pg_temp.magic() || pg_temp.rec(1, pg_temp.le(0, 8))
         || pg_temp.le(5, 1) || pg_temp.le(2::numeric ^ 62, 8)
         || '\x0000000000000000000000'::bytea AS bytes;
SELECT length(bytes) AS file_bytes FROM claims;
SELECT hdaq.ingest(bytes, 'claims 2^62') FROM claims;
-- the only chunk declares more than hdaq.max_chunk_bytes (a bomb)
SELECT hdaq.ingest(pg_temp.magic() || pg_temp.header() || pg_temp.channel()
                   || pg_temp.chunk(2::numeric ^ 30, 'zstd', '\x28b52ffd'::bytea)
                   || pg_temp.footer(), 'bomb');
-- the only chunk declares a size its records do not have (a liar)
SELECT hdaq.ingest(pg_temp.magic() || pg_temp.header() || pg_temp.channel()
                   || pg_temp.chunk(1000, '', pg_temp.message(1, 10))
                   || pg_temp.footer(), 'liar');
-- the only message is over the limit
SELECT hdaq.ingest(pg_temp.magic() || pg_temp.header() || pg_temp.channel()
                   || pg_temp.message(1, 100 * 1024) || pg_temp.footer(), 'only big');
-- the same from a large object
SELECT lo_from_bytea(0, bytes) AS lo FROM claims \gset
SELECT hdaq.ingest_lo(:lo, 'claims 2^62 from a large object');
SELECT lo_unlink(:lo);
-- the class is 22P03 (invalid_binary_representation)
\set VERBOSITY sqlstate
SELECT hdaq.ingest(bytes, 'claims 2^62') FROM claims;
\set VERBOSITY default
SELECT count(*) = :files_before AS nothing_left FROM hdaq.file;
SELECT count(*) AS orphan_channels FROM hdaq.channel c
 WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = c.file_id);
-- a whole file that holds nothing is still a file, and is stored
SELECT hdaq.ingest(pg_temp.magic() || pg_temp.header() || pg_temp.footer(), 'empty') IS NOT NULL AS stored;
SELECT message_count, recovery FROM hdaq.file WHERE name = 'empty';

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
