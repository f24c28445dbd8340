/*-------------------------------------------------------------------------
 *
 * random_id.c
 *	  Entry point of hdaq.random_id(): the keys of files and channels, 63
 *	  random bits from the server's strong random source, so that stores
 *	  at different sites do not give two files the same key.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "fmgr.h"

PG_FUNCTION_INFO_V1(hdaq_random_id);

Datum
hdaq_random_id(PG_FUNCTION_ARGS)
{
	uint64		bits;

	do
	{
		if (!pg_strong_random(&bits, sizeof(bits)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random key")));
		bits &= PG_INT64_MAX;
	} while (bits == 0);
	PG_RETURN_INT64((int64) bits);
}
