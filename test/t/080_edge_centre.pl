# From the track to the factory: two base stations (edges) each run their
# own hdaq, and a central one (the centre) subscribes to both with logical
# replication, as README.md says ("From the track to the factory").  Three
# servers on this machine: edge_a and edge_b (wal_level = logical, a
# replication role, hdaq.create_edge_publication()) and the centre (one
# CREATE SUBSCRIPTION per edge).  Checked, each time against the edges:
#  - files stored at the edges before the centre subscribed are copied,
#    and files stored afterwards stream in: whole (the hdaq command,
#    hdaq.ingest_file) and live (hdaq.ingest_begin and ingest_append in
#    pieces, each committed; the centre sees a recording file grow, then
#    its compaction and completion);
#  - at the centre every file of an edge has the same hdaq.files row,
#    hdaq.topics rows and messages (ordered digest of hdaq.messages), and
#    nothing is left over: no channel without its file, no segment without
#    its channel, no channel without its schema, no file no edge has;
#    hdaq.file_edge names the edge each file came from;
#  - the same log at both edges, whole or live at both (or whole at one
#    and live at the other), is stored once at the centre and
#    hdaq.file_alias names the copy not stored; a live copy an edge drops
#    because it holds the file already leaves nothing at the centre;
#  - one edge's link cut (its subscription disabled) while it goes on
#    storing files, whole and live: the centre has none of them, then
#    catches up once the link is back, nothing lost or twice;
#  - tags edited at an edge reach the centre (and the edge's next update of
#    a row wins over an edit made at the centre); updates and deletes of
#    rows the centre did not store are passed over quietly;
#  - deletes at an edge (hdaq.delete_file) delete at the centre, schemas
#    still used there stay; with hdaq.keep_deleted_files(true) the centre
#    keeps what its edges delete;
#  - every read function answers at the centre as at the edge;
#  - the centre's log has no error: no replication conflict stopped a
#    worker.
#
# make prove_installcheck PROVE_TESTS=test/t/080_edge_centre.pl runs it alone.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use List::Util qw(min);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils qw(slurp_file);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
-x 'src/cli/hdaq' or BAIL_OUT('src/cli/hdaq is not built (run make)');

my $tmp = tempdir(CLEANUP => 1);
my $db = 'hdaq';
my $hytech = 'test/data/hytech';
my %log = (
	a1 => "$hytech/drivebrain_software_2026/test_1_44248.mcap",
	a2 => "$hytech/hytech-foxglove-extensions/10_up_CCW.mcap",
	a3 => "$hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_20_03_12.mcap",
	b1 => "$hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_19_30_56.mcap",
	b2 => 'test/data/keelson/keelson_test.mcap',
	b3 => "$hytech/drivebrain_software_2026/dblog_2026-03-17_22-19-17.mcap",
	shared_first => 'test/data/rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap',
	shared_whole => "$hytech/data_acq_cloud/cloud_webserver_mcap_files_demo_2024-02-28_10-27-41.mcap",
	whole_and_live => "$hytech/drivebrain_software_2026/test1_505139.mcap",
	live_a => 'test/data/generated/session_15s_lz4_shuffled.mcap',
	live_b => 'test/data/generated/session_15s.mcap',
	unfinished => "$hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap",
);
# sessions of the car's generator: one recorded live at both edges, one
# recorded live at edge_b while its link is cut
for my $g ([ 'shared_live', 5, 131072 ], [ 'outage_live', 6, 65536 ])
{
	my ($key, $seed, $chunk) = @$g;
	my $out = "$tmp/$key.mcap";
	system('node', 'bench/gen/gen-session.mjs', '--out', $out, '--minutes', '0.25',
		'--seed', $seed, '--chunk-size', $chunk, '--quiet') == 0
	  or BAIL_OUT("bench/gen could not generate $key");
	$log{$key} = $out;
}

# ---- three servers ----------------------------------------------------------------

my $edge_a = start_server(name => 'edge_a', allows_streaming => 'logical',
	conf => "shared_buffers = 16MB\n");
my $edge_b = start_server(name => 'edge_b', allows_streaming => 'logical',
	conf => "shared_buffers = 16MB\n");
