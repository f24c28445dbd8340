-- grafana-role.sql: the hdaq extension and a read-only role for Grafana.
--
-- Run with psql in the database that holds (or will hold) the logs:
--
--   psql -v grafana_password=SECRET -f grafana-role.sql
--
-- It can be run again: the extension and the role are created once, the
-- password is set each time, the grants are repeated.  The role may read
-- every hdaq table and view and call the functions that read; it cannot
-- ingest, delete or write, and its sessions are read-only.

\set ON_ERROR_STOP on

CREATE EXTENSION IF NOT EXISTS hdaq;

SELECT 'CREATE ROLE grafana LOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grafana')
\gexec

ALTER ROLE grafana WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
	PASSWORD :'grafana_password';
ALTER ROLE grafana SET default_transaction_read_only = on;
ALTER ROLE grafana SET statement_timeout = '60s';

SELECT format('GRANT CONNECT ON DATABASE %I TO grafana', current_database())
\gexec
GRANT USAGE ON SCHEMA hdaq TO grafana;

-- tables and views, and those a later version of the extension adds
GRANT SELECT ON ALL TABLES IN SCHEMA hdaq TO grafana;
ALTER DEFAULT PRIVILEGES IN SCHEMA hdaq GRANT SELECT ON TABLES TO grafana;

-- every function that reads: all of them but those that store or delete
SELECT format('GRANT EXECUTE ON FUNCTION %s TO grafana', p.oid::regprocedure)
  FROM pg_proc p
 WHERE p.pronamespace = 'hdaq'::regnamespace
   AND p.proname NOT IN ('ingest', 'ingest_lo', 'ingest_file', 'delete_file')
 ORDER BY 1
\gexec
