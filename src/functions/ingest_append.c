/*-------------------------------------------------------------------------
 *
 * ingest_append.c
 *	  Entry point of hdaq.ingest_append(file_id, offset, data): the bytes
 *	  of a recording file from offset on (engine/live.c); returns the row
 *	  (file_id, stored_bytes, state).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/live.h"
#include "functions/args.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hdaq_ingest_append);

Datum
hdaq_ingest_append(PG_FUNCTION_ARGS)
{
	int64		file_id = args_file_id(fcinfo, 0);
	TupleDesc	tupdesc;
	LiveProgress progress;
	bytea	   *data;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("offset and data must not be null")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "hdaq.ingest_append must return a row");
	data = PG_GETARG_BYTEA_PP(2);
	live_append(file_id, PG_GETARG_INT64(1), (const uint8 *) VARDATA_ANY(data),
				VARSIZE_ANY_EXHDR(data), &progress);
	values[0] = Int64GetDatum(progress.file_id);
	values[1] = Int64GetDatum(progress.stored_bytes);
	values[2] = CStringGetTextDatum(progress.state);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
