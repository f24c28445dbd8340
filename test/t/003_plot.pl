# Tests of hdaq plot, against a server of the test's own (HdaqSQL's
# start_server): an SVG of several signals rendered by headless Chromium
# (Debian's chromium, installed by tools/install-deps --test) is an image of
# the expected size that is not blank and has the signals' colours; a PNG
# has the size asked for and is not blank; the points are the server's M4
# reduction to the plot's width; mistakes (a path, a topic, a range that
# holds nothing, a file that does not exist, an output that is neither
# .svg nor .png) are errors that create no file.
#
# test/t/png_stats.py reads the PNG files (zlib only).
# make prove_installcheck PROVE_TESTS=test/t/003_plot.pl runs it alone.
use strict;
use warnings;

use File::Temp qw(tempdir);
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use HdaqSQL;

chdir "$FindBin::Bin/../.." or die "cannot enter the repository root: $!";
my $node = start_server();

my $hdaq = 'src/cli/hdaq';
-x $hdaq or BAIL_OUT("$hdaq is not built (run make)");

my $tmp = tempdir('hdaq_plot_XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $db = 'hdaq_plot';

sub cmd
{
	return run_command(@_);
}

sub hdaq
{
	return run_hdaq($db, @_);
}

sub psql
{
	return sql_in($db, $_[0]);
}

# (width, height, pixels unlike the background, coloured pixels) of a PNG
sub png_stats
{
	my ($path) = @_;
	my ($rc, $out, $err) = cmd('python3', 'test/t/png_stats.py', $path);
	die "png_stats.py $path: $err" if $rc != 0;
	return split ' ', $out;
}

sql_in('postgres', "CREATE DATABASE $db");
psql('CREATE EXTENSION hdaq');
my ($rc, $out, $err) = hdaq('ingest', 'test/data/generated/session_15s.mcap');
is($rc, 0, 'the generated session is ingested') or diag($out, $err);
my $s = psql("SELECT file_id FROM hdaq.file WHERE name = 'session_15s.mcap'");
my @signals = qw(VehicleData/current_rpms.FL VehicleData/current_rpms.RR
  VnImuData/uncomp_accel_sensor_frd_m_ss.x);

# ---------------------------------------------------------------------------
# SVG, rendered by Chromium
# ---------------------------------------------------------------------------
my ($w, $h) = (900, 450);
my $svg = "$tmp/plot.svg";
($rc, $out, $err) = hdaq('plot', '--file-id', $s, @signals, '-o', $svg,
	'--width', $w, '--height', $h);
is($rc, 0, 'plot writes an SVG') or diag($err);
like($out, qr/^wrote \Q$svg\E \([^,]+, ${w}x$h, 3 signals, \d+ points\)$/m, 'plot says what it wrote');
ok(!-e "$svg.tmp", 'no temporary file is left');
my $text = do { local (@ARGV, $/) = $svg; <> };
like($text, qr/<svg [^>]*width="${w}px" height="${h}px" viewBox="0 0 $w $h"/,
	'the SVG has the size asked for, in pixels');
my @lines = $text =~ /<path style="fill:none;stroke-width:1\.5;[^"]*stroke:(rgb\([^)]*\))/g;
is(scalar(@lines), 3, 'the SVG has a line per signal');
is(scalar(keys %{ { map { $_ => 1 } @lines } }), 3, 'each in a colour of its own');

SKIP:
{
	my $chromium = (grep { -x } map { "$_/chromium" } split /:/, $ENV{PATH})[0];
	ok($chromium, 'chromium is installed (tools/install-deps --test)')
	  or skip 'no chromium', 4;
	my $home = tempdir('chromium_XXXXXX', DIR => $tmp);
	my $shot = "$tmp/screenshot.png";
	local $ENV{HOME} = $home;
	local $ENV{XDG_CONFIG_HOME} = "$home/config";
	local $ENV{XDG_CACHE_HOME} = "$home/cache";
	my ($crc, $cout, $cerr) = cmd($chromium, '--headless', '--no-sandbox', '--disable-gpu',
		'--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', "--user-data-dir=$home/profile",
		"--screenshot=$shot", "--window-size=$w,$h", "file://$svg");
	ok($crc == 0 && -s $shot, 'Chromium renders the SVG') or diag($cerr);
	my ($sw, $sh, $ink, $coloured) = png_stats($shot);
	is("${sw}x$sh", "${w}x$h", 'the screenshot has the size of the plot');
	# the frame, grid, labels and three lines: a blank page has none
	ok($ink > $w * $h / 100, "the screenshot is not blank ($ink pixels drawn)");
	ok($coloured > 3 * 200, "the signals' coloured lines are drawn ($coloured coloured pixels)");
}

