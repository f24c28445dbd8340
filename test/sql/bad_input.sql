-- Hostile input through SQL: every truncation and every one-byte corruption
-- of a small real log, every conformance file and every file of the reader's
-- fuzz corpus either stores what is valid or fails with
-- invalid_binary_representation (22P03: bad input, never class XX)
-- (never another error, never a crash), and a failure leaves nothing behind.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
\set conf :abs_srcdir '/conformance/data/'
\set corpus :abs_srcdir '/fuzz/corpus/reader/'
SET client_min_messages = warning;

CREATE TEMP TABLE outcome (what text, stored int DEFAULT 0, refused int DEFAULT 0);
CREATE FUNCTION pg_temp.try_ingest(what text, b bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		PERFORM hdaq.ingest(b, what);
		UPDATE outcome o SET stored = o.stored + 1 WHERE o.what = split_part(try_ingest.what, ' ', 1);
	EXCEPTION WHEN invalid_binary_representation THEN
		UPDATE outcome o SET refused = o.refused + 1 WHERE o.what = split_part(try_ingest.what, ' ', 1);
	END;
END $$;

SELECT pg_read_binary_file(:'data' || 'hytech/drivebrain_software_2026/test_1_1274.mcap') AS b \gset

-- every prefix
INSERT INTO outcome VALUES ('cut');
SELECT count(pg_temp.try_ingest('cut ' || n, substr(:'b'::bytea, 1, n))) FROM generate_series(0, length(:'b'::bytea)) n;
-- every byte flipped
INSERT INTO outcome VALUES ('flip');
SELECT count(pg_temp.try_ingest('flip ' || n,
		set_byte(:'b'::bytea, n, get_byte(:'b'::bytea, n) # 255)))
  FROM generate_series(0, length(:'b'::bytea) - 1) n;
-- the conformance suite
INSERT INTO outcome VALUES ('conformance');
SELECT count(pg_temp.try_ingest('conformance ' || d || '/' || f, pg_read_binary_file(:'conf' || d || '/' || f)))
  FROM (SELECT d FROM pg_ls_dir(:'conf') AS d WHERE (pg_stat_file(:'conf' || d)).isdir) dirs,
	   LATERAL (SELECT f FROM pg_ls_dir(:'conf' || d) AS f WHERE f LIKE '%.mcap') files;
-- the reader's fuzz corpus (its size follows the fuzzing runs)
INSERT INTO outcome VALUES ('corpus');
SELECT count(pg_temp.try_ingest('corpus ' || f, pg_read_binary_file(:'corpus' || f))) > 100 AS corpus_tried
  FROM pg_ls_dir(:'corpus', true, false) AS f;

SELECT what, stored + refused > 0 AS tried, stored > 0 AS some_stored, refused > 0 AS some_refused FROM outcome ORDER BY what;

-- what a cut file stores is part of what the whole file holds
SELECT hdaq.ingest(:'b'::bytea, 'whole') AS whole \gset
SELECT count(*) AS messages_not_in_the_whole_file FROM (
	SELECT topic, log_time_ns, sequence, data FROM hdaq.messages() m JOIN hdaq.file f USING (file_id) WHERE f.name LIKE 'cut %'
	EXCEPT SELECT topic, log_time_ns, sequence, data FROM hdaq.messages(file_id => :whole)) d;
SELECT max(message_count) <= (SELECT message_count FROM hdaq.file WHERE file_id = :whole) AS never_more
  FROM hdaq.file WHERE name LIKE 'cut %';
SELECT count(*) FILTER (WHERE recovery IS NULL) AS cuts_called_complete
  FROM hdaq.file WHERE name LIKE 'cut %' AND size_bytes < length(:'b'::bytea);

-- nothing dangles
SELECT count(*) AS orphan_channels FROM hdaq.channel c WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = c.file_id);
SELECT count(*) AS orphan_segments FROM hdaq.segment s WHERE NOT EXISTS (SELECT 1 FROM hdaq.channel c WHERE c.channel_key = s.channel_key);
SELECT count(*) AS files_without_digest FROM hdaq.file WHERE sha256 IS NULL;

-- and every stored file reads back and decodes or says why
SELECT count(*) > 0 AS read_back FROM hdaq.messages() m JOIN hdaq.file f USING (file_id) WHERE f.name LIKE 'flip %';
SELECT count(*) >= 0 AS decoded FROM hdaq.messages_json(skip_errors => true);

-- clean up what this test stored
SELECT count(hdaq.delete_file(file_id)) > 0 AS deleted FROM hdaq.file
 WHERE name LIKE 'cut %' OR name LIKE 'flip %' OR name LIKE 'conformance %' OR name LIKE 'corpus %' OR name = 'whole';
RESET client_min_messages;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
