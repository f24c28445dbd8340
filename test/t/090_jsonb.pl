# The jsonb of decoded messages, built directly (src/engine/decode_jsonb.c),
# against PostgreSQL's own construction of it (hdaq.jsonb_reference on:
# pushJsonbValue and numeric_in over the JSON writer's numbers), byte for
# byte, for every message of every log in test/data (protobuf, JSON and
# ROS 2 CDR: generated sessions, the car's own logs, rosbag2's; test/data
# holds no ROS 1 log): through hdaq.messages_json and through the message
# relation's data_json.  Each jsonb is also what jsonb_in makes of its own
# text.  test/decode/numbers compares the numbers alone over millions of
# values.
use strict;
use warnings;
use Test::More;
use File::Find;
use Cwd qw(abs_path);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $db = "hdaq_jsonb_$$";
system('createdb', $db) == 0 or BAIL_OUT('createdb failed');

sub sql
{
	my ($query) = @_;
	return sql_in($db, $query);
}

sql('CREATE EXTENSION hdaq');
# a jsonb's stored bytes, to compare them as they are
sql('CREATE CAST (jsonb AS bytea) WITHOUT FUNCTION');

my @files;
find(sub { push @files, $File::Find::name if /\.mcap\z/ }, 'test/data');
@files = sort @files;
cmp_ok(scalar(@files), '>=', 30, 'the logs of test/data are there (' . scalar(@files) . ')');

my ($total, $total_relation) = (0, 0);
my %encodings;
for my $file (@files)
{
	my $abs = abs_path($file);
	my $id = sql("SET client_min_messages = warning; "
		  . "SELECT hdaq.ingest(pg_read_binary_file(" . sql_literal($abs) . "), " . sql_literal($file) . ")");
	# messages_json both ways, in the same order
	my ($rows, $differ, $not_own_text) = split /\|/, sql(qq{
		SET client_min_messages = warning;
		CREATE UNLOGGED TABLE direct AS
			SELECT row_number() OVER () AS n, topic, log_time_ns, message
			  FROM hdaq.messages_json(file_id => $id, skip_errors => true);
		SET hdaq.jsonb_reference = on;
		CREATE UNLOGGED TABLE reference AS
			SELECT row_number() OVER () AS n, topic, log_time_ns, message
			  FROM hdaq.messages_json(file_id => $id, skip_errors => true);
		RESET hdaq.jsonb_reference;
		SELECT count(*),
			   count(*) FILTER (WHERE (d.topic, d.log_time_ns, d.message::bytea)
									  IS DISTINCT FROM (r.topic, r.log_time_ns, r.message::bytea)),
			   count(*) FILTER (WHERE d.message::bytea IS DISTINCT FROM (d.message::text::jsonb)::bytea)
		  FROM direct d FULL JOIN reference r USING (n)});
	is($differ, 0, "$file: messages_json gives the reference's bytes ($rows messages)");
	is($not_own_text, 0, "$file: each is jsonb_in of its text");
	# the relation, on the topics whose every message decodes
	my ($relation_rows, $only_one_side) = split /\|/, sql(qq{
		CREATE UNLOGGED TABLE decodable AS
			SELECT topic FROM hdaq.messages(file_id => $id) m GROUP BY topic
			HAVING count(*) = (SELECT count(*) FROM direct d WHERE d.topic = m.topic);
		CREATE UNLOGGED TABLE relation AS
			SELECT topic, log_time_ns, data_json::bytea AS b FROM hdaq.message
			 WHERE file_id = $id AND topic IN (SELECT topic FROM decodable);
		SELECT (SELECT count(*) FROM relation),
			   (SELECT count(*) FROM (SELECT * FROM relation
									  EXCEPT ALL SELECT topic, log_time_ns, message::bytea FROM direct
									  WHERE topic IN (SELECT topic FROM decodable)) x)
			 + (SELECT count(*) FROM (SELECT topic, log_time_ns, message::bytea FROM direct
									  WHERE topic IN (SELECT topic FROM decodable)
									  EXCEPT ALL SELECT * FROM relation) y)});
	is($only_one_side, 0, "$file: data_json gives the same bytes ($relation_rows messages)");
	for my $enc (split /\n/, sql("SELECT DISTINCT message_encoding FROM hdaq.channel WHERE file_id = $id AND topic IN (SELECT topic FROM direct)"))
	{
		$encodings{$enc} = 1;
	}
	sql('DROP TABLE direct, reference, decodable, relation');
	$total += $rows;
	$total_relation += $relation_rows;
}
cmp_ok($total, '>', 100000, "messages compared through messages_json: $total");
cmp_ok($total_relation, '>', 100000, "messages compared through data_json: $total_relation");
for my $enc (qw(protobuf json cdr))
{
	ok($encodings{$enc}, "messages of encoding $enc were compared");
}

done_testing();
