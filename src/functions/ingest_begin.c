/*-------------------------------------------------------------------------
 *
 * ingest_begin.c
 *	  Entry point of hdaq.ingest_begin(name, tags): a new file in state
 *	  recording, for hdaq.ingest_append (engine/live.c).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/live.h"
#include "functions/args.h"

PG_FUNCTION_INFO_V1(hdaq_ingest_begin);

Datum
hdaq_ingest_begin(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(live_begin(args_name(fcinfo, 0, NULL),
							   args_tags(fcinfo, 1)));
}