# a worker per edge, and the workers of their first copies; DEBUG1 shows
# the changes the workers pass over
my $centre = start_server(name => 'centre',
	conf => "max_logical_replication_workers = 8\nmax_worker_processes = 12\nlog_min_messages = debug1\n");
my @edges = ($edge_a, $edge_b);

# Run SQL on a node; output as sql_in.  Dies on error.
sub sql_on
{
	my ($node, $query) = @_;
	local $ENV{PGPORT} = $node->port;
	return sql_in($db, $query);
}

# The hdaq command against a node: as run_hdaq.
sub hdaq_on
{
	my ($node, @args) = @_;
	local $ENV{PGPORT} = $node->port;
	return run_hdaq($db, @args);
}

sub lines { my ($text) = @_; return grep { $_ ne '' } split /\n/, $text; }

for my $node (@edges, $centre)
{
	local $ENV{PGPORT} = $node->port;
	sql_in('postgres', "CREATE DATABASE $db");
	sql_in($db, 'CREATE EXTENSION hdaq');
}
# each edge: a role the centre connects as, allowed to replicate and to
# read the tables it copies; the publication
for my $edge (@edges)
{
	sql_on($edge, 'CREATE ROLE replicator WITH REPLICATION LOGIN');
	sql_on($edge, 'GRANT USAGE ON SCHEMA hdaq TO replicator');
	sql_on($edge, 'GRANT SELECT ON ALL TABLES IN SCHEMA hdaq TO replicator');
	sql_on($edge, 'SELECT hdaq.create_edge_publication()');
	is(sql_on($edge, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'hdaq_edge'"),
		'attachment,channel,file,metadata,schema,segment', $edge->name . ': the publication holds the stored files, not the uploads\' state');
}

# ---- storing files at the edges -------------------------------------------------------

my %id;        # what each edge calls a file: "$edge_name:$key" -> file_id

sub base_name { my ($path) = @_; my ($b) = $path =~ m{([^/]+)$}; return $b; }

# hdaq ingest (large object, hdaq.ingest_lo) of logs at an edge
sub ingest_command
{
	my ($edge, @keys) = @_;
	my ($rc, $out, $err) = hdaq_on($edge, 'ingest', map { $log{$_} } @keys);
	is($rc, 0, $edge->name . ': hdaq ingest ' . join(' ', @keys)) or diag($err);
	for my $key (@keys)
	{
		my $name = base_name($log{$key});
		$id{ $edge->name . ":$key" } = sql_on($edge, "SELECT file_id FROM hdaq.file WHERE name = '$name'");
	}
	return;
}

# hdaq.ingest_file of a log at an edge
sub ingest_file
{
	my ($edge, $key) = @_;
	my $path = abs_path($log{$key});
	$id{ $edge->name . ":$key" } = sql_on($edge, "SELECT hdaq.ingest_file('$path')");
	return;
}

# A live upload: hdaq.ingest_begin, then pieces of the file appended each
# in its own transaction.
sub live_begin
{
	my ($edge, $key, $piece) = @_;
	my $path = abs_path($log{$key});
	my $fid = sql_on($edge, "SELECT hdaq.ingest_begin('$key live', '{\"live\": true}')");
	$id{ $edge->name . ":$key" } = $fid;
	return { edge => $edge, key => $key, id => $fid, path => $path,
		size => -s $path, off => 0, piece => $piece, state => 'recording' };
}

# Append the next piece; returns the state ingest_append reports.
sub live_append
{
	my ($live) = @_;
	my $len = min($live->{piece}, $live->{size} - $live->{off});
	my ($fid, $stored, $state) = split /\|/, sql_on($live->{edge},
		"SELECT * FROM hdaq.ingest_append($live->{id}, $live->{off}, pg_read_binary_file('$live->{path}', $live->{off}, $len))");
	$live->{off} += $len;
	$live->{state} = $state;
	$live->{stored_as} = $fid;
	return $state;
}

sub live_done { my ($live) = @_; return $live->{off} >= $live->{size}; }

# ---- comparing the centre with its edges ---------------------------------------------

sub q_files_row
{
	my ($fid) = @_;
	return "SELECT (to_jsonb(f) - 'tags' - 'properties')::text FROM hdaq.files f WHERE f.file_id = $fid";
}
sub q_tags
{
	my ($fid) = @_;
	return "SELECT tags::text || ' ' || properties::text FROM hdaq.files WHERE file_id = $fid";
}
sub q_topics
{
	my ($fid) = @_;
	return "SELECT count(*) || ' ' || coalesce(md5(string_agg(to_jsonb(t)::text, E'\\n' ORDER BY t.channel_key)), '') FROM hdaq.topics t WHERE t.file_id = $fid";
}
sub q_messages
{
	my ($fid) = @_;
	return "SELECT count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', topic, log_time_ns, publish_time_ns, sequence, md5(data)), ',' ORDER BY log_time_ns, topic, sequence, md5(data))), '') FROM hdaq.messages(file_id => $fid)";
}

sub wait_centre
{
	for my $edge (@_ ? @_ : @edges)
	{
		$edge->wait_for_catchup($edge->name);
	}
	return;
}

# No row without the row it belongs to, at a node: files of channels,
# channels of segments, schemas of channels, files of metadata and
# attachments.
sub orphans
{
	my ($node) = @_;
	return sql_on($node, q{SELECT
		(SELECT count(*) FROM hdaq.channel c WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = c.file_id)) || ' ' ||
		(SELECT count(*) FROM hdaq.segment g WHERE NOT EXISTS (SELECT 1 FROM hdaq.channel c WHERE c.channel_key = g.channel_key)) || ' ' ||
		(SELECT count(*) FROM hdaq.channel c WHERE c.schema_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hdaq.schema s WHERE s.schema_key = c.schema_key)) || ' ' ||
		(SELECT count(*) FROM hdaq.metadata m WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = m.file_id)) || ' ' ||
		(SELECT count(*) FROM hdaq.attachment a WHERE NOT EXISTS (SELECT 1 FROM hdaq.file f WHERE f.file_id = a.file_id))});
}

