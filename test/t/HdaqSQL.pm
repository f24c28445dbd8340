# SQL helpers shared by the TAP tests of test/t: queries run through psql
# against the server of the environment (PGHOST, PGPORT, PGUSER...).
package HdaqSQL;

use strict;
use warnings;
use Exporter qw(import);

our @EXPORT = qw(sql_in);

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

1;
