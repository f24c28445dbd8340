/*-------------------------------------------------------------------------
 *
 * export_mcap.c
 *	  Entry point of hdaq.export_mcap(file_id, topics, start_time,
 *	  end_time): an indexed MCAP file (an hdaq.mcap value) of the selected
 *	  messages of a stored file, written by engine/mcap_export.c.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/mcap_export.h"
#include "engine/request.h"
#include "engine/scan.h"

#include "executor/spi.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(hdaq_export_mcap);

Datum
hdaq_export_mcap(PG_FUNCTION_ARGS)
{
	ScanRequest req;
	MemoryContext caller = CurrentMemoryContext;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("file_id must not be null")));
	scan_request_from_args(fcinfo, 1, 2, &req);
	req.has_file_id = true;
	req.file_id = PG_GETARG_INT64(0);

	SPI_connect();
	request_check(&req);
	result = mcap_export_selection(&req, caller);
	SPI_finish();
	PG_RETURN_BYTEA_P(result);
}
