# Installing and upgrading hdaq, in a server of the test's own:
#  - a schema planted before the install by a role with CREATE on the
#    database cannot become hdaq's, so that role cannot later rename it and
#    put a function of its own where a superuser calls hdaq.signal;
#  - a populated 0.1.0 store is upgraded by ALTER EXTENSION hdaq UPDATE
#    and reads back the same; and the upgraded store has the 0.2.0 guards.
use strict;
use warnings;
use Test::More;
use Cwd ();
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
my $id = $node->safe_psql('upgraded',
	"SET client_min_messages = warning; SELECT hdaq.ingest(pg_read_binary_file('$file'), 's15', '{\"driver\": \"A\"}')");
$node->safe_psql('upgraded',
	"SET client_min_messages = warning; SELECT hdaq.ingest(pg_read_binary_file('"
	  . Cwd::abs_path('test/data/hytech/drivebrain_software_2026/test1_505139.mcap') . "'), 'test1')");

# what the store says before the upgrade
my %read = (
	files => 'SELECT file_id, name, message_count, start_time, end_time, tags, complete FROM hdaq.files ORDER BY file_id',
	topics => 'SELECT file_id, topic, schema_name, message_count, round(rate_hz::numeric, 3) FROM hdaq.topics ORDER BY 1, 2',
	messages => 'SELECT count(*), md5(string_agg(md5(data) || topic || log_time_ns || sequence, \',\' ORDER BY log_time_ns, topic, sequence)) FROM hdaq.messages()',
	json => 'SELECT count(*), md5(string_agg(message::text, \',\' ORDER BY log_time_ns, topic, sequence)) FROM hdaq.messages_json(file_id => ' . $id . ')',
	export => "SELECT md5(hdaq.export_mcap($id)::bytea)",
	mat => "SELECT length(hdaq.export_mat($id, format => 'v5')) > 0",
);
my %before = map { $_ => $node->safe_psql('upgraded', $read{$_}) } keys %read;

$node->safe_psql('upgraded', 'ALTER EXTENSION hdaq UPDATE');
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'hdaq'"),
	'0.2.0', 'ALTER EXTENSION hdaq UPDATE takes the store to 0.2.0');
for my $what (sort keys %read)
{
	is($node->safe_psql('upgraded', $read{$what}), $before{$what},
		"after the upgrade: $what reads back the same");
}
ok($before{messages} =~ /^\d+\|/ && $before{messages} !~ /^0\|/, 'the upgraded store holds messages');
($rc, $out, $err) = $node->psql('upgraded', 'DROP EXTENSION hdaq');
isnt($rc, 0, 'after the upgrade: DROP EXTENSION is refused while files are stored');
like($err, qr/hdaq stores 2 files/, 'the refusal counts the files');
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
