# Signals on a common axis against generated track sessions
# (bench/gen/gen-session.mjs --laps N, the truth beside the file):
#  - hdaq.resample on the time axis: the grid is exactly x = k * step from
#    start_time to end_time; a floating-point leaf's values are the linear
#    interpolation between the samples either side, computed here from the
#    samples (their log times from hdaq.message, their values from
#    hdaq.signal); an integer leaf (LapTime's lapcount) takes the last
#    sample's value, never a value between two; x as timestamptz is the
#    point's time; hdaq.resample_array gives the same numbers;
#  - on the distance axis of a lap: the grid reaches the lap's length
#    (the truth's within 0.5 %), and each point's value is the signal's at
#    the time hdaq.lap_overlay says the lap reached the distance;
#  - hdaq.lap_overlay: each lap's time at a distance agrees with
#    hdaq.delta_t's (the same profile), a lap against itself is the same
#    lap twice, laps of two runs on one grid with the values of
#    hdaq.resample of each lap, NULL past the shorter lap's finish;
#  - errors: what the column definition list must be (42804), bad
#    arguments (22023, 22004), names that do not exist (42704, 22023).
#
# make prove_installcheck PROVE_TESTS=test/t/095_resample.pl runs it alone.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(floor);
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";

my $tmp = tempdir(CLEANUP => 1);


my ($file_a, $truth_a) = generate_session($tmp, 'a', '--laps', '3', '--seed', '7');
my ($file_b, $truth_b) = generate_session($tmp, 'b', '--laps', '2', '--seed', '11', '--start', '2024-07-01T10:00:00Z');

my $node = start_server();
sql_in('postgres', 'CREATE EXTENSION hdaq');
my $run_a = sql_in('postgres', "SELECT hdaq.ingest(pg_read_binary_file('$file_a'), 'a')");
my $run_b = sql_in('postgres', "SELECT hdaq.ingest(pg_read_binary_file('$file_b'), 'b')");
my $g = $truth_a->{track}{gate};
sql_in('postgres', "INSERT INTO hdaq.track (name, gate, length_m) VALUES ('fsae', "
	  . "ARRAY[$g->[0][0], $g->[0][1], $g->[1][0], $g->[1][1]], $truth_a->{track}{length_m})");

sub rows_of
{
	my ($query) = @_;
	return [ map { [ split /\|/, $_, -1 ] } split /\n/, sql_in('postgres', $query) ];
}


