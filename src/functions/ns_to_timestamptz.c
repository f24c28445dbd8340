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
	PG_RETURN_INT64(hdaq_timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(0)));
}
