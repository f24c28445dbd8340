/* hdaq--0.1.0--0.2.0.sql: from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION hdaq UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The schema hdaq lives in must belong to the role installing it (or to a
-- superuser).  A schema another role created beforehand would let that
-- role rename it and put functions of its own where hdaq's are looked up.
-- CREATE EXTENSION hdaq runs this script too (after hdaq--0.1.0.sql, in
-- the same transaction), so such an install fails as a whole.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
	owner_name name;
	owner_super boolean;
BEGIN
	SELECT r.rolname, r.rolsuper INTO owner_name, owner_super
	  FROM pg_catalog.pg_namespace n
	  JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
	 WHERE n.nspname = '@extschema@';
	IF owner_name <> current_user AND NOT owner_super THEN
		RAISE EXCEPTION 'schema "@extschema@" is owned by role "%", which is neither the role installing hdaq nor a superuser', owner_name
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The owner of the schema could replace hdaq''s functions with its own.',
				  HINT = 'Drop that schema (or have a superuser take it over with ALTER SCHEMA @extschema@ OWNER TO ...), then create the extension again.';
	END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- Stored files are not dropped by accident: DROP EXTENSION hdaq (with or
-- without CASCADE) and DROP SCHEMA hdaq CASCADE are refused while files are
-- stored, unless the session has SET hdaq.allow_drop = on.  Back up first:
-- pg_dump -n hdaq -e hdaq.
-- ---------------------------------------------------------------------------

CREATE FUNCTION guard_drop() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'hdaq_guard_drop'
	LANGUAGE C;
COMMENT ON FUNCTION guard_drop() IS
	'refuses DROP EXTENSION hdaq and DROP SCHEMA hdaq while files are stored, unless hdaq.allow_drop is on';

CREATE EVENT TRIGGER hdaq_guard_drop ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
	EXECUTE FUNCTION @extschema@.guard_drop();

-- ---------------------------------------------------------------------------
-- Runs you can tag and find.  hdaq.file.properties is one flat object: the
-- entries of the file's MCAP Metadata records (a later record wins over an
-- earlier one for the same key), then its tags over them (a tag wins over
-- a metadata entry).  It is kept by a trigger whenever a file row changes
-- (ingest completes it; hdaq.tag, hdaq.untag and a re-ingest with tags
-- change its tags), and served by a GIN index:
--   SELECT * FROM hdaq.files WHERE properties @> '{"driver": "A"}';
-- ---------------------------------------------------------------------------

CREATE FUNCTION file_properties(file_id bigint, tags jsonb) RETURNS jsonb
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce((SELECT jsonb_object_agg(e.key, e.value ORDER BY m.ord, e.ordinality)
					   FROM @extschema@.metadata m,
							jsonb_each(m.metadata) WITH ORDINALITY e
					  WHERE m.file_id = file_properties.file_id
						AND jsonb_typeof(m.metadata) = 'object'), '{}'::jsonb)
		   || coalesce(file_properties.tags, '{}'::jsonb)
$$;
COMMENT ON FUNCTION file_properties(bigint, jsonb) IS
	'a file''s properties: its Metadata records'' entries flattened (a later record wins), then the tags over them';

CREATE FUNCTION file_properties_trigger() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.properties := @extschema@.file_properties(NEW.file_id, NEW.tags);
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION file_properties_trigger() IS
	'keeps hdaq.file.properties: the Metadata records'' entries with the tags over them';

ALTER TABLE file ADD COLUMN properties jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN file.properties IS
	'the entries of the file''s Metadata records flattened, with its tags over them (a tag wins); kept by a trigger';

-- Only UPDATE: ingest inserts the row first and completes it (with its
-- metadata stored) by an UPDATE; a restore's COPY keeps the stored value.
CREATE TRIGGER file_properties BEFORE UPDATE ON file
	FOR EACH ROW EXECUTE FUNCTION @extschema@.file_properties_trigger();

UPDATE file SET properties = @extschema@.file_properties(file_id, tags);

CREATE INDEX file_properties_idx ON file USING gin (properties);

CREATE OR REPLACE VIEW files AS
SELECT f.file_id,
	f.name,
	f.start_time,
	f.end_time,
	(f.end_time - f.start_time) AS duration,
	f.message_count,
	f.size_bytes,
	(SELECT array_agg(DISTINCT c.topic ORDER BY c.topic)
	   FROM channel c WHERE c.file_id = f.file_id) AS topics,
	(SELECT coalesce(jsonb_object_agg(m.name, m.metadata ORDER BY m.ord), '{}')
	   FROM metadata m WHERE m.file_id = f.file_id) AS metadata,
	f.tags,
	f.recovery IS NULL AS complete,
	f.ingested_at,
	f.sha256,
	f.properties
FROM file f;
COMMENT ON VIEW files IS
	'ingested files with duration, topics, merged metadata records, tags, and properties (metadata entries with tags over them)';

-- A file that does not exist, raised as every hdaq function raises it.
CREATE FUNCTION file_not_found(file_id bigint) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM @extschema@.file f;
	RAISE EXCEPTION 'file % does not exist', file_not_found.file_id
		USING ERRCODE = 'undefined_object',
			  DETAIL = CASE WHEN n = 0 THEN 'No file is stored.'
						ELSE format('%s files are stored.', n) END,
			  HINT = 'SELECT file_id, name, start_time FROM hdaq.files lists the stored files.';
END
$$;
COMMENT ON FUNCTION file_not_found(bigint) IS
	'raises the error for a file_id that is not stored (42704, with the number of stored files)';

CREATE FUNCTION tag(file_id bigint, tags jsonb) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	merged jsonb;
BEGIN
	IF tag.file_id IS NULL OR tag.tags IS NULL THEN
		RAISE EXCEPTION 'file_id and tags must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF jsonb_typeof(tag.tags) <> 'object' THEN
		RAISE EXCEPTION 'tags must be a JSON object, not %', jsonb_typeof(tag.tags)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give them as an object: hdaq.tag(3, ''{"driver": "A"}'').';
	END IF;
	UPDATE @extschema@.file f SET tags = f.tags || tag.tags
	 WHERE f.file_id = tag.file_id
	RETURNING f.tags INTO merged;
	IF NOT FOUND THEN
		PERFORM @extschema@.file_not_found(tag.file_id);
	END IF;
	RETURN merged;
END
$$;
COMMENT ON FUNCTION tag(bigint, jsonb) IS
	'merge tags into a file''s tags (a key given replaces the stored value); returns the file''s tags';

CREATE FUNCTION untag(file_id bigint, keys text[]) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	remaining jsonb;
BEGIN
	IF untag.file_id IS NULL OR untag.keys IS NULL THEN
		RAISE EXCEPTION 'file_id and keys must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	UPDATE @extschema@.file f SET tags = f.tags - untag.keys
	 WHERE f.file_id = untag.file_id
	RETURNING f.tags INTO remaining;
	IF NOT FOUND THEN
		PERFORM @extschema@.file_not_found(untag.file_id);
	END IF;
	RETURN remaining;
END
$$;
COMMENT ON FUNCTION untag(bigint, text[]) IS
	'remove tags from a file by key (keys it does not have are ignored); returns the file''s tags';

-- delete_file names a missing file as every other function does (42704).
CREATE OR REPLACE FUNCTION delete_file(file_id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	schema_keys bigint[];
BEGIN
	SELECT array_agg(DISTINCT c.schema_key) INTO schema_keys
	  FROM @extschema@.channel c WHERE c.file_id = delete_file.file_id;
	DELETE FROM @extschema@.file f WHERE f.file_id = delete_file.file_id;
	IF NOT FOUND THEN
		PERFORM @extschema@.file_not_found(delete_file.file_id);
	END IF;
	DELETE FROM @extschema@.schema s
	 WHERE s.schema_key = ANY (schema_keys)
	   AND NOT EXISTS (SELECT 1 FROM @extschema@.channel c
					   WHERE c.schema_key = s.schema_key);
END
$$;

-- ---------------------------------------------------------------------------
-- What can I plot?  The leaves of a topic's schema, each path usable by
-- hdaq.signal as written ([0] for array elements, ["key"] as a map key's
-- placeholder).  max_length: the most elements the leaf's innermost array
-- has in a message of the chosen file (NULL without a file_id).
-- ---------------------------------------------------------------------------

CREATE FUNCTION fields(topic text, file_id bigint DEFAULT NULL)
	RETURNS TABLE (path text, type text, "numeric" boolean, repeated boolean,
				   max_length integer, enum_names text[])
	AS 'MODULE_PATHNAME', 'hdaq_fields'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION fields(text, bigint) IS
	'the leaves of a topic''s schema (in a file, or in every file): path as hdaq.signal takes it, type, whether numeric, whether inside an array, enum value names';

-- ---------------------------------------------------------------------------
-- One identity across sites.  A base station's store and a central one that
-- receives it by logical replication must never give two files the same
-- key.  file_id and channel_key are random 63-bit numbers drawn from the
-- server's strong random source when a row is made (the chance that two of
-- a million files anywhere share a file_id is about 5 in 100 million); a
-- schema's key is a digest of its name, encoding and data, so the same
-- schema has the same key at every site.  Rows stored by 0.1.0 keep their
-- file_id and channel_key (they are small serial numbers); their schemas
-- are given their digest keys here.
-- ---------------------------------------------------------------------------

CREATE FUNCTION random_id() RETURNS bigint
	AS 'MODULE_PATHNAME', 'hdaq_random_id'
	LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION random_id() IS
	'a random positive bigint from the strong random source: the keys of files and channels';

CREATE FUNCTION schema_key(name text, encoding text, data bytea) RETURNS bigint
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ('x' || left(encode(sha256(convert_to(schema_key.name, 'UTF8') || '\x00'::bytea
									   || convert_to(schema_key.encoding, 'UTF8') || '\x00'::bytea
									   || schema_key.data), 'hex'), 16))::bit(64)::bigint
		   & 9223372036854775807
$$;
COMMENT ON FUNCTION schema_key(text, text, bytea) IS
	'a schema''s key: the first 63 bits of the SHA-256 of its name, encoding and data, the same at every site';

ALTER TABLE file ALTER COLUMN file_id DROP IDENTITY;
ALTER TABLE file ALTER COLUMN file_id SET DEFAULT @extschema@.random_id();
ALTER TABLE channel ALTER COLUMN channel_key DROP IDENTITY;
ALTER TABLE channel ALTER COLUMN channel_key SET DEFAULT @extschema@.random_id();
ALTER TABLE schema ALTER COLUMN schema_key DROP IDENTITY;

ALTER TABLE channel DROP CONSTRAINT channel_schema_key_fkey;
CREATE TEMPORARY TABLE hdaq_schema_rekey ON COMMIT DROP AS
	SELECT schema_key AS old_key,
		   @extschema@.schema_key(name, encoding, data) AS new_key
	  FROM schema;
UPDATE channel c SET schema_key = k.new_key
  FROM hdaq_schema_rekey k WHERE c.schema_key = k.old_key;
UPDATE schema s SET schema_key = k.new_key
  FROM hdaq_schema_rekey k WHERE s.schema_key = k.old_key;
DROP TABLE hdaq_schema_rekey;
ALTER TABLE channel ADD CONSTRAINT channel_schema_key_fkey
	FOREIGN KEY (schema_key) REFERENCES schema;

-- ---------------------------------------------------------------------------
-- Live sessions: a file is stored while it is still being written, piece by
-- piece, each piece in its own transaction, so readers see its messages as
-- they arrive and an interrupted upload resumes at the byte where it
-- stopped.
--
--   hdaq.ingest_begin(name, tags) -> file_id        a file in state recording
--   hdaq.ingest_append(file_id, offset, data)       its bytes from offset on
--   hdaq.ingest_finish(file_id) -> file_id          no more bytes will come
--
-- offset is the idempotency key: bytes already stored are skipped, so an
-- append repeated after a lost reply stores nothing twice; an offset past
-- the bytes stored is refused.  The append that brings the footer and the
-- closing magic completes the file.  hdaq.upload and hdaq.upload_channel
-- hold what a recording file's next append continues from.
-- ---------------------------------------------------------------------------

ALTER TABLE file ADD COLUMN state text NOT NULL DEFAULT 'complete'
	CONSTRAINT file_state_check CHECK (state IN ('recording', 'complete', 'cut short'));
ALTER TABLE file ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN file.state IS
	'recording (bytes are still arriving), complete (the footer arrived) or cut short (the file ended without one)';
COMMENT ON COLUMN file.stored_bytes IS
	'bytes of the file received so far; an interrupted upload resumes from here';
UPDATE file SET stored_bytes = size_bytes,
	state = CASE WHEN coalesce((recovery->>'complete')::boolean, true)
				 THEN 'complete' ELSE 'cut short' END;
CREATE INDEX file_recording_idx ON file (name) WHERE state = 'recording';

CREATE TABLE upload (
	file_id bigint PRIMARY KEY REFERENCES file ON DELETE CASCADE,
	sha256_state bytea NOT NULL,	-- SHA-256 of the stored_bytes received
	resume_point bytea,			-- where the next record starts; NULL before the magic
	pending bytea NOT NULL DEFAULT '',	-- received bytes of a record not yet whole
	schema_ids integer[] NOT NULL DEFAULT '{}',	-- the file's schema ids ...
	schema_keys bigint[] NOT NULL DEFAULT '{}',	-- ... and their keys
	metadata_count integer NOT NULL DEFAULT 0,
	attachment_count integer NOT NULL DEFAULT 0,
	chunks_skipped bigint NOT NULL DEFAULT 0,
	records_skipped bigint NOT NULL DEFAULT 0,
	bytes_skipped bigint NOT NULL DEFAULT 0,
	messages_dropped bigint NOT NULL DEFAULT 0,
	first_drop text,
	problem_codes integer[] NOT NULL DEFAULT '{}',	-- the first problems found,
	problem_offsets bigint[] NOT NULL DEFAULT '{}',	-- as the reader reports them
	problem_messages text[] NOT NULL DEFAULT '{}',
	updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE upload IS
	'what the next append to a recording file continues from; removed when the file is complete or cut short';

CREATE TABLE upload_channel (
	channel_key bigint PRIMARY KEY REFERENCES channel ON DELETE CASCADE,
	file_id bigint NOT NULL REFERENCES upload ON DELETE CASCADE,
	channel_id integer NOT NULL,
	next_seq integer NOT NULL DEFAULT 0,
	-- the run of small segments at the channel's end, the last piece of each
	-- append: merged into one once they add up to hdaq.segment_size or
	-- number 16 (their start_ns, seq and uncompressed size)
	run_start_ns bigint[] NOT NULL DEFAULT '{}',
	run_seqs integer[] NOT NULL DEFAULT '{}',
	run_sizes integer[] NOT NULL DEFAULT '{}',
	max_segment_span_ns bigint NOT NULL DEFAULT 0
);
CREATE INDEX upload_channel_file_idx ON upload_channel (file_id);
-- compressed MCAP records already: not worth compressing again
ALTER TABLE upload ALTER COLUMN pending SET STORAGE EXTERNAL;
COMMENT ON TABLE upload_channel IS
	'per channel of a recording file: the next segment number and the small segments at its end, to be merged';

SELECT pg_catalog.pg_extension_config_dump('upload', '');
SELECT pg_catalog.pg_extension_config_dump('upload_channel', '');

CREATE FUNCTION ingest_begin(name text, tags jsonb DEFAULT '{}')
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'hdaq_ingest_begin'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION ingest_begin(text, jsonb) IS
	'start storing a file piece by piece (state recording); returns its file_id for hdaq.ingest_append';

CREATE FUNCTION ingest_append(file_id bigint, "offset" bigint, data bytea)
	RETURNS TABLE (file_id bigint, stored_bytes bigint, state text)
	AS 'MODULE_PATHNAME', 'hdaq_ingest_append'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION ingest_append(bigint, bigint, bytea) IS
	'store the bytes of a recording file from offset on (bytes already stored are skipped); the footer completes the file';

CREATE FUNCTION ingest_finish(file_id bigint)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'hdaq_ingest_finish'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION ingest_finish(bigint) IS
	'end a recording file that will not grow: kept as cut short with what was valid in it; returns its file_id (or that of the same content stored before)';

CREATE FUNCTION ingest_prefix_sha256(file_id bigint)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'hdaq_ingest_prefix_sha256'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ingest_prefix_sha256(bigint) IS
	'the SHA-256 of the bytes of a recording file received so far, to check that a local file continues them; NULL once it is not recording';

CREATE FUNCTION compact(file_id bigint)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'hdaq_compact'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION compact(bigint) IS
	'merge a file''s small and overlapping segments into segments as a whole-file ingest writes them; returns the number of channels rewritten';

CREATE OR REPLACE VIEW files AS
SELECT f.file_id,
	f.name,
	f.start_time,
	f.end_time,
	(f.end_time - f.start_time) AS duration,
	f.message_count,
	f.size_bytes,
	(SELECT array_agg(DISTINCT c.topic ORDER BY c.topic)
	   FROM channel c WHERE c.file_id = f.file_id) AS topics,
	(SELECT coalesce(jsonb_object_agg(m.name, m.metadata ORDER BY m.ord), '{}')
	   FROM metadata m WHERE m.file_id = f.file_id) AS metadata,
	f.tags,
	(f.recovery IS NULL AND f.state <> 'recording') AS complete,
	f.ingested_at,
	f.sha256,
	f.properties,
	f.state,
	f.stored_bytes
FROM file f;

-- ---------------------------------------------------------------------------
-- Seasons: hdaq.segment partitioned by year.
--
-- hdaq.segment is partitioned by range of start_ns, one partition per
-- calendar year (UTC) named hdaq.segment_YYYY for 2000 to 2049, and a
-- DEFAULT partition hdaq.segment_other for any other time.  Every
-- partition exists from the install on, so no ingest ever runs DDL (nor
-- does a server that receives segments by logical replication with
-- publish_via_partition_root).  A season goes at once with its
-- partition: hdaq.drop_season(year) empties it by TRUNCATE instead of
-- deleting its rows one by one, and leaves nothing for vacuum to do; a
-- season is archived by ALTER TABLE hdaq.segment DETACH PARTITION.
--
-- Each segment carries its file's file_id: the key a distributed store
-- would spread segments by, with the file and channel rows beside them.
-- The primary key (channel_key, start_ns, seq) holds the partition key.
--
-- An existing store's segments are copied into the partitions (the
-- upgrade needs free space about the size of its segments while it runs).
-- ---------------------------------------------------------------------------

ALTER TABLE segment RENAME TO segment_0_1;
ALTER INDEX segment_pkey RENAME TO segment_0_1_pkey;
ALTER TABLE segment_0_1 RENAME CONSTRAINT segment_channel_key_fkey TO segment_0_1_channel_key_fkey;

CREATE TABLE segment (
	file_id bigint NOT NULL,	-- the channel's file
	channel_key bigint NOT NULL REFERENCES channel ON DELETE CASCADE,
	start_ns bigint NOT NULL,
	seq integer NOT NULL,		-- order of the segment within its channel
	end_ns bigint NOT NULL,
	message_count integer NOT NULL,
	compression text NOT NULL,	-- 'zstd' or '' (none)
	uncompressed_size integer NOT NULL,
	data bytea NOT NULL,		-- concatenated MCAP Message records
	PRIMARY KEY (channel_key, start_ns, seq)
) PARTITION BY RANGE (start_ns);
ALTER TABLE segment ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE segment IS
	'runs of messages of one channel sorted by log time, stored as compressed MCAP Message records; one partition per year of start_ns (UTC)';
COMMENT ON COLUMN segment.file_id IS 'the file of the segment''s channel';

DO $$
DECLARE
	y integer;
	part text;
BEGIN
	FOR y IN 2000..2049 LOOP
		part := format('segment_%s', y);
		EXECUTE format('CREATE TABLE @extschema@.%I PARTITION OF @extschema@.segment'
					   ' FOR VALUES FROM (%s) TO (%s)', part,
					   @extschema@.timestamptz_to_ns(make_timestamptz(y, 1, 1, 0, 0, 0, 'UTC')),
					   @extschema@.timestamptz_to_ns(make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'UTC')));
		EXECUTE format('ALTER TABLE @extschema@.%I ALTER COLUMN data SET STORAGE EXTERNAL', part);
		EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', part,
					   format('the segments that start in %s (UTC)', y));
		PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', part)::regclass, '');
	END LOOP;
END
$$;

CREATE TABLE segment_other PARTITION OF segment DEFAULT;
ALTER TABLE segment_other ALTER COLUMN data SET STORAGE EXTERNAL;
COMMENT ON TABLE segment_other IS
	'the segments that start outside the years that have a partition of their own';
SELECT pg_catalog.pg_extension_config_dump('segment_other', '');

INSERT INTO segment (file_id, channel_key, start_ns, seq, end_ns, message_count,
					 compression, uncompressed_size, data)
SELECT c.file_id, s.channel_key, s.start_ns, s.seq, s.end_ns, s.message_count,
	   s.compression, s.uncompressed_size, s.data
  FROM segment_0_1 s JOIN channel c USING (channel_key)
 ORDER BY s.channel_key, s.start_ns, s.seq;
-- leaving the extension takes it off pg_dump's list of tables to keep
ALTER EXTENSION hdaq DROP TABLE segment_0_1;
DROP TABLE segment_0_1;

CREATE FUNCTION drop_season(year integer) RETURNS bigint
	LANGUAGE plpgsql VOLATILE STRICT
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	part regclass;
	lo bigint := @extschema@.timestamptz_to_ns(make_timestamptz(drop_season.year, 1, 1, 0, 0, 0, 'UTC'));
	hi bigint := @extschema@.timestamptz_to_ns(make_timestamptz(drop_season.year + 1, 1, 1, 0, 0, 0, 'UTC'));
	seasons text;
	schema_keys bigint[];
	removed bigint;
BEGIN
	SELECT c.oid INTO part
	  FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
	 WHERE i.inhparent = '@extschema@.segment'::regclass
	   AND c.relnamespace = '@extschema@'::regnamespace
	   AND c.relname = format('segment_%s', drop_season.year)
	   AND pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES FROM (''%s'') TO (''%s'')', lo, hi);
	IF part IS NULL THEN
		SELECT CASE WHEN count(*) > 0
					THEN format('%s and %s', min(substr(c.relname, 9)::integer),
								max(substr(c.relname, 9)::integer)) END INTO seasons
		  FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
		 WHERE i.inhparent = '@extschema@.segment'::regclass
		   AND c.relname ~ '^segment_[0-9]{1,9}$';
		RAISE EXCEPTION 'hdaq.segment has no partition for the year %', drop_season.year
			USING ERRCODE = 'undefined_object',
				  DETAIL = format('A season is a partition hdaq.segment_YYYY holding the segments that start in that year (UTC); hdaq.segment has partitions of its own for years between %s.',
								  coalesce(seasons, 'none')),
				  HINT = 'Delete the files of other years with hdaq.delete_file.';
	END IF;

	SELECT array_agg(DISTINCT c.schema_key) INTO schema_keys
	  FROM @extschema@.file f JOIN @extschema@.channel c USING (file_id)
	 WHERE f.start_ns >= lo AND f.start_ns < hi;

	-- The partition goes at once.  The segments in it of files that began
	-- in an earlier year (recording over New Year's Eve) are kept: put
	-- back after the TRUNCATE.
	EXECUTE format('CREATE TEMPORARY TABLE hdaq_season_keep ON COMMIT DROP AS'
				   ' SELECT s.* FROM %s s JOIN @extschema@.file f USING (file_id)'
				   ' WHERE f.start_ns < %s', part, lo);
	EXECUTE format('TRUNCATE %s', part);
	INSERT INTO @extschema@.segment SELECT * FROM pg_temp.hdaq_season_keep;
	DROP TABLE pg_temp.hdaq_season_keep;

	-- Then the files: their channels, metadata and attachments go by
	-- cascade, and so do their segments in later years (a file that
	-- began on December 31st); none is left in the partition.
	DELETE FROM @extschema@.file f
	 WHERE f.start_ns >= lo AND f.start_ns < hi;
	GET DIAGNOSTICS removed = ROW_COUNT;
	DELETE FROM @extschema@.schema s
	 WHERE s.schema_key = ANY (schema_keys)
	   AND NOT EXISTS (SELECT 1 FROM @extschema@.channel c
					   WHERE c.schema_key = s.schema_key);
	RETURN removed;
END
$$;
COMMENT ON FUNCTION drop_season(integer) IS
	'remove the files that start in a year (UTC): that year''s partition of hdaq.segment is emptied at once; returns the number of files removed';

-- ---------------------------------------------------------------------------
-- From the track to the factory: each base station (an edge) runs its own
-- hdaq, and a central one (the centre) subscribes to every edge with
-- logical replication (README.md says how to set it up).  An edge
-- publishes its tables with hdaq.create_edge_publication(); the centre
-- runs CREATE SUBSCRIPTION once per edge.
--
-- The centre merges what arrives from several edges by the triggers
-- below, made ENABLE REPLICA: they fire only where session_replication_role
-- is replica, that is in the workers that copy and apply a subscription's
-- changes, never for a session's own statements (at an edge they never
-- fire).  In those workers foreign keys are neither checked nor cascaded,
-- and an edge's tables are first copied in parallel, in no set order, so a
-- row may come before the row it belongs to: nothing here relies on that
-- order.
--
--   schema      a schema already stored (same key: the same schema from
--               another edge) is not stored again; a deleted schema that
--               a channel stored here still uses is kept.
--   file        a file whose content (sha256) is already stored under
--               another file_id is not stored: hdaq.file_alias records
--               (file_id -> same_as), its tags are merged into the stored
--               file's (a key it has replaces the stored value, as a
--               re-ingest's tags do), and its channels, metadata and
--               attachments are not stored either (any that came first
--               are deleted).  The same when a file's digest becomes known
--               later (the same log uploaded live at two base stations,
--               or streamed by hdaq.ingest_lo): the copy being completed
--               is deleted here with everything of it, by the trigger of
--               that UPDATE.
--   channel,    rows of an aliased file are not stored; the keys of its
--   metadata,   channels go into hdaq.channel_skipped, and
--   attachment  segments of those channels are not stored.
--   segment
--
-- hdaq.file_edge records which subscription (which edge) each stored file
-- came by.  Later updates and deletes of rows the centre did not store
-- find nothing here, which the apply worker passes over.  A delete at an
-- edge deletes at the centre, unless hdaq.keep_deleted_files(true) was
-- called there: then a complete file deleted at its edge stays at the
-- centre with all its rows (hdaq.deleted_at_edge lists them), while the
-- deletes an edge makes to store a file (a live file's segments
-- rewritten, a file still recording, a duplicate) still apply.
-- ---------------------------------------------------------------------------

CREATE TABLE file_alias (
	file_id bigint PRIMARY KEY,	-- an edge's file, not stored here
	same_as bigint NOT NULL,	-- the stored file with the same content
	aliased_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX file_alias_same_as_idx ON file_alias (same_as);
COMMENT ON TABLE file_alias IS
	'at a centre: files of an edge not stored because the same content was already stored as same_as (which may have been deleted since)';

CREATE TABLE channel_skipped (
	channel_key bigint PRIMARY KEY,
	file_id bigint NOT NULL		-- the aliased file it belongs to
);
COMMENT ON TABLE channel_skipped IS
	'at a centre: channels of aliased files, whose segments are not stored';

CREATE TABLE file_edge (
	file_id bigint PRIMARY KEY REFERENCES file ON DELETE CASCADE,
	edge name NOT NULL			-- the subscription it came by
);
CREATE INDEX file_edge_edge_idx ON file_edge (edge);
COMMENT ON TABLE file_edge IS
	'at a centre: the subscription (the edge) each file replicated from came by';

CREATE TABLE centre_setting (
	keep_deleted_files boolean NOT NULL,
	one_row boolean PRIMARY KEY DEFAULT true CHECK (one_row)
);
COMMENT ON TABLE centre_setting IS
	'at a centre: how it merges its edges (no row: the defaults); set by hdaq.keep_deleted_files';

CREATE TABLE deleted_at_edge (
	file_id bigint PRIMARY KEY REFERENCES file ON DELETE CASCADE,
	deleted_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE deleted_at_edge IS
	'at a centre keeping deleted files: the files deleted at their edge and kept here';

SELECT pg_catalog.pg_extension_config_dump('file_alias', '');
SELECT pg_catalog.pg_extension_config_dump('channel_skipped', '');
SELECT pg_catalog.pg_extension_config_dump('file_edge', '');
SELECT pg_catalog.pg_extension_config_dump('centre_setting', '');
SELECT pg_catalog.pg_extension_config_dump('deleted_at_edge', '');

CREATE FUNCTION create_edge_publication(publication name DEFAULT 'hdaq_edge')
	RETURNS void
	LANGUAGE plpgsql VOLATILE STRICT
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- no truncate: an edge's TRUNCATE would empty the centre's tables,
	-- which hold the files of every edge
	EXECUTE format('CREATE PUBLICATION %1$I FOR TABLE %2$I.file, %2$I.schema,'
				   ' %2$I.channel, %2$I.segment, %2$I.metadata, %2$I.attachment'
				   ' WITH (publish = ''insert, update, delete'','
				   ' publish_via_partition_root = true)',
				   create_edge_publication.publication, '@extschema@');
END
$$;
COMMENT ON FUNCTION create_edge_publication(name) IS
	'at an edge: the publication a centre subscribes to (the stored files, not the state of uploads in progress); needs wal_level = logical';

CREATE FUNCTION keep_deleted_files(keep boolean) RETURNS boolean
	LANGUAGE sql VOLATILE STRICT
	SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO @extschema@.centre_setting AS s (keep_deleted_files)
	VALUES (keep_deleted_files.keep)
	ON CONFLICT (one_row) DO UPDATE SET keep_deleted_files = excluded.keep_deleted_files
	RETURNING s.keep_deleted_files
$$;
COMMENT ON FUNCTION keep_deleted_files(boolean) IS
	'at a centre: whether complete files deleted at their edge are kept here (default false: deletes replicate)';

-- The advisory lock ingest takes on a digest (its first 8 bytes, read as
-- the server's bigint: little-endian here), so that the centre's workers
-- and local ingests of the same content wait for one another.
CREATE FUNCTION sha256_lock_key(sha256 bytea) RETURNS bigint
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT ('x' || string_agg(encode(substring(sha256_lock_key.sha256 FROM i FOR 1), 'hex'),
							  '' ORDER BY i DESC))::bit(64)::bigint
	  FROM generate_series(1, 8) AS i
$$;
COMMENT ON FUNCTION sha256_lock_key(bytea) IS
	'the key of the advisory lock that ingest takes on a file''s digest';

-- The file stored with this digest under another file_id, or NULL; holds
-- the digest's lock until the end of the transaction.
CREATE FUNCTION centre_same_content(file_id bigint, sha256 bytea) RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	same bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(@extschema@.sha256_lock_key(centre_same_content.sha256));
	SELECT f.file_id INTO same FROM @extschema@.file f
	 WHERE f.sha256 = centre_same_content.sha256
	   AND f.file_id <> centre_same_content.file_id;
	RETURN same;
END
$$;
COMMENT ON FUNCTION centre_same_content(bigint, bytea) IS
	'at a centre: the stored file with this content other than file_id, or NULL (takes the digest''s lock)';

-- Record file_id as an alias of same_as, merge its tags into same_as's, and
-- delete whatever of it is stored here.  Foreign keys do not cascade in a
-- replication worker: its rows are deleted one table after the other.
CREATE FUNCTION centre_alias_file(file_id bigint, same_as bigint, tags jsonb)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	fid bigint := centre_alias_file.file_id;
	merged jsonb;
BEGIN
	INSERT INTO @extschema@.file_alias (file_id, same_as)
	VALUES (fid, centre_alias_file.same_as)
	ON CONFLICT DO NOTHING;
	INSERT INTO @extschema@.channel_skipped (channel_key, file_id)
	SELECT c.channel_key, c.file_id FROM @extschema@.channel c WHERE c.file_id = fid
	ON CONFLICT DO NOTHING;
	DELETE FROM @extschema@.segment g
	 WHERE g.channel_key IN (SELECT c.channel_key FROM @extschema@.channel c
							 WHERE c.file_id = fid);
	DELETE FROM @extschema@.channel c WHERE c.file_id = fid;
	DELETE FROM @extschema@.metadata m WHERE m.file_id = fid;
	DELETE FROM @extschema@.attachment a WHERE a.file_id = fid;
	DELETE FROM @extschema@.file f WHERE f.file_id = fid;
	IF coalesce(centre_alias_file.tags, '{}'::jsonb) <> '{}'::jsonb THEN
		-- hdaq.file's properties trigger does not fire in a replication
		-- worker: properties are set here
		UPDATE @extschema@.file f
		   SET tags = f.tags || centre_alias_file.tags,
			   properties = @extschema@.file_properties(f.file_id, f.tags || centre_alias_file.tags)
		 WHERE f.file_id = centre_alias_file.same_as;
	END IF;
END
$$;
COMMENT ON FUNCTION centre_alias_file(bigint, bigint, jsonb) IS
	'at a centre: record an edge''s file as the same as a stored one, merge its tags into it, delete what of it is stored';

CREATE FUNCTION centre_file_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	same bigint;
BEGIN
	IF NEW.sha256 IS NOT NULL THEN
		same := @extschema@.centre_same_content(NEW.file_id, NEW.sha256);
		IF same IS NOT NULL THEN
			PERFORM @extschema@.centre_alias_file(NEW.file_id, same, NEW.tags);
			RETURN NULL;
		END IF;
	END IF;
	-- the worker's subscription (a first copy's worker has its own row)
	INSERT INTO @extschema@.file_edge (file_id, edge)
	SELECT NEW.file_id, s.subname FROM pg_catalog.pg_stat_subscription s
	 WHERE s.pid = pg_catalog.pg_backend_pid()
	ON CONFLICT (file_id) DO UPDATE SET edge = excluded.edge;
	RETURN NEW;
END
$$;

CREATE FUNCTION centre_file_update() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	same bigint;
BEGIN
	IF NEW.sha256 IS NULL OR NEW.sha256 IS NOT DISTINCT FROM OLD.sha256 THEN
		RETURN NEW;
	END IF;
	same := @extschema@.centre_same_content(NEW.file_id, NEW.sha256);
	IF same IS NULL THEN
		RETURN NEW;
	END IF;
	-- deletes the row being updated; returning NULL skips the update
	PERFORM @extschema@.centre_alias_file(OLD.file_id, same, NEW.tags);
	RETURN NULL;
END
$$;

-- A complete file deleted at its edge: kept if the centre keeps them.  A
-- file still recording (no digest yet) is deleted, as is a duplicate the
-- edge removes while storing it.
CREATE FUNCTION centre_file_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF OLD.sha256 IS NOT NULL
	   AND EXISTS (SELECT 1 FROM @extschema@.centre_setting s WHERE s.keep_deleted_files) THEN
		INSERT INTO @extschema@.deleted_at_edge (file_id) VALUES (OLD.file_id)
		ON CONFLICT DO NOTHING;
		RETURN NULL;
	END IF;
	-- (foreign keys do not cascade in a replication worker)
	DELETE FROM @extschema@.file_edge e WHERE e.file_id = OLD.file_id;
	RETURN OLD;
END
$$;

CREATE FUNCTION centre_schema_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(NEW.schema_key);
	IF EXISTS (SELECT 1 FROM @extschema@.schema s WHERE s.schema_key = NEW.schema_key) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

-- An edge deletes a schema none of its own files uses any more; files
-- from other edges may still use it here.
CREATE FUNCTION centre_schema_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.channel c WHERE c.schema_key = OLD.schema_key) THEN
		RETURN NULL;
	END IF;
	RETURN OLD;
END
$$;

CREATE FUNCTION centre_channel_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.file_alias a WHERE a.file_id = NEW.file_id) THEN
		INSERT INTO @extschema@.channel_skipped (channel_key, file_id)
		VALUES (NEW.channel_key, NEW.file_id) ON CONFLICT DO NOTHING;
		-- segments copied before their channel
		DELETE FROM @extschema@.segment g WHERE g.channel_key = NEW.channel_key;
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

-- metadata and attachment
CREATE FUNCTION centre_file_part_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.file_alias a WHERE a.file_id = NEW.file_id) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

CREATE FUNCTION centre_segment_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.channel_skipped k WHERE k.channel_key = NEW.channel_key) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;

-- channel, metadata and attachment rows of a kept file
CREATE FUNCTION centre_file_part_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.deleted_at_edge d WHERE d.file_id = OLD.file_id) THEN
		RETURN NULL;
	END IF;
	RETURN OLD;
END
$$;

CREATE FUNCTION centre_segment_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM @extschema@.channel c
				 JOIN @extschema@.deleted_at_edge d ON d.file_id = c.file_id
				WHERE c.channel_key = OLD.channel_key) THEN
		RETURN NULL;
	END IF;
	RETURN OLD;
END
$$;

COMMENT ON FUNCTION centre_file_insert() IS
	'at a centre: a file whose content is stored under another file_id is recorded as its alias, not stored; a file stored is recorded with its edge';
COMMENT ON FUNCTION centre_file_update() IS
	'at a centre: a file whose digest becomes one stored under another file_id is deleted and recorded as its alias';
COMMENT ON FUNCTION centre_file_delete() IS
	'at a centre: a file deleted at its edge is deleted, unless it is complete and the centre keeps deleted files';
COMMENT ON FUNCTION centre_schema_insert() IS
	'at a centre: a schema already stored is not stored again';
COMMENT ON FUNCTION centre_schema_delete() IS
	'at a centre: a schema still used by a stored channel is not deleted';
COMMENT ON FUNCTION centre_channel_insert() IS
	'at a centre: channels of aliased files are not stored';
COMMENT ON FUNCTION centre_file_part_insert() IS
	'at a centre: metadata and attachments of aliased files are not stored';
COMMENT ON FUNCTION centre_segment_insert() IS
	'at a centre: segments of channels not stored are not stored';
COMMENT ON FUNCTION centre_file_part_delete() IS
	'at a centre keeping deleted files: the channels, metadata and attachments of a kept file stay';
COMMENT ON FUNCTION centre_segment_delete() IS
	'at a centre keeping deleted files: the segments of a kept file stay';

CREATE TRIGGER centre_insert BEFORE INSERT ON file
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_insert();
CREATE TRIGGER centre_update BEFORE UPDATE ON file
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_update();
CREATE TRIGGER centre_delete BEFORE DELETE ON file
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_delete();
CREATE TRIGGER centre_insert BEFORE INSERT ON schema
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_schema_insert();
CREATE TRIGGER centre_delete BEFORE DELETE ON schema
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_schema_delete();
CREATE TRIGGER centre_insert BEFORE INSERT ON channel
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_channel_insert();
CREATE TRIGGER centre_delete BEFORE DELETE ON channel
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_part_delete();
CREATE TRIGGER centre_insert BEFORE INSERT ON segment
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_segment_insert();
CREATE TRIGGER centre_delete BEFORE DELETE ON segment
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_segment_delete();
CREATE TRIGGER centre_insert BEFORE INSERT ON metadata
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_part_insert();
CREATE TRIGGER centre_delete BEFORE DELETE ON metadata
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_part_delete();
CREATE TRIGGER centre_insert BEFORE INSERT ON attachment
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_part_insert();
CREATE TRIGGER centre_delete BEFORE DELETE ON attachment
	FOR EACH ROW EXECUTE FUNCTION @extschema@.centre_file_part_delete();

ALTER TABLE file ENABLE REPLICA TRIGGER centre_insert;
ALTER TABLE file ENABLE REPLICA TRIGGER centre_update;
ALTER TABLE file ENABLE REPLICA TRIGGER centre_delete;
ALTER TABLE schema ENABLE REPLICA TRIGGER centre_insert;
ALTER TABLE schema ENABLE REPLICA TRIGGER centre_delete;
ALTER TABLE channel ENABLE REPLICA TRIGGER centre_insert;
ALTER TABLE channel ENABLE REPLICA TRIGGER centre_delete;
ALTER TABLE segment ENABLE REPLICA TRIGGER centre_insert;
ALTER TABLE segment ENABLE REPLICA TRIGGER centre_delete;
ALTER TABLE metadata ENABLE REPLICA TRIGGER centre_insert;
ALTER TABLE metadata ENABLE REPLICA TRIGGER centre_delete;
ALTER TABLE attachment ENABLE REPLICA TRIGGER centre_insert;
ALTER TABLE attachment ENABLE REPLICA TRIGGER centre_delete;

-- ---------------------------------------------------------------------------
-- Many runs in one store: finding the channels a read needs stays an index
-- probe however many files are stored (bench/many_files.py measures it).
--
-- channel_topic_file_idx: one topic of one file.  The statement filters on
-- file_id + 0 (so that stale statistics never make the planner read every
-- channel of a large file through (file_id, channel_id), once per topic);
-- without an index on that expression it read every channel of the topic,
-- one per stored file.
--
-- channel_time_idx: the channels of every file that overlap a time range.
-- [start_ns, end_ns] as an int8range, written [start_ns, end_ns + 1) with
-- no upper bound for a channel ending at the largest time, so that the
-- expression cannot overflow; the statements compare it with the range
-- asked for, written the same way.  Without it a window across runs read
-- every channel of the topic.
-- ---------------------------------------------------------------------------

CREATE INDEX channel_topic_file_idx ON channel (topic, (file_id + 0));

CREATE INDEX channel_time_idx ON channel USING gist
	(int8range(start_ns, CASE WHEN end_ns < 9223372036854775807 THEN end_ns + 1 END))
	WHERE message_count > 0;

-- ---------------------------------------------------------------------------
-- The message relation: hdaq.message holds every stored message as a row,
-- as hdaq.messages() returns them, for queries that select by WHERE, join
-- and order as with any table:
--   SELECT log_time, data FROM hdaq.message
--    WHERE file_id = 42 AND topic = '/imu'
--      AND log_time BETWEEN '2026-03-01T10:00:00Z' AND '2026-03-01T10:05:00Z'
--    ORDER BY log_time;
-- It is a foreign table of hdaq's own foreign-data wrapper, hdaq_fdw,
-- which reads hdaq.segment through the same scan as the functions.  Its
-- scan takes file_id (= and IN), topic (=, IN, = ANY) and ranges of
-- log_time and log_time_ns (BETWEEN, as Grafana's $__timeFilter writes
-- it), reads only the segments that can match, returns rows in log-time
-- order (ORDER BY log_time needs no sort) one at a time (LIMIT stops the
-- reading), and probes per file in a join (hdaq.file f JOIN hdaq.message m
-- USING (file_id) WHERE f.tags->>'driver' = 'A').  A WHERE that matches
-- nothing returns no rows.  It is read only.
-- ---------------------------------------------------------------------------

CREATE FUNCTION message_fdw_handler()
	RETURNS fdw_handler
	AS 'MODULE_PATHNAME', 'hdaq_message_fdw_handler'
	LANGUAGE C STRICT;
COMMENT ON FUNCTION message_fdw_handler() IS
	'the callbacks of the foreign-data wrapper hdaq_fdw (hdaq.message)';

CREATE FUNCTION message_fdw_validator(text[], oid)
	RETURNS void
	AS 'MODULE_PATHNAME', 'hdaq_message_fdw_validator'
	LANGUAGE C STRICT;
COMMENT ON FUNCTION message_fdw_validator(text[], oid) IS
	'hdaq_fdw takes no options';

CREATE FOREIGN DATA WRAPPER hdaq_fdw
	HANDLER message_fdw_handler
	VALIDATOR message_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER hdaq_fdw IS
	'reads the messages hdaq stores (hdaq.message)';

CREATE SERVER hdaq_store FOREIGN DATA WRAPPER hdaq_fdw;
COMMENT ON SERVER hdaq_store IS 'the messages stored in this database''s hdaq tables';

CREATE FOREIGN TABLE message (
	file_id bigint,
	topic text,
	log_time timestamptz,		-- log_time_ns truncated to the microsecond
	log_time_ns bigint,
	publish_time_ns bigint,
	sequence bigint,
	data bytea
) SERVER hdaq_store;
COMMENT ON FOREIGN TABLE message IS
	'every stored message, in log-time order; WHERE on file_id, topic, log_time and log_time_ns reads only what can match';

-- ---------------------------------------------------------------------------
-- The sample relation: hdaq.sample holds the decoded numeric samples, one
-- row per message and numeric leaf (path) of the topics and paths its WHERE
-- names, with the values hdaq.signal returns, for a Grafana panel on the
-- stock PostgreSQL data source:
--   SELECT $__timeGroupAlias(time, $__interval), avg(value) FROM hdaq.sample
--    WHERE topic = 'VehicleData' AND path = 'current_rpms.FL'
--      AND $__timeFilter(time)
--    GROUP BY 1 ORDER BY 1
-- A second foreign table of hdaq_fdw: a column named path makes it a
-- sample relation.  Its scan needs topic (=, IN, = ANY) and path (=, IN,
-- = ANY) in WHERE (22023 otherwise), takes file_id and time ranges as
-- hdaq.message does, returns rows in time order, and calls a file that is
-- not stored, a topic no file has and a path the schema rules out errors.
-- ---------------------------------------------------------------------------

CREATE FOREIGN TABLE sample (
	file_id bigint,
	topic text,
	path text,
	time timestamptz,			-- time_ns truncated to the microsecond
	time_ns bigint,				-- the message's log time
	value double precision		-- NULL where the message lacks the leaf
) SERVER hdaq_store;
COMMENT ON FOREIGN TABLE sample IS
	'decoded numeric samples: one row per message and path of the topics and paths named in WHERE (both required), in time order; values as hdaq.signal returns them';
COMMENT ON FOREIGN DATA WRAPPER hdaq_fdw IS
	'reads the messages hdaq stores (hdaq.message, and their numeric leaves in hdaq.sample)';
COMMENT ON FUNCTION message_fdw_handler() IS
	'the callbacks of the foreign-data wrapper hdaq_fdw (hdaq.message, hdaq.sample)';

-- ---------------------------------------------------------------------------
-- Tracks and laps.  hdaq.track holds circuits: a start/finish gate (a line
-- across the track: lat1, lon1, lat2, lon2 in degrees), optional split
-- gates after it (a 2-D array, one gate of four numbers per row), and the
-- length of a lap.  hdaq.laps(file_id, track) finds a run's laps where its
-- GPS path crosses the gate, each crossing placed between the two fixes
-- around it; lap 0 is the out-lap (from the first fix), the last one the
-- in-lap (to the last fix); valid laps are whole laps of about the
-- track's length.  hdaq.detect_laps stores them in hdaq.lap (recomputed
-- on each call); hdaq.distance is a run's distance at each fix (haversine
-- between fixes), an axis for plots; hdaq.track_from_run fits a gate to a
-- run.  GPS is VnInsData lat_deg/lon_deg unless the call names another
-- topic and leaves.
-- ---------------------------------------------------------------------------

-- Whether an array of numbers holds no NULL (of any dimensions).
CREATE FUNCTION no_nulls(a double precision[]) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(bool_and(x IS NOT NULL), true) FROM unnest(a) x
$$;
COMMENT ON FUNCTION no_nulls(double precision[]) IS 'whether an array of numbers holds no NULL';

CREATE TABLE track (
	name text PRIMARY KEY,
	gate double precision[] NOT NULL
		CHECK (array_ndims(gate) = 1 AND cardinality(gate) = 4 AND no_nulls(gate)),
	splits double precision[]
		CHECK (splits IS NULL OR cardinality(splits) = 0
			   OR (array_ndims(splits) = 2 AND array_length(splits, 2) = 4
				   AND no_nulls(splits))),
	length_m double precision CHECK (length_m > 0),
	notes text,
	created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE track IS
	'circuits: start/finish gate {lat1, lon1, lat2, lon2} across the track, split gates {{...}, ...}, lap length in metres';
SELECT pg_catalog.pg_extension_config_dump('track', '');

CREATE FUNCTION gate_laps(file_id bigint, gate double precision[],
						  splits double precision[] DEFAULT NULL,
						  min_lap_m double precision DEFAULT 0,
						  gps_topic text DEFAULT 'VnInsData',
						  lat_path text DEFAULT 'lat_deg',
						  lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (lap integer, start_time timestamptz, end_time timestamptz,
				   start_ns bigint, end_ns bigint, lap_time_s double precision,
				   distance_m double precision, out_lap boolean, in_lap boolean,
				   split_times_s double precision[])
	AS 'MODULE_PATHNAME', 'hdaq_gate_laps'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION gate_laps(bigint, double precision[], double precision[], double precision, text, text, text) IS
	'a run''s laps at a start/finish gate {lat1, lon1, lat2, lon2}, crossings interpolated between GPS fixes; split times in seconds since each lap''s start';

CREATE FUNCTION distance(file_id bigint,
						 gps_topic text DEFAULT 'VnInsData',
						 lat_path text DEFAULT 'lat_deg',
						 lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE ("time" timestamptz, time_ns bigint, distance_m double precision,
				   lat double precision, lon double precision)
	AS 'MODULE_PATHNAME', 'hdaq_distance'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION distance(bigint, text, text, text) IS
	'a run''s distance in metres from its first GPS fix, at each fix (haversine between fixes), with the fix';

-- A track by name, or the error every hdaq function raises for a name
-- that does not exist.
CREATE FUNCTION track_named(track text) RETURNS track
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t @extschema@.track;
	names text;
BEGIN
	IF track IS NULL THEN
		RAISE EXCEPTION 'track must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO t FROM @extschema@.track k WHERE k.name = track_named.track;
	IF NOT FOUND THEN
		SELECT string_agg(quote_literal(k.name), ', ' ORDER BY k.name) INTO names
		  FROM @extschema@.track k;
		RAISE EXCEPTION 'track "%" does not exist', track
			USING ERRCODE = 'undefined_object',
				  DETAIL = CASE WHEN names IS NULL THEN 'No track is stored.'
							ELSE 'Stored tracks: ' || names || '.' END,
				  HINT = 'INSERT INTO hdaq.track (name, gate, length_m) adds one; hdaq.track_from_run(file_id, name) fits one to a run.';
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION track_named(text) IS 'the stored track of that name; an error if there is none';

CREATE FUNCTION laps(file_id bigint, track text,
					 gps_topic text DEFAULT 'VnInsData',
					 lat_path text DEFAULT 'lat_deg',
					 lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (lap integer, start_time timestamptz, end_time timestamptz,
				   start_ns bigint, end_ns bigint, lap_time_s double precision,
				   distance_m double precision, out_lap boolean, in_lap boolean,
				   valid boolean, split_times_s double precision[])
	LANGUAGE plpgsql STABLE ROWS 20
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t @extschema@.track := @extschema@.track_named(laps.track);
BEGIN
	RETURN QUERY
	SELECT g.lap, g.start_time, g.end_time, g.start_ns, g.end_ns, g.lap_time_s,
		   g.distance_m, g.out_lap, g.in_lap,
		   NOT g.out_lap AND NOT g.in_lap
			   AND (t.length_m IS NULL OR abs(g.distance_m - t.length_m) <= 0.05 * t.length_m),
		   g.split_times_s
	  FROM @extschema@.gate_laps(laps.file_id, t.gate, t.splits,
								 coalesce(0.5 * t.length_m, 100),
								 laps.gps_topic, laps.lat_path, laps.lon_path) g;
END
$$;
COMMENT ON FUNCTION laps(bigint, text, text, text, text) IS
	'a run''s laps on a stored track: lap 0 the out-lap, the last the in-lap; valid: a whole lap within 5 % of the track''s length';

CREATE TABLE lap (
	file_id bigint NOT NULL REFERENCES file (file_id) ON DELETE CASCADE,
	track text NOT NULL REFERENCES track (name) ON DELETE CASCADE ON UPDATE CASCADE,
	lap integer NOT NULL,
	start_time timestamptz NOT NULL,
	end_time timestamptz NOT NULL,
	start_ns bigint NOT NULL,
	end_ns bigint NOT NULL,
	lap_time_s double precision NOT NULL,
	distance_m double precision NOT NULL,
	out_lap boolean NOT NULL,
	in_lap boolean NOT NULL,
	valid boolean NOT NULL,
	split_times_s double precision[],
	PRIMARY KEY (file_id, track, lap)
);
COMMENT ON TABLE lap IS
	'laps stored by hdaq.detect_laps(file_id, track): what hdaq.laps returned then';
SELECT pg_catalog.pg_extension_config_dump('lap', '');

CREATE FUNCTION detect_laps(file_id bigint, track text,
							gps_topic text DEFAULT 'VnInsData',
							lat_path text DEFAULT 'lat_deg',
							lon_path text DEFAULT 'lon_deg')
	RETURNS SETOF lap
	LANGUAGE plpgsql VOLATILE ROWS 20
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.lap l
	 WHERE l.file_id = detect_laps.file_id AND l.track = detect_laps.track;
	RETURN QUERY
	INSERT INTO @extschema@.lap
	SELECT detect_laps.file_id, detect_laps.track, x.*
	  FROM @extschema@.laps(detect_laps.file_id, detect_laps.track,
							detect_laps.gps_topic, detect_laps.lat_path,
							detect_laps.lon_path) x
	RETURNING *;
END
$$;
COMMENT ON FUNCTION detect_laps(bigint, text, text, text, text) IS
	'finds a run''s laps on a track and stores them in hdaq.lap in place of those stored before';

-- A track fitted to a run: the start/finish gate across the car's path
-- where it was at `at` (by default where it had covered 50 m), 2 x
-- half_width_m wide and square to its heading there; the length is the
-- median distance of the run's whole laps through that gate (NULL if it
-- has none).  The track is stored under `name` and returned.
CREATE FUNCTION track_from_run(file_id bigint, name text,
							   at timestamptz DEFAULT NULL,
							   half_width_m double precision DEFAULT 12,
							   gps_topic text DEFAULT 'VnInsData',
							   lat_path text DEFAULT 'lat_deg',
							   lon_path text DEFAULT 'lon_deg')
	RETURNS track
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m_per_deg constant double precision := 6371008.8 * pi() / 180;
	g record;
	east double precision;
	north double precision;
	norm double precision;
	gate double precision[];
	len double precision;
	t @extschema@.track;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'name must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT (half_width_m > 0 AND half_width_m <= 1000) THEN
		RAISE EXCEPTION 'half_width_m must be above 0 and at most 1000, not %', half_width_m
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	WITH d AS MATERIALIZED (
		SELECT * FROM @extschema@.distance(track_from_run.file_id, gps_topic, lat_path, lon_path)),
	c AS (SELECT * FROM d
		   WHERE CASE WHEN at IS NULL THEN d.distance_m >= 50 ELSE d."time" >= at END
		   ORDER BY d.time_ns LIMIT 1),
	b AS (SELECT d.* FROM d, c WHERE d.distance_m <= c.distance_m - 5
		   ORDER BY d.time_ns DESC LIMIT 1),
	a AS (SELECT d.* FROM d, c WHERE d.distance_m >= c.distance_m + 5
		   ORDER BY d.time_ns LIMIT 1)
	SELECT c.lat, c.lon, c."time", b.lat AS b_lat, b.lon AS b_lon,
		   a.lat AS a_lat, a.lon AS a_lon
	  INTO g
	  FROM c LEFT JOIN b ON true LEFT JOIN a ON true;
	IF g.lat IS NULL OR g.b_lat IS NULL OR g.a_lat IS NULL THEN
		RAISE EXCEPTION 'file % has no GPS path to fit a gate to %', file_id,
			CASE WHEN at IS NULL THEN 'after its first 50 m' ELSE 'at ' || at END
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The gate needs fixes of %s (%s, %s) 5 m before and after the point.',
								  gps_topic, lat_path, lon_path),
				  HINT = 'Give another time (at =>), or the run''s GPS topic and leaves.';
	END IF;
	east := (g.a_lon - g.b_lon) * m_per_deg * cos(radians(g.lat));
	north := (g.a_lat - g.b_lat) * m_per_deg;
	norm := sqrt(east * east + north * north);
	-- the ends lie left and right of the heading, half_width_m away
	gate := ARRAY[g.lat + half_width_m * (east / norm) / m_per_deg,
				  g.lon - half_width_m * (north / norm) / (m_per_deg * cos(radians(g.lat))),
				  g.lat - half_width_m * (east / norm) / m_per_deg,
				  g.lon + half_width_m * (north / norm) / (m_per_deg * cos(radians(g.lat)))];
	SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l.distance_m) INTO len
	  FROM @extschema@.gate_laps(track_from_run.file_id, gate, NULL, 100,
								 gps_topic, lat_path, lon_path) l
	 WHERE NOT l.out_lap AND NOT l.in_lap;
	INSERT INTO @extschema@.track (name, gate, length_m, notes)
	VALUES (track_from_run.name, gate, len,
			format('fitted to file %s at %s', track_from_run.file_id, g."time"))
	RETURNING * INTO t;
	RETURN t;
END
$$;
COMMENT ON FUNCTION track_from_run(bigint, text, timestamptz, double precision, text, text, text) IS
	'stores and returns a track whose start/finish gate crosses the run''s path at a time (default: after 50 m); length from its whole laps';

-- ---------------------------------------------------------------------------
-- Time variance between laps (delta-T).  hdaq.lap_profile(file_id, track,
-- lap) is a lap's time against the distance covered since its start line
-- (a point per GPS fix, the start at 0 and the finish at the lap's own
-- distance and time); hdaq.delta_t(file_id, track, ref_lap, lap, ...) is
-- how far behind the reference lap (ref_file_id's, by default the same
-- run's) a lap is at each step_m metres of distance, both times read off
-- their profiles by linear interpolation, up to the shorter of the two
-- laps' distances: positive where the lap loses time.
-- ---------------------------------------------------------------------------

CREATE FUNCTION lap_profile(file_id bigint, track text, lap integer,
							gps_topic text DEFAULT 'VnInsData',
							lat_path text DEFAULT 'lat_deg',
							lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (distance_m double precision, time_s double precision)
	LANGUAGE plpgsql STABLE ROWS 3000
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	l record;
BEGIN
	SELECT * INTO l FROM @extschema@.laps(lap_profile.file_id, lap_profile.track,
										  gps_topic, lat_path, lon_path) x
	 WHERE x.lap = lap_profile.lap;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'file % has no lap % on track "%"', file_id, lap, track
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = format('SELECT lap FROM hdaq.laps(%s, %L) lists its laps.', file_id, track);
	END IF;
	RETURN QUERY
	WITH d AS MATERIALIZED (
		SELECT x.time_ns, x.distance_m
		  FROM @extschema@.distance(lap_profile.file_id, gps_topic, lat_path, lon_path) x),
	-- the distance at the start line, between the fixes either side of it
	b AS (SELECT d.* FROM d WHERE d.time_ns <= l.start_ns ORDER BY d.time_ns DESC LIMIT 1),
	a AS (SELECT d.* FROM d WHERE d.time_ns >= l.start_ns ORDER BY d.time_ns LIMIT 1),
	s AS (SELECT CASE WHEN a.time_ns = b.time_ns THEN b.distance_m
					  ELSE b.distance_m + (a.distance_m - b.distance_m)
						   * (l.start_ns - b.time_ns)::double precision / (a.time_ns - b.time_ns) END AS d0
			FROM a, b)
	SELECT 0::double precision, 0::double precision
	UNION ALL
	(SELECT d.distance_m - s.d0, (d.time_ns - l.start_ns) / 1e9::double precision
	   FROM d, s
	  WHERE d.time_ns > l.start_ns AND d.time_ns < l.end_ns
	  ORDER BY d.time_ns)
	UNION ALL
	SELECT l.distance_m, l.lap_time_s;
END
$$;
COMMENT ON FUNCTION lap_profile(bigint, text, integer, text, text, text) IS
	'a lap''s time (s since its start) against its distance (m since its start), a point per GPS fix';

-- The time at distance g on a profile (distances ascending), by linear
-- interpolation; i is where to start looking, and is moved on.  With the
-- arrays swapped, the distance at a time (hdaq.lap_signal).
CREATE FUNCTION profile_time_at(dist double precision[], times double precision[],
								g double precision, INOUT i integer, OUT t double precision)
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n integer := cardinality(dist);
BEGIN
	WHILE i < n - 1 AND dist[i + 1] < g LOOP
		i := i + 1;
	END LOOP;
	IF dist[i + 1] = dist[i] THEN
		t := times[i + 1];
	ELSE
		t := times[i] + (times[i + 1] - times[i]) * (g - dist[i]) / (dist[i + 1] - dist[i]);
	END IF;
END
$$;
COMMENT ON FUNCTION profile_time_at(double precision[], double precision[], double precision, integer) IS
	'hdaq.delta_t''s interpolation: the time at a distance on a lap''s profile';

CREATE FUNCTION delta_t(file_id bigint, track text, ref_lap integer, lap integer,
						ref_file_id bigint DEFAULT NULL,
						step_m double precision DEFAULT 1,
						gps_topic text DEFAULT 'VnInsData',
						lat_path text DEFAULT 'lat_deg',
						lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (distance_m double precision, ref_time_s double precision,
				   time_s double precision, delta_s double precision)
	LANGUAGE plpgsql STABLE ROWS 1000
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ref_d double precision[];
	ref_t double precision[];
	d double precision[];
	t double precision[];
	len double precision;
	g double precision := 0;
	i integer := 1;
	j integer := 1;
	a double precision;
	b double precision;
BEGIN
	IF NOT (step_m >= 0.01 AND step_m <= 10000) THEN
		RAISE EXCEPTION 'step_m must be between 0.01 and 10000, not %', step_m
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT array_agg(p.distance_m), array_agg(p.time_s) INTO ref_d, ref_t
	  FROM @extschema@.lap_profile(coalesce(ref_file_id, delta_t.file_id), track, ref_lap,
								   gps_topic, lat_path, lon_path) p;
	SELECT array_agg(p.distance_m), array_agg(p.time_s) INTO d, t
	  FROM @extschema@.lap_profile(delta_t.file_id, track, lap,
								   gps_topic, lat_path, lon_path) p;
	len := least(ref_d[cardinality(ref_d)], d[cardinality(d)]);
	LOOP
		IF g > len THEN
			g := len;			-- the last point: the shorter lap's finish
		END IF;
		SELECT x.i, x.t INTO i, a FROM @extschema@.profile_time_at(ref_d, ref_t, g, i) x;
		SELECT x.i, x.t INTO j, b FROM @extschema@.profile_time_at(d, t, g, j) x;
		distance_m := g;
		ref_time_s := a;
		time_s := b;
		delta_s := b - a;
		RETURN NEXT;
		EXIT WHEN g >= len;
		g := g + step_m;
	END LOOP;
END
$$;
COMMENT ON FUNCTION delta_t(bigint, text, integer, integer, bigint, double precision, text, text, text) IS
	'time variance: how far behind a reference lap a lap is at each step_m metres (positive: losing time)';

-- ---------------------------------------------------------------------------
-- Laps from a lap trigger: a topic whose messages carry a lap count and
-- the last lap's time (the car's LapTime: lapcount, laptime_seconds), for
-- runs timed by a beacon or the dash rather than by GPS.  A lap is
-- reported by the first message whose count is above the one before it
-- (the first message reports none: the count it starts at may be a lap
-- completed before the log began);
-- its end is that message's log time (when the trigger reported it: up to
-- one period of the topic after the line) and its time the one it carries.
-- ---------------------------------------------------------------------------

CREATE FUNCTION trigger_laps(file_id bigint,
							 topic text DEFAULT 'LapTime',
							 count_path text DEFAULT 'lapcount',
							 time_path text DEFAULT 'laptime_seconds')
	RETURNS TABLE (lap integer, reported_at timestamptz, lap_time_s double precision)
	LANGUAGE sql STABLE ROWS 20
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.value::integer, c."time", t.value
	  FROM (SELECT s."time", s.value, lag(s.value) OVER (ORDER BY s."time") AS before
			  FROM @extschema@.signal(trigger_laps.topic, trigger_laps.count_path,
									  file_id => trigger_laps.file_id) s) c
	  JOIN @extschema@.signal(trigger_laps.topic, trigger_laps.time_path,
							  file_id => trigger_laps.file_id) t ON t."time" = c."time"
	 WHERE c.value > c.before
	 ORDER BY c."time"
$$;
COMMENT ON FUNCTION trigger_laps(bigint, text, text, text) IS
	'laps from a lap-trigger topic (lap count and last lap time), as (lap, reported_at, lap_time_s)';

-- ---------------------------------------------------------------------------
-- Any signal against distance into a lap: hdaq.lap_signal(file_id, track,
-- lap, topic, path) is each sample of the signal in the lap with the
-- distance the car had covered since the lap's start line when it was
-- logged (read off the lap's profile, hdaq.lap_profile, by linear
-- interpolation in time) and the time since the start: two laps' rows
-- overlay on one distance axis (Grafana's XY chart, a MATLAB plot).
-- ---------------------------------------------------------------------------

CREATE FUNCTION lap_signal(file_id bigint, track text, lap integer,
						   topic text, path text,
						   gps_topic text DEFAULT 'VnInsData',
						   lat_path text DEFAULT 'lat_deg',
						   lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (distance_m double precision, time_s double precision,
				   value double precision)
	LANGUAGE plpgsql STABLE ROWS 5000
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	l record;
	d double precision[];
	t double precision[];
	i integer := 1;
	r record;
BEGIN
	SELECT * INTO l FROM @extschema@.laps(lap_signal.file_id, lap_signal.track,
										  gps_topic, lat_path, lon_path) x
	 WHERE x.lap = lap_signal.lap;
	SELECT array_agg(p.distance_m), array_agg(p.time_s) INTO d, t
	  FROM @extschema@.lap_profile(lap_signal.file_id, lap_signal.track, lap_signal.lap,
								   gps_topic, lat_path, lon_path) p;
	FOR r IN
		SELECT (@extschema@.timestamptz_to_ns(s."time") - l.start_ns) / 1e9::double precision AS ts,
			   s.value
		  FROM @extschema@.signal(lap_signal.topic, lap_signal.path, l.start_time, l.end_time,
								  lap_signal.file_id) s
	LOOP
		time_s := greatest(0, least(r.ts, l.lap_time_s));
		-- the profile read the other way: distance at a time
		SELECT x.i, x.t INTO i, distance_m FROM @extschema@.profile_time_at(t, d, time_s, i) x;
		value := r.value;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION lap_signal(bigint, text, integer, text, text, text, text, text) IS
	'a signal''s samples in a lap with the distance (m) and time (s) since the lap''s start: an axis to overlay laps';

-- Leaf blocks: each numeric leaf of a channel (a path without arrays or
-- maps, read as hdaq.signal reads it) also kept as runs of (time, value),
-- times as deltas of deltas and values as Gorilla XOR or integer deltas,
-- compressed (src/column), each block with its summary.  hdaq.signal and
-- hdaq.signal_stats read them when a channel has them and decode the
-- messages otherwise, with the same results; whole blocks in a time range
-- are answered from their summaries without being decompressed.
--
-- Blocks are derived from the segments, which stay: a leaf gets blocks
-- only when every message of its channel decodes and holds it.  They are
-- built when a file is stored (hdaq.leaf_blocks = on), by
-- hdaq.build_leaf_blocks(file_id), and here for the files a 0.1.0 store
-- holds.  They are not published to a centre: a centre builds them with
-- hdaq.build_leaf_blocks (until then its reads decode the messages).
-- Not partitioned: a file's blocks are a few percent of its segments and
-- go with its channels (ON DELETE CASCADE; at a centre by the trigger
-- below, since foreign keys do not cascade in a replication worker).
-- ---------------------------------------------------------------------------

CREATE TABLE leaf_block (
	file_id bigint NOT NULL,	-- the channel's file
	channel_key bigint NOT NULL REFERENCES channel ON DELETE CASCADE,
	path text NOT NULL,			-- the leaf, as hdaq.signal takes it
	start_ns bigint NOT NULL,	-- the first value's log time
	ord integer NOT NULL,		-- order of the block within its leaf
	end_ns bigint NOT NULL,		-- the last value's log time
	value_count integer NOT NULL,
	min_value float8 NOT NULL,	-- float8 order: NaN above every number
	min_ns bigint NOT NULL,		-- the first time the minimum occurs
	max_value float8 NOT NULL,
	max_ns bigint NOT NULL,
	first_value float8 NOT NULL,
	last_value float8 NOT NULL,
	sum_value float8 NOT NULL,
	data bytea NOT NULL,		-- encoded and compressed (src/column/column.h)
	PRIMARY KEY (channel_key, path, start_ns, ord)
);
ALTER TABLE leaf_block ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX leaf_block_file_idx ON leaf_block (file_id);
COMMENT ON TABLE leaf_block IS
	'numeric leaves of stored messages as compressed runs of (time, value) with their summaries; derived from hdaq.segment';
SELECT pg_catalog.pg_extension_config_dump('leaf_block', '');

CREATE FUNCTION centre_channel_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.leaf_block b WHERE b.channel_key = OLD.channel_key;
	RETURN OLD;
END
$$;
COMMENT ON FUNCTION centre_channel_delete() IS
	'at a centre: a channel deleted by replication takes its leaf blocks with it';
CREATE TRIGGER centre_leaf_blocks AFTER DELETE ON channel
	FOR EACH ROW EXECUTE FUNCTION centre_channel_delete();
ALTER TABLE channel ENABLE REPLICA TRIGGER centre_leaf_blocks;

CREATE FUNCTION build_leaf_blocks(file_id bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'hdaq_build_leaf_blocks'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION build_leaf_blocks(bigint) IS
	'(re)build the leaf blocks of a stored file; returns the number of blocks written';

CREATE FUNCTION signal_stats(topic text, path text,
							 start_time timestamptz DEFAULT NULL,
							 end_time timestamptz DEFAULT NULL,
							 file_id bigint DEFAULT NULL)
	RETURNS TABLE (count bigint, min double precision, min_time timestamptz,
				   max double precision, max_time timestamptz,
				   mean double precision,
				   first double precision, first_time timestamptz,
				   last double precision, last_time timestamptz)
	AS 'MODULE_PATHNAME', 'hdaq_signal_stats'
	LANGUAGE C STABLE;
COMMENT ON FUNCTION signal_stats(text, text, timestamptz, timestamptz, bigint) IS
	'count, min, max (with their first times), mean, first and last of one numeric leaf over a time range, from leaf block summaries where whole blocks lie in it';

-- the files stored by 0.1.0
SELECT build_leaf_blocks(f.file_id) FROM file f ORDER BY f.file_id;

-- The message relation's decoded column: data_json is data decoded to
-- jsonb, as hdaq.messages_json returns it, computed only when a query reads
-- it (a scan that does not name it pays nothing):
--   SELECT log_time, data_json->'current_rpms'->>'FL' FROM hdaq.message
--    WHERE file_id = 42 AND topic = 'VehicleData';
-- A message that cannot be decoded is an error naming its file, topic and
-- log time (data holds its raw bytes).
-- ---------------------------------------------------------------------------

ALTER FOREIGN TABLE message ADD COLUMN data_json jsonb;
COMMENT ON COLUMN message.data_json IS
	'data decoded to jsonb as hdaq.messages_json gives it; decoded only when read';

-- ---------------------------------------------------------------------------
-- Signals on a common axis.  hdaq.resample(paths, step, file_id, ...) is
-- several signals of a run (or of one of its laps) on one grid of time or
-- distance, x = 0, step, 2 step, ... from the start of the window (its
-- start_time, the lap's start line, or the file's first message), one
-- column per path: called with a column definition list
--   AS r(x double precision, speed double precision, rpm double precision)
-- (x may be timestamptz on the time axis).  Floating-point leaves are
-- interpolated linearly between the samples either side of a point;
-- integer, bool and enum leaves (as hdaq.fields types them) take the last
-- sample at or before it.  On the distance axis a point's time is read off
-- the lap's profile (hdaq.lap_profile) or the run's GPS distance
-- (hdaq.distance) as hdaq.delta_t reads it.  hdaq.resample_array is the
-- same as (x, y double precision[]) for clients that cannot write a column
-- list; hdaq.lap_overlay puts laps of one run or of several on one
-- distance grid, with each lap's time since its start line.
-- ---------------------------------------------------------------------------

CREATE FUNCTION resample(paths text[], step double precision, file_id bigint,
						 start_time timestamptz DEFAULT NULL,
						 end_time timestamptz DEFAULT NULL,
						 axis text DEFAULT 'time',
						 lap integer DEFAULT NULL,
						 track text DEFAULT NULL,
						 gps_topic text DEFAULT 'VnInsData',
						 lat_path text DEFAULT 'lat_deg',
						 lon_path text DEFAULT 'lon_deg')
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hdaq_resample'
	LANGUAGE C STABLE CALLED ON NULL INPUT ROWS 1000;
COMMENT ON FUNCTION resample(text[], double precision, bigint, timestamptz, timestamptz, text, integer, text, text, text, text) IS
	'signals ''Topic/path'' of a run or lap on one grid of time (s) or distance (m), a column per path: call with AS r(x double precision, a double precision, ...)';

CREATE FUNCTION resample_array(paths text[], step double precision, file_id bigint,
							   start_time timestamptz DEFAULT NULL,
							   end_time timestamptz DEFAULT NULL,
							   axis text DEFAULT 'time',
							   lap integer DEFAULT NULL,
							   track text DEFAULT NULL,
							   gps_topic text DEFAULT 'VnInsData',
							   lat_path text DEFAULT 'lat_deg',
							   lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (x double precision, y double precision[])
	AS 'MODULE_PATHNAME', 'hdaq_resample_array'
	LANGUAGE C STABLE CALLED ON NULL INPUT ROWS 1000;
COMMENT ON FUNCTION resample_array(text[], double precision, bigint, timestamptz, timestamptz, text, integer, text, text, text, text) IS
	'hdaq.resample as (x, y[]): y[i] the value of paths[i] at x';

CREATE FUNCTION lap_overlay(track text, paths text[], file_ids bigint[], laps integer[],
							step_m double precision DEFAULT 1,
							gps_topic text DEFAULT 'VnInsData',
							lat_path text DEFAULT 'lat_deg',
							lon_path text DEFAULT 'lon_deg')
	RETURNS TABLE (distance_m double precision, time_s double precision[],
				   y double precision[])
	AS 'MODULE_PATHNAME', 'hdaq_lap_overlay'
	LANGUAGE C STABLE CALLED ON NULL INPUT ROWS 1000;
COMMENT ON FUNCTION lap_overlay(text, text[], bigint[], integer[], double precision, text, text, text) IS
	'laps of one run or several on one distance grid: time_s[i] since lap i''s start line, y[(i-1)*npaths+p] the value of paths[p] on lap i';

-- ---------------------------------------------------------------------------
-- Math channels and units.  A math channel is a named expression over other
-- signals (hdaq.define_math_channel checks it when it is defined), read as
-- (topic, name) wherever a (topic, path) is: hdaq.signal, hdaq.signals,
-- hdaq.downsample.  hdaq.unit gives the unit of a schema's path,
-- hdaq.unit_conversion the linear conversions (to = from * scale +
-- "offset"; the other way is derived); hdaq.signal and hdaq.downsample
-- convert with unit => '...'.  hdaq.fields gains a unit column;
-- hdaq.signal_unit and hdaq.signal_label name a signal's unit.
-- ---------------------------------------------------------------------------

CREATE TABLE math_channel (
	topic text NOT NULL,		-- the home topic: the channel has a value per message of it
	name text NOT NULL CHECK (name <> ''),
	expression text NOT NULL,
	unit text,
	description text,
	PRIMARY KEY (topic, name)
);
COMMENT ON TABLE math_channel IS
	'math channels: a named expression over signals, read as (topic, name) like a path';
SELECT pg_catalog.pg_extension_config_dump('math_channel', '');

CREATE TABLE unit (
	schema_name text NOT NULL,	-- hdaq.schema.name (hdaq.topics.schema_name)
	path text NOT NULL,			-- as hdaq.fields lists it ([0] stands for every index)
	unit text NOT NULL CHECK (unit <> ''),
	PRIMARY KEY (schema_name, path)
);
COMMENT ON TABLE unit IS
	'the unit of a path of a schema, as the team knows it';
SELECT pg_catalog.pg_extension_config_dump('unit', '');

CREATE TABLE unit_conversion (
	from_unit text NOT NULL,
	to_unit text NOT NULL,
	scale double precision NOT NULL CHECK (scale <> 0 AND scale BETWEEN -1e300 AND 1e300),
	"offset" double precision NOT NULL DEFAULT 0 CHECK ("offset" BETWEEN -1e300 AND 1e300),
	preset boolean NOT NULL DEFAULT false,	-- shipped with hdaq (not dumped)
	PRIMARY KEY (from_unit, to_unit),
	CHECK (from_unit <> to_unit)
);
COMMENT ON TABLE unit_conversion IS
	'linear unit conversions: to = from * scale + offset (the reverse is derived)';
SELECT pg_catalog.pg_extension_config_dump('unit_conversion', 'WHERE NOT preset');

INSERT INTO unit_conversion (from_unit, to_unit, scale, "offset", preset) VALUES
	('m/s', 'km/h', 3.6, 0, true),
	('m/s', 'mph', 2.2369362920544023, 0, true),
	('km/h', 'mph', 0.621371192237334, 0, true),
	('rad', 'deg', 57.29577951308232, 0, true),
	('rad/s', 'deg/s', 57.29577951308232, 0, true),
	('rad/s', 'rpm', 9.549296585513721, 0, true),
	('Pa', 'kPa', 0.001, 0, true),
	('Pa', 'bar', 1e-5, 0, true),
	('kPa', 'bar', 0.01, 0, true),
	('bar', 'psi', 14.503773773022, 0, true),
	('kPa', 'psi', 0.14503773773022, 0, true),
	('K', 'degC', 1, -273.15, true),
	('degC', 'degF', 1.8, 32, true),
	('K', 'degF', 1.8, -459.67, true),
	('m', 'km', 0.001, 0, true),
	('m', 'mm', 1000, 0, true),
	('s', 'ms', 1000, 0, true),
	('g', 'm/s^2', 9.80665, 0, true),
	('A', 'mA', 1000, 0, true),
	('V', 'mV', 1000, 0, true),
	('W', 'kW', 0.001, 0, true),
	('1', '%', 100, 0, true);

-- The unit of a signal: a math channel's own, else hdaq.unit's for the
-- path (or, for an element of an array, the path with [0]) of a schema of
-- the topic's channels (of the file, when given).
CREATE FUNCTION signal_unit(topic text, path text, file_id bigint DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	found_unit text;
BEGIN
	-- a role that may not read a table (granted table by table before the
	-- update) gets no unit from it, not an error
	IF has_table_privilege('@extschema@.math_channel', 'SELECT') THEN
		SELECT m.unit INTO found_unit FROM @extschema@.math_channel m
		 WHERE m.topic = signal_unit.topic AND m.name = signal_unit.path;
		IF found_unit IS NOT NULL THEN
			RETURN found_unit;
		END IF;
	END IF;
	IF has_table_privilege('@extschema@.unit', 'SELECT') THEN
		SELECT u.unit INTO found_unit
		  FROM @extschema@.channel c
		  JOIN @extschema@.schema s ON s.schema_key = c.schema_key
		  JOIN @extschema@.unit u ON u.schema_name = s.name
		   AND u.path IN (signal_unit.path,
						  regexp_replace(signal_unit.path, '\[[0-9]+\]', '[0]', 'g'))
		 WHERE c.topic = signal_unit.topic
		   AND (signal_unit.file_id IS NULL OR c.file_id = signal_unit.file_id)
		 ORDER BY u.path = signal_unit.path DESC, c.file_id DESC
		 LIMIT 1;
	END IF;
	RETURN found_unit;
END
$$;
COMMENT ON FUNCTION signal_unit(text, text, bigint) IS
	'the unit of a signal (a math channel''s, or hdaq.unit''s for a schema of the topic); NULL when not known';

-- 'path [unit]' (or the path alone without a unit): a metric name for Grafana.
CREATE FUNCTION signal_label(topic text, path text, file_id bigint DEFAULT NULL)
	RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT signal_label.path ||
		coalesce(' [' || @extschema@.signal_unit(signal_label.topic, signal_label.path,
												 signal_label.file_id) || ']', '')
$$;
COMMENT ON FUNCTION signal_label(text, text, bigint) IS
	'''path [unit]'', or the path alone when its unit is not known: a metric name';

-- Checks the definition (22023 with the position of a syntax error; a
-- name that is a path of the topic; a path or topic that does not exist),
-- then stores it (replacing one of the same topic and name).
CREATE FUNCTION define_math_channel(topic text, name text, expression text,
									unit text DEFAULT NULL,
									description text DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'hdaq_define_math_channel'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION define_math_channel(text, text, text, text, text) IS
	'defines (or redefines) a math channel of a topic: a named expression over signals, read as (topic, name)';

-- hdaq.signal and hdaq.downsample with a unit to convert to (last, optional).
DROP FUNCTION signal(text, text, timestamptz, timestamptz, bigint, boolean);
CREATE FUNCTION signal(topic text, path text,
					   start_time timestamptz DEFAULT NULL,
					   end_time timestamptz DEFAULT NULL,
					   file_id bigint DEFAULT NULL,
					   skip_errors boolean DEFAULT false,
					   unit text DEFAULT NULL)
	RETURNS TABLE ("time" timestamptz, value double precision)
	AS 'MODULE_PATHNAME', 'hdaq_signal'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION signal(text, text, timestamptz, timestamptz, bigint, boolean, text) IS
	'one numeric leaf (or math channel) of a topic''s messages as (time, value), converted to unit when given';

DROP FUNCTION downsample(text, text, timestamptz, timestamptz, interval, bigint, boolean);
CREATE FUNCTION downsample(topic text, path text,
						   start_time timestamptz, end_time timestamptz,
						   bucket interval, file_id bigint DEFAULT NULL,
						   skip_errors boolean DEFAULT false,
						   unit text DEFAULT NULL)
	RETURNS TABLE ("time" timestamptz, value double precision)
	AS 'MODULE_PATHNAME', 'hdaq_downsample'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 4000;
COMMENT ON FUNCTION downsample(text, text, timestamptz, timestamptz, interval, bigint, boolean, text) IS
	'one signal reduced for plotting: per bucket (aligned to the epoch) the first, min, max and last samples, in time order, converted to unit when given';

-- hdaq.fields with the unit of each path (last column).
ALTER FUNCTION fields(text, bigint) RENAME TO field_leaves;
COMMENT ON FUNCTION field_leaves(text, bigint) IS
	'hdaq.fields without the unit column';
CREATE FUNCTION fields(topic text, file_id bigint DEFAULT NULL)
	RETURNS TABLE (path text, type text, "numeric" boolean, repeated boolean,
				   max_length integer, enum_names text[], unit text)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 100
AS $$
	-- no SET clause, so that the planner inlines it (names are qualified)
	SELECT l.path, l.type, l."numeric", l.repeated, l.max_length, l.enum_names,
		   @extschema@.signal_unit(fields.topic, l.path, fields.file_id)
	  FROM @extschema@.field_leaves(fields.topic, fields.file_id) l
$$;
COMMENT ON FUNCTION fields(text, bigint) IS
	'the leaves of a topic''s schema (in a file, or in every file): path as hdaq.signal takes it, type, whether numeric, whether inside an array, enum value names, unit';

-- ---------------------------------------------------------------------------
-- hdaq.export_mat writes a run's stored laps (hdaq.lap, from
-- hdaq.detect_laps) and its GPS distance beside the topics: a struct laps
-- (a row per lap: track, lap, start_time and end_time on the file's time
-- base, lap_time_s, distance_m, out_lap, in_lap, valid, split_times_s) and
-- a struct distance (Timestamp, distance_m at each VnInsData fix).  laps
-- NULL (the default) writes them when the run has stored laps, true
-- requires them, false never writes them.
-- ---------------------------------------------------------------------------

DROP FUNCTION export_mat(bigint, text[], timestamptz, timestamptz, text, text);
CREATE FUNCTION export_mat(file_id bigint, topics text[] DEFAULT NULL,
						   start_time timestamptz DEFAULT NULL,
						   end_time timestamptz DEFAULT NULL,
						   format text DEFAULT 'v7',
						   layout text DEFAULT 'leaf',
						   laps boolean DEFAULT NULL)
	RETURNS bytea
	AS 'MODULE_PATHNAME', 'hdaq_export_mat'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION export_mat(bigint, text[], timestamptz, timestamptz, text, text, boolean) IS
	'the selected messages of a stored file as a MATLAB file: one struct per topic (layout leaf: Data and Timestamp per leaf; topic: one Timestamp per topic), the run''s stored laps and distance (laps: NULL when stored, true, false), and hdaq_info';