# Every file of every edge is at the centre as at its edge, or is named by
# hdaq.file_alias as the same as a file the centre holds with the same
# content; the centre holds nothing else (but the files it keeps after
# their edge deleted them).  Returns the aliases.
sub compare_all
{
	my ($label) = @_;
	my %alias = map { split /\|/ } lines(sql_on($centre, 'SELECT file_id, same_as FROM hdaq.file_alias'));
	my %at_centre = map { $_ => 1 } lines(sql_on($centre, 'SELECT file_id FROM hdaq.file'));
	my %kept = map { $_ => 1 } lines(sql_on($centre, 'SELECT file_id FROM hdaq.deleted_at_edge'));
	my %targets = map { $_ => 1 } values %alias;
	my %seen;
	for my $edge (@edges)
	{
		for my $row (lines(sql_on($edge, 'SELECT file_id, name FROM hdaq.file ORDER BY name, file_id')))
		{
			my ($fid, $name) = split /\|/, $row, 2;
			my $what = "$label: " . $edge->name . "'s $name";
			$seen{$fid} = 1;
			if ($at_centre{$fid})
			{
				ok(!exists $alias{$fid}, "$what: at the centre, not an alias");
				is(sql_on($centre, "SELECT edge FROM hdaq.file_edge WHERE file_id = $fid"), $edge->name,
					"$what: hdaq.file_edge names its edge");
				is(sql_on($centre, q_files_row($fid)), sql_on($edge, q_files_row($fid)), "$what: the same hdaq.files row");
				is(sql_on($centre, q_topics($fid)), sql_on($edge, q_topics($fid)), "$what: the same hdaq.topics rows");
				is(sql_on($centre, q_messages($fid)), sql_on($edge, q_messages($fid)), "$what: the same messages");
				# an alias's tags were merged into its stored file's
				is(sql_on($centre, q_tags($fid)), sql_on($edge, q_tags($fid)), "$what: the same tags and properties")
				  unless $targets{$fid};
			}
			else
			{
				my $same = $alias{$fid};
				ok(defined $same && $at_centre{$same}, "$what: an alias of a file the centre holds");
				next unless defined $same;
				is(sql_on($centre, "SELECT encode(sha256, 'hex') FROM hdaq.file WHERE file_id = $same"),
					sql_on($edge, "SELECT encode(sha256, 'hex') FROM hdaq.file WHERE file_id = $fid"),
					"$what: which has its content");
				is(sql_on($centre, q_messages($same)), sql_on($edge, q_messages($fid)), "$what: and its messages");
			}
		}
	}
	my @extra = grep { !$seen{$_} && !$kept{$_} } sort keys %at_centre;
	is(join(',', @extra), '', "$label: the centre holds no file its edges do not");
	is(orphans($centre), '0 0 0 0 0', "$label: at the centre no row is missing the row it belongs to");
	is(sql_on($centre, 'SELECT count(*) FROM hdaq.upload'), 0, "$label: no upload state at the centre");
	return %alias;
}

