\set ECHO none
-- file_id is a random 63-bit number (one identity across sites); a test
-- whose output names files numbers them 1, 2, ... in ingest order instead,
-- so that its expected output does not change from run to run.
SET client_min_messages = warning;
DROP SEQUENCE IF EXISTS public.test_file_id CASCADE;
RESET client_min_messages;
CREATE SEQUENCE public.test_file_id;
ALTER TABLE hdaq.file ALTER COLUMN file_id SET DEFAULT nextval('public.test_file_id');
\set ECHO all
