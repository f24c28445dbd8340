# Installing and upgrading hdaq, in a server of the test's own:
#  - a schema planted before the install by a role with CREATE on the
#    database cannot become hdaq's, so that role cannot later rename it and
#    put a function of its own where a superuser calls hdaq.signal;
#  - a populated 0.1.0 store is upgraded by ALTER EXTENSION hdaq UPDATE
#    and reads back the same, its segments moved into the partitions of
#    the years they start in; pg_dump -n hdaq -e hdaq of it restores into
#    an empty database and reads back the same (through hdaq.messages and
#    the relation hdaq.message); and the upgraded store has the 0.2.0
#    guards.
use strict;
use warnings;
use Test::More;
use Cwd ();
use File::Temp qw(tempdir);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();
my $file = Cwd::abs_path('test/data/generated/session_15s.mcap');

# ---- the planted schema ------------------------------------------------------

$node->safe_psql('postgres', q{
	CREATE DATABASE planted;
	CREATE ROLE mallory LOGIN;
	GRANT CREATE ON DATABASE planted TO mallory;
});
$node->safe_psql('planted', 'SET ROLE mallory; CREATE SCHEMA hdaq;');
my ($rc, $out, $err) = $node->psql('planted', 'CREATE EXTENSION hdaq');
isnt($rc, 0, 'planted schema: CREATE EXTENSION hdaq is refused');
like($err, qr/schema "hdaq" is owned by role "mallory"/, 'planted schema: the error names the schema\'s owner');
is($node->safe_psql('planted', "SELECT count(*) FROM pg_extension WHERE extname = 'hdaq'"),
	'0', 'planted schema: nothing is installed');

# what the superuser does next: drop the planted schema, install
$node->safe_psql('planted', 'DROP SCHEMA hdaq; CREATE EXTENSION hdaq;');
# the attack as it was done against 0.1.0: rename hdaq's schema, plant a
# new one holding a hdaq.signal that makes its author a superuser
($rc, $out, $err) = $node->psql('planted', q{
	SET ROLE mallory;
	ALTER SCHEMA hdaq RENAME TO hdaq_old;
});
isnt($rc, 0, 'the attacker cannot rename hdaq\'s schema');
($rc, $out, $err) = $node->psql('planted', q{
	SET ROLE mallory;
	CREATE SCHEMA hdaq_evil;
	CREATE FUNCTION hdaq_evil.signal(text, text) RETURNS TABLE ("time" timestamptz, value double precision)
		LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'ALTER ROLE mallory SUPERUSER'; END $$;
	ALTER SCHEMA hdaq_evil RENAME TO hdaq;
});
isnt($rc, 0, 'the attacker cannot put a schema of its own in hdaq\'s place');
# the superuser calls hdaq.signal: hdaq's own (an unknown topic is an error)
($rc, $out, $err) = $node->psql('planted', "SELECT * FROM hdaq.signal('NoSuchTopic', 'x')");
like($err, qr/NoSuchTopic/, 'hdaq.signal is hdaq\'s own');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"),
	'f', 'the attacker did not become a superuser');

# a schema hdaq that a superuser created is fine
$node->safe_psql('postgres', 'CREATE DATABASE byadmin');
$node->safe_psql('byadmin', 'CREATE SCHEMA hdaq; CREATE EXTENSION hdaq;');
is($node->safe_psql('byadmin', "SELECT extversion FROM pg_extension WHERE extname = 'hdaq'"),
	'0.2.0', 'a schema created by a superuser takes the install');

# ---- a 0.1.0 store upgraded ---------------------------------------------------

$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('upgraded', "CREATE EXTENSION hdaq VERSION '0.1.0'");
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'hdaq'"),
	'0.1.0', 'a 0.1.0 store is created');

