/*-------------------------------------------------------------------------
 *
 * test_laps.c
 *	  Unit tests of laps and distance from GPS fixes (src/common/hd_laps.c).
 *
 * A car drives a circle of known radius at a known speed, so that every
 * gate crossing's instant and every lap's length are known exactly; the
 * detector must find them from fixes at 50 Hz, skip fixes that are not
 * positions, ignore a crossing the wrong way or too soon after the last,
 * and time split gates.
 *
 * Prints "ok N - name" or "not ok N - name" per test, then one line
 * "N passed, M failed"; exits non-zero if any test failed.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_laps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#define LAT0 33.7765
#define LON0 (-84.398)
#define RADIUS 100.0
#define SPEED 20.0
#define DEG (HD_PI / 180.0)

/* The point at angle a (rad, counter-clockwise from east) on the circle. */
static void
circle_point(double a, double r, double *lat, double *lon)
{
	double		x = r * cos(a),
				y = r * sin(a);

	*lat = LAT0 + y / HD_EARTH_RADIUS_M / DEG;
	*lon = LON0 + x / (HD_EARTH_RADIUS_M * cos(LAT0 * DEG)) / DEG;
}

/* A gate across the circle at angle a, from r - 10 to r + 10. */
static HdGate
gate_at(double a)
{
	HdGate		g;

	circle_point(a, RADIUS - 10, &g.lat1, &g.lon1);
	circle_point(a, RADIUS + 10, &g.lat2, &g.lon2);
	return g;
}

static bool
haversine_known(void)
{
	double		d = hd_haversine_m(0, 0, 1, 0);
	double		want = HD_EARTH_RADIUS_M * DEG;

	CHECK(fabs(d - want) < 1e-6, "1 degree of latitude: %.9f m, not %.9f", d, want);
	d = hd_haversine_m(LAT0, LON0, LAT0, LON0);
	CHECK(d == 0, "a point to itself: %g m", d);
	return true;
}

static bool
fixes_that_are_not_positions(void)
{
	HdPathLength p;
	double		seg;

	CHECK(!hd_fix_is_position(0, 0), "0/0 is no fix");
	CHECK(!hd_fix_is_position(NAN, 1), "NaN is no fix");
	CHECK(!hd_fix_is_position(91, 1), "latitude 91 is no fix");
	CHECK(!hd_fix_is_position(1, -181), "longitude -181 is no fix");
	CHECK(hd_fix_is_position(0, 1e-9), "a point near 0/0 is a fix");
	hd_path_length_init(&p);
	CHECK(hd_path_length_add(&p, 0, LAT0, LON0, &seg), "first fix");
	CHECK(!hd_path_length_add(&p, 1, 0, 0, &seg), "0/0 skipped");
	CHECK(hd_path_length_add(&p, 2, LAT0 + 0.001, LON0, &seg), "third fix");
	CHECK(fabs(p.total_m - 0.001 * DEG * HD_EARTH_RADIUS_M) < 1e-6,
		  "0/0 counted in the distance: %f m", p.total_m);
	return true;
}

/*
 * Drive `laps` laps plus a quarter from angle -pi/2 counter-clockwise, a
 * fix every 20 ms; the gate at angle 0.  Crossings at (pi/2 + 2 pi k) R / v.
 */
static bool
circle_laps(void)
{
	const int	laps = 3;
	const double circumference = 2 * HD_PI * RADIUS;
	const double t_first = (HD_PI / 2) * RADIUS / SPEED;
	const double t_end = t_first + (laps + 0.25) * circumference / SPEED;
	HdGate		finish = gate_at(0);
	HdGate		split = gate_at(HD_PI);
	HdLapDetector d;
	HdLap		lap,
				got[8];
	int			n = 0;

	hd_laps_init(&d, &finish, &split, 1, 0.5 * circumference);
	for (int64_t t_ns = 0; t_ns <= (int64_t) (t_end * 1e9); t_ns += 20000000)
	{
		double		a = -HD_PI / 2 + SPEED * (t_ns / 1e9) / RADIUS,
					lat,
					lon;

		circle_point(a, RADIUS, &lat, &lon);
		if (hd_laps_add_fix(&d, t_ns, lat, lon, &lap) && n < 8)
			got[n++] = lap;
	}
	CHECK(hd_laps_finish(&d, &lap), "an in-lap");
	got[n++] = lap;
	CHECK(n == laps + 2, "%d laps, not %d", n, laps + 2);
	CHECK(got[0].out_lap && !got[0].in_lap && got[0].number == 0, "lap 0 is the out-lap");
	CHECK(got[n - 1].in_lap && !got[n - 1].out_lap, "the last lap is the in-lap");
	for (int k = 1; k <= laps; k++)
	{
		double		start = (t_first + (k - 1) * circumference / SPEED) * 1e9;
		double		lap_s = (got[k].end_ns - got[k].start_ns) / 1e9;
		double		split_s = (got[k].split_ns[0] - got[k].start_ns) / 1e9;

		CHECK(got[k].number == k, "lap %d numbered %d", k, got[k].number);
		/* chords cut the circle: 20 ms apart the lag is below 0.1 ms */
		CHECK(fabs(got[k].start_ns - start) < 1e5, "lap %d starts at %lld, not %.0f",
			  k, (long long) got[k].start_ns, start);
		CHECK(fabs(lap_s - circumference / SPEED) < 1e-4, "lap %d: %.6f s", k, lap_s);
		CHECK(fabs(got[k].distance_m - circumference) / circumference < 1e-4,
			  "lap %d: %.3f m, not %.3f", k, got[k].distance_m, circumference);
		CHECK(fabs(split_s - HD_PI * RADIUS / SPEED) < 1e-4, "lap %d split: %.6f s", k, split_s);
	}
	return true;
}

