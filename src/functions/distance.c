/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Entry point of hdaq.distance(file_id, gps_topic, lat_path,
 *	  lon_path): the distance a run has covered at each GPS fix, from its
 *	  first fix, as (time, time_ns, distance_m, lat, lon): an axis to plot
 *	  other signals against, and a track map.  The fixes come from
 *	  engine/gps.c, the haversine sum from src/common/hd_laps.c.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/gps.h"

#include "hd_laps.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_distance);

typedef struct DistanceRows
{
	ReturnSetInfo *rsinfo;
	HdPathLength path;
} DistanceRows;

static void
put_fix(void *arg, int64 time_ns, double lat, double lon)
{
	DistanceRows *rows = arg;
	Datum		values[5];
	bool		nulls[5] = {0};
	double		seg_m;

	if (!hd_path_length_add(&rows->path, time_ns, lat, lon, &seg_m))
		return;
	values[0] = TimestampTzGetDatum(hdaq_ns_to_timestamptz(time_ns));
	values[1] = Int64GetDatum(time_ns);
	values[2] = Float8GetDatum(rows->path.total_m);
	values[3] = Float8GetDatum(lat);
	values[4] = Float8GetDatum(lon);
	tuplestore_putvalues(rows->rsinfo->setResult, rows->rsinfo->setDesc, values, nulls);
}

Datum
hdaq_distance(PG_FUNCTION_ARGS)
{
	GpsSource	src;
	DistanceRows rows;

	InitMaterializedSRF(fcinfo, 0);
	gps_source_from_args(fcinfo, 0, 1, &src);
	rows.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	hd_path_length_init(&rows.path);
	SPI_connect();
	scan_gps_fixes(&src, put_fix, &rows);
	SPI_finish();
	return (Datum) 0;
}
