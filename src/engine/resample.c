/*-------------------------------------------------------------------------
 *
 * resample.c
 *	  Engine: signals on a common grid of time or distance (see
 *	  resample.h).  The axis of a lap is its profile as hdaq.lap_profile
 *	  gives it (store.c runs it), the axis of a window of a run the GPS
 *	  path length of engine/gps.c and src/common/hd_laps.c; the values
 *	  come from scan_signals(), one topic at a time so that each topic's
 *	  leaf blocks are read where it has them.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/resample.h"

#include <math.h>

#include "engine/decoders.h"
#include "engine/leaf_paths.h"
#include "engine/request.h"
#include "store/store.h"

#include "hd_laps.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

/* ---- the axis ------------------------------------------------------------- */

/* A window's ends: the file's where the source leaves them open. */
static void
window_of_file(const ResampleSource *src, int64 *start_ns, int64 *end_ns)
{
	int64		file_start;
	int64		file_end;

	if (!store_file_span(src->gps.file_id, &file_start, &file_end))
		request_report_missing_file(src->gps.file_id);
	*start_ns = src->start_ns == PG_INT64_MIN ? file_start : src->start_ns;
	*end_ns = src->end_ns == PG_INT64_MAX ? file_end : src->end_ns;
	if (*start_ns == PG_INT64_MIN || *end_ns == PG_INT64_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("file %lld holds no message to resample",
						(long long) src->gps.file_id)));
	if (*end_ns < *start_ns)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("end_time is before start_time")));
}

static StoredLapKey
lap_key(const ResampleSource *src)
{
	StoredLapKey key;

	key.file_id = src->gps.file_id;
	key.track = src->track;
	key.lap = src->lap;
	key.gps_topic = src->gps.topic;
	key.lat_path = src->gps.lat_path;
	key.lon_path = src->gps.lon_path;
	return key;
}

/* The lap's start and end, or the error hdaq.lap_profile raises. */
static void
lap_window(const ResampleSource *src, int64 *start_ns, int64 *end_ns)
{
	StoredLapKey key = lap_key(src);

	if (!store_lap_bounds(&key, start_ns, end_ns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("file %lld has no lap %d on track \"%s\"",
						(long long) src->gps.file_id, src->lap, src->track),
				 errhint("SELECT lap FROM hdaq.laps(%lld, '%s') lists its laps.",
						 (long long) src->gps.file_id, src->track)));
}

/* The run's fixes in a window as a profile: metres and seconds since its first. */
typedef struct WindowProfile
{
	ResampleAxisMap *map;
	HdPathLength path;
	int64		start_ns;
	int64		end_ns;
	int			cap;
	double		first_m;
} WindowProfile;

static void
add_window_fix(void *arg, int64 time_ns, double lat, double lon)
{
	WindowProfile *wp = arg;
	ResampleAxisMap *map = wp->map;
	double		seg_m;

	CHECK_FOR_INTERRUPTS();
	if (!hd_path_length_add(&wp->path, time_ns, lat, lon, &seg_m) ||
		time_ns < wp->start_ns || time_ns > wp->end_ns)
		return;
	if (map->n == 0)
	{
		map->origin_ns = time_ns;
		wp->first_m = wp->path.total_m;
	}
	if (map->n == wp->cap)
	{
		if ((Size) wp->cap * 2 * sizeof(double) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many GPS fixes in the window")));
		wp->cap *= 2;
		map->dist = repalloc_huge(map->dist, sizeof(double) * wp->cap);
		map->time_s = repalloc_huge(map->time_s, sizeof(double) * wp->cap);
	}
	map->dist[map->n] = wp->path.total_m - wp->first_m;
	map->time_s[map->n] = (time_ns - map->origin_ns) / 1e9;
	map->n++;
}

static void
window_distance_map(const ResampleSource *src, ResampleAxisMap *map)
{
	WindowProfile wp;

	window_of_file(src, &wp.start_ns, &wp.end_ns);
	wp.map = map;
	wp.cap = 1024;
	wp.first_m = 0;
	map->n = 0;
	map->dist = palloc(sizeof(double) * wp.cap);
	map->time_s = palloc(sizeof(double) * wp.cap);
	hd_path_length_init(&wp.path);
	scan_gps_fixes(&src->gps, add_window_fix, &wp);
	if (map->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("file %lld has no GPS fix (%s %s, %s) in the window",
						(long long) src->gps.file_id, src->gps.topic,
						src->gps.lat_path, src->gps.lon_path),
				 errhint("The distance axis needs the car's positions.")));
	map->extent = map->dist[map->n - 1];
}

