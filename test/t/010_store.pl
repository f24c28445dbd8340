# The store as a whole, in a server of the test's own:
#  - pg_dump of a database with ingested files restores into a fresh one
#    with everything queryable and identical;
#  - hdaq.export_mcap output is read by the official MCAP reader
#    (@mcap/core, test/mcapjs) and holds exactly what hdaq.messages returns;
#  - every function that only reads works in a read-only transaction (as on
#    a hot standby), and ingest is refused there.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use MIME::Base64 qw(decode_base64);
use JSON::PP;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $db = "hdaq_store_test_$$";
my $restored = "${db}_restored";
my $tmp = tempdir(CLEANUP => 1);

# Run SQL in a database; return stdout (unaligned, tuples only).  Dies on error.
sub sql
{
	my ($dbname, $query) = @_;
	return sql_in($dbname, $query);
}

# The same, but return (exit status, stdout+stderr) instead of dying.
sub sql_status
{
	my ($dbname, $query) = @_;
	my $out = `psql -XAtq -v ON_ERROR_STOP=1 -d $dbname -c "$query" 2>&1`;
	return ($? >> 8, $out);
}

system('createdb', $db) == 0 or BAIL_OUT("createdb failed");

sql($db, 'CREATE EXTENSION hdaq');
my %files = (
	gen => 'test/data/generated/session_15s.mcap',
	bag => 'test/data/rosbag2/rosbag2_cpp_test_rosbag2_cpp_bags_only_topics.mcap',
	unfinished => 'test/data/hytech/data_acq_cloud/cloud_webserver_mcap_files_02_27_2024_23_23_28.mcap',
	attachment => 'test/conformance/data/OneAttachment/OneAttachment-ax-pad-st-sum.mcap',
	cdr => 'test/data/rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap',
);
for my $name (sort keys %files)
{
	# the client reads the file and sends it as a parameter-free literal
	open(my $in, '<:raw', $files{$name}) or die "$files{$name}: $!";
	local $/;
	my $bytes = <$in>;
	close $in;
	my $hex = unpack('H*', $bytes);
	open(my $fh, '|-', 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $db)
	  or die "psql: $!";
	print $fh "SET client_min_messages = warning;\n";
	print $fh "SELECT hdaq.ingest('\\x$hex'::bytea, '$name', '{\"fixture\": \"$name\"}');\n";
	close($fh) or die "ingest of $name failed";
}
is(sql($db, 'SELECT count(*) FROM hdaq.file'), scalar(keys %files), 'fixtures stored');

# ---- pg_dump and restore ------------------------------------------------------

my $digest_sql = q{SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
	SELECT concat_ws('|', file_id, topic, log_time_ns, publish_time_ns, sequence, md5(data)) x
	FROM hdaq.messages()) t};
my @same_queries = (
	[ 'every message', $digest_sql ],
	[ 'files, tags and recovery', q{SELECT string_agg(concat_ws('|', file_id, name, sha256, size_bytes, start_time, end_time, message_count, profile, library, tags, recovery, complete), ',' ORDER BY file_id) FROM hdaq.file JOIN hdaq.files USING (file_id, name, sha256, start_time, end_time, message_count, size_bytes, tags)} ],
	[ 'channels', q{SELECT string_agg(concat_ws('|', channel_key, file_id, channel_id, topic, message_encoding, schema_key, metadata, message_count, start_ns, end_ns), ',' ORDER BY channel_key) FROM hdaq.channel} ],
	[ 'segments, partition by partition', q{SELECT string_agg(concat_ws('|', tableoid::regclass, file_id, channel_key, start_ns, seq, md5(data)), ',' ORDER BY channel_key, start_ns, seq) FROM hdaq.segment} ],
	[ 'schemas', q{SELECT string_agg(concat_ws('|', schema_key, name, encoding, md5(data)), ',' ORDER BY schema_key) FROM hdaq.schema} ],
	[ 'metadata', q{SELECT string_agg(concat_ws('|', file_id, ord, name, metadata), ',' ORDER BY file_id, ord) FROM hdaq.metadata} ],
	[ 'attachments', q{SELECT string_agg(concat_ws('|', file_id, ord, name, media_type, log_time_ns, create_time_ns, md5(data)), ',' ORDER BY file_id, ord) FROM hdaq.attachment} ],
	[ 'a decoded signal', q{SELECT md5(string_agg(time || '=' || value, ',')) FROM hdaq.signal('VehicleData', 'current_rpms.FL')} ],
	[ 'decoded messages', q{SELECT md5(string_agg(message::text, ',')) FROM hdaq.messages_json(ARRAY['ACUAllData', '/test_topic'])} ],
);