# ---------------------------------------------------------------------------
# PNG
# ---------------------------------------------------------------------------
{
	my $png = "$tmp/plot.png";
	($rc, $out, $err) = hdaq('plot', '--file-id', $s, $signals[0], '-o', $png,
		'--width', 640, '--height', 360, '--start', '2026-03-17T14:00:02Z',
		'--end', '2026-03-17T14:00:09Z');
	is($rc, 0, 'plot writes a PNG') or diag($err);
	my ($pw, $ph, $ink, $coloured) = png_stats($png);
	is("${pw}x$ph", '640x360', 'the PNG has the size asked for');
	ok($ink > 640 * 360 / 100 && $coloured > 200, "the PNG is not blank ($ink drawn, $coloured coloured)");

	# the points are the server's M4 reduction to the plot's columns
	my $columns = 640 - 80 - 24;
	my ($points) = $out =~ /(\d+) points/;
	my $want = psql("SELECT count(*) FROM hdaq.downsample('VehicleData', 'current_rpms.FL', "
		  . "'2026-03-17T14:00:02Z', '2026-03-17T14:00:02Z'::timestamptz + make_interval(secs => 7), "
		  . "make_interval(secs => 7.0 / $columns), $s)");
	is($points, $want, "the plot has the M4 points of $columns buckets ($want)");
	my $raw = psql("SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', "
		  . "'2026-03-17T14:00:02Z', '2026-03-17T14:00:09Z', $s)");
	my (undef, $wide) = hdaq('plot', '--file-id', $s, $signals[0], '-o', "$tmp/wide.png",
		'--width', 200, '--height', 200);
	my ($few) = $wide =~ /(\d+) points/;
	my $all = psql("SELECT count(*) FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => $s)");
	ok($few < $all && $few <= 4 * (200 - 80 - 24) + 4,
		"a narrow plot is downsampled ($few points of $all)");
}

# ---------------------------------------------------------------------------
# mistakes: an error, and no file
# ---------------------------------------------------------------------------
{
	my $o = "$tmp/bad.svg";
	my @cases = (
		[ 'a path not in the message', 1, qr/^hdaq: invalid path "nonexist" for topic "VehicleData"/m,
			[ '--file-id', $s, 'VehicleData/nonexist' ] ],
		[ 'a topic not in the file', 1, qr/^hdaq: file $s has no topic "VehicleDatx"\nDETAIL: Topics with similar names in file $s: "VehicleData"/m,
			[ '--file-id', $s, 'VehicleDatx/current_rpms.FL' ] ],
		[ 'a range that holds nothing', 1, qr/^hdaq: the time range holds no message of the chosen topics of file $s/m,
			[ '--file-id', $s, '--start', 'yesterday', $signals[0] ] ],
		[ 'reversed bounds', 1, qr/^hdaq: --start is after --end/m,
			[ '--file-id', $s, '--start', '2026-03-17T14:00:09Z', '--end', '2026-03-17T14:00:02Z', $signals[0] ] ],
		[ 'an unparseable time', 1, qr/^hdaq: invalid --end "soon"/m,
			[ '--file-id', $s, '--end', 'soon', $signals[0] ] ],
		[ 'a file that does not exist', 1, qr/^hdaq: file 999999 does not exist/m,
			[ '--file-id', '999999', $signals[0] ] ],
		[ 'a signal without a path', 1, qr/^hdaq: invalid signal "VehicleData": expected TOPIC\/path/m,
			[ '--file-id', $s, 'VehicleData' ] ],
		[ 'no signal', 2, qr/no signal given/, [ '--file-id', $s ] ],
		[ 'a width out of range', 2, qr/invalid width "20"/, [ '--file-id', $s, '--width', '20', $signals[0] ] ],
	);
	for my $case (@cases)
	{
		my ($label, $want_rc, $want_err, $args) = @$case;
		($rc, $out, $err) = hdaq('plot', @$args, '-o', $o);
		ok($rc == $want_rc && $err =~ $want_err && !-e $o && !-e "$o.tmp",
			"plot with $label: exit $want_rc, no file") or diag("exit $rc: $err");
	}
	($rc, $out, $err) = hdaq('plot', '--file-id', $s, $signals[0], '-o', "$tmp/plot.jpg");
	ok($rc == 2 && $err =~ /must end in \.svg or \.png/ && !-e "$tmp/plot.jpg",
		'an output neither .svg nor .png is refused');
	($rc, $out, $err) = hdaq('plot', '--file-id', $s, $signals[0]);
	ok($rc == 2 && $err =~ /give -o OUT\.svg or -o OUT\.png/, 'plot needs -o');
}

done_testing();
