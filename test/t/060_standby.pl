# hdaq on a streaming hot standby.  A primary holds real logs; a standby is
# made from its base backup as docker/README.md says (a replication role,
# pg_basebackup -R, hot_standby on); every function that reads runs on both
# and must answer the same:
#  - hdaq.messages (both forms), the relation hdaq.message (its scan taking
#    file, topics and time; joined with hdaq.file), the relation
#    hdaq.sample, messages_json, signal,
#    signals, downsample, fields, info, export_mcap, export_mat (v5, v7,
#    v7.3), query_to_mat, the tables and the views hdaq.files and
#    hdaq.topics, and the grafana role of docker/initdb/grafana-role.sql
#    running a panel's query (on hdaq.downsample and on hdaq.message);
#  - the hdaq command's ls, fields, export, query and plot pointed at the
#    standby, and info on what it exported;
#  - a file ingested on the primary afterwards shows on the standby;
#  - writing on the standby is refused: ingest, ingest_file, tag and
#    delete_file with SQLSTATE 25006, the command's ingest before it sends
#    anything; and the standby goes on serving.
#
# make prove_installcheck PROVE_TESTS=test/t/060_standby.pl runs it alone.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils qw(slurp_file);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
-x 'src/cli/hdaq' or BAIL_OUT('src/cli/hdaq is not built (run make)');

my $tmp = tempdir(CLEANUP => 1);
my $db = 'hdaq_standby';
my @logs = (
	'test/data/hytech/drivebrain_software_2026/test_1_44248.mcap',
	'test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_02_29_2024_19_30_56.mcap');
my $later_log = 'test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_demo_2024-02-28_10-27-41.mcap';
my $refused_log = 'test/data/hytech/drivebrain_software_2026/test1_34264.mcap';

# ---- the primary, with logs ------------------------------------------------------

my $primary = start_server(name => 'primary', allows_streaming => 1);
sql_in('postgres', "CREATE DATABASE $db");
sql_in($db, 'CREATE EXTENSION hdaq');
my ($status, $out, $err) = run_hdaq($db, 'ingest', @logs);
is($status, 0, 'hdaq ingest on the primary') or diag($err);
is(sql_in($db, 'SELECT count(*) FROM hdaq.file'), scalar(@logs), 'the logs are stored');
# the read-only role Grafana logs in with, as docker/ creates it
($status, $out, $err) = run_command('psql', '-XAtq', '-d', $db, '-v', 'grafana_password=secret',
	'-f', 'docker/initdb/grafana-role.sql');
is($status, 0, 'the grafana role') or diag($err);

# ---- the standby: base backup, streaming -----------------------------------------

# as docker/README.md says: a role that may replicate, pg_basebackup -R
# (standby.signal and primary_conninfo), hot_standby_feedback on
sql_in($db, "CREATE ROLE replicator WITH REPLICATION LOGIN");
# (the name the standby streams under, which wait_for_catchup looks for)
$primary->backup('base', backup_options => [ '-R', '-d', 'user=replicator application_name=standby' ]);
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base');
$standby->append_conf('postgresql.conf', "hot_standby_feedback = on\n");
$standby->start;
$primary->wait_for_catchup($standby);

# Run SQL on a node; output as sql_in.  Dies on error.
sub sql_on
{
	my ($node, $query) = @_;
	local $ENV{PGPORT} = $node->port;
	return sql_in($db, $query);
}

# psql on a node with an error's SQLSTATE shown: (status, stdout, stderr).
sub psql_on
{
	my ($node, $query) = @_;
	local $ENV{PGPORT} = $node->port;
	return run_command('psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose',
		'-d', $db, '-c', $query);
}

# The hdaq command against a node: as run_hdaq.
sub hdaq_on
{
	my ($node, @args) = @_;
	local $ENV{PGPORT} = $node->port;
	return run_hdaq($db, @args);
}

sub slurp_raw
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	my $bytes = <$fh>;
	close $fh;
	return $bytes // '';
}

# A MAT file's variables as text, read by h5py (v7.3) or SciPy (v5, v7)
# through test/mat/matread.py; the time it was made, in the header, is not
# among them.
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

