# Tests of the hdaq command's checks and finding commands, against a server
# of the test's own (HdaqSQL's start_server):
#   - export checks its arguments and writes nothing on a mistake: a topic
#     not in the file (with similar names), a list with spaces around the
#     commas, a time the server cannot parse, a range that holds nothing,
#     reversed bounds, a file that does not exist;
#   - ls filters (--where on properties, --since, --topic) and --json;
#   - tag (hdaq.tag, hdaq.untag), fields (hdaq.fields), and ingest --tag
#     on a file already stored: the checks that call hdaq.tag, hdaq.untag
#     and hdaq.fields are skipped, with a "# skip" line, on a server
#     without those functions;
#   - the progress line of ingest: the time left, the finishing state, and
#     files found already stored left out of the counts.
#
# make prove_installcheck PROVE_TESTS=test/t/002_cli_day_one.pl runs it alone.
use strict;
use warnings;

use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $hdaq = 'src/cli/hdaq';
-x $hdaq or BAIL_OUT("$hdaq is not built (run make)");

my $tmp = tempdir('hdaq_cli2_XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $db = 'hdaq_cli_day_one';

sub cmd
{
	return run_command(@_);
}

sub hdaq
{
	return run_hdaq($db, @_);
}

sub psql
{
	my ($sql) = @_;
	return sql_in($db, $sql);
}

# Nothing at path, nor its temporary file.
sub nothing_at
{
	my ($path) = @_;
	return !-e $path && !-e "$path.tmp";
}

sql_in('postgres', "CREATE DATABASE $db");
psql('CREATE EXTENSION hdaq');

my $session_path = 'test/data/generated/session_15s.mcap';
my $hytech_path = 'test/data/hytech/drivebrain_software_2026/test1_34264.mcap';
my ($rc, $out, $err) = hdaq('ingest', '--tag', 'source=generated', $session_path);
is($rc, 0, 'the generated session is ingested') or diag($out, $err);
($rc, $out, $err) = hdaq('ingest', '--tag', 'source=bundled', $hytech_path);
is($rc, 0, 'a HyTech log is ingested') or diag($out, $err);
my $s = psql("SELECT file_id FROM hdaq.file WHERE name = 'session_15s.mcap'");
my $h = psql("SELECT file_id FROM hdaq.file WHERE name = 'test1_34264.mcap'");

my $have_fields = psql("SELECT to_regprocedure('hdaq.fields(text,bigint)') IS NOT NULL") eq 't';
my $have_tag = psql("SELECT to_regprocedure('hdaq.tag(bigint,jsonb)') IS NOT NULL") eq 't';

# ---------------------------------------------------------------------------
# export: the arguments are checked before anything is written
# ---------------------------------------------------------------------------
{
	my $mat = "$tmp/x.mat";

	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--topics', 'VehicleDatx', '--mat', $mat);
	ok($rc == 1 && nothing_at($mat), 'a topic not in the file: exit 1, no file') or diag($err);
	like($err, qr/^hdaq: file $s has no topic "VehicleDatx"$/m, 'the error names the topic');
	like($err, qr/^DETAIL: Topics with similar names in file $s: "VehicleData"\.$/m,
		'and the topics with similar names');

	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--topics', 'LapTime, VNData', '--mat', $mat);
	ok($rc == 1 && nothing_at($mat), '"LapTime, VNData": VNData is not dropped but refused')
	  or diag($err);
	like($err, qr/has no topic "VNData"\n.*"VnImuData", "VnInsData"/,
		'with the similar topics VnImuData and VnInsData');
	unlike($err, qr/"LapTime"$|no topic "LapTime"|no topic " VNData"/m,
		'LapTime is found, and the space before VNData is trimmed');

	my $part = "$tmp/two.mcap";
	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--topics', ' LapTime ,  VnImuData ',
		'--mcap', $part);
	is($rc, 0, 'spaces around the commas are trimmed') or diag($err);
	my (undef, $json) = cmd($hdaq, 'info', '--json', $part);
	my $info = decode_json($json);
	is(join(',', sort map { $_->{topic} } @{ $info->{channels} }), 'LapTime,VnImuData',
		'the export holds both topics');
	is($info->{message_count},
		psql("SELECT sum(message_count) FROM hdaq.channel WHERE file_id = $s AND topic IN ('LapTime', 'VnImuData')"),
		'with all their messages');

	($rc, $out, $err) = hdaq('export', '--file-id', $h, '--topics', 'VehicleData', '--mat', $mat);
	ok($rc == 1 && nothing_at($mat) && $err =~ /^HINT: Topic "VehicleData" is in file $s\.$/m,
		'a topic of another file: the hint names the file') or diag($err);

	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--start', 'yesterday', '--mat', $mat);
	ok($rc == 1 && nothing_at($mat), '--start yesterday (after the run): exit 1, no file')
	  or diag($err);
	like($err, qr/^hdaq: the time range holds no message of file $s\nDETAIL: The range is yesterday to \(unbounded\); file $s spans 2026-03-17 14:00:00\+00 to /m,
		'the error says the range holds nothing, and what the file spans');

	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--start', 'yesterdayx', '--mat', $mat);
	ok($rc == 1 && nothing_at($mat)
		  && $err =~ /^hdaq: invalid --start "yesterdayx": invalid input syntax for type timestamp with time zone/m,
		'an unparseable time is an error naming the option') or diag($err);
	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--end', '2026-13-45', '--mcap', $part . 'x');
	ok($rc == 1 && nothing_at($part . 'x') && $err =~ /^hdaq: invalid --end "2026-13-45": /m,
		'an impossible date is an error') or diag($err);

	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--start', '2026-03-17T14:00:10Z',
		'--end', '2026-03-17T14:00:05Z', '--mat', $mat);
	ok($rc == 1 && nothing_at($mat) && $err =~ /^hdaq: --start is after --end\nDETAIL: --start is 2026-03-17 14:00:10\+00, --end is 2026-03-17 14:00:05\+00\.$/m,
		'reversed bounds are an error') or diag($err);

	($rc, $out, $err) = hdaq('export', '--file-id', '999999', '--mat', $mat, '--mcap', "$tmp/y.mcap");
	ok($rc == 1 && nothing_at($mat) && nothing_at("$tmp/y.mcap")
		  && $err =~ /^hdaq: file 999999 does not exist\nHINT: hdaq ls lists the stored files\.$/m,
		'a file that does not exist: exit 1, neither file') or diag($err);

	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--topics', ' , ', '--mat', $mat);
	ok($rc == 2 && nothing_at($mat) && $err =~ /--topics names no topic/, 'an empty topic list is refused');

	# ISO 8601 with a zone, and the server's own forms, are accepted
	($rc, $out, $err) = hdaq('export', '--file-id', $s, '--topics', 'VehicleData',
		'--start', '2026-03-17T14:00:05Z', '--end', '2026-03-17 14:00:06+00', '--mcap', $part);
	is($rc, 0, 'ISO 8601 and PostgreSQL time forms are accepted') or diag($err);
	(undef, $json) = cmd($hdaq, 'info', '--json', $part);
	is(decode_json($json)->{message_count},
		psql("SELECT count(*) FROM hdaq.messages(ARRAY['VehicleData'], '2026-03-17T14:00:05Z', '2026-03-17 14:00:06+00', $s)"),
		'the export holds the messages of the range');
}

