-- The hdaq.mcap type: what may become a value, and what is refused.
CREATE EXTENSION hdaq;
\getenv abs_srcdir PG_ABS_SRCDIR
\set conf :abs_srcdir '/conformance/data/'
\set hytech :abs_srcdir '/data/hytech/'

-- a complete file becomes a value, byte for byte
SELECT length(hdaq.mcap(pg_read_binary_file(:'conf' || 'OneMessage/OneMessage.mcap'))::bytea) AS bytes;
SELECT pg_read_binary_file(:'conf' || 'TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap')::hdaq.mcap::bytea
	 = pg_read_binary_file(:'conf' || 'TenMessages/TenMessages-ch-chx-mx-pad-rch-rsh-st-sum.mcap') AS same;

-- text and binary input and output go through bytea's formats
SELECT (pg_read_binary_file(:'conf' || 'NoData/NoData.mcap')::hdaq.mcap)::text::hdaq.mcap::bytea
	 = pg_read_binary_file(:'conf' || 'NoData/NoData.mcap') AS text_round_trip;

-- every conformance file is accepted
SELECT count(*) AS accepted
  FROM (SELECT d FROM pg_ls_dir(:'conf') AS d WHERE (pg_stat_file(:'conf' || d)).isdir) AS dirs,
	   LATERAL (SELECT f FROM pg_ls_dir(:'conf' || d) AS f WHERE f LIKE '%.mcap') AS files,
	   LATERAL (SELECT pg_read_binary_file(:'conf' || d || '/' || f)::hdaq.mcap AS v) AS v;

-- a file cut short is a valid value: hdaq.info reports it
SELECT length(substr(pg_read_binary_file(:'hytech' || 'drivebrain_software_2026/test1_34264.mcap'), 1, 20000)::hdaq.mcap::bytea) AS cut;

-- what cannot be the start of an MCAP file is refused, naming the offset
SELECT '\x'::bytea::hdaq.mcap;
SELECT '\x894d43415030'::bytea::hdaq.mcap;
SELECT 'not an mcap file'::hdaq.mcap;
SELECT convert_to('PK this is a zip', 'UTF8')::hdaq.mcap;
-- a Header record whose profile string claims more bytes than the record has
SELECT ('\x894d434150300d0a' || '01' || '0800000000000000' || 'ffffff7f00000000')::bytea::hdaq.mcap;
-- a footer not followed by the closing magic
SELECT ('\x894d434150300d0a' || '02' || '1400000000000000' || '0000000000000000' || '0000000000000000' || '00000000'
		|| '0000000000000000')::bytea::hdaq.mcap;

-- casts to bytea are free and implicit
SELECT pg_typeof(hdaq.mcap(pg_read_binary_file(:'conf' || 'NoData/NoData.mcap')) || '\x00'::bytea);

-- leave nothing behind: the next test starts from a fresh extension
SET hdaq.allow_drop = on;
DROP EXTENSION hdaq;
