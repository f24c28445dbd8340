/*-------------------------------------------------------------------------
 *
 * ns_to_timestamptz.c
 *	  Entry points of hdaq.ns_to_timestamptz(bigint) and
 *	  hdaq.timestamptz_to_ns(timestamptz): MCAP times (nanoseconds since the
 *	  Unix epoch) to timestamptz and back, as time.c converts them.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "fmgr.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(hdaq_ns_to_timestamptz_sql);
PG_FUNCTION_INFO_V1(hdaq_timestamptz_to_ns_sql);

Datum
hdaq_ns_to_timestamptz_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(hdaq_ns_to_timestamptz(PG_GETARG_INT64(0)));
}

Datum
hdaq_timestamptz_to_ns_sql(PG_FUNCTION_ARGS)
{
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(0);
	int64		ns;

	if (!hdaq_timestamptz_to_ns_exact(t, &ns))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp %s has no nanosecond count", timestamptz_to_str(t)),
				 errdetail("MCAP times as bigint nanoseconds run from 1677-09-21 to 2262-04-11 (UTC).")));
	PG_RETURN_INT64(ns);
}
