# Every SQL and shell example of README.md and docker/README.md runs as
# printed on make demo's data (the bundled logs, tagged source=bundled; a
# session from bench/gen, tagged source=generated, one minute of it here,
# ten in make demo; a 3-lap track session, tagged source=track), and gives
# an answer.  A block the test cannot run here
# (installing packages, Docker, make itself, a command's synopsis) carries
# the marker <!-- example not run: REASON --> on the line before it, and is
# listed.  Grafana's macros are expanded as Grafana expands them.
use strict;
use warnings;
use Test::More;
use Cwd ();
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $root = Cwd::getcwd();
my $node = start_server();
my $tmp = tempdir(CLEANUP => 1);

# make demo's data, in a database named hdaq as make demo's
sql_in('postgres', 'CREATE DATABASE hdaq');
$ENV{PGDATABASE} = 'hdaq';
sql_in('hdaq', 'CREATE EXTENSION hdaq');
$ENV{PATH} = "$root/src/cli:$ENV{PATH}";
system('node', 'bench/gen/gen-session.mjs', '--out', "$tmp/session.mcap", '--minutes', '1', '--quiet') == 0
  or BAIL_OUT('bench/gen could not generate a session');
system("hdaq ingest --tag source=bundled test/data/hytech >/dev/null 2>&1") == 0
  or BAIL_OUT('hdaq ingest of the bundled logs failed');
system("hdaq ingest --tag source=generated '$tmp/session.mcap' >/dev/null 2>&1") == 0
  or BAIL_OUT('hdaq ingest of the session failed');
# make demo's track session (README, Comparing laps)
system('node', 'bench/gen/gen-session.mjs', '--out', "$tmp/track_3laps.mcap", '--laps', '3', '--quiet') == 0
  or BAIL_OUT('bench/gen could not generate a track session');
system("hdaq ingest --tag source=track '$tmp/track_3laps.mcap' >/dev/null 2>&1") == 0
  or BAIL_OUT('hdaq ingest of the track session failed');
my $run = sql_in('hdaq', "SELECT file_id FROM hdaq.file WHERE tags->>'source' = 'generated'");

# where the shell examples run: build/demo/env as make demo writes it
my $work = "$tmp/checkout";
make_path("$work/build/demo");
symlink("$root/$_", "$work/$_") for qw(test docker bench);
my $user = getpwuid($<);
open(my $env, '>', "$work/build/demo/env") or die;
print $env "export PGHOST='$ENV{PGHOST}'\nexport PGPORT='$ENV{PGPORT}'\n",
  "export PGUSER='$user'\nexport PGDATABASE='hdaq'\n";
close $env;

# Grafana's macros, as it expands them for a dashboard over the session
sub grafana
{
	my ($sql) = @_;
	my ($from, $to) = ("'2024-06-15T14:00:00Z'", "'2024-06-15T14:01:00Z'");
	$sql =~ s/\$__timeFrom\(\)/$from/g;
	$sql =~ s/\$__timeTo\(\)/$to/g;
	$sql =~ s/\$__timeFilter\(([^)]+)\)/$1 BETWEEN $from AND $to/g;
	# $__timeGroupAlias(column, interval): the interval in seconds
	$sql =~ s{\$__timeGroupAlias\(\s*([^,)]+?)\s*,\s*([^)]+?)\s*\)}{
		my ($col, $iv) = ($1, $2);
		$iv =~ s/^'(.*)'$/$1/;
		my $secs = $iv eq '$__interval' ? 0.1
		  : $iv =~ /^([0-9.]+)ms$/ ? $1 / 1000
		  : $iv =~ /^([0-9.]+)s$/ ? $1
		  : $iv =~ /^([0-9.]+)m$/ ? $1 * 60
		  : die "interval $iv";
		"floor(extract(epoch from $col)/$secs)*$secs AS \"time\"";
	}ge;
	$sql =~ s/\$__interval_ms/100/g;
	$sql =~ s/\$run\b/$run/g;
	return $sql;
}

sub run_block
{
	my ($where, $lang, $text) = @_;
	my $file = "$tmp/block";
	open(my $fh, '>', $file) or die;
	if ($lang eq 'sql')
	{
		print $fh grafana($text);
		close $fh;
		my $out = `psql -X -v ON_ERROR_STOP=1 -d hdaq -f '$file' 2>&1`;
		my $ok = $? == 0 && ($text !~ /\bSELECT\b/i || $out =~ /\S/);
		ok($ok, "$where runs and answers") or diag($out);
		return;
	}
	# what the README says its shell examples run after
	print $fh "set -e\ncd '$work'\n. build/demo/env\n",
	  "run=\$(psql -Atc \"SELECT file_id FROM hdaq.file WHERE tags->>'source' = 'generated'\")\n",
	  $text;
	close $fh;
	my $out = `bash '$file' 2>&1`;
	ok($? == 0, "$where runs") or diag($out);
}

my @skipped;
for my $doc ('README.md', 'docker/README.md')
{
	open(my $fh, '<', $doc) or die "$doc: $!";
	my @lines = <$fh>;
	close $fh;
	for (my $i = 0; $i < @lines; $i++)
	{
		next unless $lines[$i] =~ /^```(sql|sh)\s*$/;
		my ($lang, $start) = ($1, $i + 1);
		my $marker = $i > 0 && $lines[$i - 1] =~ /<!-- example not run: (.*?) -->/ ? $1 : undef;
		my $text = '';
		for ($i++; $i < @lines && $lines[$i] !~ /^```/; $i++) { $text .= $lines[$i]; }
		if (defined $marker)
		{
			push @skipped, "$doc:$start ($marker)";
			next;
		}
		run_block("$doc:$start", $lang, $text);
	}
}
note("not run here: $_") for @skipped;
ok(@skipped < 13, scalar(@skipped) . ' examples are marked as not run here, each with its reason');

done_testing();
