/*-------------------------------------------------------------------------
 *
 * resample.c
 *	  Entry points of hdaq.resample(paths, step, file_id, start_time,
 *	  end_time, axis, lap, track, gps_topic, lat_path, lon_path), several
 *	  signals of a run (or of one of its laps) on one grid of time or
 *	  distance as wide rows, called with a column definition list
 *	  (x, then one double precision per path), and of
 *	  hdaq.resample_array(...same arguments), the same rows as
 *	  (x, y double precision[]).  The grid and the values are
 *	  engine/resample.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/resample.h"
#include "functions/args.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_resample);
PG_FUNCTION_INFO_V1(hdaq_resample_array);

enum
{
	ARG_PATHS,
	ARG_STEP,
	ARG_FILE_ID,
	ARG_START,
	ARG_END,
	ARG_AXIS,
	ARG_LAP,
	ARG_TRACK,
	ARG_GPS_TOPIC
};

/* A call's request: the signals, the source and the grid. */
typedef struct ResampleCall
{
	SignalSpec *specs;
	int			nspecs;
	ResampleSource src;
	ResampleAxis axis;
	double		step;
} ResampleCall;

/* The grid with its values: what the rows are made of. */
typedef struct ResampleResult
{
	int64		n;
	int64	   *t_ns;
	double	   *values;			/* n x nspecs */
	bool	   *nulls;
} ResampleResult;

static ResampleAxis
axis_from_arg(FunctionCallInfo fcinfo)
{
	char	   *axis = args_name(fcinfo, ARG_AXIS, "time");

	if (strcmp(axis, "time") == 0)
		return RESAMPLE_AXIS_TIME;
	if (strcmp(axis, "distance") == 0)
		return RESAMPLE_AXIS_DISTANCE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("axis must be 'time' or 'distance', not \"%s\"", axis)));
	pg_unreachable();
}

/* The window of the time arguments, or the lap of the lap arguments. */
static void
source_from_args(FunctionCallInfo fcinfo, ResampleSource *src)
{
	bool		has_window = !PG_ARGISNULL(ARG_START) || !PG_ARGISNULL(ARG_END);

	gps_source_from_args(fcinfo, ARG_FILE_ID, ARG_GPS_TOPIC, &src->gps);
	src->start_ns = PG_ARGISNULL(ARG_START) ? PG_INT64_MIN
		: hdaq_timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(ARG_START));
	src->end_ns = PG_ARGISNULL(ARG_END) ? PG_INT64_MAX
		: hdaq_timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(ARG_END));
	src->has_lap = !PG_ARGISNULL(ARG_LAP);
	src->lap = src->has_lap ? PG_GETARG_INT32(ARG_LAP) : 0;
	src->track = args_name(fcinfo, ARG_TRACK, NULL);
	if (src->has_lap && src->track == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lap needs a track"),
				 errhint("Name the track whose laps are counted: track => 'fsae'.")));
	if (!src->has_lap && src->track != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("track is given without a lap"),
				 errhint("Choose one of its laps: lap => 2.")));
	if (src->has_lap && has_window)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("give a lap or a time range, not both"),
				 errdetail("A lap is resampled from its start line to its finish.")));
}

static void
call_from_args(FunctionCallInfo fcinfo, ResampleCall *call)
{
	int			nelems;

	call->specs = args_signal_specs(fcinfo, ARG_PATHS, &call->nspecs, &nelems);
	if (call->nspecs != nelems)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("paths must not hold a NULL"),
				 errdetail("Each path is a column of the result.")));
	if (PG_ARGISNULL(ARG_STEP))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("step must not be null")));
	call->step = PG_GETARG_FLOAT8(ARG_STEP);
	call->axis = axis_from_arg(fcinfo);
	source_from_args(fcinfo, &call->src);
}

