/*-------------------------------------------------------------------------
 *
 * lap_overlay.c
 *	  Entry point of hdaq.lap_overlay(track, paths, file_ids, laps,
 *	  step_m, gps_topic, lat_path, lon_path): the same signals of several
 *	  laps (of one run or of several) on one grid of distance from each
 *	  lap's start line, as (distance_m, time_s[], y[]): time_s[i] the time
 *	  since lap i's start when it reached the distance, y the signals'
 *	  values, lap by lap (y[(i - 1) * npaths + p]).  The grid reaches the
 *	  longest lap's distance; a lap shorter than a point has NULLs there.
 *	  The grid and the values are engine/resample.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/resample.h"
#include "functions/args.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_lap_overlay);

/* The most laps one call overlays. */
#define OVERLAY_MAX_LAPS 64

enum
{
	ARG_TRACK,
	ARG_PATHS,
	ARG_FILE_IDS,
	ARG_LAPS,
	ARG_STEP,
	ARG_GPS_TOPIC
};

/* One lap of the overlay on the grid. */
typedef struct OverlayLap
{
	ResampleSource src;
	ResampleAxisMap map;
	int64	   *t_ns;
	double	   *time_s;
	bool	   *inside;
	double	   *values;			/* n x nspecs */
	bool	   *nulls;
} OverlayLap;

/* An array argument's elements, none NULL; at most max of them. */
static Datum *
array_arg(FunctionCallInfo fcinfo, int argno, const char *name, Oid type,
		  int max, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), type, typlen, typbyval,
					  typalign, &elems, &nulls, n);
	if (*n == 0 || *n > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must hold 1 to %d elements, not %d", name, max, *n)));
	for (int i = 0; i < *n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not hold a NULL", name)));
	return elems;
}

/* The laps of the arguments: lap i of file_ids[i] (or of the one file_id). */
static OverlayLap *
laps_from_args(FunctionCallInfo fcinfo, int *nlaps)
{
	int			nfiles;
	Datum	   *laps = array_arg(fcinfo, ARG_LAPS, "laps", INT4OID,
								 OVERLAY_MAX_LAPS, nlaps);
	Datum	   *files = array_arg(fcinfo, ARG_FILE_IDS, "file_ids", INT8OID,
								  OVERLAY_MAX_LAPS, &nfiles);
	char	   *track = args_name(fcinfo, ARG_TRACK, NULL);
	OverlayLap *out = palloc0(sizeof(OverlayLap) * *nlaps);

	if (track == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("track must not be null")));
	if (nfiles != 1 && nfiles != *nlaps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("file_ids must hold one file_id, or one per lap (%d), not %d",
						*nlaps, nfiles),
				 errhint("ARRAY[run] overlays laps of one run; ARRAY[run_a, run_b] with ARRAY[lap_a, lap_b] laps of two.")));
	for (int i = 0; i < *nlaps; i++)
	{
		ResampleSource *src = &out[i].src;

		src->gps.file_id = DatumGetInt64(files[nfiles == 1 ? 0 : i]);
		src->gps.topic = args_name(fcinfo, ARG_GPS_TOPIC, NULL);
		src->gps.lat_path = args_name(fcinfo, ARG_GPS_TOPIC + 1, NULL);
		src->gps.lon_path = args_name(fcinfo, ARG_GPS_TOPIC + 2, NULL);
		if (!src->gps.topic || !src->gps.lat_path || !src->gps.lon_path)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("gps_topic, lat_path and lon_path must not be null")));
		src->start_ns = PG_INT64_MIN;
		src->end_ns = PG_INT64_MAX;
		src->has_lap = true;
		src->lap = DatumGetInt32(laps[i]);
		src->track = track;
	}
	return out;
}

/* Each lap's times and values on the grid of n points step apart. */
static void
overlay_values(OverlayLap *laps, int nlaps, const SignalSpec *specs,
			   int nspecs, double step, int64 n)
{
	for (int i = 0; i < nlaps; i++)
	{
		OverlayLap *l = &laps[i];

		l->t_ns = palloc_extended(sizeof(int64) * n, MCXT_ALLOC_HUGE);
		l->time_s = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
		l->inside = palloc_extended(sizeof(bool) * n, MCXT_ALLOC_HUGE);
		l->values = palloc_extended(sizeof(double) * n * nspecs, MCXT_ALLOC_HUGE);
		l->nulls = palloc_extended(sizeof(bool) * n * nspecs, MCXT_ALLOC_HUGE);
		resample_grid_times(&l->map, step, n, l->t_ns, l->time_s, l->inside);
		resample_values(specs, nspecs, l->src.gps.file_id, l->t_ns, l->inside,
						n, l->values, l->nulls);
	}
}

/* Point k's row: its distance, each lap's time, each lap's values. */
static void
put_point(ReturnSetInfo *rsinfo, const OverlayLap *laps, int nlaps,
		  int nspecs, double step, int64 k, double *buf, bool *bufnulls)
{
	Datum		values[3];
	bool		nulls[3] = {0};

	for (int i = 0; i < nlaps; i++)
	{
		buf[i] = laps[i].inside[k] ? laps[i].time_s[k] : 0;
		bufnulls[i] = !laps[i].inside[k];
	}
	values[0] = Float8GetDatum(k * step);
	values[1] = resample_float8_array(buf, bufnulls, nlaps);
	for (int i = 0; i < nlaps; i++)
	{
		memcpy(&buf[i * nspecs], &laps[i].values[k * nspecs], sizeof(double) * nspecs);
		memcpy(&bufnulls[i * nspecs], &laps[i].nulls[k * nspecs], sizeof(bool) * nspecs);
	}
	values[2] = resample_float8_array(buf, bufnulls, nlaps * nspecs);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
hdaq_lap_overlay(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SignalSpec *specs;
	int			nspecs;
	int			nlaps;
	OverlayLap *laps;
	double		step;
	double		extent = 0;
	int64		n;
	double	   *buf;
	bool	   *bufnulls;
	MemoryContext row_context;
	MemoryContext caller;

	InitMaterializedSRF(fcinfo, 0);
	specs = args_signal_specs(fcinfo, ARG_PATHS, &nspecs, NULL);
	laps = laps_from_args(fcinfo, &nlaps);
	if (PG_ARGISNULL(ARG_STEP))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("step_m must not be null")));
	step = PG_GETARG_FLOAT8(ARG_STEP);

	caller = CurrentMemoryContext;
	SPI_connect();
	/* the grid and its values outlive the connection */
	MemoryContextSwitchTo(caller);
	for (int i = 0; i < nlaps; i++)
	{
		resample_axis_map(&laps[i].src, RESAMPLE_AXIS_DISTANCE, &laps[i].map);
		extent = Max(extent, laps[i].map.extent);
	}
	n = resample_grid_size(extent, step, "step_m", nlaps * (nspecs + 1));
	overlay_values(laps, nlaps, specs, nspecs, step, n);
	SPI_finish();

	buf = palloc(sizeof(double) * nlaps * nspecs + sizeof(double) * nlaps);
	bufnulls = palloc(sizeof(bool) * nlaps * (nspecs + 1));
	row_context = AllocSetContextCreate(CurrentMemoryContext, "hdaq.lap_overlay row",
										ALLOCSET_SMALL_SIZES);
	for (int64 k = 0; k < n; k++)
	{
		MemoryContextSwitchTo(row_context);
		put_point(rsinfo, laps, nlaps, nspecs, step, k, buf, bufnulls);
		MemoryContextSwitchTo(caller);
		MemoryContextReset(row_context);
	}
	return (Datum) 0;
}
