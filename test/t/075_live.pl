# Live sessions end to end, against a server of the test's own:
#   - a session written in real time by bench/gen/grow.mjs (about 1,200
#     messages a second on a dozen topics, 32 KiB zstd chunks, messages up
#     to 50 ms late, so out of log-time order across appends) while
#     `hdaq ingest --follow` stores it and a reader queries it: the reader
#     sees messages while the file is still recording; at the end every
#     message equals what the official reader (@mcap/core) reads from the
#     file, and a whole-file ingest of the same file gives the same rows
#     and the same sha256;
#   - the same for an unchunked file;
#   - a crash in the middle, three ways: the follower killed (SIGKILL) and
#     started again, the server stopped with -m immediate and started
#     again, the link cut (the follower's backend terminated): each time
#     nothing committed is lost, nothing is stored twice, and the file is
#     completed.
#
# make prove_installcheck PROVE_TESTS=test/t/075_live.pl runs it alone.
use strict;
use warnings;

use Digest::SHA;
use File::Temp qw(tempdir);
use IPC::Run ();
use JSON::PP;
use Time::HiRes qw(sleep time);
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $hdaq = 'src/cli/hdaq';
-x $hdaq or BAIL_OUT("$hdaq is not built (run make)");
-d 'bench/gen/node_modules/@mcap/core' && -d 'test/mcapjs/node_modules/@mcap/core'
  or BAIL_OUT('node modules are missing: run tools/install-deps --test');