/* The grid of the call and each signal's values on it (connects to SPI). */
static void
resample_call(const ResampleCall *call, ResampleResult *res)
{
	ResampleAxisMap map;
	double	   *time_s;
	bool	   *inside;
	MemoryContext caller = CurrentMemoryContext;

	SPI_connect();
	/* the grid and its values outlive the connection */
	MemoryContextSwitchTo(caller);
	resample_axis_map(&call->src, call->axis, &map);
	res->n = resample_grid_size(map.extent, call->step,
								call->axis == RESAMPLE_AXIS_TIME ? "step (s)" : "step (m)",
								call->nspecs);
	res->t_ns = palloc_extended(sizeof(int64) * res->n, MCXT_ALLOC_HUGE);
	time_s = palloc_extended(sizeof(double) * res->n, MCXT_ALLOC_HUGE);
	inside = palloc_extended(sizeof(bool) * res->n, MCXT_ALLOC_HUGE);
	resample_grid_times(&map, call->step, res->n, res->t_ns, time_s, inside);
	res->values = palloc_extended(sizeof(double) * res->n * call->nspecs, MCXT_ALLOC_HUGE);
	res->nulls = palloc_extended(sizeof(bool) * res->n * call->nspecs, MCXT_ALLOC_HUGE);
	resample_values(call->specs, call->nspecs, call->src.gps.file_id, res->t_ns,
					inside, res->n, res->values, res->nulls);
	SPI_finish();
}

/*
 * The column definition list the call was given: x (double precision, or
 * timestamptz on the time axis) and a double precision per path.
 */
static void
check_columns(TupleDesc desc, const ResampleCall *call)
{
	Oid			x_type = TupleDescAttr(desc, 0)->atttypid;

	if (desc->natts != call->nspecs + 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("hdaq.resample of %d paths returns %d columns, not %d",
						call->nspecs, call->nspecs + 1, desc->natts),
				 errdetail("The columns are x (double precision, or timestamptz on the time axis), then one double precision per path, in the order of paths."),
				 errhint("Call it as hdaq.resample(...) AS r(x double precision, speed double precision, ...).")));
	if (x_type != FLOAT8OID &&
		!(x_type == TIMESTAMPTZOID && call->axis == RESAMPLE_AXIS_TIME))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("hdaq.resample's first column must be double precision%s, not %s",
						call->axis == RESAMPLE_AXIS_TIME ? " or timestamptz" : "",
						format_type_be(x_type)),
				 errdetail("It is the axis: seconds since the start on the time axis, metres since the start on the distance axis.")));
	for (int c = 1; c < desc->natts; c++)
		if (TupleDescAttr(desc, c)->atttypid != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("hdaq.resample's column %d (\"%s\", path %s/%s) must be double precision, not %s",
							c + 1, NameStr(TupleDescAttr(desc, c)->attname),
							call->specs[c - 1].topic, call->specs[c - 1].path,
							format_type_be(TupleDescAttr(desc, c)->atttypid))));
}

Datum
hdaq_resample(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ResampleCall call;
	ResampleResult res;
	Datum	   *values;
	bool	   *nulls;
	bool		x_is_time;

	InitMaterializedSRF(fcinfo, 0);
	call_from_args(fcinfo, &call);
	check_columns(rsinfo->setDesc, &call);
	x_is_time = TupleDescAttr(rsinfo->setDesc, 0)->atttypid == TIMESTAMPTZOID;
	resample_call(&call, &res);

	values = palloc(sizeof(Datum) * (call.nspecs + 1));
	nulls = palloc0(sizeof(bool) * (call.nspecs + 1));
	for (int64 k = 0; k < res.n; k++)
	{
		if ((k & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		values[0] = x_is_time
			? TimestampTzGetDatum(hdaq_ns_to_timestamptz(res.t_ns[k]))
			: Float8GetDatum(k * call.step);
		for (int s = 0; s < call.nspecs; s++)
		{
			values[s + 1] = Float8GetDatum(res.values[k * call.nspecs + s]);
			nulls[s + 1] = res.nulls[k * call.nspecs + s];
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
hdaq_resample_array(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ResampleCall call;
	ResampleResult res;
	MemoryContext row_context;

	InitMaterializedSRF(fcinfo, 0);
	call_from_args(fcinfo, &call);
	resample_call(&call, &res);
	row_context = AllocSetContextCreate(CurrentMemoryContext, "hdaq.resample_array row",
										ALLOCSET_SMALL_SIZES);
	for (int64 k = 0; k < res.n; k++)
	{
		MemoryContext caller = MemoryContextSwitchTo(row_context);
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = Float8GetDatum(k * call.step);
		values[1] = resample_float8_array(&res.values[k * call.nspecs],
										  &res.nulls[k * call.nspecs], call.nspecs);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(caller);
		MemoryContextReset(row_context);
	}
	return (Datum) 0;
}
