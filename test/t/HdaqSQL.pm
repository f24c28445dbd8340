# Shared by the TAP tests of test/t: a PostgreSQL server of the test's own,
# and queries through psql.
#
# The tests run from the repository root with PostgreSQL's test modules on
# the include path (make prove_installcheck does both); the server is the
# installed PostgreSQL 15 with the installed hdaq.
package HdaqSQL;

use strict;
use warnings;
use Exporter qw(import);
use IPC::Run ();
use JSON::PP ();
use PostgreSQL::Test::Cluster;

our @EXPORT = qw(start_server sql_in sql_literal run_command run_hdaq sqlstate_of
  generate_session);

# Start a server of this test's own (stopped when the test ends) and point
# libpq's environment at it, so that psql, createdb, pg_dump and the hdaq
# command, as the tests run them, reach it.  Returns the node.  Options:
# name (the node's name, default hdaq), allows_streaming (1: a primary that
# standbys can stream from; 'logical': one that logical replication can
# subscribe to), conf (lines for postgresql.conf, set before it starts).
sub start_server
{
	my (%opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($opts{name} // 'hdaq');
	$node->init(
		extra => [ '--encoding=UTF8', '--locale=C' ],
		allows_streaming => $opts{allows_streaming} // 0);
	# the tests send whole files as SQL literals: keep them out of the log
	$node->append_conf('postgresql.conf', "log_statement = none\n");
	$node->append_conf('postgresql.conf', $opts{conf}) if defined $opts{conf};
	$node->start;
	use_server($node);
	return $node;
}

# Point libpq's environment at a node.
sub use_server
{
	my ($node) = @_;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	$ENV{PGDATABASE} = 'postgres';
	delete $ENV{$_} for qw(PGUSER PGPASSWORD PGSERVICE PGHOSTADDR PGSSLMODE);
	return;
}

# Run a query in a database; return its output (unaligned, tuples only,
# without the last newline).  Dies when psql fails.
sub sql_in
{
	my ($dbname, $query) = @_;
	open(my $fh, '-|', 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $dbname,
		'-c', $query) or die "psql: $!";
	local $/;
	my $out = <$fh>;
	close($fh) or die "psql failed on: $query\n";
	$out //= '';
	$out =~ s/\n\z//;
	return $out;
}

# A string as an SQL literal.
sub sql_literal
{
	my ($s) = @_;
	$s =~ s/'/''/g;
	return "'$s'";
}

# Run a command with nothing on its standard input; returns its exit
# status, standard output and standard error.
sub run_command
{
	my @argv = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(\@argv, '<', \undef, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# The checkout's hdaq command against database $db: as run_command.
sub run_hdaq
{
	my ($db, @args) = @_;
	local $ENV{PGDATABASE} = $db;
	return run_command('src/cli/hdaq', @args);
}

# The SQLSTATE a query fails with in database postgres ("none (...)" if
# it does not fail).
sub sqlstate_of
{
	my ($query) = @_;
	my ($rc, $out, $err) = run_command('psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c',
		"DO \$\$ BEGIN PERFORM * FROM ($query) q; EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'sqlstate=%', SQLSTATE; END \$\$");
	return $err =~ /sqlstate=(\w{5})/ ? $1 : "none ($err)";
}

# A session from bench/gen/gen-session.mjs (options @args) written to
# $dir/$name.mcap; returns the file and its truth (the JSON beside it,
# decoded).  Bails out if the generator fails.
sub generate_session
{
	my ($dir, $name, @args) = @_;
	my $out = "$dir/$name.mcap";
	system('node', 'bench/gen/gen-session.mjs', '--out', $out, '--quiet', @args) == 0
	  or Test::More::BAIL_OUT("bench/gen could not generate $name");
	open(my $fh, '<', "$dir/$name.truth.json") or Test::More::BAIL_OUT("no truth for $name");
	local $/;
	my $truth = JSON::PP::decode_json(<$fh>);
	close $fh;
	return ($out, $truth);
}

1;
