/*-------------------------------------------------------------------------
 *
 * ingest_finish.c
 *	  Entry point of hdaq.ingest_finish(file_id): a recording file that
 *	  will not grow is kept as cut short (engine/live.c).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/live.h"
#include "functions/args.h"

PG_FUNCTION_INFO_V1(hdaq_ingest_finish);

Datum
hdaq_ingest_finish(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(live_finish(args_file_id(fcinfo, 0)));
}
