# Every log in test/data, stored and read back, against the official reader:
# each file is ingested, and hdaq.messages(file_id => ...) must return the
# same messages (topic, sequence, log and publish time, bytes) as
# @mcap/core's stream reader reads from the original file.
#
# Files the official reader cannot finish are compared on what it reads:
# an unfinished recording up to where it stops, a file with a second MCAP
# appended on the first MCAP alone (hdaq reports the appended one and
# stores the first).
use strict;
use warnings;
use Test::More;
use File::Find;
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use Cwd qw(abs_path);
use JSON::PP;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $db = "hdaq_real_logs_$$";
my $tmp = tempdir(CLEANUP => 1);
my $mcapjs = 'test/mcapjs';

sub sql
{
	my ($query) = @_;
	return sql_in($db, $query);
}

# The official reader's messages of a file, as lines; undef if it reads none.
sub official_messages
{
	my ($path) = @_;
	my $json = `node $mcapjs/dump.mjs --stream-only '$path' 2>$tmp/err`;
	my $status = $? >> 8;
	if ($status == 2)
	{
		open(my $eh, '<', "$tmp/err") or die;
		my $err = do { local $/; <$eh> };
		close $eh;
		# a second MCAP after the end magic: read the first one alone
		return undef unless $err =~ /(\d+) bytes remaining after MCAP footer/;
		my $keep = (-s $path) - $1;
		open(my $in, '<:raw', $path) or die;
		read($in, my $bytes, $keep) == $keep or die;
		close $in;
		open(my $out, '>:raw', "$tmp/first.mcap") or die;
		print $out $bytes;
		close $out;
		$json = `node $mcapjs/dump.mjs --stream-only $tmp/first.mcap 2>/dev/null`;
		return undef if ($? >> 8) == 2;
	}
	my $doc = eval { decode_json($json) } or return undef;
	return [ map { join('|', $_->{topic}, $_->{sequence}, $_->{log_time}, $_->{publish_time}, $_->{data}) }
		  @{ $doc->{messages} // [] } ];
}

-d "$mcapjs/node_modules/\@mcap/core"
  or BAIL_OUT("$mcapjs/node_modules is missing: run tools/install-deps --test");

my @files;
find(sub { push @files, $File::Find::name if /\.mcap\z/ }, 'test/data');
@files = sort @files;
cmp_ok(scalar(@files), '>=', 30, 'the logs of test/data are there (' . scalar(@files) . ')');

system('createdb', $db) == 0 or BAIL_OUT('createdb failed');
sql('CREATE EXTENSION hdaq');

my $total = 0;
for my $file (@files)
{
	my $abs = abs_path($file);
	my $id = sql("SET client_min_messages = warning; "
		  . "SELECT hdaq.ingest(pg_read_binary_file(" . sql_literal($abs) . "), " . sql_literal($file) . ")");
	my @ours = split /\n/, sql(
		"SELECT concat_ws('|', topic, sequence, log_time_ns, publish_time_ns,
						  translate(encode(data, 'base64'), E'\\n', ''))
		   FROM hdaq.messages(file_id => $id)");
	my $theirs = official_messages($abs);
	ok(defined $theirs, "$file: the official reader reads it");
	next unless defined $theirs;
	is(scalar(@ours), scalar(@$theirs), "$file: same number of messages (" . scalar(@ours) . ")");
	my @a = sort @ours;
	my @b = sort @$theirs;
	my $first_diff;
	for my $i (0 .. ($#a > $#b ? $#a : $#b))
	{
		if (($a[$i] // '') ne ($b[$i] // ''))
		{
			$first_diff = "hdaq: " . substr($a[$i] // '(none)', 0, 120)
			  . "\nofficial: " . substr($b[$i] // '(none)', 0, 120);
			last;
		}
	}
	ok(!defined $first_diff, "$file: every message the same (topic, sequence, times, bytes)")
	  or diag($first_diff);
	$total += scalar(@ours);
}
cmp_ok($total, '>', 100000, "messages compared in all: $total");

done_testing();