# ---------------------------------------------------------------------------
# ls: filters and JSON
# ---------------------------------------------------------------------------
sub ls_ids
{
	my ($rc, $out, $err) = hdaq('ls', @_);
	die "hdaq ls @_: $err" if $rc != 0;
	return join(',', map { /^\s*(\d+)  / ? $1 : () } split /\n/, $out);
}
{
	is(ls_ids('--where', 'driver=Driver A'), $s, '--where matches MCAP metadata (the driver)');
	is(ls_ids('--where', 'source=bundled'), $h, '--where matches tags');
	is(ls_ids('--where', 'source=generated', '--where', 'driver=Driver A'), $s,
		'--where twice: both must hold');
	is(ls_ids('--where', 'source=generated', '--where', 'driver=Driver B'), '',
		'--where twice: nothing when one does not hold');
	is(ls_ids('--where', 'carModel'), $s, '--where KEY: the files that have the key');
	is(ls_ids('--since', '2026-03-20'), $h, '--since: files that start at or after the time');
	is(ls_ids('--since', '2026-03-17T14:00:00Z'), "$s,$h", '--since at the start of a file includes it');
	is(ls_ids('--topic', 'VehicleData'), $s, '--topic: files with the topic');
	is(ls_ids('--topic', 'McapInfo', '--where', 'source=bundled'), $h, '--topic and --where');
	($rc, $out, $err) = hdaq('ls', '--where', 'driver=Nobody');
	ok($rc == 0 && $out =~ /^\(0 files\)$/m, 'no match says (0 files)');

	($rc, $out, $err) = hdaq('ls', '--topic', 'VehicleDatx');
	ok($rc == 1 && $err =~ /^hdaq: no stored file has a topic "VehicleDatx"\nDETAIL: Topics with similar names: "VehicleData"\.$/m,
		'--topic that no file has: an error with similar names') or diag($err);
	($rc, $out, $err) = hdaq('ls', '--since', 'yesterdayx');
	ok($rc == 1 && $err =~ /^hdaq: invalid --since "yesterdayx"/m, '--since checks the time');
	($rc, $out, $err) = hdaq('ls', '--where', '=x');
	ok($rc == 2 && $err =~ /invalid --where "=x"/, '--where needs a key');

	($rc, $out, $err) = hdaq('ls', '--json');
	is($rc, 0, 'ls --json succeeds') or diag($err);
	my $files = decode_json($out);
	is(scalar(@$files), 2, 'ls --json: one object per file');
	my ($one) = grep { $_->{file_id} == $s } @$files;
	is_deeply([ $one->{name}, $one->{message_count}, $one->{properties}{driver},
		$one->{properties}{source}, $one->{tags}{source}, $one->{complete} ],
		[ 'session_15s.mcap', 18277, 'Driver A', 'generated', 'generated', JSON::PP::true ],
		'ls --json: name, count, properties (metadata and tags), tags, complete');
	ok(grep({ $_ eq 'VehicleData' } @{ $one->{topics} }), 'ls --json: topics');
	($rc, $out) = hdaq('ls', '--json', '--where', 'source=bundled');
	is(join(',', map { $_->{file_id} } @{ decode_json($out) }), $h, 'ls --json with a filter');
	($rc, $out) = hdaq('ls', '--json', '--where', 'driver=Nobody');
	is($out, "[]\n", 'ls --json with no match is an empty array');
}

