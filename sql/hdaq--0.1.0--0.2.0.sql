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
-- pg_dump -n hdaq.
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
	lowest bigint;
	highest bigint;
BEGIN
	SELECT count(*), min(f.file_id), max(f.file_id) INTO n, lowest, highest
	  FROM @extschema@.file f;
	RAISE EXCEPTION 'file % does not exist', file_not_found.file_id
		USING ERRCODE = 'undefined_object',
			  DETAIL = CASE WHEN n = 0 THEN 'No file is stored.'
						ELSE format('%s files are stored, with file_id from %s to %s.', n, lowest, highest) END,
			  HINT = 'SELECT file_id, name, start_time FROM hdaq.files lists the stored files.';
END
$$;
COMMENT ON FUNCTION file_not_found(bigint) IS
	'raises the error for a file_id that is not stored (42704, with the stored range)';

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