static void
lap_distance_map(const ResampleSource *src, ResampleAxisMap *map)
{
	StoredLapKey key = lap_key(src);
	int64		end_ns;

	lap_window(src, &map->origin_ns, &end_ns);
	map->n = store_lap_profile(&key, &map->dist, &map->time_s);
	if (map->n == 0)
		elog(ERROR, "lap %d of file %lld has an empty profile", src->lap,
			 (long long) src->gps.file_id);
	map->extent = map->dist[map->n - 1];
}

void
resample_axis_map(const ResampleSource *src, ResampleAxis axis,
				  ResampleAxisMap *map)
{
	int64		start_ns;
	int64		end_ns;

	memset(map, 0, sizeof(ResampleAxisMap));
	map->axis = axis;
	if (axis == RESAMPLE_AXIS_DISTANCE)
	{
		if (src->has_lap)
			lap_distance_map(src, map);
		else
			window_distance_map(src, map);
		return;
	}
	if (src->has_lap)
		lap_window(src, &start_ns, &end_ns);
	else
		window_of_file(src, &start_ns, &end_ns);
	map->origin_ns = start_ns;
	map->extent = (end_ns - start_ns) / 1e9;
}

int64
resample_grid_size(double extent, double step, const char *step_name,
				   int nvalues)
{
	double		points;

	if (!(step > 0) || isinf(step))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive number, not %g", step_name, step)));
	points = floor(extent / step) + 1;
	if (points * Max(nvalues, 1) > RESAMPLE_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s of %g makes %.0f points of %d values, more than %lld values",
						step_name, step, points, nvalues, (long long) RESAMPLE_MAX_VALUES),
				 errhint("Choose a larger %s, fewer signals or a shorter window.", step_name)));
	return (int64) points;
}

/*
 * The time at distance g on a profile, as hdaq.delta_t reads it
 * (profile_time_at): between the fixes either side by linear
 * interpolation; *i is where to start looking, and is moved on.
 */
static double
profile_time_at(const ResampleAxisMap *map, double g, int *i)
{
	const double *d = map->dist;
	const double *t = map->time_s;

	if (map->n == 1)
		return t[0];
	while (*i < map->n - 2 && d[*i + 1] < g)
		(*i)++;
	if (d[*i + 1] == d[*i])
		return t[*i + 1];
	return t[*i] + (t[*i + 1] - t[*i]) * (g - d[*i]) / (d[*i + 1] - d[*i]);
}