# What 0.1.0 stored.  This build's library writes the tables as 0.2.0 has
# them, so the files are ingested into a database of the current version,
# then their rows are copied into the 0.1.0 tables with the small serial
# keys that 0.1.0 gave files, channels and schemas, in ingest order.
my $tmp = tempdir(CLEANUP => 1);
$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', 'CREATE EXTENSION hdaq');
# files of several years: 2026, 2023, and 1970 (outside the years that
# have a partition of their own)
for my $f ([ 's15', $file, '{"driver": "A"}' ],
	[ 'test1', 'test/data/hytech/drivebrain_software_2026/test1_505139.mcap', '{}' ],
	[ 'aero', 'test/data/hytech/hytech-foxglove-extensions/10_up_CCW.mcap', '{}' ],
	[ 'rewriter', 'test/data/rosbag2/rosbag2_py_test_resources_mcap_convert_a_rewriter_a_0.mcap', '{}' ])
{
	$node->safe_psql('source',
		"SET client_min_messages = warning; SELECT hdaq.ingest(pg_read_binary_file('"
		  . Cwd::abs_path($f->[1]) . "'), '$f->[0]', '$f->[2]')");
}
$node->safe_psql('source', q{
	CREATE TABLE map_file AS SELECT file_id AS old, row_number() OVER (ORDER BY ingested_at, file_id) AS new FROM hdaq.file;
	CREATE TABLE map_channel AS SELECT c.channel_key AS old, row_number() OVER (ORDER BY m.new, c.channel_id) AS new
	  FROM hdaq.channel c JOIN map_file m ON m.old = c.file_id;
	CREATE TABLE map_schema AS SELECT s.schema_key AS old, row_number() OVER (ORDER BY min(mc.new)) AS new
	  FROM hdaq.schema s JOIN hdaq.channel c USING (schema_key) JOIN map_channel mc ON mc.old = c.channel_key GROUP BY 1;
});
# table => [ its 0.1.0 columns, the query giving them from the source ]
my @tables = (
	[ 'file', 'file_id, sha256, name, size_bytes, start_ns, end_ns, message_count, profile, library, ingested_at, recovery, tags',
	  'SELECT m.new, f.sha256, f.name, f.size_bytes, f.start_ns, f.end_ns, f.message_count, f.profile, f.library, f.ingested_at, f.recovery, f.tags FROM hdaq.file f JOIN map_file m ON m.old = f.file_id' ],
	[ 'schema', 'schema_key, name, encoding, sha256, data',
	  'SELECT m.new, s.name, s.encoding, s.sha256, s.data FROM hdaq.schema s JOIN map_schema m ON m.old = s.schema_key' ],
	[ 'channel', 'channel_key, file_id, channel_id, topic, message_encoding, schema_id, schema_key, metadata, message_count, start_ns, end_ns, max_segment_span_ns',
	  'SELECT mc.new, mf.new, c.channel_id, c.topic, c.message_encoding, c.schema_id, ms.new, c.metadata, c.message_count, c.start_ns, c.end_ns, c.max_segment_span_ns FROM hdaq.channel c JOIN map_channel mc ON mc.old = c.channel_key JOIN map_file mf ON mf.old = c.file_id LEFT JOIN map_schema ms ON ms.old = c.schema_key' ],
	[ 'segment', 'channel_key, start_ns, seq, end_ns, message_count, compression, uncompressed_size, data',
	  'SELECT m.new, s.start_ns, s.seq, s.end_ns, s.message_count, s.compression, s.uncompressed_size, s.data FROM hdaq.segment s JOIN map_channel m ON m.old = s.channel_key' ],
	[ 'metadata', 'file_id, ord, name, metadata',
	  'SELECT m.new, x.ord, x.name, x.metadata FROM hdaq.metadata x JOIN map_file m ON m.old = x.file_id' ],
	[ 'attachment', 'file_id, ord, name, media_type, log_time_ns, create_time_ns, data',
	  'SELECT m.new, a.ord, a.name, a.media_type, a.log_time_ns, a.create_time_ns, a.data FROM hdaq.attachment a JOIN map_file m ON m.old = a.file_id' ],
);
for my $t (@tables)
{
	my ($name, $columns, $query) = @$t;
	$node->safe_psql('source', "\\copy ($query) TO '$tmp/$name.copy'");
	$node->safe_psql('upgraded', "\\copy hdaq.$name ($columns) FROM '$tmp/$name.copy'");
}
$node->safe_psql('upgraded', q{
	SELECT setval(pg_get_serial_sequence('hdaq.file', 'file_id'), (SELECT max(file_id) FROM hdaq.file));
	SELECT setval(pg_get_serial_sequence('hdaq.channel', 'channel_key'), (SELECT max(channel_key) FROM hdaq.channel));
	SELECT setval(pg_get_serial_sequence('hdaq.schema', 'schema_key'), (SELECT max(schema_key) FROM hdaq.schema));
});
is($node->safe_psql('upgraded', 'SELECT count(*), max(file_id) FROM hdaq.file'), '4|4',
	'the 0.1.0 store holds four files, numbered 1 to 4');
my $id = $node->safe_psql('upgraded', "SELECT file_id FROM hdaq.file WHERE name = 's15'");

