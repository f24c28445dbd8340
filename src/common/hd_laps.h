/*-------------------------------------------------------------------------
 *
 * hd_laps.h
 *	  Laps and distance from GPS fixes: the distance along a run (haversine
 *	  between consecutive fixes) and a lap detector that finds where the
 *	  path between two fixes crosses a start/finish gate (and split gates),
 *	  interpolated to the crossing instant.  Plain C, no PostgreSQL: the
 *	  engine (src/engine/laps.c) feeds it the fixes it reads.
 *
 * A gate is a line segment across the track between two points given as
 * latitude and longitude in degrees.  Fixes come in time order.  A fix
 * that is not a position (NaN or infinite, latitude beyond +-90, longitude
 * beyond +-180, or 0/0, what GPS receivers report before their first fix)
 * is skipped.
 *
 * Laps: lap 0 runs from the first fix to the first crossing of the
 * start/finish gate (the out-lap); each later crossing ends one lap and
 * starts the next; the lap still running at the last fix ends there (the
 * in-lap).  The first crossing sets the direction of travel: a crossing
 * the other way (a car reversing over the line) is not a lap, nor is one
 * less than min_lap_m after the previous counted one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_LAPS_H
#define HD_LAPS_H

#include <stdbool.h>
#include <stdint.h>

/* The mean Earth radius (IUGG), the sphere distances are measured on. */
#define HD_EARTH_RADIUS_M 6371008.8

/* pi (strict C11 has no M_PI) */
#define HD_PI 3.14159265358979323846

/* The start/finish gate and at most this many split gates after it. */
#define HD_LAPS_MAX_SPLITS 32

typedef struct HdGate
{
	double		lat1;
	double		lon1;
	double		lat2;
	double		lon2;
} HdGate;

/* Distance along consecutive fixes. */
typedef struct HdPathLength
{
	bool		have_prev;
	int64_t		prev_ns;
	double		prev_lat;
	double		prev_lon;
	double		total_m;		/* up to the previous fix */
} HdPathLength;

/* One lap as the detector reports it. */
typedef struct HdLap
{
	int			number;			/* 0: the out-lap */
	int64_t		start_ns;
	int64_t		end_ns;
	double		start_m;		/* distance along the run at its start */
	double		distance_m;
	bool		out_lap;		/* starts at the first fix, not at the gate */
	bool		in_lap;			/* ends at the last fix, not at the gate */
	int			nsplits;
	int64_t		split_ns[HD_LAPS_MAX_SPLITS];	/* -1: not crossed in this lap */
} HdLap;

typedef struct HdLapDetector
{
	HdGate		finish;
	HdGate		splits[HD_LAPS_MAX_SPLITS];
	int			nsplits;
	double		min_lap_m;
	HdPathLength path;
	int			direction;		/* 0 until the first crossing, then +-1 */
	double		last_crossing_m;
	HdLap		lap;			/* the lap running */
} HdLapDetector;

/* Great-circle distance in metres between two points (degrees). */
extern double hd_haversine_m(double lat1, double lon1, double lat2, double lon2);

/* Whether (lat, lon) in degrees is a position (see above). */
extern bool hd_fix_is_position(double lat, double lon);

/* Whether a gate's four numbers are positions and its ends differ. */
extern bool hd_gate_is_valid(const HdGate *gate);

/*
 * Whether the segment from P to Q crosses the gate; if so *u is where along
 * the segment (0 <= u <= 1) and *side the direction (+1 or -1, the side of
 * the gate Q is on).  A point on the gate's line counts as on its left
 * (+1) side, so that a fix exactly on it makes one crossing.
 */
extern bool hd_gate_crossing(const HdGate *gate, double plat, double plon,
							 double qlat, double qlon, double *u, int *side);

extern void hd_path_length_init(HdPathLength *p);

/*
 * Add a fix (skipped if not a position) and return the distance along the
 * run at it; *seg_m is the length of the segment from the previous fix
 * (0 for the first).  false if the fix was skipped.
 */
extern bool hd_path_length_add(HdPathLength *p, int64_t t_ns, double lat,
							   double lon, double *seg_m);

extern void hd_laps_init(HdLapDetector *d, const HdGate *finish,
						 const HdGate *splits, int nsplits, double min_lap_m);

/*
 * Add a fix.  Returns true when the path up to it crossed the start/finish
 * gate and so completed a lap, which is copied into *done.
 */
extern bool hd_laps_add_fix(HdLapDetector *d, int64_t t_ns, double lat,
							double lon, HdLap *done);

/* The lap running at the last fix (the in-lap); false if no fix came. */
extern bool hd_laps_finish(const HdLapDetector *d, HdLap *last);

#endif							/* HD_LAPS_H */
