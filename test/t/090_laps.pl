# Laps, distance and tracks against the truth of generated track sessions
# (bench/gen/gen-session.mjs --laps N writes the truth beside the file):
#  - on the built-in FSAE-like circuit (with a lap trigger) and on a
#    stadium-shaped circuit given as a lat/lon polyline (without one),
#    hdaq.laps finds exactly the truth's laps: the whole laps' count, each
#    one's start and lap time within 5 ms, its distance within 0.5 % of the
#    track's length; lap 0 is the out-lap, the last the in-lap;
#  - hdaq.detect_laps stores what hdaq.laps returns, and a second call
#    replaces it; hdaq.delete_file deletes a file's stored laps;
#  - hdaq.distance grows with every fix and ends at the drive's length;
#  - hdaq.track_from_run fits a gate at the truth's first crossing that
#    gives the same laps and a length within 0.5 %; a split gate fitted
#    half a lap on times every whole lap;
#  - hdaq.trigger_laps reads the same laps from the lap trigger (LapTime);
#  - hdaq.delta_t of a lap against itself is 0 everywhere, and of two laps
#    at the finish equals their lap times' difference within 5 ms;
#  - hdaq.lap_signal puts a signal on the distance axis, and the car's
#    speed integrated over time spans the same distance;
#  - hdaq laps prints a line per lap and the best one;
#  - naming what does not exist (a track, a file, a GPS leaf) or a gate
#    that is not one is an error with its SQLSTATE.
#
# make prove_installcheck PROVE_TESTS=test/t/090_laps.pl runs it alone.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP qw(decode_json encode_json);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";

my $tmp = tempdir(CLEANUP => 1);
my $pi = 4 * atan2(1, 1);

# A stadium (two 150 m straights, two half circles of 35 m) as a polyline
# of lat/lon points about 5 m apart, driven counter-clockwise.
sub stadium_points
{
	my ($lat0, $lon0) = (52.07, 4.38);
	my $r_earth = 6371008.8;
	my @xy;
	for (my $x = 0; $x < 150; $x += 5) { push @xy, [ $x, 0 ] }
	for my $i (0 .. 21) { my $a = -$pi / 2 + $pi * $i / 22; push @xy, [ 150 + 35 * cos($a), 35 + 35 * sin($a) ] }
	for (my $x = 150; $x > 0; $x -= 5) { push @xy, [ $x, 70 ] }
	for my $i (0 .. 21) { my $a = $pi / 2 + $pi * $i / 22; push @xy, [ 35 * cos($a), 35 + 35 * sin($a) ] }
	my $k = $pi / 180 * $r_earth;
	return [ map { [ $lat0 + $_->[1] / $k, $lon0 + $_->[0] / ($k * cos($lat0 * $pi / 180)) ] } @xy ];
}


open(my $tf, '>', "$tmp/stadium.json") or die;
print $tf encode_json({ name => 'stadium', points => stadium_points() });
close $tf;
my %session;
@{ $session{fsae} } = generate_session($tmp, 'fsae', '--laps', '4', '--seed', '7');
@{ $session{stadium} } = generate_session($tmp, 'stadium', '--laps', '3', '--seed', '8',
	'--track', "$tmp/stadium.json", '--no-lap-trigger', '--start', '2024-07-01T10:00:00Z');

my $node = start_server();
sql_in('postgres', 'CREATE EXTENSION hdaq');
for my $name (sort keys %session)
{
	my ($file, $truth) = @{ $session{$name} };
	push @{ $session{$name} },
	  sql_in('postgres', "SELECT hdaq.ingest(pg_read_binary_file('$file'), '$name')");
	my $g = $truth->{track}{gate};
	sql_in('postgres', "INSERT INTO hdaq.track (name, gate, length_m) VALUES ('$name', "
		  . "ARRAY[$g->[0][0], $g->[0][1], $g->[1][0], $g->[1][1]], $truth->{track}{length_m})");
}


# The laps of a query's rows: lap|start_ns|lap_time_s|distance_m|out|in|valid
sub laps_of
{
	my ($query) = @_;
	return [ map { [ split /\|/ ] } split /\n/, sql_in('postgres', $query) ];
}