# what the store says before the upgrade
my %read = (
	files => 'SELECT file_id, name, message_count, start_time, end_time, tags, complete FROM hdaq.files ORDER BY file_id',
	topics => 'SELECT file_id, topic, schema_name, message_count, round(rate_hz::numeric, 3) FROM hdaq.topics ORDER BY 1, 2',
	messages => 'SELECT count(*), md5(string_agg(md5(data) || topic || log_time_ns || sequence, \',\' ORDER BY log_time_ns, topic, sequence)) FROM hdaq.messages()',
	json => 'SELECT count(*), md5(string_agg(message::text, \',\' ORDER BY log_time_ns, topic, sequence)) FROM hdaq.messages_json(file_id => ' . $id . ')',
	export => "SELECT md5(hdaq.export_mcap($id)::bytea)",
	mat => "SELECT length(hdaq.export_mat($id, format => 'v5')) > 0",
	signal => "SELECT count(*), md5(string_agg(float8send(value)::text || time, ',')) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => $id)",
);
my %before = map { $_ => $node->safe_psql('upgraded', $read{$_}) } keys %read;
# each file's messages, one digest per file
my $per_file = q{SELECT string_agg(f.name || ':' || (SELECT count(*) || '/' || coalesce(md5(string_agg(
	md5(m.data) || m.topic || m.log_time_ns || m.publish_time_ns || m.sequence, ',' ORDER BY m.log_time_ns, m.topic, m.sequence)), '')
	FROM hdaq.messages(file_id => f.file_id) m), ' ' ORDER BY f.name) FROM hdaq.file f};
my $files_before = $node->safe_psql('upgraded', $per_file);
# one signal of a file, every value's bits
my $signal = q{SELECT count(*), md5(string_agg(time::text || ':' || coalesce(float8send(value)::text, '-'), ','
	ORDER BY time, float8send(value))) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => } . $id . ')';
my $signal_before = $node->safe_psql('upgraded', $signal);
# the partition each segment belongs in: that of the year it starts in (UTC)
my $segments_by_year = q{SELECT string_agg(p || ':' || n, ' ' ORDER BY p) FROM (
	SELECT CASE WHEN y BETWEEN 2000 AND 2049 THEN 'hdaq.segment_' || y ELSE 'hdaq.segment_other' END AS p, count(*) AS n
	  FROM (SELECT extract(year FROM hdaq.ns_to_timestamptz(start_ns) AT TIME ZONE 'UTC')::int AS y
			  FROM hdaq.segment) s GROUP BY 1) t};
my $segments_expected = $node->safe_psql('upgraded', $segments_by_year);
like($segments_expected, qr/segment_2023:\d+ .*segment_2026:\d+ .*segment_other:\d+/,
	'before the upgrade: segments of 2023, 2026 and of a year without a partition');

$node->safe_psql('upgraded', 'ALTER EXTENSION hdaq UPDATE');
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'hdaq'"),
	'0.2.0', 'ALTER EXTENSION hdaq UPDATE takes the store to 0.2.0');
for my $what (sort keys %read)
{
	is($node->safe_psql('upgraded', $read{$what}), $before{$what},
		"after the upgrade: $what reads back the same");
}
ok($before{messages} =~ /^\d+\|/ && $before{messages} !~ /^0\|/, 'the upgraded store holds messages');
is($node->safe_psql('upgraded', $per_file), $files_before, 'after the upgrade: every file\'s messages read back the same');
# the upgrade built the leaf blocks the signal above was read from
is($node->safe_psql('upgraded', "SELECT count(*) > 0 FROM hdaq.leaf_block WHERE file_id = $id"), 't',
	'after the upgrade: a 0.1.0 file has leaf blocks');
# and through the relation the upgrade adds
(my $per_file_relation = $per_file) =~
  s/FROM hdaq\.messages\(file_id => f\.file_id\) m\)/FROM hdaq.message m WHERE m.file_id = f.file_id)/
  or die 'the per-file query has changed';
is($node->safe_psql('upgraded', $per_file_relation), $files_before,
	'after the upgrade: hdaq.message reads every file\'s messages the same');
(my $sample = $signal) =~
  s/FROM hdaq\.signal\('VehicleData', 'current_rpms\.FL', file_id => (\d+)\)/FROM hdaq.sample WHERE file_id = $1 AND topic = 'VehicleData' AND path = 'current_rpms.FL'/
  or die 'the signal query has changed';
ok($signal_before =~ /^[1-9]\d*\|/, 'the upgraded store holds the signal');
is($node->safe_psql('upgraded', $sample), $signal_before,
	'after the upgrade: hdaq.sample reads the signal hdaq.signal read before it');