is(sql_on($standby, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is(sql_on($standby, "SELECT status FROM pg_stat_wal_receiver"), 'streaming', 'and streams from the primary');
is(sql_on($primary, "SELECT usename FROM pg_stat_replication"), 'replicator', 'as the replication role');
is(sql_on($standby, 'SHOW transaction_read_only'), 'on', 'its transactions are read-only');

# ---- every function that reads, on both ------------------------------------------

my %id;
for my $log (@logs)
{
	my ($base) = $log =~ m{([^/]+)$};
	$id{$log} = sql_in($db, "SELECT file_id FROM hdaq.file WHERE name = '$base'");
	like($id{$log}, qr/^\d+$/, "$base: its file_id");
}
my ($fa, $fb) = map { $id{$_} } @logs;

# a numeric leaf of a topic, as hdaq.fields lists it, and the file's time range
sub leaf_of
{
	my ($topic) = @_;
	return sql_in($db, "SELECT path FROM hdaq.fields('$topic') WHERE numeric AND NOT repeated ORDER BY path LIMIT 1");
}
my $leaf_a = leaf_of('drivebrain_torque_lim_input');
my $leaf_b = leaf_of('mc1_torque_command_data');
my $leaf_b2 = leaf_of('lf_ttpms_1_data');
ok($leaf_a && $leaf_b && $leaf_b2, "numeric leaves to read: drivebrain_torque_lim_input/$leaf_a, mc1_torque_command_data/$leaf_b, lf_ttpms_1_data/$leaf_b2");
my ($start_b, $end_b) = split /\|/, sql_in($db, "SELECT start_time, end_time FROM hdaq.file WHERE file_id = $fb");
my $window = "'$start_b'::timestamptz + interval '1 s', '$end_b'::timestamptz - interval '1 s'";

my $rows = q{count(*) || ' ' || md5(string_agg(%s, ',' ORDER BY %s))};
my @reads = (
	[ 'hdaq.messages()',
		sprintf("SELECT $rows FROM hdaq.messages()",
			q{concat_ws('|', file_id, topic, log_time_ns, publish_time_ns, sequence, md5(data))},
			'file_id, topic, log_time_ns, sequence, md5(data)') ],
	[ 'hdaq.messages(topics, times, file_id)',
		sprintf("SELECT $rows FROM hdaq.messages(ARRAY['mc1_torque_command_data', 'lf_ttpms_1_data'], $window, $fb)",
			q{concat_ws('|', topic, log_time, log_time_ns, sequence, md5(data))},
			'topic, log_time_ns, sequence, md5(data)') ],
	[ 'hdaq.message',
		sprintf("SELECT $rows FROM hdaq.message",
			q{concat_ws('|', file_id, topic, log_time_ns, publish_time_ns, sequence, md5(data))},
			'file_id, topic, log_time_ns, sequence, md5(data)') ],
	[ 'hdaq.message by file, topics and time (taken by its scan)',
		sprintf("SELECT $rows FROM hdaq.message WHERE file_id = $fb"
			. " AND topic IN ('mc1_torque_command_data', 'lf_ttpms_1_data')"
			. " AND log_time BETWEEN '$start_b'::timestamptz + interval '1 s' AND '$end_b'::timestamptz - interval '1 s'",
			q{concat_ws('|', topic, log_time, log_time_ns, sequence, md5(data))},
			'topic, log_time_ns, sequence, md5(data)') ],
	[ 'hdaq.message joined with hdaq.file, one scan per file',
		sprintf("SELECT $rows FROM hdaq.file f JOIN hdaq.message m USING (file_id) WHERE f.name LIKE '%%.mcap'",
			q{concat_ws('|', f.name, m.topic, m.log_time_ns, md5(m.data))},
			'f.name, m.topic, m.log_time_ns, md5(m.data)') ],
	[ 'hdaq.messages(mcap)',
		sprintf("SELECT $rows FROM hdaq.messages(hdaq.export_mcap($fa))",
			q{concat_ws('|', topic, log_time_ns, publish_time_ns, sequence, md5(data))},
			'topic, log_time_ns, sequence, md5(data)') ],
	[ 'hdaq.messages_json',
		sprintf("SELECT $rows FROM hdaq.messages_json()",
			q{concat_ws('|', file_id, topic, log_time_ns, sequence, message::text)},
			'file_id, topic, log_time_ns, sequence, message::text') ],
	[ 'hdaq.signal',
		sprintf("SELECT $rows FROM hdaq.signal('drivebrain_torque_lim_input', '$leaf_a')", q{time || '=' || value}, 'time, value') ],
	[ 'hdaq.signal in a window of a file',
		sprintf("SELECT $rows FROM hdaq.signal('mc1_torque_command_data', '$leaf_b', $window, $fb)",
			q{time || '=' || value}, 'time, value') ],
	[ 'hdaq.sample in a window of a file (its scan taking file, topic, path and time)',
		sprintf("SELECT $rows FROM hdaq.sample WHERE file_id = $fb AND topic = 'mc1_torque_command_data'"
			. " AND path = '$leaf_b' AND time BETWEEN '$start_b'::timestamptz + interval '1 s' AND '$end_b'::timestamptz - interval '1 s'",
			q{time || '=' || value}, 'time, value') ],
	[ 'hdaq.signals',
		sprintf("SELECT $rows FROM hdaq.signals(ARRAY['mc1_torque_command_data/$leaf_b', 'lf_ttpms_1_data/$leaf_b2', 'drivebrain_torque_lim_input/$leaf_a'])",
			q{concat_ws('|', time, metric, value)}, 'time, metric, value') ],
	[ 'hdaq.downsample',
		sprintf("SELECT $rows FROM hdaq.downsample('mc1_torque_command_data', '$leaf_b', NULL, NULL, '500 ms')",
			q{time || '=' || value}, 'time, value') ],
	[ 'hdaq.fields',
		sprintf("SELECT $rows FROM hdaq.fields('drivebrain_torque_lim_input')", q{concat_ws('|', path, type, numeric, repeated, max_length, enum_names)}, 'path') ],
	[ 'hdaq.fields of a file',
		sprintf("SELECT $rows FROM hdaq.fields('lf_ttpms_1_data', $fb)", q{concat_ws('|', path, type, numeric, repeated, max_length, enum_names)}, 'path') ],
	[ 'hdaq.export_mcap', "SELECT length(x) || ' ' || md5(x) FROM hdaq.export_mcap($fa) AS x" ],
	[ 'hdaq.export_mcap of topics in a window',
		"SELECT length(x) || ' ' || md5(x) FROM hdaq.export_mcap($fb, ARRAY['rr_ttpms_1_data'], $window) AS x" ],
	[ 'hdaq.info', "SELECT hdaq.info(hdaq.export_mcap($fb))->>'message_count' || ' ' || md5(hdaq.info(hdaq.export_mcap($fb))::text)" ],
	# the first 116 bytes of a MAT 5 file say when it was made
	(map {
		my ($format, $layout) = @$_;
		[ "hdaq.export_mat $format $layout",
			"SELECT length(x) || ' ' || md5(substring(x FROM 117)) FROM hdaq.export_mat($fb, format => '$format', layout => '$layout') AS x" ]
	} ([ 'v5', 'leaf' ], [ 'v7', 'leaf' ], [ 'v7', 'topic' ])),
	[ 'hdaq.query_to_mat',
		"SELECT length(x) || ' ' || md5(substring(x FROM 117)) FROM hdaq.query_to_mat(\$q\$SELECT extract(epoch FROM time) AS t, value FROM hdaq.signal('drivebrain_torque_lim_input', '$leaf_a')\$q\$, 'v5') AS x" ],
	[ 'hdaq.files',
		sprintf("SELECT $rows FROM hdaq.files f", q{to_jsonb(f)::text}, 'file_id') ],
	[ 'hdaq.topics',
		sprintf("SELECT $rows FROM hdaq.topics t", q{to_jsonb(t)::text}, q{to_jsonb(t)::text}) ],
	[ 'hdaq.channel, hdaq.schema',
		sprintf("SELECT $rows FROM hdaq.channel c JOIN hdaq.schema s USING (schema_key)",
			q{concat_ws('|', c.channel_key, c.file_id, c.topic, c.message_count, s.name, md5(s.data))}, 'c.channel_key') ],
	[ 'hdaq.segment',
		sprintf("SELECT $rows FROM hdaq.segment g",
			q{concat_ws('|', g.channel_key, g.start_ns, g.seq, md5(g.data))}, 'g.channel_key, g.start_ns, g.seq') ],
);
for my $read (@reads)
{
	my ($label, $query) = @$read;
	my $on_primary = sql_on($primary, $query);
	my ($rc, $on_standby, $e) = psql_on($standby, $query);
	is($rc, 0, "$label runs on the standby") or diag($e);
	chomp $on_standby;
	like($on_primary, qr/^[1-9]\d* \S+$/, "$label: something to compare ($on_primary)");
	is($on_standby, $on_primary, "$label: the same on the standby");
}

# MAT 7.3 (HDF5): the variables, read back by h5py
for my $format ('v7.3', 'v7')
{
	my %text;
	for my $node ($primary, $standby)
	{
		my $path = "$tmp/" . $node->name . "-$format.mat";
		open(my $fh, '>:raw', $path) or die;
		print $fh pack('H*', sql_on($node, "SELECT encode(hdaq.export_mat($fb, format => '$format'), 'hex')"));
		close $fh;
		$text{ $node->name } = mat_contents($path, $format);
	}
	like($text{primary}, qr/^mc1_torque_command_data\./m, "hdaq.export_mat $format: read back, it holds the topics");
	is($text{standby}, $text{primary}, "hdaq.export_mat $format: the same variables from the standby");
}

# the grafana role on the standby, with a panel's query of docker/README.md
{
	local $ENV{PGUSER} = 'grafana';
	my $panel = "SELECT count(*) || ' ' || md5(string_agg(time || '=' || value, ',' ORDER BY time, value))
	  FROM hdaq.downsample('mc1_torque_command_data', '$leaf_b', (SELECT start_time FROM hdaq.files WHERE file_id = $fb),
						   (SELECT end_time FROM hdaq.files WHERE file_id = $fb), 400 * interval '1 ms', $fb)";
	my ($rc, $o, $e) = psql_on($standby, $panel);
	is($rc, 0, 'the grafana role runs a panel query on the standby') or diag($e);
	chomp $o;
	is($o, sql_on($primary, $panel), 'with the answer of the primary');
	# a panel on the message relation, its macros expanded
	$panel = "SELECT count(*) || ' ' || md5(string_agg(t || '=' || n, ',' ORDER BY t))
	  FROM (SELECT floor(extract(epoch from log_time)/0.4)*0.4 AS t, count(*) AS n
			  FROM hdaq.message
			 WHERE file_id = $fb AND topic = 'mc1_torque_command_data'
			   AND log_time BETWEEN '$start_b' AND '$end_b'
			 GROUP BY 1) p";
	($rc, $o, $e) = psql_on($standby, $panel);
	is($rc, 0, 'the grafana role runs a panel query on hdaq.message on the standby') or diag($e);
	chomp $o;
	like($o, qr/^[1-9]\d* \S+$/, "a panel on hdaq.message: something to compare ($o)");
	is($o, sql_on($primary, $panel), 'with the answer of the primary');
}

# ---- the hdaq command pointed at the standby -------------------------------------

my @commands = (
	[ 'hdaq ls', 'ls' ],
	[ 'hdaq ls --json', 'ls', '--json' ],
	[ 'hdaq ls --topic', 'ls', '--topic', 'drivebrain_torque_lim_input' ],
	[ 'hdaq fields', 'fields', 'lf_ttpms_1_data' ],
	[ 'hdaq fields --json --file-id', 'fields', '--json', '--file-id', $fa, 'drivebrain_torque_lim_input' ],
);
for my $c (@commands)
{
	my ($label, @args) = @$c;
	my ($rc_p, $out_p) = hdaq_on($primary, @args);
	my ($rc_s, $out_s, $err_s) = hdaq_on($standby, @args);
	is($rc_s, 0, "$label on the standby") or diag($err_s);
	ok($rc_p == 0 && $out_p =~ /\S/, "$label: something to compare");
	is($out_s, $out_p, "$label: the same output as on the primary");
}

# exports written by the command: MCAP byte for byte, MAT by content
my %written;
for my $node ($primary, $standby)
{
	my $dir = "$tmp/" . $node->name;
	mkdir $dir;
	my @runs = (
		[ 'mcap', "$dir/a.mcap", 'export', '--file-id', $fa, '--mcap', "$dir/a.mcap" ],
		[ 'mcap-window', "$dir/b.mcap", 'export', '--file-id', $fb, '--topics', 'lf_ttpms_1_data,rr_ttpms_1_data',
			'--start', $start_b, '--end', $end_b, '--mcap', "$dir/b.mcap" ],
		(map { [ "mat-$_", "$dir/b-$_.mat", 'export', '--file-id', $fb, '--format', $_, '--mat', "$dir/b-$_.mat" ] }
			qw(v5 v7 v7.3)),
		[ 'query', "$dir/q.mat", 'query', "SELECT file_id, message_count FROM hdaq.files ORDER BY file_id",
			'--format', 'v7.3', '--mat', "$dir/q.mat" ],
		[ 'plot', "$dir/p.svg", 'plot', '--file-id', $fb, "mc1_torque_command_data/$leaf_b",
			"lf_ttpms_1_data/$leaf_b2", '-o', "$dir/p.svg" ],
	);
	for my $r (@runs)
	{
		my ($what, $path, @args) = @$r;
		my ($rc, $o, $e) = hdaq_on($node, @args);
		is($rc, 0, "hdaq $args[0] ($what) on " . $node->name) or diag($e);
		$written{$what}{ $node->name } = $path;
	}
}
for my $what (sort keys %written)
{
	my ($p, $s) = @{ $written{$what} }{qw(primary standby)};
	ok(-s $p, "hdaq $what: the primary's file is not empty");
	if ($what =~ /^mat-(.*)/ || $what eq 'query')
	{
		my $format = $what eq 'query' ? 'v7.3' : $1;
		my $text = mat_contents($p, $format);
		unlike($text, qr/^unreadable/, "hdaq $what: the MAT file reads back");
		is(mat_contents($s, $format), $text, "hdaq $what: the standby's MAT file holds the same");
	}
	else
	{
		ok(slurp_raw($s) eq slurp_raw($p), "hdaq $what: the standby's file is the primary's, byte for byte");
	}
}
# hdaq info reads the exported file itself: as hdaq.info on the standby says
($status, $out, $err) = run_command('src/cli/hdaq', 'info', '--json', $written{mcap}{standby});
is($status, 0, 'hdaq info on the standby\'s export') or diag($err);
is_deeply(eval { decode_json($out) }, decode_json(sql_on($standby, "SELECT hdaq.info(hdaq.export_mcap($fa))")),
	'hdaq info: what hdaq.info says on the standby');

# ---- a later ingest on the primary reaches the standby --------------------------------

my $later = abs_path($later_log);
my $later_id = sql_on($primary, "SELECT hdaq.ingest(pg_read_binary_file('$later'), 'later')");
$primary->wait_for_catchup($standby);
is(sql_on($standby, "SELECT name FROM hdaq.files WHERE file_id = $later_id"), 'later',
	'a file ingested on the primary afterwards is on the standby');
for my $read (grep { $_->[0] =~ /^hdaq\.(messages\(\)|messages_json|files|topics|segment)$/ } @reads)
{
	my ($label, $query) = @$read;
	is(sql_on($standby, $query), sql_on($primary, $query), "$label: the same on the standby after it");
}
is(sql_on($standby, "SELECT count(*) FROM hdaq.messages(file_id => $later_id)"),
	sql_on($primary, "SELECT message_count FROM hdaq.file WHERE file_id = $later_id"),
	'every message of it');

# ---- writes on the standby: refused, SQLSTATE 25006 ---------------------------------------

my $refused = abs_path($refused_log);
my @writes = (
	[ 'hdaq.ingest', "SELECT hdaq.ingest(pg_read_binary_file('$refused'), 'refused')" ],
	[ 'hdaq.ingest_file', "SELECT hdaq.ingest_file('$refused')" ],
	[ 'hdaq.tag', "SELECT hdaq.tag($fa, '{\"driver\": \"x\"}')" ],
	[ 'hdaq.delete_file', "SELECT hdaq.delete_file($fa)" ],
);
for my $w (@writes)
{
	my ($label, $query) = @$w;
	my ($rc, $o, $e) = psql_on($standby, $query);
	isnt($rc, 0, "$label on the standby fails");
	note("$label: $e");
	like($e, qr/ERROR:\s+25006: .*read-only transaction/, "$label: with SQLSTATE 25006, read-only") or diag($e);
}
($status, $out, $err) = hdaq_on($standby, 'ingest', $refused_log);
isnt($status, 0, 'hdaq ingest on the standby fails');
like($err, qr/hot standby \(in recovery, read-only\): ingest into its primary/, 'hdaq ingest: and says the server is a read-only standby') or diag($err);
unlike($err . $out, qr/server closed the connection|terminated/, 'hdaq ingest: without losing the connection');

is(sql_on($standby, 'SELECT count(*) FROM hdaq.file'), scalar(@logs) + 1, 'the standby still serves, nothing added');
is(sql_on($primary, "SELECT count(*) FROM hdaq.file WHERE name = 'refused'"), 0, 'nor on the primary');
my $log = slurp_file($standby->logfile);
unlike($log, qr/terminated by signal|PANIC/, 'no server process of the standby crashed');

$standby->stop;
$primary->stop;
done_testing();