# The one file the centre holds with an edge file's content, and the
# aliases that name it.
sub stored_once
{
	my ($label, $edge_file, $other_file) = @_;
	my $sha = sql_on($edge_a, "SELECT encode(sha256, 'hex') FROM hdaq.file WHERE file_id = $edge_file");
	like($sha, qr/^[0-9a-f]{64}$/, "$label: complete at edge_a");
	is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE sha256 = '\\x$sha'"), 1, "$label: stored once at the centre");
	my $stored = sql_on($centre, "SELECT file_id FROM hdaq.file WHERE sha256 = '\\x$sha'");
	ok($stored eq $edge_file || $stored eq $other_file, "$label: as one edge's copy");
	my $alias = $stored eq $edge_file ? $other_file : $edge_file;
	is(sql_on($centre, "SELECT same_as FROM hdaq.file_alias WHERE file_id = $alias"), $stored,
		"$label: hdaq.file_alias names the other copy");
	return $stored;
}

# ---- 1. files at the edges before the centre subscribes --------------------------------

ingest_command($edge_a, 'a1', 'shared_first');
ingest_command($edge_b, 'b1', 'shared_first');
# a live upload begun at edge_a, three pieces in
my $live_a = live_begin($edge_a, 'live_a', 200_000);
live_append($live_a) for 1 .. 3;

for my $edge (@edges)
{
	my $name = $edge->name;
	my $conn = 'host=' . $edge->host . ' port=' . $edge->port . " dbname=$db user=replicator";
	sql_on($centre, "CREATE SUBSCRIPTION $name CONNECTION '$conn' PUBLICATION hdaq_edge WITH (copy_data = true)");
}
for my $edge (@edges)
{
	$centre->wait_for_subscription_sync($edge, $edge->name, $db);
}
is(sql_on($centre, "SELECT string_agg(subname, ',' ORDER BY subname) FROM pg_stat_subscription WHERE relid IS NULL AND pid IS NOT NULL"),
	'edge_a,edge_b', 'the centre applies both edges');
compare_all('first copy');
stored_once('a log at both edges before the centre subscribed', $id{'edge_a:shared_first'}, $id{'edge_b:shared_first'});
is(sql_on($centre, "SELECT state FROM hdaq.file WHERE file_id = $live_a->{id}"), 'recording',
	'a file recording at an edge is copied as recording');

# ---- 2. files stored while the centre subscribes --------------------------------------

# live at both edges, piece by piece, interleaved; the centre sees them grow
my $live_b = live_begin($edge_b, 'live_b', 150_000);
my @seen_counts;
my $step = 0;
while (!live_done($live_a) || !live_done($live_b))
{
	live_append($live_a) unless live_done($live_a);
	live_append($live_b) unless live_done($live_b);
	next if ++$step % 3;
	wait_centre();
	for my $live ($live_a, $live_b)
	{
		my $q = "SELECT stored_bytes || ' ' || message_count || ' ' || state FROM hdaq.file WHERE file_id = $live->{id}";
		is(sql_on($centre, $q), sql_on($live->{edge}, $q), "$live->{key} after $live->{off} bytes: the centre has what the edge has");
	}
	push @seen_counts, sql_on($centre, "SELECT message_count FROM hdaq.file WHERE file_id = $live_b->{id}");
}
is($live_a->{state}, 'complete', 'live_a: complete at edge_a once its footer came');
is($live_b->{state}, 'complete', 'live_b: complete at edge_b once its footer came');
my $final_b = sql_on($edge_b, "SELECT message_count FROM hdaq.file WHERE file_id = $live_b->{id}");
ok((grep { $_ > 0 && $_ < $final_b } @seen_counts),
	"the centre saw live_b grow: @seen_counts of $final_b messages");

