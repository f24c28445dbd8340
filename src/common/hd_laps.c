/*-------------------------------------------------------------------------
 *
 * hd_laps.c
 *	  Laps and distance from GPS fixes (see hd_laps.h).
 *
 * Distances are haversine on a sphere of the mean Earth radius: between
 * fixes a few metres apart its error against the ellipsoid is a few parts
 * in a thousand at most, the same for every lap, and far below what GPS
 * noise adds.  Gate crossings are found in a local plane (east, north
 * metres) around the gate's middle, exact enough over the tens of metres
 * a gate spans, and placed in time by linear interpolation between the two
 * fixes on either side: at 50 Hz and 30 m/s the fixes are 0.6 m apart.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_laps.h"

#include <math.h>
#include <string.h>

#define DEG (HD_PI / 180.0)

double
hd_haversine_m(double lat1, double lon1, double lat2, double lon2)
{
	double		dlat = (lat2 - lat1) * DEG;
	double		dlon = (lon2 - lon1) * DEG;
	double		s1 = sin(dlat / 2);
	double		s2 = sin(dlon / 2);
	double		h = s1 * s1 + cos(lat1 * DEG) * cos(lat2 * DEG) * s2 * s2;

	if (h > 1)
		h = 1;
	return 2 * HD_EARTH_RADIUS_M * asin(sqrt(h));
}

bool
hd_fix_is_position(double lat, double lon)
{
	if (!isfinite(lat) || !isfinite(lon))
		return false;
	if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
		return false;
	return !(lat == 0 && lon == 0);
}

bool
hd_gate_is_valid(const HdGate *gate)
{
	return hd_fix_is_position(gate->lat1, gate->lon1) &&
		hd_fix_is_position(gate->lat2, gate->lon2) &&
		(gate->lat1 != gate->lat2 || gate->lon1 != gate->lon2);
}

/* (lat, lon) as east and north metres from (lat0, lon0). */
static void
to_local(double lat0, double lon0, double lat, double lon, double *x, double *y)
{
	*x = (lon - lon0) * DEG * HD_EARTH_RADIUS_M * cos(lat0 * DEG);
	*y = (lat - lat0) * DEG * HD_EARTH_RADIUS_M;
}

/*
 * Which side of the gate's line a point (local metres) is on: true for the
 * left of A->B or on it.  A point's side is computed the same way for the
 * segment it ends and the one it starts, so a fix exactly on the line
 * makes one crossing, not none or two.
 */
static double
side_value(double ax, double ay, double bx, double by, double x, double y)
{
	return (bx - ax) * (y - ay) - (by - ay) * (x - ax);
}

bool
hd_gate_crossing(const HdGate *gate, double plat, double plon,
				 double qlat, double qlon, double *u, int *side)
{
	double		lat0 = (gate->lat1 + gate->lat2) / 2;
	double		lon0 = (gate->lon1 + gate->lon2) / 2;
	double		ax,
				ay,
				bx,
				by,
				px,
				py,
				qx,
				qy;
	double		sp,
				sq,
				t,
				w,
				len2;

	to_local(lat0, lon0, gate->lat1, gate->lon1, &ax, &ay);
	to_local(lat0, lon0, gate->lat2, gate->lon2, &bx, &by);
	to_local(lat0, lon0, plat, plon, &px, &py);
	to_local(lat0, lon0, qlat, qlon, &qx, &qy);
	sp = side_value(ax, ay, bx, by, px, py);
	sq = side_value(ax, ay, bx, by, qx, qy);
	if ((sp >= 0) == (sq >= 0))
		return false;
	t = sp / (sp - sq);
	if (t < 0)
		t = 0;
	if (t > 1)
		t = 1;
	/* where the crossing point lies along the gate */
	len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay);
	w = ((px + t * (qx - px) - ax) * (bx - ax) +
		 (py + t * (qy - py) - ay) * (by - ay)) / len2;
	if (!(w >= 0 && w <= 1))
		return false;
	*u = t;
	*side = sq >= 0 ? 1 : -1;
	return true;
}

void
hd_path_length_init(HdPathLength *p)
{
	memset(p, 0, sizeof(*p));
}

bool
hd_path_length_add(HdPathLength *p, int64_t t_ns, double lat, double lon,
				   double *seg_m)
{
	*seg_m = 0;
	if (!hd_fix_is_position(lat, lon))
		return false;
	if (p->have_prev)
	{
		*seg_m = hd_haversine_m(p->prev_lat, p->prev_lon, lat, lon);
		p->total_m += *seg_m;
	}
	p->have_prev = true;
	p->prev_ns = t_ns;
	p->prev_lat = lat;
	p->prev_lon = lon;
	return true;
}

