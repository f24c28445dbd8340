/*-------------------------------------------------------------------------
 *
 * laps.c
 *	  Entry point of hdaq.gate_laps(file_id, gate, splits, min_lap_m,
 *	  gps_topic, lat_path, lon_path): the laps of a run, found where its
 *	  GPS path crosses a start/finish gate, with split times at split
 *	  gates.  hdaq.laps(file_id, track) calls it with a stored track's
 *	  gates.  The fixes come from engine/gps.c, the geometry from
 *	  src/common/hd_laps.c; rows stream out as laps complete.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/gps.h"

#include "hd_laps.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_gate_laps);

#define NCOLUMNS 10

typedef struct LapRows
{
	ReturnSetInfo *rsinfo;
	HdLapDetector detector;
} LapRows;

/* The float8[] argument at argno as gates of four numbers each. */
static int
gates_from_arg(FunctionCallInfo fcinfo, int argno, const char *name,
			   HdGate *gates, int max_gates)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n == 0 || n % 4 != 0 || n / 4 > max_gates)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must hold %s of four numbers (lat1, lon1, lat2, lon2), not %d numbers",
						name, max_gates == 1 ? "one gate" : "gates", n),
				 max_gates > 1 ? errhint("At most %d split gates.", max_gates) : 0));
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not hold a NULL", name)));
	for (int g = 0; g < n / 4; g++)
	{
		gates[g].lat1 = DatumGetFloat8(elems[4 * g]);
		gates[g].lon1 = DatumGetFloat8(elems[4 * g + 1]);
		gates[g].lat2 = DatumGetFloat8(elems[4 * g + 2]);
		gates[g].lon2 = DatumGetFloat8(elems[4 * g + 3]);
		if (!hd_gate_is_valid(&gates[g]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: gate %d is not a line between two positions", name, g + 1),
					 errdetail("Its ends are (%g, %g) and (%g, %g).",
							   gates[g].lat1, gates[g].lon1, gates[g].lat2, gates[g].lon2),
					 errhint("A gate is lat1, lon1, lat2, lon2 in degrees, its ends apart.")));
	}
	return n / 4;
}

/* The split times of a lap, seconds since its start, NULL where not crossed. */
static Datum
split_times(const HdLap *lap)
{
	Datum	   *values = palloc(sizeof(Datum) * lap->nsplits);
	bool	   *nulls = palloc(sizeof(bool) * lap->nsplits);
	int			dims[1] = {lap->nsplits};
	int			lbs[1] = {1};

	for (int i = 0; i < lap->nsplits; i++)
	{
		nulls[i] = lap->split_ns[i] < 0;
		values[i] = Float8GetDatum((lap->split_ns[i] - lap->start_ns) / 1e9);
	}
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, FLOAT8OID,
											  8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

static void
put_lap(LapRows *rows, const HdLap *lap)
{
	Datum		values[NCOLUMNS];
	bool		nulls[NCOLUMNS] = {0};

	values[0] = Int32GetDatum(lap->number);
	values[1] = TimestampTzGetDatum(hdaq_ns_to_timestamptz(lap->start_ns));
	values[2] = TimestampTzGetDatum(hdaq_ns_to_timestamptz(lap->end_ns));
	values[3] = Int64GetDatum(lap->start_ns);
	values[4] = Int64GetDatum(lap->end_ns);
	values[5] = Float8GetDatum((lap->end_ns - lap->start_ns) / 1e9);
	values[6] = Float8GetDatum(lap->distance_m);
	values[7] = BoolGetDatum(lap->out_lap);
	values[8] = BoolGetDatum(lap->in_lap);
	if (lap->nsplits > 0)
		values[9] = split_times(lap);
	else
		nulls[9] = true;
	tuplestore_putvalues(rows->rsinfo->setResult, rows->rsinfo->setDesc, values, nulls);
}

static void
add_fix(void *arg, int64 time_ns, double lat, double lon)
{
	LapRows    *rows = arg;
	HdLap		done;

	if (hd_laps_add_fix(&rows->detector, time_ns, lat, lon, &done))
		put_lap(rows, &done);
}

Datum
hdaq_gate_laps(PG_FUNCTION_ARGS)
{
	GpsSource	src;
	HdGate		finish;
	HdGate		splits[HD_LAPS_MAX_SPLITS];
	int			nsplits = 0;
	double		min_lap_m = 0;
	LapRows		rows;
	HdLap		last;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("gate must not be null")));
	gates_from_arg(fcinfo, 1, "gate", &finish, 1);
	if (!PG_ARGISNULL(2) && ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(2)),
										   ARR_DIMS(PG_GETARG_ARRAYTYPE_P(2))) > 0)
		nsplits = gates_from_arg(fcinfo, 2, "splits", splits, HD_LAPS_MAX_SPLITS);
	if (!PG_ARGISNULL(3))
		min_lap_m = PG_GETARG_FLOAT8(3);
	if (!(min_lap_m >= 0 && min_lap_m < 1e7))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_lap_m must be between 0 and 10,000 km, not %g", min_lap_m)));
	gps_source_from_args(fcinfo, 0, 4, &src);

	rows.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	hd_laps_init(&rows.detector, &finish, splits, nsplits, min_lap_m);
	SPI_connect();
	scan_gps_fixes(&src, add_fix, &rows);
	SPI_finish();
	if (hd_laps_finish(&rows.detector, &last))
		put_lap(&rows, &last);
	return (Datum) 0;
}
