# Tests of make demo's env file and of the commands its tour prints
# (tools/demo/tour.sh, which tools/demo/demo.sh uses): build/demo/env, once
# sourced, sets PGHOST, PGPORT, PGUSER and PGDATABASE to the server's, even
# with spaces and quotes in them; a command the tour prints, typed into a
# shell from the repository root, runs with the same arguments (the built
# hdaq shown as "hdaq", paths under the repository relative to it); and the
# tour tells the reader to source the env file.  No server is needed.
#
# make prove_installcheck PROVE_TESTS=test/t/004_demo_tour.pl runs it alone.
use strict;
use warnings;

use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use IPC::Run qw(run);
use Test::More;
use FindBin;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $top = getcwd();
my $tmp = tempdir('hdaq_demo_XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub bash
{
	my ($script, @args) = @_;
	my ($out, $err) = ('', '');
	run [ 'bash', '-c', $script, 'bash', @args ], '<', \undef, '>', \$out, '2>', \$err;
	die "bash failed: $err\n(script: $script)" if $? != 0;
	return $out;
}

# ---------------------------------------------------------------------------
# the env file
# ---------------------------------------------------------------------------
{
	my @want = ("$tmp/a socket dir/with 'quotes' and \$dollar", '54321', 'post gres', 'hdaq');
	my $env = "$tmp/env";
	bash('. tools/demo/tour.sh; demo_write_env "$@"', $env, @want);
	my $text = do { local (@ARGV, $/) = $env; <> };
	like($text, qr/^export PGHOST=.*\nexport PGPORT=54321\nexport PGUSER=.*\nexport PGDATABASE=hdaq\n\z/m,
		'the env file is four export lines');
	my $got = bash('unset PGHOST PGPORT PGUSER PGDATABASE; . "$1"; '
		  . 'printf "%s\n" "$PGHOST" "$PGPORT" "$PGUSER" "$PGDATABASE"', $env);
	is($got, join('', map { "$_\n" } @want), 'sourced, it sets the four settings as given');
	my $exported = bash('unset PGHOST PGPORT PGUSER PGDATABASE; . "$1"; '
		  . 'env | grep -c "^PG\(HOST\|PORT\|USER\|DATABASE\)="', $env);
	is($exported, "4\n", 'and exports them to the commands run after');
	ok(!-e "$env.tmp", 'no temporary file is left');
}

# ---------------------------------------------------------------------------
# a printed command runs as printed
# ---------------------------------------------------------------------------
{
	my $hdaq = "$top/src/cli/hdaq";
	my @args = ('plot', '--file-id', '18', '--start', '2024-06-15 14:00:00+00',
		'--end', "it's \"quoted\" \$HOME `x` a;b", '', 'VehicleData/current_rpms.FL',
		'-o', "$top/build/demo/plot rpms.svg", '/elsewhere/x.svg', 'a*b?', '[c]', '~d', '#e');
	my $line = bash('. tools/demo/tour.sh; demo_command_line "$@"', $top, $hdaq, $hdaq, @args);
	like($line, qr/^\$ hdaq plot --file-id 18 /, 'the built hdaq is shown as "hdaq"');
	like($line, qr{ -o build/demo/plot\\ rpms\.svg }, 'a path under the repository is shown relative to it');
	chomp $line;
	(my $typed = $line) =~ s/^\$ //;
	# typed into a shell from the repository root, with hdaq a function
	# that prints its arguments
	my $got = bash(q{hdaq() { printf '<%s>\n' "$@"; }; eval "$1"}, $typed);
	my @want = map { my $a = $_; $a =~ s{^\Q$top\E/}{}; "<$a>\n" } @args;
	is($got, join('', @want), 'the printed command, typed, gets the same arguments');
}

# ---------------------------------------------------------------------------
# the tour
# ---------------------------------------------------------------------------
{
	my $demo = do { local (@ARGV, $/) = 'tools/demo/demo.sh'; <> };
	like($demo, qr/^demo_write_env "\$DEMO_DIR\/env" "\$PGHOST" "\$PGPORT" "\$PGUSER" "\$PGDATABASE"$/m,
		'make demo writes build/demo/env with the settings it uses itself');
	like($demo, qr/^echo "\. build\/demo\/env"$/m, 'the tour says to source build/demo/env first');
	like($demo, qr/^run "\$hdaq" plot .* -o "\$DEMO_DIR\/plot_rpms\.svg"$/m, 'the tour writes a plot');
	like($demo, qr/^echo "Open build\/demo\/plot_rpms\.svg/m, 'and names it');
}

done_testing();