# A leaf's samples: [log_time_ns, value] in log-time order, the times from
# hdaq.message (nanoseconds), the values from hdaq.signal.
sub samples_of
{
	my ($run, $topic, $path) = @_;
	my $times = rows_of("SELECT log_time_ns FROM hdaq.message WHERE file_id = $run AND topic = '$topic' ORDER BY log_time_ns");
	my $values = rows_of("SELECT value FROM hdaq.signal('$topic', '$path', file_id => $run)");
	die "samples of $topic/$path: " . scalar(@$times) . " times, " . scalar(@$values) . " values"
	  unless @$times == @$values;
	return [ map { [ $times->[$_][0], $values->[$_][0] ] } 0 .. $#$times ];
}

# The value of samples at time t (ns): linear between the two either side,
# or the last at or before t (step); undef outside them.
sub value_at
{
	my ($samples, $t, $step) = @_;
	return undef if $t < $samples->[0][0] || $t > $samples->[-1][0];
	my ($lo, $hi) = (0, $#$samples);
	while ($hi - $lo > 1)
	{
		my $mid = int(($lo + $hi) / 2);
		if ($samples->[$mid][0] <= $t) { $lo = $mid } else { $hi = $mid }
	}
	$lo = $hi if $samples->[$hi][0] <= $t;
	my ($t0, $v0) = @{ $samples->[$lo] };
	return $v0 if $t0 == $t || $step || $lo == $#$samples;
	my ($t1, $v1) = @{ $samples->[ $lo + 1 ] };
	return $v0 + ($v1 - $v0) * (($t - $t0) / ($t1 - $t0));
}

sub close_to
{
	my ($got, $want) = @_;
	return !defined $want if !defined $got || $got eq '';
	return defined $want && abs($got - $want) <= 1e-9 * (1 + abs($want));
}

my $speed = 'VehicleData/current_body_vel_ms.x';
my $laps = 'LapTime/lapcount';
my $speed_samples = samples_of($run_a, 'VehicleData', 'current_body_vel_ms.x');
my $lap_samples = samples_of($run_a, 'LapTime', 'lapcount');

# ---- the time axis -----------------------------------------------------------
{
	my $start_ns = sql_in('postgres', "SELECT start_ns + 40000000000 - start_ns % 1000 FROM hdaq.file WHERE file_id = $run_a");
	my $window_s = 30;
	my $step = 0.013;
	my $start = sprintf("to_timestamp(%d) + interval '%d microseconds'", int($start_ns / 1e9), ($start_ns % 1e9) / 1e3);
	my $end = "($start + interval '$window_s s')";
	my $rows = rows_of("SELECT * FROM hdaq.resample(ARRAY['$speed', '$laps'], $step, $run_a, $start, $end)
						  AS r(x double precision, speed double precision, laps double precision)");
	is(scalar @$rows, floor($window_s / $step) + 1, "time axis: floor(30 s / $step s) + 1 points");
	my @off = grep { $rows->[$_][0] != $_ * $step } 0 .. $#$rows;
	is(scalar @off, 0, 'time axis: x is exactly k * step at every point');

	my ($bad_speed, $bad_laps, $between, $changes) = (0, 0, 0, 0);
	for my $k (0 .. $#$rows)
	{
		my $t = $start_ns + sprintf('%.0f', $k * $step * 1e9);
		my $want = value_at($speed_samples, $t, 0);
		$bad_speed++ unless close_to($rows->[$k][1], $want);
		my $want_laps = value_at($lap_samples, $t, 1);
		$bad_laps++ unless close_to($rows->[$k][2], $want_laps);
		# a point strictly between two samples of different values
		my $lin = value_at($lap_samples, $t, 0);
		$changes++ if defined $lin && $lin != int($lin);
		$between++ if value_at($speed_samples, $t, 0) != value_at($speed_samples, $t, 1);
	}
	is($bad_speed, 0, 'time axis: a float leaf is the linear interpolation of its samples at every point');
	cmp_ok($between, '>', @$rows / 2, "time axis: most points lie between two samples of different values ($between)");
	is($bad_laps, 0, 'time axis: an integer leaf is its last sample\'s value at every point');
	cmp_ok($changes, '>', 0, "time axis: and that is not the interpolation where the lap count changes ($changes points)");
	my @fractional = grep { $_->[2] ne '' && $_->[2] != int($_->[2]) } @$rows;
	is(scalar @fractional, 0, 'time axis: the lap count is never between two counts');

	my $stamps = rows_of("SELECT (extract(epoch FROM t) * 1e6)::bigint, speed
						   FROM hdaq.resample(ARRAY['$speed'], $step, $run_a, $start, $end)
								AS r(t timestamptz, speed double precision)");
	my @late = grep { $stamps->[$_][0] != int(($start_ns + sprintf('%.0f', $_ * $step * 1e9)) / 1000) } 0 .. $#$stamps;
	is(scalar @late, 0, 'time axis: x as timestamptz is each point\'s time (to the microsecond)');

	my $arrays = rows_of("SELECT x, y[1], y[2] FROM hdaq.resample_array(ARRAY['$speed', '$laps'], $step, $run_a, $start, $end)");
	is_deeply($arrays, $rows, 'hdaq.resample_array: the same points and values as hdaq.resample');

	my $whole = sql_in('postgres', "SELECT count(*) FROM hdaq.resample(ARRAY['$speed'], 1, $run_a) AS r(x float8, v float8)");
	my $span_s = sql_in('postgres', "SELECT (end_ns - start_ns) / 1e9 FROM hdaq.file WHERE file_id = $run_a");
	is($whole, floor($span_s) + 1, 'time axis: without a window, the file from its first message to its last');
}

# ---- the distance axis of a lap, and overlays -------------------------------
{
	my $lap = 2;
	my $step = 2.5;
	my $rows = rows_of("SELECT * FROM hdaq.resample(ARRAY['$speed'], $step, $run_a, axis => 'distance',
															  lap => $lap, track => 'fsae')
						  AS r(d double precision, speed double precision)");
	my $length = $truth_a->{track}{length_m};
	my $last = $rows->[-1][0];
	ok($last <= $length * 1.005 && $last > $length * 0.995 - $step,
		"distance axis: the grid reaches the lap's length ($last m of $length)");
	my @off = grep { $rows->[$_][0] != $_ * $step } 0 .. $#$rows;
	is(scalar @off, 0, 'distance axis: x is exactly k * step');

	# the time of each point, as the overlay of the lap with itself says
	my $overlay = rows_of("SELECT distance_m, time_s[1], time_s[2], y[1], y[2]
							 FROM hdaq.lap_overlay('fsae', ARRAY['$speed'], ARRAY[$run_a], ARRAY[$lap, $lap], $step)");
	is(scalar @$overlay, scalar @$rows, 'lap_overlay of a lap with itself: the same grid');
	is(scalar(grep { $_->[1] ne $_->[2] || $_->[3] ne $_->[4] } @$overlay), 0,
		'lap_overlay of a lap with itself: the same times and values twice');
	my $lap_start = $truth_a->{laps}[ $lap - 1 ]{start_ns};
	my $lap_start_found = sql_in('postgres', "SELECT start_ns FROM hdaq.laps($run_a, 'fsae') WHERE lap = $lap");
	cmp_ok(abs($lap_start_found - $lap_start) / 1e6, '<', 5, 'the lap starts at the truth\'s start');
	my $bad = 0;
	for my $k (0 .. $#$rows)
	{
		my $t = $lap_start_found + sprintf('%.0f', $overlay->[$k][1] * 1e9);
		$bad++ unless close_to($rows->[$k][1], value_at($speed_samples, $t, 0))
		  && $rows->[$k][1] eq $overlay->[$k][3];
	}
	is($bad, 0, 'distance axis: each value is the signal\'s at the time the lap reached the distance');
	my $finish = $overlay->[-1][1];
	ok($finish <= $truth_a->{laps}[ $lap - 1 ]{lap_time_s} + 0.005 && $finish > $truth_a->{laps}[ $lap - 1 ]{lap_time_s} - 1,
		"distance axis: the last point's time is just before the lap's finish ($finish s)");

	# the times agree with hdaq.delta_t's, which reads the same profiles
	my $pairs = rows_of("SELECT o.time_s[1], o.time_s[2], d.ref_time_s, d.time_s
						   FROM hdaq.lap_overlay('fsae', ARRAY['$speed'], ARRAY[$run_a], ARRAY[1, 3], 10) o
						   JOIN hdaq.delta_t($run_a, 'fsae', ref_lap => 1, lap => 3, step_m => 10) d
								ON abs(d.distance_m - o.distance_m) < 1e-6");
	cmp_ok(scalar @$pairs, '>', 90, 'lap_overlay and delta_t share their distances (' . scalar(@$pairs) . ')');
	is(scalar(grep { abs($_->[0] - $_->[2]) > 1e-6 || abs($_->[1] - $_->[3]) > 1e-6 } @$pairs), 0,
		'lap_overlay: each lap\'s time at a distance is delta_t\'s');

	# two runs on one grid: each lap's values are hdaq.resample's of that lap
	my $two = rows_of("SELECT distance_m, time_s[1], time_s[2], y[1], y[2], y[3], y[4]
						 FROM hdaq.lap_overlay('fsae', ARRAY['$speed', 'VehicleData/current_inputs.accel_percent'],
											   ARRAY[$run_a, $run_b], ARRAY[3, 1], 5)");
	my %of;
	for my $pair ([ $run_a, 3 ], [ $run_b, 1 ])
	{
		$of{"$pair->[0]/$pair->[1]"} = rows_of("SELECT * FROM hdaq.resample(ARRAY['$speed', 'VehicleData/current_inputs.accel_percent'],
			5, $pair->[0], axis => 'distance', lap => $pair->[1], track => 'fsae') AS r(d float8, a float8, b float8)");
	}
	my ($short, $long) = sort { @$a <=> @$b } ($of{"$run_a/3"}, $of{"$run_b/1"});
	is(scalar @$two, scalar @$long, 'lap_overlay of two runs: the grid reaches the longer lap');
	my $mismatch = 0;
	for my $k (0 .. $#$two)
	{
		my $a = $of{"$run_a/3"}[$k];
		my $b = $of{"$run_b/1"}[$k];
		$mismatch++ unless ($a ? "$a->[1]|$a->[2]" : '|') eq "$two->[$k][3]|$two->[$k][4]"
		  && ($b ? "$b->[1]|$b->[2]" : '|') eq "$two->[$k][5]|$two->[$k][6]";
	}
	is($mismatch, 0, 'lap_overlay of two runs: each lap\'s values are hdaq.resample\'s of that lap, NULL past its finish');
	my $nulls = grep { $_->[1] eq '' || $_->[2] eq '' } @$two;
	is($nulls, @$long - @$short, "lap_overlay of two runs: the shorter lap has no time past its finish ($nulls points)");

	# a run's distance axis without a lap: from its first fix to its last
	my $run_rows = rows_of("SELECT x FROM hdaq.resample_array(ARRAY['$speed'], 10, $run_a, axis => 'distance')");
	my $total = sql_in('postgres', "SELECT max(distance_m) - min(distance_m) FROM hdaq.distance($run_a)");
	is(scalar @$run_rows, floor($total / 10) + 1, 'distance axis of a run: from its first fix to its last');
}

# ---- errors ------------------------------------------------------------------
my $r = "hdaq.resample(ARRAY['$speed'], 1, $run_a)";
is(sqlstate_of("SELECT * FROM $r AS r(x float8)"), '42804', 'a column list without a column per path is 42804');
is(sqlstate_of("SELECT * FROM $r AS r(x float8, a float8, b float8)"), '42804', 'a column too many is 42804');
is(sqlstate_of("SELECT * FROM $r AS r(x float8, a integer)"), '42804', 'a value column that is not double precision is 42804');
is(sqlstate_of("SELECT * FROM $r AS r(x text, a float8)"), '42804', 'an x column that is not a number or a time is 42804');
is(sqlstate_of("SELECT * FROM hdaq.resample(ARRAY['$speed'], 1, $run_a, axis => 'distance') AS r(x timestamptz, a float8)"),
	'42804', 'a timestamptz x on the distance axis is 42804');
my ($rc, $out, $err) = run_command('psql', '-XAtq', '-d', 'postgres', '-c', "SELECT * FROM $r AS r(x float8)");
like($err, qr/returns 2 columns, not 1.*double precision per path/s, 'and the error says what the columns must be');
my $ra = "hdaq.resample_array(ARRAY['$speed']";
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, axis => 'space')"), '22023', 'an unknown axis is 22023');
is(sqlstate_of("SELECT * FROM $ra, 0, $run_a)"), '22023', 'a step of 0 is 22023');
is(sqlstate_of("SELECT * FROM $ra, 'NaN', $run_a)"), '22023', 'a step of NaN is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1e-9, $run_a)"), '22023', 'a step making too many points is 22023');
is(sqlstate_of("SELECT * FROM $ra, NULL, $run_a)"), '22004', 'a NULL step is 22004');
is(sqlstate_of("SELECT * FROM hdaq.resample_array(ARRAY['$speed', NULL], 1, $run_a)"), '22004', 'a NULL path is 22004');
is(sqlstate_of("SELECT * FROM hdaq.resample_array('{}', 1, $run_a)"), '22023', 'no path is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, lap => 1)"), '22023', 'a lap without a track is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, track => 'fsae')"), '22023', 'a track without a lap is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, start_time => now(), lap => 1, track => 'fsae')"), '22023',
	'a lap and a time range together is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, end_time => '2000-01-01')"), '22023', 'a window ending before it starts is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, lap => 99, track => 'fsae')"), '22023', 'a lap the run lacks is 22023');
is(sqlstate_of("SELECT * FROM $ra, 1, $run_a, lap => 1, track => 'nowhere')"), '42704', 'an unknown track is 42704');
is(sqlstate_of("SELECT * FROM $ra, 1, 1)"), '42704', 'an unknown file is 42704');
is(sqlstate_of("SELECT * FROM hdaq.resample_array(ARRAY['NoTopic/x'], 1, $run_a)"), '42704', 'an unknown topic is 42704');
is(sqlstate_of("SELECT * FROM hdaq.resample_array(ARRAY['VehicleData/no_leaf'], 1, $run_a)"), '22023', 'an unknown leaf is 22023');
is(sqlstate_of("SELECT * FROM hdaq.resample_array(ARRAY['nopath'], 1, $run_a)"), '22023', 'a path without a topic is 22023');
is(sqlstate_of("SELECT * FROM hdaq.lap_overlay('fsae', ARRAY['$speed'], ARRAY[$run_a, $run_b, $run_a], ARRAY[1, 2])"),
	'22023', 'lap_overlay with neither one file_id nor one per lap is 22023');
is(sqlstate_of("SELECT * FROM hdaq.lap_overlay('fsae', ARRAY['$speed'], ARRAY[$run_a], '{}')"), '22023',
	'lap_overlay without a lap is 22023');
is(sqlstate_of("SELECT * FROM hdaq.lap_overlay('fsae', ARRAY['$speed'], ARRAY[$run_a], ARRAY[1, NULL])"), '22004',
	'lap_overlay with a NULL lap is 22004');

done_testing();