# whole files, by the command and by hdaq.ingest_file
ingest_command($edge_a, 'a2');
ingest_file($edge_b, 'b2');
# the same log whole at both edges
ingest_command($edge_a, 'shared_whole');
ingest_file($edge_b, 'shared_whole');
# one log whole at edge_a, live at edge_b: its live copy grows at the
# centre until it completes, then goes
ingest_command($edge_a, 'whole_and_live');
my $wl = live_begin($edge_b, 'whole_and_live', 100_000);
live_append($wl) for 1 .. 2;
wait_centre();
is(sql_on($centre, "SELECT state FROM hdaq.file WHERE file_id = $wl->{id}"), 'recording',
	'a live copy of a log another edge stored whole: at the centre while recording');
live_append($wl) until live_done($wl);
# the same session live at both edges, interleaved
my $sa = live_begin($edge_a, 'shared_live', 120_000);
my $sb = live_begin($edge_b, 'shared_live', 90_000);
while (!live_done($sa) || !live_done($sb))
{
	live_append($sa) unless live_done($sa);
	live_append($sb) unless live_done($sb);
}
# edge_a records live a log it holds already: it keeps its stored copy
my $a1 = $id{'edge_a:a1'};
my $again = live_begin($edge_a, 'a1', 10_000);
live_append($again) until live_done($again);
is($again->{stored_as}, $a1, 'a live copy of a log edge_a holds: ingest_append answers the stored file');
is(sql_on($edge_a, "SELECT count(*) FROM hdaq.file WHERE file_id = $again->{id}"), 0, 'and the copy is gone at edge_a');
$id{'edge_a:a1'} = $a1;
wait_centre();

compare_all('while subscribed');
stored_once('a log whole at both edges', $id{'edge_a:shared_whole'}, $id{'edge_b:shared_whole'});
stored_once('a log whole at edge_a and live at edge_b', $id{'edge_a:whole_and_live'}, $id{'edge_b:whole_and_live'});
my $shared_live = stored_once('a session live at both edges', $id{'edge_a:shared_live'}, $id{'edge_b:shared_live'});
is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE file_id = $again->{id}"), 0,
	'the live copy edge_a dropped is not at the centre');
is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE file_id IN ($live_a->{id}, $live_b->{id}) AND state = 'complete' AND sha256 IS NOT NULL"),
	2, 'the live files are complete at the centre, with their digests');

# ---- 3. edge_b's link cut while it goes on storing --------------------------------------

sql_on($centre, 'ALTER SUBSCRIPTION edge_b DISABLE');
$edge_b->poll_query_until($db, "SELECT count(*) = 0 FROM pg_stat_replication WHERE application_name = 'edge_b'")
  or die 'edge_b\'s sender did not stop';
my $outage = live_begin($edge_b, 'outage_live', 80_000);
live_append($outage) for 1 .. 6;
ingest_command($edge_b, 'b3');
my $unfinished = live_begin($edge_b, 'unfinished', 100_000);
live_append($unfinished) for 1 .. 3;
live_append($outage) until live_done($outage);
sql_on($edge_b, "SELECT hdaq.tag($id{'edge_b:b1'}, '{\"driver\": \"B\", \"during\": \"outage\"}')");
# edge_a goes on meanwhile
ingest_command($edge_a, 'a3');
wait_centre($edge_a);
is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE file_id = $id{'edge_a:a3'}"), 1,
	'link cut: what edge_a stores reaches the centre');
is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE file_id IN ($id{'edge_b:b3'}, $outage->{id}, $unfinished->{id})"), 0,
	'link cut: what edge_b stores does not');
is(sql_on($centre, "SELECT tags->>'during' FROM hdaq.file WHERE file_id = $id{'edge_b:b1'}"), '',
	'link cut: nor its tags');
is(sql_on($edge_b, "SELECT active FROM pg_replication_slots WHERE slot_name = 'edge_b'"), 'f',
	'link cut: edge_b keeps the slot, idle');

sql_on($centre, 'ALTER SUBSCRIPTION edge_b ENABLE');
wait_centre();
compare_all('link back');
is(sql_on($centre, "SELECT state FROM hdaq.file WHERE file_id = $outage->{id}"), 'complete',
	'link back: the session recorded during the outage is complete at the centre');
