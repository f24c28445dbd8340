/*-------------------------------------------------------------------------
 *
 * resample.h
 *	  Engine: several signals of a run, or of laps of several runs, on one
 *	  grid of time or distance (hdaq.resample, hdaq.resample_array,
 *	  hdaq.lap_overlay).
 *
 * An axis map ties a source's axis to log time: on the time axis the
 * seconds since the source's origin (its window's start or its lap's
 * start line), on the distance axis the metres the car covered since the
 * origin, read off the GPS fixes (a lap's profile as hdaq.lap_profile
 * gives it, or the run's distance as hdaq.distance sums it).  The grid is
 * x = k * step for k = 0, 1, ... up to the axis's extent; each point's log
 * time comes from the map (on distance, by linear interpolation between
 * fixes, as hdaq.delta_t reads a profile).
 *
 * Values at a point's log time come from the samples of each signal
 * through the signal engine (engine/signals.c, leaf blocks when present):
 * continuous leaves (floating point) by linear interpolation between the
 * samples either side; integer, bool and enum leaves (as hdaq.fields types
 * them) by the value of the last sample at or before the point, never
 * interpolated.  A point before a signal's first sample or after its last
 * (within the window read, which reaches RESAMPLE_MARGIN_NS either side
 * of the grid) has no value.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_RESAMPLE_H
#define HDAQ_RESAMPLE_H

#include "hdaq.h"

#include "engine/gps.h"
#include "engine/signals.h"

/* How far beyond the grid's ends samples are read, to interpolate there. */
#define RESAMPLE_MARGIN_NS INT64CONST(1000000000)

/* The most values a grid may hold, points x signals (a larger step makes fewer). */
#define RESAMPLE_MAX_VALUES INT64CONST(20000000)

typedef enum ResampleAxis
{
	RESAMPLE_AXIS_TIME,
	RESAMPLE_AXIS_DISTANCE
} ResampleAxis;

/* What a grid is laid over: a window of a run, or one of its laps. */
typedef struct ResampleSource
{
	GpsSource	gps;			/* the run (gps.file_id) and its fixes */
	int64		start_ns;		/* the window; PG_INT64_MIN/MAX: the file's */
	int64		end_ns;
	bool		has_lap;
	int32		lap;			/* with has_lap: this lap of track */
	char	   *track;
} ResampleSource;

/* A source's axis: axis value -> log time. */
typedef struct ResampleAxisMap
{
	ResampleAxis axis;
	int64		origin_ns;		/* where the axis is 0 */
	double		extent;			/* the largest axis value it covers */
	/* distance: the profile, distances ascending, seconds since origin */
	int			n;
	double	   *dist;
	double	   *time_s;
} ResampleAxisMap;

/*
 * The axis of a source.  Errors: a file that is not stored (42704), a lap
 * its track does not have (22023), an unknown track (42704), a window
 * that ends before it starts (22023), GPS names as hdaq.distance's.  The
 * caller is connected to SPI.
 */
extern void resample_axis_map(const ResampleSource *src, ResampleAxis axis,
							  ResampleAxisMap *map);

/*
 * The number of grid points up to extent; 22023 for a step that is not a
 * positive number, or a grid of more than RESAMPLE_MAX_VALUES values of
 * nvalues each.
 */
extern int64 resample_grid_size(double extent, double step,
								const char *step_name, int nvalues);

/*
 * The log time of each grid point x = k * step, k < n, on the map, and
 * the time since the origin in seconds; inside[k] false where x is
 * beyond the map's extent.
 */
extern void resample_grid_times(const ResampleAxisMap *map, double step,
								int64 n, int64 *t_ns, double *time_s,
								bool *inside);

/*
 * The specs' values (in file_id, read through scan_signals) at the log
 * times t_ns[k] of the points inside: values[k * nspecs + s], nulls
 * likewise (true where a point is outside, or beyond the signal's
 * samples).  t_ns ascending over the points inside.  The caller is
 * connected to SPI.
 */
extern void resample_values(const SignalSpec *specs, int nspecs, int64 file_id,
							const int64 *t_ns, const bool *inside, int64 n,
							double *values, bool *nulls);

/* Whether a leaf takes the previous value (integer, bool, enum leaves). */
extern bool resample_leaf_is_step(int64 file_id, const char *topic,
								  const char *path);

/* n doubles as a float8[], NULL where nulls[i] (a result column's value). */
extern Datum resample_float8_array(const double *v, const bool *nulls, int n);

#endif							/* HDAQ_RESAMPLE_H */