# Compare laps with the truth's: count, starts (within start_ms), times,
# distances, flags.
sub check_laps
{
	my ($what, $laps, $truth, $start_ms) = @_;
	$start_ms //= 5;
	my $length = $truth->{track}{length_m};
	my @whole = grep { $_->[4] eq 'f' && $_->[5] eq 'f' } @$laps;
	is(scalar @whole, $truth->{lap_count}, "$what: the whole laps are the truth's $truth->{lap_count}");
	is(scalar @$laps, $truth->{lap_count} + 2, "$what: with an out-lap and an in-lap");
	ok($laps->[0][0] == 0 && $laps->[0][4] eq 't' && $laps->[0][6] eq 'f', "$what: lap 0 is the out-lap");
	ok($laps->[-1][5] eq 't' && $laps->[-1][6] eq 'f', "$what: the last lap is the in-lap");
	my ($worst_start, $worst_time, $worst_dist) = (0, 0, 0);
	for my $i (0 .. $#whole)
	{
		my $t = $truth->{laps}[$i] // last;
		my $d_start = abs($whole[$i][1] - $t->{start_ns}) / 1e6;
		my $d_time = abs($whole[$i][2] - $t->{lap_time_s}) * 1e3;
		my $d_dist = abs($whole[$i][3] - $length) / $length * 100;
		$worst_start = $d_start if $d_start > $worst_start;
		$worst_time = $d_time if $d_time > $worst_time;
		$worst_dist = $d_dist if $d_dist > $worst_dist;
		is($whole[$i][0], $t->{lap}, "$what: lap $t->{lap} numbered so");
		is($whole[$i][6], 't', "$what: lap $t->{lap} is valid");
	}
	cmp_ok($worst_start, '<', $start_ms, "$what: every lap starts within $start_ms ms of the truth (worst $worst_start ms)");
	cmp_ok($worst_time, '<', 5, "$what: every lap time within 5 ms of the truth (worst $worst_time ms)");
	cmp_ok($worst_dist, '<', 0.5, "$what: every lap's distance within 0.5 % of the track's length (worst $worst_dist %)");
	return;
}

my $cols = 'lap, start_ns, lap_time_s, distance_m, out_lap, in_lap, valid';
for my $name (sort keys %session)
{
	my ($file, $truth, $id) = @{ $session{$name} };
	check_laps("$name: hdaq.laps", laps_of("SELECT $cols FROM hdaq.laps($id, '$name') ORDER BY lap"), $truth);

	# stored, and replaced by a second detection
	sql_in('postgres', "SELECT count(*) FROM hdaq.detect_laps($id, '$name')");
	my $stored = sql_in('postgres', "SELECT count(*) FROM hdaq.detect_laps($id, '$name')");
	is(sql_in('postgres', "SELECT count(*) FROM hdaq.lap WHERE file_id = $id"), $stored,
		"$name: hdaq.detect_laps twice stores its laps once");
	check_laps("$name: hdaq.lap", laps_of("SELECT $cols FROM hdaq.lap WHERE file_id = $id ORDER BY lap"), $truth);

	# distance: growing, to the drive's length
	my ($fixes, $not_growing, $total) = split /\|/, sql_in('postgres',
		"SELECT count(*), count(*) FILTER (WHERE distance_m < prev), max(distance_m)
		   FROM (SELECT distance_m, lag(distance_m) OVER (ORDER BY time_ns) AS prev
				   FROM hdaq.distance($id)) d");
	my $drive = $truth->{out_lap_distance_m} + $truth->{lap_count} * $truth->{track}{length_m}
	  + $truth->{in_lap_distance_m};
	cmp_ok($fixes, '>', 50 * ($truth->{drive_end_s} - $truth->{drive_start_s}), "$name: a distance at each fix (50 Hz)");
	is($not_growing, 0, "$name: the distance never falls");
	cmp_ok(abs($total - $drive) / $drive * 100, '<', 0.5, "$name: the distance ends at the drive's length ($total of $drive m)");

	# a track fitted at the truth's first crossing
	my $at = sprintf("to_timestamp(%.6f)", $truth->{laps}[0]{start_ns} / 1e9);
	my $length = sql_in('postgres', "SELECT length_m FROM hdaq.track_from_run($id, '$name fitted', at => $at)");
	cmp_ok(abs($length - $truth->{track}{length_m}) / $truth->{track}{length_m} * 100, '<', 0.5,
		"$name: the fitted track's length within 0.5 % ($length m)");
	# its gate goes through the first fix after the line: up to 20 ms later
	check_laps("$name: the fitted track", laps_of("SELECT $cols FROM hdaq.laps($id, '$name fitted') ORDER BY lap"),
		$truth, 21);
}

# a split gate half a lap on: every whole lap has a split time inside it
{
	my ($file, $truth, $id) = @{ $session{fsae} };
	my $half = sprintf("to_timestamp(%.6f)",
		($truth->{laps}[0]{start_ns} / 1e9) + $truth->{laps}[0]{lap_time_s} / 2);
	sql_in('postgres', "SELECT hdaq.track_from_run($id, 'half', at => $half)");
	sql_in('postgres', "UPDATE hdaq.track SET splits = ARRAY[(SELECT gate FROM hdaq.track WHERE name = 'half')] WHERE name = 'fsae'");
	my $splits = sql_in('postgres',
		"SELECT count(*) FILTER (WHERE split_times_s[1] > 0.3 * lap_time_s AND split_times_s[1] < 0.7 * lap_time_s),
				count(*)
		   FROM hdaq.laps($id, 'fsae') WHERE NOT out_lap AND NOT in_lap");
	is($splits, "$truth->{lap_count}|$truth->{lap_count}", 'fsae: a split time half-way round every whole lap');
	is(sql_in('postgres', "SELECT count(*) FROM hdaq.laps($id, 'fsae') WHERE NOT out_lap AND NOT in_lap"),
		$truth->{lap_count}, 'fsae: a split gate changes no lap');
}

# laps from the lap trigger (LapTime) of the FSAE session: the same laps,
# their times within 5 ms, each reported less than a period (1 s) after
# the line; the stadium session has no trigger
{
	my ($file, $truth, $id) = @{ $session{fsae} };
	my $rows = laps_of("SELECT lap, extract(epoch FROM reported_at), lap_time_s FROM hdaq.trigger_laps($id) ORDER BY lap");
	is(scalar @$rows, $truth->{lap_count}, 'trigger laps: the truth\'s count');
	my ($worst_time, $earliest, $latest) = (0, 1e9, -1e9);
	for my $i (0 .. $#$rows)
	{
		my $t = $truth->{laps}[$i] // last;
		my $d_time = abs($rows->[$i][2] - $t->{lap_time_s}) * 1e3;
		my $late = $rows->[$i][1] - $t->{end_ns} / 1e9;
		$worst_time = $d_time if $d_time > $worst_time;
		$earliest = $late if $late < $earliest;
		$latest = $late if $late > $latest;
		is($rows->[$i][0], $t->{lap}, "trigger laps: lap $t->{lap} numbered so");
	}
	cmp_ok($worst_time, '<', 5, "trigger laps: every lap time within 5 ms of the truth (worst $worst_time ms)");
	ok($earliest >= 0 && $latest < 1.01,
		"trigger laps: reported within a second after the line ($earliest to $latest s)");
	is(sqlstate_of("SELECT * FROM hdaq.trigger_laps($session{stadium}[2])"), '42704',
		'trigger laps of a run without the topic is 42704');
}

# delta-T: a lap against itself is 0 everywhere; two laps at the finish
# differ by their lap times' difference
{
	my ($file, $truth, $id) = @{ $session{stadium} };
	my ($points, $worst) = split /\|/, sql_in('postgres',
		"SELECT count(*), max(abs(delta_s)) FROM hdaq.delta_t($id, 'stadium', 2, 2)");
	cmp_ok($points, '>', $truth->{track}{length_m}, 'delta-T: a point per metre of the lap');
	is($worst, 0, 'delta-T of a lap against itself is 0 everywhere');
	for my $pair ([ 1, 2 ], [ 3, 1 ])
	{
		my ($ref, $lap) = @$pair;
		my $finish = sql_in('postgres',
			"SELECT delta_s FROM hdaq.delta_t($id, 'stadium', $ref, $lap, step_m => 5) ORDER BY distance_m DESC LIMIT 1");
		my $want = $truth->{laps}[ $lap - 1 ]{lap_time_s} - $truth->{laps}[ $ref - 1 ]{lap_time_s};
		cmp_ok(abs($finish - $want) * 1e3, '<', 5,
			"delta-T of lap $lap against lap $ref at the finish: $finish s, the truth's $want s");
	}
	is(sqlstate_of("SELECT * FROM hdaq.delta_t($id, 'stadium', 1, 99)"), '22023', 'delta-T of a lap the run lacks is 22023');
}

# a signal against distance into a lap: distances from 0 to the lap's,
# never falling, and the speed integrated over time covers the distance
# the rows span (the axis agrees with the car's own speed)
{
	my ($file, $truth, $id) = @{ $session{stadium} };
	my ($n, $falls, $lo, $hi, $integral) = split /\|/, sql_in('postgres',
		"SELECT count(*), count(*) FILTER (WHERE distance_m < pd), min(distance_m), max(distance_m),
				sum((time_s - pt) * (value + pv) / 2)
		   FROM (SELECT distance_m, time_s, value, lag(distance_m) OVER w AS pd,
						lag(time_s) OVER w AS pt, lag(value) OVER w AS pv
				   FROM hdaq.lap_signal($id, 'stadium', 2, 'VehicleData', 'current_body_vel_ms.x')
				 WINDOW w AS (ORDER BY time_s)) x");
	cmp_ok($n, '>', 100 * $truth->{laps}[1]{lap_time_s} * 0.99, 'lap_signal: every sample of the lap (100 Hz)');
	is($falls, 0, 'lap_signal: the distance never falls');
	ok($lo >= 0 && $hi <= $truth->{track}{length_m} * 1.005, "lap_signal: distances within the lap ($lo to $hi m)");
	cmp_ok(abs($integral - ($hi - $lo)) / ($hi - $lo) * 100, '<', 0.5,
		"lap_signal: speed integrated over time gives the distance axis's span ($integral of " . ($hi - $lo) . ' m)');
}

# the command: a line per lap, the best valid lap; errors exit 1
{
	my ($file, $truth, $id) = @{ $session{stadium} };
	my ($rc, $out, $err) = run_hdaq('postgres', 'laps', $id, '--track', 'stadium');
	is($rc, 0, 'hdaq laps runs') or diag($err);
	my @lines = grep { /^\s+\d+\s+\d\d:\d\d:\d\d\.\d{3}\s+\d+:\d\d\.\d{3}\s/ } split /\n/, $out;
	is(scalar @lines, $truth->{lap_count} + 2, 'hdaq laps prints a line per lap');
	my ($best) = sort { $a->{lap_time_s} <=> $b->{lap_time_s} } @{ $truth->{laps} };
	# shown as m:ss.sss, the microseconds cut off
	my $ms = int(sprintf('%.6f', $best->{lap_time_s}) * 1000);
	my $best_time = sprintf('%d:%02d.%03d', int($ms / 60000), int($ms / 1000) % 60, $ms % 1000);
	like($out, qr/best: lap $best->{lap} in $best_time\)/, "hdaq laps names the best lap ($best->{lap}, $best_time)");
	($rc, $out, $err) = run_hdaq('postgres', 'laps', $id);
	is($rc, 1, 'hdaq laps without --track among several tracks exits 1');
	like($err, qr/tracks are stored: choose one with --track/, 'and says why');
	($rc, $out, $err) = run_hdaq('postgres', 'laps', $id, '--track', 'nowhere');
	like($err, qr/track "nowhere" does not exist/, 'hdaq laps --track of an unknown track says so');
	($rc, $out, $err) = run_hdaq('postgres', 'laps', $id, '--track', 'stadium', '--json');
	is(scalar @{ decode_json($out) }, $truth->{lap_count} + 2, 'hdaq laps --json: an object per lap');
}

# errors
my $fsae = $session{fsae}[2];
is(sqlstate_of("SELECT * FROM hdaq.laps($fsae, 'no such track')"), '42704', 'an unknown track is 42704');
is(sqlstate_of("SELECT * FROM hdaq.laps(1, 'fsae')"), '42704', 'an unknown file is 42704');
is(sqlstate_of("SELECT * FROM hdaq.gate_laps($fsae, '{1,2,3}')"), '22023', 'a gate of three numbers is 22023');
is(sqlstate_of("SELECT * FROM hdaq.gate_laps($fsae, '{33.7,-84.3,33.7,-84.3}')"), '22023', 'a gate of one point is 22023');
is(sqlstate_of("SELECT * FROM hdaq.distance($fsae, 'VnInsData', 'lat_deg', 'no_such_leaf')"), '22023', 'an unknown GPS leaf is 22023');
is(sqlstate_of("SELECT * FROM hdaq.distance($fsae, 'NoGps')"), '42704', 'an unknown GPS topic is 42704');
is(sqlstate_of("SELECT * FROM hdaq.track_from_run($fsae, 'late', at => '2030-01-01')"), '22023',
	'fitting a gate after the run is 22023');

# deleting a file deletes its stored laps
sql_in('postgres', "SELECT hdaq.delete_file($fsae)");
is(sql_in('postgres', "SELECT count(*) FROM hdaq.lap WHERE file_id = $fsae"), 0, 'hdaq.delete_file deletes its stored laps');

done_testing();