my $dump = "$tmp/hdaq.dump";
is(system('pg_dump', '-Fc', '-d', $db, '-f', $dump), 0, 'pg_dump');
is(system('createdb', $restored), 0, 'createdb for the restore');
is(system('pg_restore', '-d', $restored, $dump), 0, 'pg_restore');
for my $q (@same_queries)
{
	my $before = sql($db, $q->[1]);
	my $after = sql($restored, $q->[1]);
	ok(length($before) > 0, "$q->[0]: something to compare");
	is($after, $before, "$q->[0]: the same after restore");
}
my $next_id = sql($restored, q{SELECT hdaq.ingest(hdaq.export_mcap((SELECT file_id FROM hdaq.file WHERE name = 'gen'), ARRAY['VehicleData']), 'after restore')});
ok($next_id > scalar(keys %files), "a new ingest after restore gets a new file_id ($next_id)");

# ---- the official reader on exports ----------------------------------------------

my $mcapjs = 'test/mcapjs';
-d "$mcapjs/node_modules/\@mcap/core"
  or BAIL_OUT("$mcapjs/node_modules is missing: run tools/install-deps --test");
my $window = q{ARRAY['VehicleData', 'VnImuData'], '2026-03-17 14:00:03+00', '2026-03-17 14:00:07.5+00'};
# label, file, export_mcap's arguments after file_id, the same selection for hdaq.messages
my @selections = (
	[ 'whole file', 'gen', '', '' ],
	[ 'two topics and a window', 'gen', ", $window", ", $window" ],
	[ 'metadata records', 'bag', '', '' ],
	[ 'an attachment', 'attachment', '', '' ],
	[ 'an unfinished recording', 'unfinished', '', '' ],
);
for my $sel (@selections)
{
	my ($label, $name, $export_args, $messages_args) = @$sel;
	my $id = sql($db, "SELECT file_id FROM hdaq.file WHERE name = '$name'");
	my $b64 = sql($db, "SELECT encode(hdaq.export_mcap($id$export_args), 'base64')");
	my $path = "$tmp/$name.mcap";
	open(my $out, '>:raw', $path) or die;
	print $out decode_base64($b64);
	close $out;

	my $json = `node $mcapjs/dump.mjs $path`;
	is($? >> 8, 0, "$label: the official reader reads the export (indexed and streamed, CRCs, statistics)");
	my $doc = eval { decode_json($json) } || {};

	my @ours = split /\n/, sql($db,
		"SELECT concat_ws('|', topic, sequence, log_time_ns, publish_time_ns, translate(encode(data, 'base64'), E'\\n', ''))
		   FROM hdaq.messages(" . ($messages_args ? substr($messages_args, 2) . ", " : '') . "file_id => $id)");
	my @theirs = map { join('|', $_->{topic}, $_->{sequence}, $_->{log_time}, $_->{publish_time}, $_->{data}) }
	  @{ $doc->{messages} // [] };
	is(scalar(@theirs), scalar(@ours), "$label: same number of messages (" . scalar(@ours) . ")");
	is_deeply([ sort @theirs ], [ sort @ours ], "$label: every message the same");
	if ($name eq 'bag')
	{
		is(scalar(@{ $doc->{metadata} // [] }), sql($db, "SELECT count(*) FROM hdaq.metadata WHERE file_id = $id"),
			"$label: the metadata records");
	}
	if ($name eq 'attachment')
	{
		is(scalar(@{ $doc->{attachments} // [] }), 1, "$label: the attachment");
	}
}

# ---- read-only, as on a hot standby ----------------------------------------------

# each in a read-only transaction of its own
my $ro = 'BEGIN TRANSACTION READ ONLY; ';
for my $q (
	q{SELECT count(*) FROM hdaq.messages()},
	q{SELECT count(*) FROM hdaq.messages_json(skip_errors => true)},
	q{SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL')},
	q{SELECT count(*) FROM hdaq.signals(ARRAY['VehicleData/current_rpms.FL', 'ACUAllData/SoC'])},
	q{SELECT count(*) FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, '1 s')},
	q{SELECT length(hdaq.export_mcap((SELECT file_id FROM hdaq.file WHERE name = 'gen')))},
	q{SELECT hdaq.info(hdaq.export_mcap((SELECT file_id FROM hdaq.file WHERE name = 'gen')))->>'message_count'},
	q{SELECT count(*) FROM hdaq.files},
	q{SELECT count(*) FROM hdaq.topics})
{
	my ($status, $out) = sql_status($db, $ro . $q . '; COMMIT');
	is($status, 0, "read-only: $q") or diag($out);
}
my ($status, $out) = sql_status($db, $ro . q{SELECT hdaq.ingest(hdaq.export_mcap((SELECT file_id FROM hdaq.file WHERE name = 'gen'), ARRAY['LapTime']), 'x'); COMMIT});
isnt($status, 0, 'read-only: ingest is refused');
like($out, qr/read-only transaction/, 'read-only: and says why');

done_testing();
