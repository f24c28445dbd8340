/*-------------------------------------------------------------------------
 *
 * ingest_prefix_sha256.c
 *	  Entry point of hdaq.ingest_prefix_sha256(file_id): the SHA-256 of
 *	  the bytes a recording file has so far, NULL once it is not recording
 *	  (hdaq.file.sha256 then has the whole file's).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/live.h"

PG_FUNCTION_INFO_V1(hdaq_ingest_prefix_sha256);

Datum
hdaq_ingest_prefix_sha256(PG_FUNCTION_ARGS)
{
	bytea	   *digest = live_prefix_sha256(PG_GETARG_INT64(0));

	if (digest == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(digest);
}