is(sql_on($centre, "SELECT state FROM hdaq.file WHERE file_id = $unfinished->{id}"), 'recording',
	'link back: the upload still in progress is recording there');
live_append($unfinished) until live_done($unfinished);
sql_on($edge_b, "SELECT hdaq.ingest_finish($unfinished->{id})");
wait_centre();
is(sql_on($centre, "SELECT state FROM hdaq.file WHERE file_id = $unfinished->{id}"), 'cut short',
	'a recording without its footer, finished at its edge: cut short at the centre');

# ---- 4. tags -------------------------------------------------------------------------------

sql_on($edge_a, "SELECT hdaq.tag($a1, '{\"driver\": \"A\", \"lap\": 7}')");
sql_on($edge_a, "SELECT hdaq.untag($a1, ARRAY['lap'])");
# an edit at the centre: the edge's next update of the row wins
sql_on($centre, "SELECT hdaq.tag($a1, '{\"reviewed\": true}')");
is(sql_on($centre, "SELECT tags->>'reviewed' FROM hdaq.file WHERE file_id = $a1"), 'true', 'a tag set at the centre');
sql_on($edge_a, "SELECT hdaq.tag($a1, '{\"weather\": \"dry\"}')");
# the copy of a log the centre did not store: its update finds nothing
my $alias_of_shared = sql_on($centre, "SELECT file_id FROM hdaq.file_alias WHERE same_as = $shared_live");
my ($alias_edge) = grep { $id{ $_->name . ':shared_live' } eq $alias_of_shared } @edges;
my $log_offset = -s $centre->logfile;
sql_on($alias_edge, "SELECT hdaq.tag($alias_of_shared, '{\"copy\": true}')");
wait_centre();
is(sql_on($centre, q_tags($a1)), sql_on($edge_a, q_tags($a1)), 'tags edited at the edge are the centre\'s, and so are the properties');
like(sql_on($centre, "SELECT tags::text FROM hdaq.file WHERE file_id = $a1"), qr/^(?!.*(reviewed|lap)).*"driver": "A".*"weather": "dry"/,
	'with the edge\'s last edits; the centre\'s own edit gave way to the edge\'s update');
is(sql_on($centre, "SELECT tags->>'copy' FROM hdaq.file WHERE file_id = $shared_live"), '',
	'a tag on the copy the centre did not store changes nothing there');
like(substr(slurp_file($centre->logfile), $log_offset), qr/logical replication did not find row to be updated in replication target relation "file"/,
	'the centre\'s worker passed over that update (DEBUG1)');

# ---- 5. every read function at the centre ----------------------------------------------------

# a numeric leaf of a topic of a file, as hdaq.fields lists it
sub leaf_of
{
	my ($topic, $fid) = @_;
	return sql_on($edge_b, "SELECT path FROM hdaq.fields('$topic', $fid) WHERE numeric AND NOT repeated ORDER BY path LIMIT 1");
}

sub mat_contents
{
	my ($path, $format) = @_;
	my ($rc, $text, $e) = run_command('python3', '-c', <<'PY', $path, $format);
import sys
import numpy as np
sys.path.insert(0, "test/mat")
import matread
np.set_printoptions(threshold=sys.maxsize, precision=17)
for k, v in sorted(matread.load(sys.argv[1], sys.argv[2]).items()):
    v = np.asarray(v)
    print(k, v.dtype, v.shape, repr(v.tolist()))
PY
	return $rc == 0 ? $text : "unreadable: $e";
}

