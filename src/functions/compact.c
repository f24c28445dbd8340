/*-------------------------------------------------------------------------
 *
 * compact.c
 *	  Entry point of hdaq.compact(file_id): rewrite a file's small and
 *	  overlapping segments (engine/compact.c); returns the number of
 *	  channels rewritten.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/compact.h"
#include "engine/request.h"
#include "store/store.h"

#include "executor/spi.h"

PG_FUNCTION_INFO_V1(hdaq_compact);

Datum
hdaq_compact(PG_FUNCTION_ARGS)
{
	int64		file_id = PG_GETARG_INT64(0);
	UploadState st;
	int			rewritten;

	SPI_connect();
	if (!store_lock_upload(file_id, &st))
		request_report_missing_file(file_id);
	rewritten = compact_file(file_id, true);
	SPI_finish();
	PG_RETURN_INT32(rewritten);
}
