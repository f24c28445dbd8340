# hdaq.info (jsonb built from the MCAP core's info structure) says exactly
# what `hdaq info --json` (the command, printing the same structure as
# JSON text) says, for every log in test/data, every conformance file and
# every file of the reader's fuzz corpus, damaged ones included.
use strict;
use warnings;
use Test::More;
use Cwd ();
use File::Find;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();
sql_in('postgres', 'CREATE EXTENSION hdaq');

my @files;
find(sub { push @files, $File::Find::name if /\.mcap$/ && -f $_ },
	'test/data', 'test/conformance/data', 'test/fuzz/corpus/reader');
@files = sort @files;
ok(@files > 400, 'files to compare: ' . scalar(@files));

my ($same, @differ) = (0);
for my $file (@files)
{
	my $json = `src/cli/hdaq info --json '$file' 2>/dev/null`;
	next if $? != 0;			# the command refuses it: so does hdaq.info
	$json =~ s/'/''/g;
	my $path = Cwd::abs_path($file);
	# through standard input: a whole info is too long for an argument
	my ($rc, $eq, $err) = $node->psql('postgres',
		"SELECT hdaq.info(pg_read_binary_file('$path')::hdaq.mcap) = '$json'::jsonb");
	if ($rc == 0 && $eq eq 't') { $same++; } else { push @differ, "$file: $eq $err"; }
}
is(scalar(@differ), 0, "hdaq.info equals hdaq info --json ($same files)")
  or diag(join("\n", @differ[0 .. ($#differ < 9 ? $#differ : 9)]));
ok($same > 400, 'most files compared');

done_testing();