my $rows = q{count(*) || ' ' || md5(string_agg(%s, ',' ORDER BY %s))};
for my $case ([ $live_b->{id}, 'VehicleData', 'ACUAllData' ], [ $id{'edge_b:b1'}, 'mc1_torque_command_data', 'lf_ttpms_1_data' ])
{
	my ($fid, $t1, $t2) = @$case;
	my ($l1, $l2) = (leaf_of($t1, $fid), leaf_of($t2, $fid));
	ok($l1 && $l2, "file $fid: numeric leaves $t1/$l1 and $t2/$l2");
	my ($start, $end) = split /\|/, sql_on($edge_b, "SELECT start_time, end_time FROM hdaq.file WHERE file_id = $fid");
	my $window = "'$start'::timestamptz + interval '1 s', '$end'::timestamptz - interval '1 s'";
	my @reads = (
		[ 'hdaq.messages', sprintf("SELECT $rows FROM hdaq.messages(file_id => $fid)",
			q{concat_ws('|', file_id, topic, log_time, log_time_ns, publish_time_ns, sequence, md5(data))}, 'log_time_ns, topic, sequence, md5(data)') ],
		[ 'hdaq.messages(topics, times, file_id)', sprintf("SELECT $rows FROM hdaq.messages(ARRAY['$t1', '$t2'], $window, $fid)",
			q{concat_ws('|', topic, log_time_ns, sequence, md5(data))}, 'log_time_ns, topic, sequence, md5(data)') ],
		[ 'hdaq.messages(mcap)', sprintf("SELECT $rows FROM hdaq.messages(hdaq.export_mcap($fid))",
			q{concat_ws('|', topic, log_time_ns, publish_time_ns, sequence, md5(data))}, 'log_time_ns, topic, sequence, md5(data)') ],
		[ 'hdaq.messages_json', sprintf("SELECT $rows FROM hdaq.messages_json(file_id => $fid)",
			q{concat_ws('|', topic, log_time_ns, sequence, message::text)}, 'log_time_ns, topic, sequence, message::text') ],
		[ 'hdaq.signal', sprintf("SELECT $rows FROM hdaq.signal('$t1', '$l1', file_id => $fid)", q{time || '=' || value}, 'time, value') ],
		[ 'hdaq.signal in a window', sprintf("SELECT $rows FROM hdaq.signal('$t2', '$l2', $window, $fid)", q{time || '=' || value}, 'time, value') ],
		[ 'hdaq.signals', sprintf("SELECT $rows FROM hdaq.signals(ARRAY['$t1/$l1', '$t2/$l2'], file_id => $fid)",
			q{concat_ws('|', time, metric, value)}, 'time, metric, value') ],
		[ 'hdaq.downsample', sprintf("SELECT $rows FROM hdaq.downsample('$t1', '$l1', NULL, NULL, '500 ms', $fid)",
			q{time || '=' || value}, 'time, value') ],
		[ 'hdaq.fields', sprintf("SELECT $rows FROM hdaq.fields('$t2', $fid)",
			q{concat_ws('|', path, type, numeric, repeated, max_length, enum_names)}, 'path') ],
		[ 'hdaq.export_mcap', "SELECT length(x) || ' ' || md5(x) FROM hdaq.export_mcap($fid) AS x" ],
		[ 'hdaq.export_mcap of a topic in a window', "SELECT length(x) || ' ' || md5(x) FROM hdaq.export_mcap($fid, ARRAY['$t2'], $window) AS x" ],
		[ 'hdaq.info', "SELECT md5(hdaq.info(hdaq.export_mcap($fid))::text) || ' ' || (hdaq.info(hdaq.export_mcap($fid))->>'message_count')" ],
		# the first 116 bytes of a MAT 5 file say when it was made
		(map {
			my ($format, $layout) = @$_;
			[ "hdaq.export_mat $format $layout",
				"SELECT length(x) || ' ' || md5(substring(x FROM 117)) FROM hdaq.export_mat($fid, format => '$format', layout => '$layout') AS x" ]
		} ([ 'v5', 'leaf' ], [ 'v7', 'leaf' ], [ 'v7', 'topic' ])),
		[ 'hdaq.query_to_mat',
			"SELECT length(x) || ' ' || md5(substring(x FROM 117)) FROM hdaq.query_to_mat(\$q\$SELECT extract(epoch FROM time) AS t, value FROM hdaq.signal('$t1', '$l1', file_id => $fid)\$q\$, 'v5') AS x" ],
	);
	for my $read (@reads)
	{
		my ($label, $query) = @$read;
		my $at_edge = sql_on($edge_b, $query);
		like($at_edge, qr/^[1-9]\d* \S+$|^\S+ [1-9]\d*$/, "file $fid, $label at the edge: something to compare ($at_edge)");
		is(sql_on($centre, $query), $at_edge, "file $fid, $label: the same at the centre");
	}
	my %text;
	for my $node ($edge_b, $centre)
	{
		my $path = "$tmp/" . $node->name . "-$fid.mat";
		open(my $fh, '>:raw', $path) or die;
		print $fh pack('H*', sql_on($node, "SELECT encode(hdaq.export_mat($fid, format => 'v7.3'), 'hex')"));
		close $fh;
		$text{ $node->name } = mat_contents($path, 'v7.3');
	}
	like($text{edge_b}, qr/^\Q$t1\E\./m, "file $fid, hdaq.export_mat v7.3: read back, it holds the topics");
	is($text{centre}, $text{edge_b}, "file $fid, hdaq.export_mat v7.3: the same variables from the centre");
}