void
resample_grid_times(const ResampleAxisMap *map, double step, int64 n,
					int64 *t_ns, double *time_s, bool *inside)
{
	int			i = 0;

	for (int64 k = 0; k < n; k++)
	{
		double		x = k * step;
		double		s;

		if ((k & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		inside[k] = x <= map->extent;
		if (!inside[k])
			continue;
		s = map->axis == RESAMPLE_AXIS_TIME ? x : profile_time_at(map, x, &i);
		time_s[k] = s;
		t_ns[k] = map->origin_ns + (int64) llround(s * 1e9);
	}
}

/* ---- the type of a leaf ------------------------------------------------- */

bool
resample_leaf_is_step(int64 file_id, const char *topic, const char *path)
{
	ScanRequest req;
	StoredChannel *channels;
	int			n;
	const char *error;
	bool		stepped;

	memset(&req, 0, sizeof(ScanRequest));
	req.topics = (char **) &topic;
	req.ntopics = 1;
	req.has_file_id = true;
	req.file_id = file_id;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;
	channels = store_find_channels(&req, &n);
	if (n == 0)
		return false;
	return leaf_path_type(hdaq_get_decoder(channels[0].has_schema,
										   channels[0].schema_key,
										   channels[0].message_encoding, &error),
						  path, &stepped) && stepped;
}

/* ---- the values --------------------------------------------------------- */

/* One signal's samples, in time order. */
typedef struct Series
{
	MemoryContext context;		/* the caller's: the scan's are shorter-lived */
	int64		n;
	int64		cap;
	int64	   *t;
	double	   *v;
	bool		unordered;
} Series;

/* The samples of one topic's specs: spec s of the call is series[index[s]]. */
typedef struct SeriesSink
{
	Series	   *series;
	const int  *index;
} SeriesSink;

static void
series_add(Series *se, int64 t, double v)
{
	if (se->n == se->cap)
	{
		int64		cap = se->cap == 0 ? 1024 : se->cap * 2;

		if ((Size) cap * sizeof(int64) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many samples of a signal in the window")));
		se->t = se->t ? repalloc_huge(se->t, sizeof(int64) * cap)
			: MemoryContextAllocExtended(se->context, sizeof(int64) * cap, MCXT_ALLOC_HUGE);
		se->v = se->v ? repalloc_huge(se->v, sizeof(double) * cap)
			: MemoryContextAllocExtended(se->context, sizeof(double) * cap, MCXT_ALLOC_HUGE);
		se->cap = cap;
	}
	if (se->n > 0 && t < se->t[se->n - 1])
		se->unordered = true;
	se->t[se->n] = t;
	se->v[se->n] = v;
	se->n++;
}

static void
collect_sample(void *arg, int64 time_ns, int spec, double value, bool found)
{
	SeriesSink *sink = arg;

	if (found)
		series_add(&sink->series[sink->index[spec]], time_ns, value);
}

typedef struct Sample
{
	int64		t;
	double		v;
} Sample;

static int
compare_samples(const void *a, const void *b)
{
	int64		ta = ((const Sample *) a)->t;
	int64		tb = ((const Sample *) b)->t;

	return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/* Samples of several channels of a topic, merged out of order: sorted. */
static void
series_sort(Series *se)
{
	Sample	   *s;

	if (!se->unordered)
		return;
	s = palloc_extended(sizeof(Sample) * se->n, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < se->n; i++)
		s[i] = (Sample)
		{
			se->t[i], se->v[i]
		};
	qsort(s, se->n, sizeof(Sample), compare_samples);
	for (int64 i = 0; i < se->n; i++)
	{
		se->t[i] = s[i].t;
		se->v[i] = s[i].v;
	}
	pfree(s);
}

/*
 * The value of a series at t: *j is the last sample at or before the
 * previous point's time, and is moved on.  False before the first sample
 * and after the last.
 */
static bool
series_value_at(const Series *se, int64 t, bool step, int64 *j, double *out)
{
	if (se->n == 0 || t < se->t[0] || t > se->t[se->n - 1])
		return false;
	while (*j < se->n - 1 && se->t[*j + 1] <= t)
		(*j)++;
	if (se->t[*j] == t || step)
		*out = se->v[*j];
	else
		*out = se->v[*j] + (se->v[*j + 1] - se->v[*j]) *
			((double) (t - se->t[*j]) / (double) (se->t[*j + 1] - se->t[*j]));
	return true;
}

/* Read the samples of every spec of one topic (specs[first .. last - 1]). */
static void
read_topic_series(const SignalSpec *specs, const int *order, int first,
				  int last, int64 file_id, int64 lo_ns, int64 hi_ns,
				  Series *series)
{
	int			n = last - first;
	SignalSpec *group = palloc(sizeof(SignalSpec) * n);
	int		   *index = palloc(sizeof(int) * n);
	char	   *topic = specs[order[first]].topic;
	ScanRequest req;
	SeriesSink	sink;

	for (int i = 0; i < n; i++)
	{
		group[i] = specs[order[first + i]];
		index[i] = order[first + i];
	}
	memset(&req, 0, sizeof(ScanRequest));
	req.topics = &topic;
	req.ntopics = 1;
	req.has_file_id = true;
	req.file_id = file_id;
	req.start_ns = lo_ns;
	req.end_ns = hi_ns;
	sink.series = series;
	sink.index = index;
	scan_signals(group, n, &req, false, collect_sample, &sink);
}

/* The specs' indexes grouped by topic, in the order of their first mention. */
static int *
order_by_topic(const SignalSpec *specs, int nspecs)
{
	int		   *order = palloc(sizeof(int) * nspecs);
	bool	   *taken = palloc0(sizeof(bool) * nspecs);
	int			k = 0;

	for (int s = 0; s < nspecs; s++)
	{
		if (taken[s])
			continue;
		for (int r = s; r < nspecs; r++)
			if (!taken[r] && strcmp(specs[r].topic, specs[s].topic) == 0)
			{
				taken[r] = true;
				order[k++] = r;
			}
	}
	return order;
}

/* The smallest and largest times of the points inside, with the margin. */
static bool
grid_time_range(const int64 *t_ns, const bool *inside, int64 n, int64 *lo,
				int64 *hi)
{
	bool		any = false;

	for (int64 k = 0; k < n; k++)
	{
		if (!inside[k])
			continue;
		if (!any || t_ns[k] < *lo)
			*lo = t_ns[k];
		if (!any || t_ns[k] > *hi)
			*hi = t_ns[k];
		any = true;
	}
	if (any)
	{
		*lo = *lo > PG_INT64_MIN + RESAMPLE_MARGIN_NS ? *lo - RESAMPLE_MARGIN_NS : PG_INT64_MIN;
		*hi = *hi < PG_INT64_MAX - RESAMPLE_MARGIN_NS ? *hi + RESAMPLE_MARGIN_NS : PG_INT64_MAX;
	}
	return any;
}

void
resample_values(const SignalSpec *specs, int nspecs, int64 file_id,
				const int64 *t_ns, const bool *inside, int64 n,
				double *values, bool *nulls)
{
	Series	   *series = palloc0(sizeof(Series) * nspecs);
	int		   *order = order_by_topic(specs, nspecs);
	int64		lo = 0;
	int64		hi = 0;

	for (int s = 0; s < nspecs; s++)
		series[s].context = CurrentMemoryContext;
	/* nothing inside: the names are still checked, over the whole file */
	if (!grid_time_range(t_ns, inside, n, &lo, &hi))
	{
		lo = PG_INT64_MIN;
		hi = PG_INT64_MIN;
	}
	for (int first = 0, last; first < nspecs; first = last)
	{
		for (last = first + 1; last < nspecs &&
			 strcmp(specs[order[last]].topic, specs[order[first]].topic) == 0; last++)
			;
		read_topic_series(specs, order, first, last, file_id, lo, hi, series);
	}
	for (int s = 0; s < nspecs; s++)
	{
		bool		step = resample_leaf_is_step(file_id, specs[s].topic, specs[s].path);
		int64		j = 0;

		series_sort(&series[s]);
		for (int64 k = 0; k < n; k++)
		{
			int64		cell = k * nspecs + s;

			if ((k & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			nulls[cell] = !inside[k] ||
				!series_value_at(&series[s], t_ns[k], step, &j, &values[cell]);
		}
	}
}

/* n doubles as a float8[] with NULLs where nulls says. */
Datum
resample_float8_array(const double *v, const bool *nulls, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
		elems[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_md_array(elems, (bool *) nulls, 1, dims, lbs,
											  FLOAT8OID, 8, FLOAT8PASSBYVAL,
											  TYPALIGN_DOUBLE));
}
