/*-------------------------------------------------------------------------
 *
 * build_leaf_blocks.c
 *	  Entry point of hdaq.build_leaf_blocks(file_id): replace a stored
 *	  file's leaf blocks with blocks built from its messages
 *	  (engine/leaf_blocks.c); returns the number of blocks written.  For
 *	  files stored without them (hdaq.leaf_blocks off, a centre, a file
 *	  still recording when it was finished elsewhere).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/leaf_blocks.h"
#include "engine/request.h"
#include "store/store.h"

#include "executor/spi.h"

PG_FUNCTION_INFO_V1(hdaq_build_leaf_blocks);

Datum
hdaq_build_leaf_blocks(PG_FUNCTION_ARGS)
{
	int64		file_id = PG_GETARG_INT64(0);
	int64		written;

	SPI_connect();
	if (!store_file_exists(file_id))
		request_report_missing_file(file_id);
	written = leaf_blocks_build_file(file_id);
	SPI_finish();
	PG_RETURN_INT64(written);
}