# ---- 6. deletes -------------------------------------------------------------------------------

# a file at one edge: deleted at the centre, and its rows
my $a2 = $id{'edge_a:a2'};
my $a2_segments = sql_on($centre, "SELECT count(*) FROM hdaq.segment WHERE channel_key IN (SELECT channel_key FROM hdaq.channel WHERE file_id = $a2)");
ok($a2_segments > 0, "a2 at the centre: $a2_segments segments");
sql_on($edge_a, "SELECT hdaq.delete_file($a2)");
# the copy the centre did not store: deleting it at its edge changes nothing there
$log_offset = -s $centre->logfile;
sql_on($alias_edge, "SELECT hdaq.delete_file($alias_of_shared)");
wait_centre();
is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE file_id = $a2") . ' '
	. sql_on($centre, "SELECT count(*) FROM hdaq.channel WHERE file_id = $a2"), '0 0',
	'a file deleted at its edge is deleted at the centre, with its channels');
is(sql_on($centre, "SELECT count(*) FROM hdaq.file WHERE file_id = $shared_live"), 1,
	'deleting the copy the centre did not store leaves the stored one');
like(substr(slurp_file($centre->logfile), $log_offset), qr/logical replication did not find row to be deleted in replication target relation "file"/,
	'the centre\'s worker passed over that delete (DEBUG1)');
compare_all('after deletes');
# the centre's schemas: those its channels use, all of them held by an edge
my %edge_schemas = map { $_ => 1 } map { lines(sql_on($_, 'SELECT schema_key FROM hdaq.schema')) } @edges;
my @centre_only = grep { !$edge_schemas{$_} } lines(sql_on($centre, 'SELECT schema_key FROM hdaq.schema'));
is(scalar(@centre_only), 0, 'after deletes: no schema at the centre that no edge holds');

# a centre that keeps what its edges delete
sql_on($centre, 'SELECT hdaq.keep_deleted_files(true)');
my $b1 = $id{'edge_b:b1'};
my $b1_before = sql_on($centre, q_messages($b1));
sql_on($edge_b, "SELECT hdaq.delete_file($b1)");
wait_centre();
is(sql_on($edge_b, "SELECT count(*) FROM hdaq.file WHERE file_id = $b1"), 0, 'keeping: b1 deleted at edge_b');
is(sql_on($centre, "SELECT count(*) FROM hdaq.deleted_at_edge WHERE file_id = $b1"), 1, 'keeping: the centre lists it as deleted at its edge');
is(sql_on($centre, q_messages($b1)), $b1_before, 'keeping: and keeps every message of it');
compare_all('keeping deleted files');
# live uploads go on as before while the centre keeps deleted files: a
# live file's rewritten segments are deleted at the centre as at its edge
my $kl = live_begin($edge_a, 'b1', 20_000);
live_append($kl) until live_done($kl);
# (that log has no footer: the upload is ended by hand)
sql_on($edge_a, "SELECT hdaq.ingest_finish($kl->{id})") if $kl->{state} eq 'recording';
wait_centre();
compare_all('a live upload while keeping');
sql_on($centre, 'SELECT hdaq.keep_deleted_files(false)');

# ---- 7. the centre's log ------------------------------------------------------------------------

my $centre_log = slurp_file($centre->logfile);
my @errors = $centre_log =~ /^(.*(?:ERROR|FATAL|PANIC):.*)$/mg;
is(scalar(@errors), 0, 'no error in the centre\'s log: no worker stopped on a conflict') or diag(join("\n", @errors[0 .. min(9, $#errors)]));

$centre->stop;
$_->stop for @edges;
done_testing();
