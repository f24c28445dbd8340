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
