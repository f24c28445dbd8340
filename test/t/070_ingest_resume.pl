# Uploads through the append protocol (hdaq.ingest_begin, ingest_append,
# ingest_finish), by the hdaq command and in SQL, against a server of the
# test's own (HdaqSQL's start_server):
#   - hdaq ingest killed (SIGKILL) in the middle of a file: what was
#     committed stays, as a recording file whose messages can be read; the
#     next run resumes it where it stopped and completes it, with the local
#     file's sha256 and the messages of a whole-file ingest, having sent
#     no more than 1.01 times the file in all;
#   - an upload of the same name whose bytes are not the local file's
#     beginning is not resumed; a file cut short is kept as cut short;
#   - in SQL: an append repeated at the same offset, or overlapping, stores
#     nothing twice; an offset past the bytes stored is refused (22023);
#   - hdaq ingest --follow: a file copied into place a piece at a time is
#     readable before the copy ends, survives a dropped connection, and
#     ends complete, as a whole-file ingest; a file that stops growing is
#     left recording and a later follower resumes it; a file that shrinks
#     fails; a file that never appears fails; a directory is watched until
#     SIGTERM.
#
# make prove_installcheck PROVE_TESTS=test/t/070_ingest_resume.pl runs it alone.
use strict;
use warnings;

use Digest::SHA;
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IPC::Run ();
use List::Util qw(max sum0);
use Time::HiRes qw(sleep time);
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $hdaq = 'src/cli/hdaq';
-x $hdaq or BAIL_OUT("$hdaq is not built (run make)");

my $tmp = tempdir('hdaq_resume_XXXXXX', TMPDIR => 1, CLEANUP => 1);
my ($db, $whole_db, $follow_db) = ('hdaq_resume', 'hdaq_whole', 'hdaq_follow');
for my $d ($db, $whole_db, $follow_db)
{
	sql_in('postgres', "CREATE DATABASE $d");
	sql_in($d, 'CREATE EXTENSION hdaq');
}

sub psql
{
	return sql_in($db, @_);
}

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return '';
	local $/;
	my $data = <$fh>;
	close($fh);
	return $data // '';
}