/*
 * Across the gate, back over it, and across again: one lap boundary, not
 * three; and a crossing soon after one is not a lap.
 */
static bool
reversing_over_the_line(void)
{
	HdGate		finish = gate_at(0);
	HdLapDetector d;
	HdLap		lap;
	double		angles[] = {-0.1, 0.1, -0.1, 0.1, 0.2};
	int			n = 0;

	hd_laps_init(&d, &finish, NULL, 0, 100);
	for (int i = 0; i < 5; i++)
	{
		double		lat,
					lon;

		circle_point(angles[i], RADIUS, &lat, &lon);
		n += hd_laps_add_fix(&d, (int64_t) i * 1000000000, lat, lon, &lap);
	}
	CHECK(n == 1, "%d laps completed, not 1", n);
	CHECK(hd_laps_finish(&d, &lap) && lap.number == 1, "the lap running is lap 1");
	return true;
}

/*
 * Fixes that fall exactly on the gate's line, once per lap: each makes
 * one crossing, neither none nor two.
 */
static bool
fix_on_the_line(void)
{
	HdGate		finish = gate_at(0);
	HdLapDetector d;
	HdLap		lap;
	int			n = 0;

	hd_laps_init(&d, &finish, NULL, 0, RADIUS);
	for (int k = -50; k <= 450; k++)
	{
		int			m = ((k % 200) + 200) % 200;
		double		lat,
					lon;

		circle_point(m * (2 * HD_PI / 200), RADIUS, &lat, &lon);
		if (m == 0)
			CHECK(lat == LAT0, "the fix at angle 0 is on the gate's line");
		n += hd_laps_add_fix(&d, (int64_t) (k + 50) * 20000000, lat, lon, &lap);
	}
	CHECK(n == 3, "%d crossings, not 3", n);
	CHECK(lap.end_ns == (int64_t) 450 * 20000000, "the last crossing at the fix on the line: %lld",
		  (long long) lap.end_ns);
	return true;
}

static bool
no_crossing_one_lap(void)
{
	HdGate		finish = gate_at(HD_PI);
	HdLapDetector d;
	HdLap		lap;

	hd_laps_init(&d, &finish, NULL, 0, 0);
	CHECK(!hd_laps_finish(&d, &lap), "no fix, no lap");
	for (int i = 0; i < 10; i++)
	{
		double		lat,
					lon;

		circle_point(0.1 * i, RADIUS, &lat, &lon);
		CHECK(!hd_laps_add_fix(&d, i, lat, lon, &lap), "no crossing");
	}
	CHECK(hd_laps_finish(&d, &lap), "one lap");
	CHECK(lap.number == 0 && lap.out_lap && lap.in_lap, "out-lap and in-lap at once");
	/* nine chords of 0.1 rad */
	CHECK(fabs(lap.distance_m - 9 * 2 * RADIUS * sin(0.05)) < 1e-3, "%.4f m", lap.distance_m);
	return true;
}

int
main(void)
{
	report("haversine: 1 degree of latitude, a point to itself", haversine_known());
	report("fixes that are not positions are skipped", fixes_that_are_not_positions());
	report("laps of a circle: count, times, distances, splits", circle_laps());
	report("reversing over the line is not a lap", reversing_over_the_line());
	report("a fix exactly on the gate makes one crossing", fix_on_the_line());
	report("a run that never crosses the gate is one lap", no_crossing_one_lap());
	return unit_summary();
}
