-- hdaq.export_mat and hdaq.query_to_mat: formats, arguments and errors.
-- The values inside the files are checked by independent readers (SciPy,
-- h5py, GNU Octave) in test/mat.
CREATE EXTENSION hdaq;
\i test/sql/include/numbered_files.sql
\getenv abs_srcdir PG_ABS_SRCDIR
\set data :abs_srcdir '/data/'
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'generated/session_15s.mcap'), 'gen') AS gen \gset
SELECT hdaq.ingest(pg_read_binary_file(:'data' || 'rosbag2/rosbag2_tests_resources_mcap_wrong_rmw_test_wrong_rmw_test_0.mcap'), 'wrong_rmw') AS wrong \gset

-- the three formats: MAT 5 (v5 uncompressed, v7 compressed) and HDF5 (v7.3)
CREATE TEMP TABLE mats AS
SELECT f AS format, l AS layout, hdaq.export_mat(:gen, format => f, layout => l) AS m
  FROM unnest(ARRAY['v5', 'v7', 'v7.3']) f, unnest(ARRAY['leaf', 'topic']) l;
SELECT format, layout, convert_from(substring(m FROM 1 FOR 19), 'UTF8') AS header,
	   length(m) > 100000 AS sizeable
  FROM mats ORDER BY 1, 2;
SELECT (SELECT length(m) FROM mats WHERE format = 'v7' AND layout = 'leaf')
	 < (SELECT length(m) FROM mats WHERE format = 'v5' AND layout = 'leaf') AS v7_is_compressed;
-- v7 is the default format, leaf the default layout
SELECT length(hdaq.export_mat(:gen)) = (SELECT length(m) FROM mats WHERE format = 'v7' AND layout = 'leaf')
	   AS defaults;

-- a time range without messages still gives a file (hdaq_info only);
-- a topic the file does not have is an error
SELECT length(hdaq.export_mat(:gen, start_time => '2000-01-01', end_time => '2000-01-02')) BETWEEN 200 AND 20000 AS only_info,
	   length(hdaq.export_mat(:gen, start_time => '2000-01-01', end_time => '2000-01-02', format => 'v7.3')) > 0
	   AS empty_range;
SELECT hdaq.export_mat(:gen, ARRAY['no such topic']);

-- arguments
SELECT hdaq.export_mat(:gen, format => 'v6');
SELECT hdaq.export_mat(:gen, layout => 'flat');
SELECT hdaq.export_mat(NULL);
SELECT hdaq.export_mat(-1);
SELECT hdaq.query_to_mat(NULL);
SELECT hdaq.query_to_mat('SELECT 1', 'mat');

-- query_to_mat: each column a variable; a type it cannot write is an error
SELECT convert_from(substring(hdaq.query_to_mat('SELECT 1 AS a, true AS b, now() AS c, ''x'' AS d, ARRAY[1.5, 2] AS e') FROM 1 FOR 19), 'UTF8')
	   AS header;
SELECT hdaq.query_to_mat('SELECT 1 AS a, ''\x01''::bytea AS payload');
SELECT hdaq.query_to_mat('SELECT ''(1,2)''::point AS "where"', 'v7.3');
SELECT hdaq.query_to_mat('CREATE TABLE mat_t ()');
SELECT hdaq.query_to_mat('SELECT 1; SELECT 2');
SELECT hdaq.query_to_mat('SELECT * FROM no_such_table');

-- with the caller's rights
CREATE ROLE hdaq_mat_reader;
GRANT USAGE ON SCHEMA hdaq TO hdaq_mat_reader;
SET ROLE hdaq_mat_reader;
SELECT hdaq.query_to_mat('SELECT sha256 FROM hdaq.file');
RESET ROLE;
REVOKE USAGE ON SCHEMA hdaq FROM hdaq_mat_reader;
DROP ROLE hdaq_mat_reader;

-- temporary files are removed on error and cancel as on success
CREATE FUNCTION mat_temp_files() RETURNS bigint LANGUAGE sql
	AS $$SELECT count(*) FROM pg_ls_tmpdir() WHERE name LIKE '%hdaq_mat%'$$;
SELECT mat_temp_files() AS before;
-- a message that cannot be decoded, after the file was created
\set VERBOSITY sqlstate
SELECT length(hdaq.export_mat(:wrong)) > 0;
\set VERBOSITY default
SELECT mat_temp_files() AS after_decode_error;
-- a query that fails after a first batch of rows was written
SELECT hdaq.query_to_mat('SELECT 1.0 / (10000 - g) AS x FROM generate_series(1, 20000) g', 'v7.3');
SELECT mat_temp_files() AS after_query_error;
-- the same in a subtransaction that is rolled back
DO $$
BEGIN
	PERFORM hdaq.query_to_mat('SELECT 1.0 / (10000 - g) AS x FROM generate_series(1, 20000) g', 'v7');
EXCEPTION WHEN division_by_zero THEN
	RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT mat_temp_files() AS after_subtransaction;
-- a cancel while the query runs
SET statement_timeout = '300ms';
SELECT hdaq.query_to_mat('SELECT g FROM generate_series(1, 2000) g WHERE length(pg_sleep(0.01)::text) = 0', 'v7.3');
RESET statement_timeout;
SELECT mat_temp_files() AS after_cancel;
DROP FUNCTION mat_temp_files();

-- hdaq.max_export_memory caps a topic's columns as the one pass grows them
-- (v5, v7); a cap they fit in gives the file
SET hdaq.max_export_memory = '1MB';
\set VERBOSITY terse
SELECT hdaq.export_mat(:gen, ARRAY['VehicleData'], format => 'v5');
SELECT hdaq.export_mat(:gen, ARRAY['VehicleData'], format => 'v7', layout => 'topic');
\set VERBOSITY default
SET hdaq.max_export_memory = '8MB';
SELECT length(hdaq.export_mat(:gen, ARRAY['VehicleData'], format => 'v5')) > 1000000 AS fits;
RESET hdaq.max_export_memory;

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