# ---------------------------------------------------------------------------
# tag, and ingest --tag on a file already stored
# ---------------------------------------------------------------------------
{
	($rc, $out, $err) = hdaq('tag');
	ok($rc == 2 && $err =~ /no file id given/, 'tag needs a file id');
	($rc, $out, $err) = hdaq('tag', $s);
	ok($rc == 2 && $err =~ /give KEY=VALUE to set or --remove KEY/, 'tag needs something to do');
	($rc, $out, $err) = hdaq('tag', $s, 'driver');
	ok($rc == 2 && $err =~ /invalid tag "driver": expected KEY=VALUE/, 'a bare word before --remove is refused');
	($rc, $out, $err) = hdaq('tag', 'x1', 'a=b');
	ok($rc == 2 && $err =~ /invalid file id "x1"/, 'tag checks the file id');
	($rc, $out, $err) = hdaq('tag', '999999', 'a=b');
	ok($rc == 1 && $err =~ /^hdaq: file 999999 does not exist/m, 'tag of a file that does not exist');

	# the same tags again: nothing to merge, a plain skip, on any server
	($rc, $out, $err) = hdaq('ingest', '--tag', 'source=generated', $session_path);
	ok($rc == 0 && $out =~ /^skipped session_15s\.mcap \(already stored as file $s\)$/m,
		'ingest --tag with tags the file has: skipped') or diag($out, $err);

	# a copy under another name with a new tag
	copy($session_path, "$tmp/renamed.mcap") or die "copy: $!";
	($rc, $out, $err) = hdaq('ingest', '--tag', 'driver=B', "$tmp/renamed.mcap");
	if ($have_tag)
	{
		is($rc, 0, 'ingest --tag on a stored file succeeds') or diag($out, $err);
		like($out, qr/^tagged renamed\.mcap \(already stored as file $s, named "session_15s\.mcap"\): tags merged, now \{.*"driver": "B".*\}$/m,
			'ingest --tag on a stored file says the tags were merged, and names the stored file');
		like($out, qr/^0 ingested, 0 skipped, 1 tagged \(already stored; tags merged\), 0 failed/m,
			'the summary counts it');
		is(psql("SELECT tags->>'driver' || ',' || (tags->>'source') FROM hdaq.file WHERE file_id = $s"),
			'B,generated', 'the tags are merged into the stored ones');

		($rc, $out, $err) = hdaq('tag', $s, 'crew=night', 'lap=3', '--remove', 'driver');
		is($rc, 0, 'tag sets and removes in one call') or diag($err);
		my $tags = psql("SELECT tags FROM hdaq.file WHERE file_id = $s");
		is_deeply(decode_json($tags), { source => 'generated', crew => 'night', lap => '3' },
			'hdaq.file.tags after tag');
		like($out, qr/^file $s tags: \{.*"crew": "night".*\}$/m, 'tag prints the tags');
		($rc, $out, $err) = hdaq('tag', $s, '--remove', 'crew', 'lap');
		is_deeply(decode_json(psql("SELECT tags FROM hdaq.file WHERE file_id = $s")),
			{ source => 'generated' }, 'each word after --remove is removed');
		is(ls_ids('--where', 'source=generated'), $s, 'ls --where finds the file by its tags');
	}
	else
	{
		# the current server: not silent either
		ok($rc == 1 && $err =~ /FAILED .*renamed\.mcap: already stored as file $s, and its tags could not be merged: this server's hdaq has no hdaq\.tag\(\)/,
			'without hdaq.tag, ingest --tag on a stored file says the tags were not merged')
		  or diag($out, $err);
		for my $what ('ingest --tag on a stored file merges and says so',
			'tag sets and removes', 'tag prints the tags', 'ls --where finds the file by its new tags')
		{
			diag("skip: $what (this server has no hdaq.tag(bigint,jsonb))");
		}
	}
}