sub put_file
{
	my ($path, $content, $mode) = @_;
	open(my $fh, $mode // '>:raw', $path) or die "$path: $!";
	binmode $fh;
	print $fh $content;
	close($fh) or die "$path: $!";
}

sub sha_of
{
	my ($path) = @_;
	return Digest::SHA->new(256)->addfile($path, 'b')->hexdigest;
}

# The file's messages by topic, as a whole-file ingest (hdaq.ingest_file)
# stores them in another database.
sub whole_counts
{
	my ($path) = @_;
	my $id = sql_in($whole_db, "SELECT hdaq.ingest_file('$path')");
	return topic_counts($whole_db, $id);
}

sub topic_counts
{
	my ($d, $id) = @_;
	return sql_in($d, "SELECT count(*) FROM hdaq.messages(file_id => $id)") . ' msgs; '
	  . sql_in($d, "SELECT string_agg(topic || '=' || n, ',' ORDER BY topic) FROM "
		  . "(SELECT topic, sum(message_count) AS n FROM hdaq.channel "
		  . "WHERE file_id = $id GROUP BY topic) t");
}

# Start the command in the background against database $d, its output
# going to files; its connections are named hdaq_background.
sub start_hdaq
{
	my ($d, $out, $err, @args) = @_;
	local $ENV{PGDATABASE} = $d;
	local $ENV{PGAPPNAME} = 'hdaq_background';
	return IPC::Run::start([ $hdaq, @args ], '<', \undef, '>', $out, '2>', $err);
}

# Wait until a condition holds (checked every 50 ms), at most $seconds.
sub wait_for
{
	my ($seconds, $cond) = @_;
	my $deadline = time + $seconds;
	while (time < $deadline)
	{
		return 1 if $cond->();
		sleep 0.05;
	}
	return $cond->();
}

# Is a background command still running?
sub running
{
	my ($h) = @_;
	eval { $h->pump_nb };
	return $h->pumpable;
}

# Wait for a background command to exit; its exit status, or undef.
sub wait_exit
{
	my ($h, $seconds) = @_;
	return undef unless wait_for($seconds, sub { !running($h) });
	eval { $h->finish };
	my $status = $h->full_result(0);
	return $status & 127 ? -1 : $status >> 8;
}

# The bytes the --verbose append lines of an output say were sent.
sub appended_bytes
{
	my ($out) = @_;
	return sum0($out =~ /^  append \S+: (\d+) bytes at offset \d+/mg);
}

# ---------------------------------------------------------------------------
# hdaq ingest killed in the middle of a file, then run again
# ---------------------------------------------------------------------------
system('node', 'bench/gen/gen-session.mjs', '--out', "$tmp/session.mcap",
	'--minutes', '3', '--quiet') == 0
  or BAIL_OUT('bench/gen could not generate a session');
my $session = "$tmp/session.mcap";
my $size = -s $session;
{
	my $h = start_hdaq($db, "$tmp/killed.out", "$tmp/killed.err",
		'ingest', '--verbose', $session);
	my $started = wait_for(120, sub { (() = slurp("$tmp/killed.out") =~ /^  append /mg) >= 10 });
	$h->signal('KILL');
	eval { $h->finish };
	ok($started, 'the upload was under way (10 appends) when it was killed')
	  or diag(slurp("$tmp/killed.out"), slurp("$tmp/killed.err"));
	# the append in flight may still commit: wait for the server to be done
	ok(wait_for(60, sub { sql_in($db, "SELECT count(*) FROM pg_stat_activity "
			  . "WHERE application_name = 'hdaq_background'") == 0 }),
		"the killed run's server session ends");
	my $killed_out = slurp("$tmp/killed.out");
	my $sent_killed = appended_bytes($killed_out);

	my ($id, $stored, $state) =
	  split /\|/, psql("SELECT file_id, stored_bytes, state FROM hdaq.file WHERE name = 'session.mcap'");
	ok(defined $stored && $stored > 0 && $stored < $size && $state eq 'recording',
		"after the kill: a recording file with part of the bytes ($stored of $size)");
	ok(psql("SELECT count(*) FROM hdaq.messages(file_id => $id)") > 0,
		'the messages of the committed pieces can be read');

	my ($rc, $out, $err) = run_hdaq($db, 'ingest', '--verbose', '--tag', 'run=second', $session);
	is($rc, 0, 'the second run succeeds') or diag($out, $err);
	like($out, qr/^resuming session\.mcap at byte $stored of $size$/m,
		'it resumes at the byte the server has');
	my ($first_offset) = $out =~ /^  append \S+: \d+ bytes at offset (\d+)/m;
	is($first_offset, $stored, 'its first append is at that byte');
	like($out, qr/^ingested session\.mcap as file $id \(/m, 'and completes the same file');
	my ($sent_resumed) = $out =~ /^bytes sent: (\d+)$/m;
	is($sent_resumed, appended_bytes($out), 'bytes sent: the sum of the appends');
	# Only what the server had not kept is sent again: at most the piece in
	# flight when the run was killed (sent, not yet committed).
	my $total = $sent_killed + ($sent_resumed // $size);
	my $piece = max($killed_out =~ /^  append \S+: (\d+) bytes at offset \d+/mg) // 0;
	ok($total <= $size + $piece,
		sprintf('bytes sent over both runs: %d, %.4f times the file (at most one %d-byte piece twice)',
			$total, $total / $size, $piece));

	is(psql("SELECT state || ' ' || stored_bytes || ' ' || encode(sha256, 'hex') "
		  . "FROM hdaq.file WHERE file_id = $id"),
		"complete $size " . sha_of($session), 'complete, all bytes, the local sha256');
	is(topic_counts($db, $id), whole_counts($session),
		'the same messages, topic by topic, as a whole-file ingest');
	is(psql("SELECT count(*) FROM hdaq.file WHERE name = 'session.mcap'"), 1,
		'one file of that name');
	is(psql("SELECT tags->>'run' FROM hdaq.file WHERE file_id = $id"), 'second',
		"the second run's tags are merged into the resumed upload's");

	($rc, $out, $err) = run_hdaq($db, 'ingest', $session);
	ok($rc == 0 && $out =~ /^skipped session\.mcap \(already stored as file $id\)$/m,
		'a third run skips it') or diag($out, $err);
}

# ---------------------------------------------------------------------------
# in SQL: repeated and overlapping appends, and a gap
# ---------------------------------------------------------------------------
my $small = "$tmp/small.mcap";
copy('test/data/generated/session_15s.mcap', $small) or die "copy: $!";
my $small_size = -s $small;
{
	my $id = psql("SELECT hdaq.ingest_begin('small.mcap')");
	my $append = sub {
		my ($offset, $len) = @_;
		return psql("SELECT stored_bytes || ' ' || state FROM hdaq.ingest_append($id, $offset, "
			  . "pg_read_binary_file('$small', $offset, $len))");
	};
	my $stored_now = sub {
		return psql("SELECT count(*) FROM hdaq.messages(file_id => $id)") . ' msgs, '
		  . psql("SELECT count(*) || ' segments of ' || coalesce(sum(length(s.data)), 0) "
			  . "|| ' bytes' FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key) "
			  . "WHERE c.file_id = $id");
	};
	is($append->(0, 400000), '400000 recording', 'an append stores its bytes');
	my $before = $stored_now->();
	is($append->(0, 400000), '400000 recording', 'the same append again: stored_bytes unchanged');
	is($stored_now->(), $before, 'and nothing stored twice');
	is($append->(200000, 400000), '600000 recording', 'an overlapping append: only its new bytes');
	is($append->(600000, $small_size - 600000), "$small_size complete",
		'the append that brings the footer completes the file');
	is(topic_counts($db, $id), whole_counts($small),
		'the same messages as a whole-file ingest, none twice');
	is(psql("SELECT encode(sha256, 'hex') FROM hdaq.file WHERE file_id = $id"), sha_of($small),
		'the sha256 of the whole file');

	my $gap = psql("SELECT hdaq.ingest_begin('gap.mcap')");
	psql("SELECT hdaq.ingest_append($gap, 0, pg_read_binary_file('$small', 0, 1000))");
	is(psql("CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS "
		  . "\$\$ BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END \$\$; "
		  . "SELECT pg_temp.sqlstate_of('SELECT hdaq.ingest_append($gap, 2000, "
		  . "pg_read_binary_file(''$small'', 2000, 1000))')"),
		'22023', 'an append past the bytes stored (a gap) is refused: 22023');
	is(psql("SELECT stored_bytes FROM hdaq.file WHERE file_id = $gap"), 1000,
		'and stores nothing');
}

# ---------------------------------------------------------------------------
# the command: an upload that is not this file's beginning is not resumed;
# a file cut short
# ---------------------------------------------------------------------------
{
	my $other = "$tmp/other/other.mcap";
	make_path("$tmp/other");
	copy('test/data/generated/session_15s_lz4_shuffled.mcap', $other) or die "copy: $!";
	my $foreign = psql("SELECT hdaq.ingest_begin('other.mcap')");
	psql("SELECT hdaq.ingest_append($foreign, 0, pg_read_binary_file('$session', 0, 100000))");
	my ($rc, $out, $err) = run_hdaq($db, 'ingest', $other);
	is($rc, 0, 'a file named as another upload is ingested') or diag($out, $err);
	unlike($out, qr/^resuming/m, 'the other upload (other bytes) is not resumed');
	my $id = $out =~ /^ingested other\.mcap as file (\d+)/m ? $1 : 0;
	ok($id && $id != $foreign, 'a new file is stored');
	is(psql("SELECT state || ' ' || stored_bytes FROM hdaq.file WHERE file_id = $foreign"),
		'recording 100000', 'the other upload is left as it was');

	my $cut = "$tmp/cut.mcap";
	put_file($cut, substr(slurp($small), 0, int($small_size * 0.6)));
	($rc, $out, $err) = run_hdaq($db, 'ingest', $cut);
	is($rc, 0, 'a file cut short is ingested') or diag($out, $err);
	like($out, qr/^ingested cut\.mcap as file (\d+) .*\n  NOTICE: .*cut short/m,
		'with the notice that it was cut short');
	is(psql("SELECT state FROM hdaq.file WHERE name = 'cut.mcap'"), 'cut short',
		'its state is cut short');
	($rc, $out, $err) = run_hdaq($db, 'ingest', $cut);
	like($out, qr/^skipped cut\.mcap /m, 'and it is skipped the next time');
}

# ---------------------------------------------------------------------------
# --follow: a file copied into place a piece at a time
# ---------------------------------------------------------------------------
make_path("$tmp/live");
{
	my $live = "$tmp/live/live.mcap";
	my $data = slurp($small);
	my $piece = 64 * 1024;
	my @pieces = unpack("(a$piece)*", $data);
	put_file($live, shift @pieces);
	my $h = start_hdaq($follow_db, "$tmp/follow.out", "$tmp/follow.err",
		'ingest', '--follow', $live, '--idle-timeout', '5');
	my ($seen_at, $cut_at);
	for my $i (0 .. $#pieces)
	{
		put_file($live, $pieces[$i], '>>:raw');
		sleep 0.3;
		if (!defined $seen_at && $i >= 4)
		{
			my $n = sql_in($follow_db, "SELECT coalesce(sum(n), 0) FROM hdaq.file f, "
				  . "LATERAL (SELECT count(*) AS n FROM hdaq.messages(file_id => f.file_id)) m "
				  . "WHERE f.name = 'live.mcap'");
			$seen_at = $i if $n > 0;
		}
		if (!defined $cut_at && $i >= @pieces / 2)
		{
			# the link to the server is cut: the follower reconnects
			$cut_at = $i if sql_in($follow_db, "SELECT count(pg_terminate_backend(pid)) "
				  . "FROM pg_stat_activity WHERE application_name = 'hdaq_background' "
				  . "AND datname = '$follow_db'") > 0;
		}
	}
	ok(defined $seen_at && $seen_at < $#pieces,
		'a query sees messages while the file is being copied (after piece '
		  . ($seen_at // 'none') . ' of ' . scalar(@pieces) . ')');
	my $rc = wait_exit($h, 60);
	my ($out, $err) = (slurp("$tmp/follow.out"), slurp("$tmp/follow.err"));
	is($rc, 0, 'the follower returns, with status 0, once the file is complete')
	  or diag($out, $err);
	ok(defined $cut_at && $err =~ /connection to the server lost; reconnecting/
		  && $err =~ /reconnected/, 'the connection was cut, and re-established')
	  or diag($err);
	like($out, qr/^following live\.mcap as file \d+$/m, 'it says what it follows');
	my $id = $out =~ /^ingested live\.mcap as file (\d+)/m ? $1 : 0;
	ok($id, 'it says the file was ingested') or diag($out);
	is(sql_in($follow_db, "SELECT state || ' ' || encode(sha256, 'hex') FROM hdaq.file "
		  . "WHERE name = 'live.mcap'"), 'complete ' . sha_of($live),
		'the file is complete, with the sha256 of the copy');
	is(topic_counts($follow_db, $id || 0), whole_counts($small),
		'and the messages of a whole-file ingest');
}

# ---------------------------------------------------------------------------
# --follow: a file that stops growing is left recording; a later follower
# resumes it
# ---------------------------------------------------------------------------
{
	my $path = "$tmp/live/idle.mcap";
	my $src = 'test/data/generated/session_15s_lz4_shuffled.mcap';
	my $data = slurp($src);
	my $half = int(length($data) / 2);
	put_file($path, substr($data, 0, $half));
	my ($rc, $out, $err) = run_hdaq($follow_db, 'ingest', '--follow', $path,
		'--idle-timeout', '2');
	ok($rc == 0 && $out =~ /^left idle\.mcap recording as file (\d+)/m,
		'a file that does not grow is left recording') or diag($out, $err);
	like($out, qr/^0 ingested, 0 skipped, 1 left recording, 0 failed/m, 'the summary says so');
	my $id = $1;
	is(sql_in($follow_db, "SELECT state || ' ' || stored_bytes FROM hdaq.file WHERE name = 'idle.mcap'"),
		"recording $half", 'as recording, with the bytes it had');

	put_file($path, substr($data, $half), '>>:raw');
	($rc, $out, $err) = run_hdaq($follow_db, 'ingest', '--follow', $path,
		'--idle-timeout', '2');
	is($rc, 0, 'a second follower succeeds') or diag($out, $err);
	like($out, qr/^resuming idle\.mcap at byte $half of ${\ length($data)}$/m,
		'it resumes where the first stopped');
	like($out, qr/^ingested idle\.mcap as file $id \(/m, 'and completes the same file');
	is(sql_in($follow_db, "SELECT encode(sha256, 'hex') FROM hdaq.file WHERE file_id = $id"),
		sha_of($src), 'with the sha256 of the whole file');
}

# ---------------------------------------------------------------------------
# --follow: a file that shrinks fails
# ---------------------------------------------------------------------------
{
	my $path = "$tmp/live/shrink.mcap";
	put_file($path, substr(slurp($session), 0, 300000));
	my $h = start_hdaq($follow_db, "$tmp/shrink.out", "$tmp/shrink.err",
		'ingest', '--follow', $path, '--idle-timeout', '20');
	my $sent = wait_for(30, sub {
		sql_in($follow_db, "SELECT count(*) FROM hdaq.file WHERE name = 'shrink.mcap' "
			  . "AND stored_bytes = 300000") == 1 });
	truncate($path, 100000) or die "truncate: $!";
	my $rc = wait_exit($h, 30);
	my $err = slurp("$tmp/shrink.err");
	ok($sent && defined $rc && $rc == 1
		  && $err =~ /^hdaq: FAILED \S*shrink\.mcap: the file shrank from 300000 to 100000 bytes$/m,
		'a file that shrinks fails, saying so') or diag(slurp("$tmp/shrink.out"), $err);
}

# ---------------------------------------------------------------------------
# --follow: a file named that never appears fails after the idle timeout
# ---------------------------------------------------------------------------
{
	my ($rc, $out, $err) = run_hdaq($follow_db, 'ingest', '--follow',
		"$tmp/live/never.mcap", '--idle-timeout', '1');
	ok($rc == 1 && $out =~ /^waiting for \S*never\.mcap to appear$/m
		  && $err =~ /^hdaq: FAILED \S*never\.mcap: the file did not appear$/m,
		'a file that does not appear is waited for, then fails') or diag($out, $err);
}

# ---------------------------------------------------------------------------
# --follow DIR: new files are picked up until SIGTERM
# ---------------------------------------------------------------------------
{
	my $dir = "$tmp/watch";
	make_path($dir);
	my $h = start_hdaq($follow_db, "$tmp/watch.out", "$tmp/watch.err",
		'ingest', '--follow', $dir);
	sleep 0.5;
	copy($session, "$dir/.incoming") or die "copy: $!";
	rename("$dir/.incoming", "$dir/new.mcap") or die "rename: $!";
	my $done = wait_for(120, sub { slurp("$tmp/watch.out") =~ /^ingested new\.mcap as file \d+/m });
	ok($done, 'a file that appears in the directory is ingested')
	  or diag(slurp("$tmp/watch.out"), slurp("$tmp/watch.err"));
	ok(running($h), 'and the follower keeps watching');
	$h->signal('TERM');
	my $rc = wait_exit($h, 30);
	is($rc, 0, 'SIGTERM ends it cleanly, status 0') or diag(slurp("$tmp/watch.err"));
	like(slurp("$tmp/watch.out"), qr/^1 ingested, 0 skipped, 0 failed; /m, 'with its summary');
}

done_testing();