/* A lap starting at (t_ns, at_m), numbered number, no split crossed. */
static void
start_lap(HdLap *lap, int number, int64_t t_ns, double at_m, int nsplits,
		  bool out_lap)
{
	lap->number = number;
	lap->start_ns = t_ns;
	lap->end_ns = t_ns;
	lap->start_m = at_m;
	lap->distance_m = 0;
	lap->out_lap = out_lap;
	lap->in_lap = false;
	lap->nsplits = nsplits;
	for (int i = 0; i < nsplits; i++)
		lap->split_ns[i] = -1;
}

void
hd_laps_init(HdLapDetector *d, const HdGate *finish, const HdGate *splits,
			 int nsplits, double min_lap_m)
{
	memset(d, 0, sizeof(*d));
	d->finish = *finish;
	if (nsplits > HD_LAPS_MAX_SPLITS)
		nsplits = HD_LAPS_MAX_SPLITS;
	if (nsplits > 0)
		memcpy(d->splits, splits, sizeof(HdGate) * nsplits);
	d->nsplits = nsplits;
	d->min_lap_m = min_lap_m > 0 ? min_lap_m : 0;
	hd_path_length_init(&d->path);
	d->lap.number = -1;			/* no fix yet */
}

/* The instant at u along the segment from t0 to t1. */
static int64_t
instant_at(int64_t t0, int64_t t1, double u)
{
	return t0 + (int64_t) llround(u * (double) (t1 - t0));
}

/*
 * Record the split gates the segment (P at t0, Q at t1) crosses for u in
 * [from, to]: the first crossing of each split in a lap counts.
 */
static void
record_splits(HdLapDetector *d, double plat, double plon, int64_t t0,
			  double qlat, double qlon, int64_t t1, double from, double to)
{
	for (int i = 0; i < d->nsplits; i++)
	{
		double		u;
		int			side;

		if (d->lap.split_ns[i] >= 0)
			continue;
		if (hd_gate_crossing(&d->splits[i], plat, plon, qlat, qlon, &u, &side) &&
			u >= from && u <= to)
			d->lap.split_ns[i] = instant_at(t0, t1, u);
	}
}

bool
hd_laps_add_fix(HdLapDetector *d, int64_t t_ns, double lat, double lon,
				HdLap *done)
{
	HdPathLength prev = d->path;
	double		seg_m,
				u;
	int			side;
	bool		crossed;

	if (!hd_path_length_add(&d->path, t_ns, lat, lon, &seg_m))
		return false;
	if (!prev.have_prev)
	{
		start_lap(&d->lap, 0, t_ns, 0, d->nsplits, true);
		return false;
	}
	crossed = hd_gate_crossing(&d->finish, prev.prev_lat, prev.prev_lon,
							   lat, lon, &u, &side) &&
		(d->direction == 0 ||
		 (side == d->direction &&
		  prev.total_m + u * seg_m - d->last_crossing_m >= d->min_lap_m));
	record_splits(d, prev.prev_lat, prev.prev_lon, prev.prev_ns, lat, lon,
				  t_ns, 0, crossed ? u : 1);
	d->lap.end_ns = t_ns;
	d->lap.distance_m = d->path.total_m - d->lap.start_m;
	if (!crossed)
		return false;

	/* the lap ends at the crossing; the next one starts there */
	{
		int64_t		at_ns = instant_at(prev.prev_ns, t_ns, u);
		double		at_m = prev.total_m + u * seg_m;

		d->direction = side;
		d->last_crossing_m = at_m;
		d->lap.end_ns = at_ns;
		d->lap.distance_m = at_m - d->lap.start_m;
		*done = d->lap;
		start_lap(&d->lap, done->number + 1, at_ns, at_m, d->nsplits, false);
		record_splits(d, prev.prev_lat, prev.prev_lon, prev.prev_ns, lat, lon,
					  t_ns, u, 1);
		d->lap.end_ns = t_ns;
		d->lap.distance_m = d->path.total_m - at_m;
	}
	return true;
}

bool
hd_laps_finish(const HdLapDetector *d, HdLap *last)
{
	if (d->lap.number < 0)
		return false;
	*last = d->lap;
	last->in_lap = true;
	return true;
}