# ---------------------------------------------------------------------------
# fields
# ---------------------------------------------------------------------------
{
	($rc, $out, $err) = hdaq('fields', 'VehicleDatx');
	ok($rc == 1 && $err =~ /^hdaq: no stored file has a topic "VehicleDatx"\nDETAIL: Topics with similar names: "VehicleData"\.$/m,
		'fields of a topic no file has: similar names') or diag($err);
	($rc, $out, $err) = hdaq('fields', 'VehicleData', '--file-id', $h);
	ok($rc == 1 && $err =~ /^hdaq: file $h has no topic "VehicleData"/m, 'fields of a topic not in the file');
	($rc, $out, $err) = hdaq('fields');
	ok($rc == 2 && $err =~ /no topic given/, 'fields needs a topic');

	if ($have_fields)
	{
		my $n = psql("SELECT count(*) FROM hdaq.fields('VehicleData', $s)");
		($rc, $out, $err) = hdaq('fields', 'VehicleData', '--file-id', $s);
		is($rc, 0, 'fields succeeds') or diag($err);
		like($out, qr/^PATH\s+TYPE\s+NUMERIC\s+REPEATED\s+ENUM$/m, 'fields header');
		like($out, qr/^current_rpms\.FL\s+\S+\s+yes\s/m, 'fields lists current_rpms.FL as numeric');
		like($out, qr/^\($n fields\)$/m, "fields counts the $n fields");
		($rc, $out, $err) = hdaq('fields', 'VehicleData', '--json');
		my $f = decode_json($out);
		is(scalar(@$f), $n, 'fields --json: one object per field');
		ok((grep { $_->{path} eq 'current_rpms.FL' && $_->{numeric} } @$f), 'fields --json has the path');
	}
	else
	{
		diag("skip: hdaq fields lists the fields, with --json (this server has no hdaq.fields(text,bigint))");
		($rc, $out, $err) = hdaq('fields', 'VehicleData');
		ok($rc == 1 && $err =~ /has no hdaq\.fields\(\)/, 'without hdaq.fields, fields says so');
	}
}

# ---------------------------------------------------------------------------
# the progress line of ingest, on a terminal
# ---------------------------------------------------------------------------
SKIP:
{
	skip 'script(1) is not available', 6 unless -x '/usr/bin/script';
	my $dir = "$tmp/tty";
	make_path($dir);
	# one file already stored, one new
	copy($hytech_path, "$dir/a_stored.mcap") or die;
	copy('test/data/generated/session_15s_lz4_shuffled.mcap', "$dir/b_new.mcap") or die;
	my $new_size = -s "$dir/b_new.mcap";
	local $ENV{PGDATABASE} = $db;
	my ($rc, $out) = cmd('script', '-qefc', "$hdaq ingest $dir", '/dev/null');
	is($rc, 0, 'ingest on a terminal succeeds') or diag($out);
	my @lines = grep { /^\[[#.]+\]/ } split /\r\e\[K|\r?\n/, $out;
	ok(@lines > 0, 'progress lines are drawn') or diag($out);
	my @after_skip = grep { /files \d+\/1 / } @lines;
	ok(@after_skip > 0 && !grep({ /b_new/ && !/files \d+\/1 / } @lines),
		'once a_stored.mcap is found stored, the counts leave it out (files n/1)')
	  or diag(join("\n", @lines));
	my $total = sprintf('%.2f MB', $new_size / 1e6);
	ok(!grep({ /b_new/ && !m{ / \Q$total\E } } @lines),
		"while b_new.mcap is uploaded, the total is its size alone ($total)") or diag(join("\n", @lines));
	ok((grep { /ETA (?:--|[\d.]+ s|\d+ min)/ } @lines) == @lines, 'every progress line has an ETA');
	ok((grep { /finishing \(server storing, [\d.]+ s\) b_new\.mcap$/ } @lines),
		'a finishing state while the server stores the file') or diag(join("\n", @lines));
}

done_testing();