is($node->safe_psql('upgraded', q{SELECT (SELECT count(*) > 0 FROM hdaq.message WHERE topic = 'VehicleData') || '|' || count(*)
		FROM (SELECT topic, log_time_ns, data_json::text FROM hdaq.message WHERE topic = 'VehicleData'
			  EXCEPT ALL SELECT topic, log_time_ns, message::text FROM hdaq.messages_json(ARRAY['VehicleData'])) x}),
	'true|0', 'after the upgrade: hdaq.message.data_json decodes as hdaq.messages_json');
my $segments_in_partitions = q{SELECT string_agg(p || ':' || n, ' ' ORDER BY p) FROM (
	SELECT tableoid::regclass::text AS p, count(*) AS n FROM hdaq.segment GROUP BY 1) t};
is($node->safe_psql('upgraded', $segments_in_partitions), $segments_expected,
	'after the upgrade: every segment is in the partition of the year it starts in');
is($node->safe_psql('upgraded', q{SELECT count(*) FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key)
	WHERE s.file_id <> c.file_id}), '0', 'after the upgrade: every segment carries its channel\'s file_id');
is($node->safe_psql('upgraded', q{SELECT count(*) FROM pg_class WHERE relname LIKE 'segment_0_1%'}), '0',
	'after the upgrade: the old segment table is gone');

# pg_dump -n hdaq -e hdaq (the extension with its schema) restores into an
# empty database; -e is needed: without it, PostgreSQL 15's pg_dump stops on
# a partition of a configuration table whose extension it does not dump
my ($dump_rc, $dump_out, $dump_err) = run_command('pg_dump', '-Fc', '-n', 'hdaq', '-e', 'hdaq', '-d', 'upgraded',
	'-f', "$tmp/hdaq.dump");
is($dump_rc, 0, 'pg_dump -n hdaq -e hdaq of the upgraded store') or diag($dump_err);
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my ($restore_rc, $restore_out, $restore_err) = run_command('pg_restore', '-d', 'restored', "$tmp/hdaq.dump");
is($restore_rc, 0, 'pg_restore into an empty database') or diag($restore_err);
is($node->safe_psql('restored', $per_file), $files_before, 'restored: every file\'s messages read back the same');
is($node->safe_psql('restored', $per_file_relation), $files_before, 'restored: and through hdaq.message');
is($node->safe_psql('restored', $sample), $signal_before, 'restored: and the signal through hdaq.sample');
is($node->safe_psql('restored', $segments_in_partitions), $segments_expected,
	'restored: every segment in the partition of its year');
is($node->safe_psql('restored', $read{files}), $before{files}, 'restored: the files the same');
my $ny = Cwd::abs_path('test/data/generated/session_new_year.mcap');
my $ny_id = $node->safe_psql('restored', "SET client_min_messages = warning; SET hdaq.segment_size = '4kB';
	SELECT hdaq.ingest(pg_read_binary_file('$ny'), 'new year')");
is($node->safe_psql('restored', "SELECT string_agg(DISTINCT tableoid::regclass::text, ' ') FROM hdaq.segment
	 WHERE file_id = $ny_id"),
	'hdaq.segment_2025 hdaq.segment_2026', 'restored: a new ingest over New Year\'s Eve lands in both years\' partitions');
($rc, $out, $err) = $node->psql('upgraded', 'DROP EXTENSION hdaq');
isnt($rc, 0, 'after the upgrade: DROP EXTENSION is refused while files are stored');
like($err, qr/hdaq stores 4 files/, 'the refusal counts the files');
$node->safe_psql('upgraded', 'SET hdaq.allow_drop = on; DROP EXTENSION hdaq;');
is($node->safe_psql('upgraded', "SELECT count(*) FROM pg_extension WHERE extname = 'hdaq'"),
	'0', 'with hdaq.allow_drop on, the drop goes through');

# a fresh install and an upgraded 0.1.0 have the same objects
$node->safe_psql('postgres', 'CREATE DATABASE fresh; CREATE DATABASE stepped;');
$node->safe_psql('fresh', 'CREATE EXTENSION hdaq');
$node->safe_psql('stepped', "CREATE EXTENSION hdaq VERSION '0.1.0'; ALTER EXTENSION hdaq UPDATE;");
my $objects = q{SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
	WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hdaq') ORDER BY 1};
is($node->safe_psql('stepped', $objects), $node->safe_psql('fresh', $objects),
	'an upgraded store has the objects of a fresh install');

done_testing();