my $tmp = tempdir('hdaq_live_XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $tmp;
my $whole_db = 'hdaq_live_whole';
for my $d ('hdaq_live', $whole_db)
{
	sql_in('postgres', "CREATE DATABASE $d");
	sql_in($d, 'CREATE EXTENSION hdaq');
}

# Poll a query until it returns true ('t'), up to $seconds; returns whether it did.
sub wait_for
{
	my ($db, $query, $seconds) = @_;
	my $deadline = time + $seconds;
	while (time < $deadline)
	{
		my $v = eval { sql_in($db, $query) } // '';
		return 1 if $v eq 't';
		sleep 0.1;
	}
	return 0;
}

sub start_writer
{
	my ($path, @options) = @_;
	my $out = '';
	my $h = IPC::Run::start([ 'node', 'bench/gen/grow.mjs', '--out', $path, '--seconds', 12,
			'--chunk-size', 32768, @options ], '<', \undef, '>', \$out, '2>', \$out,
		IPC::Run::timeout(180));
	return ($h, \$out);
}

sub start_follower
{
	my ($db, $path) = @_;
	my ($out, $err) = ('', '');
	local $ENV{PGDATABASE} = $db;
	my $h = IPC::Run::start([ $hdaq, 'ingest', '--follow', '--commit-interval', 1,
			'--idle-timeout', 10, $path ], '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout(180));
	return ($h, \$out, \$err);
}

# Wait for a process started by IPC::Run (each has a timeout of its own);
# its exit status, or undef if it had to be killed.
sub finish_within
{
	my ($h) = @_;
	if (!eval { $h->finish; 1 })
	{
		$h->kill_kill;
		return undef;
	}
	return $h->full_result(0) >> 8;
}

sub file_sha256
{
	my $sha = Digest::SHA->new(256);
	$sha->addfile($_[0], 'b');
	return $sha->hexdigest;
}

# What the official reader reads: topic|sequence|log_time|publish_time|data
sub official_messages
{
	my ($path) = @_;
	my $json = `node test/mcapjs/dump.mjs --stream-only $path`;
	my $doc = eval { decode_json($json) } || {};
	return [ sort map { join('|', $_->{topic}, $_->{sequence}, $_->{log_time}, $_->{publish_time}, $_->{data}) }
		  @{ $doc->{messages} // [] } ];
}

sub stored_messages
{
	my ($db, $id) = @_;
	return [ sort split /\n/, sql_in($db,
			"SELECT concat_ws('|', topic, sequence, log_time_ns, publish_time_ns, translate(encode(data, 'base64'), E'\\n', ''))
			   FROM hdaq.messages(file_id => $id)") ];
}

# The file is stored complete, byte for byte, with every message once, as
# the official reader reads them, in log-time order.
sub check_stored
{
	my ($label, $db, $path) = @_;
	my $name = (split m{/}, $path)[-1];
	my ($id, $state, $sha) = split /\|/, sql_in($db,
		"SELECT file_id, state, encode(sha256, 'hex') FROM hdaq.file WHERE name = '$name'");
	is($state, 'complete', "$label: the file is complete");
	is($sha, file_sha256($path), "$label: stored byte for byte (sha256)");
	my $theirs = official_messages($path);
	ok(@$theirs > 1000, "$label: the official reader reads " . scalar(@$theirs) . ' messages');
	my $ours = stored_messages($db, $id);
	is(scalar(@$ours), scalar(@$theirs), "$label: as many messages stored, none twice");
	is_deeply($ours, $theirs, "$label: every message the same");
	is(sql_in($db, "SELECT bool_and(log_time_ns >= prev) FROM (SELECT log_time_ns,
			lag(log_time_ns, 1, 0::bigint) OVER (ORDER BY ord) AS prev
			FROM hdaq.messages(file_id => $id) WITH ORDINALITY AS m(f, t, lt, log_time_ns, p, s, d, ord)) o"),
		't', "$label: read back in log-time order");
	is(sql_in($db, 'SELECT count(*) FROM hdaq.upload'), 0, "$label: no upload state left");
	return $id;
}

# ---- a session written in real time, followed, queried ------------------------------

{
	my $db = 'hdaq_live';
	my $path = "$tmp/session.mcap";
	my ($writer, $wout) = start_writer($path, '--shuffle-ms', 50, '--seed', 3);
	my ($follower, $fout, $ferr) = start_follower($db, $path);

	ok(wait_for($db, "SELECT state = 'recording' AND message_count > 1000 FROM hdaq.file", 30),
		'live: a reader sees messages while the file is still recording');
	my ($n, $signal) = split /\|/, sql_in($db,
		"SELECT (SELECT count(*) FROM hdaq.messages(file_id => f.file_id)),
				(SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => f.file_id))
		   FROM hdaq.file f");
	ok($n > 1000 && $signal > 0, "live: messages ($n) and a signal ($signal samples) read while recording");
	is(sql_in($db, "SELECT count(*) FROM hdaq.files WHERE state = 'recording' AND NOT complete"), 1,
		'live: hdaq.files shows it recording');

	is(finish_within($writer), 0, 'live: the writer ends') or diag($$wout);
	is(finish_within($follower), 0, 'live: the follower returns once the file is complete') or diag($$ferr);
	my $id = check_stored('live', $db, $path);

	# the same file stored whole: the same rows, the same digest
	my ($rc, $out, $err) = run_hdaq($whole_db, 'ingest', $path);
	is($rc, 0, 'whole: hdaq ingest of the finished file') or diag($err);
	my $whole = sql_in($whole_db, "SELECT file_id FROM hdaq.file WHERE name = 'session.mcap'");
	is_deeply(stored_messages($whole_db, $whole), stored_messages($db, $id), 'whole: the same rows as live');
	is(sql_in($whole_db, "SELECT encode(sha256, 'hex') FROM hdaq.file"),
		sql_in($db, "SELECT encode(sha256, 'hex') FROM hdaq.file"), 'whole: the same sha256 as live');
}

# ---- unchunked ---------------------------------------------------------------------

{
	my $db = 'hdaq_unchunked';
	sql_in('postgres', "CREATE DATABASE $db");
	sql_in($db, 'CREATE EXTENSION hdaq');
	my $path = "$tmp/unchunked.mcap";
	my ($writer, $wout) = start_writer($path, '--unchunked', '--seed', 4);
	my ($follower, $fout, $ferr) = start_follower($db, $path);
	ok(wait_for($db, "SELECT state = 'recording' AND message_count > 1000 FROM hdaq.file", 30),
		'unchunked: messages seen while recording');
	is(finish_within($writer), 0, 'unchunked: the writer ends') or diag($$wout);
	is(finish_within($follower), 0, 'unchunked: the follower returns') or diag($$ferr);
	check_stored('unchunked', $db, $path);
}

# ---- crashes -------------------------------------------------------------------------

# Start a writer and a follower, do $crash once some seconds are stored,
# then let a follower finish the file.
sub crash_case
{
	my ($label, $seed, $crash) = @_;
	my $db = "hdaq_crash_$seed";
	sql_in('postgres', "CREATE DATABASE $db");
	sql_in($db, 'CREATE EXTENSION hdaq');
	my $path = "$tmp/crash_$seed.mcap";
	my ($writer, $wout) = start_writer($path, '--shuffle-ms', 50, '--seed', $seed);
	my ($follower, $fout, $ferr) = start_follower($db, $path);
	ok(wait_for($db, "SELECT message_count > 3000 FROM hdaq.file", 30), "$label: some of the file is stored");
	$follower = $crash->($db, $path, $follower, $ferr) // $follower;
	is(finish_within($writer), 0, "$label: the writer ends") or diag($$wout);
	is(finish_within($follower), 0, "$label: the follower completes the file") or diag($$ferr);
	check_stored($label, $db, $path);
}

crash_case('follower killed', 11, sub {
	my ($db, $path, $follower) = @_;
	$follower->signal('KILL');
	$follower->finish;
	my $before = sql_in($db, 'SELECT stored_bytes FROM hdaq.file');
	sleep 1;
	is(sql_in($db, 'SELECT stored_bytes FROM hdaq.file'), $before,
		'follower killed: nothing is stored while no follower runs');
	my ($again) = start_follower($db, $path);
	return $again;
});

crash_case('server stopped -m immediate', 12, sub {
	my ($db, $path, $follower) = @_;
	$node->stop('immediate');
	sleep 1.5;
	$node->start;
	ok(wait_for($db, "SELECT stored_bytes > 0 FROM hdaq.file", 30),
		'server stopped -m immediate: what was committed is there after the restart');
	return undef;
});

crash_case('link cut', 13, sub {
	my ($db) = @_;
	is(sql_in($db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
					 WHERE datname = '$db' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"), 1,
		"link cut: the follower's connection is cut");
	return undef;
});

done_testing();
