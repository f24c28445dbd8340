/*-------------------------------------------------------------------------
 *
 * info.c
 *	  Entry point of hdaq.info(hdaq.mcap): what `mcap info` shows, as
 *	  jsonb.  The MCAP core reads the value into its info structure (the
 *	  one the hdaq command prints); engine/info_jsonb.c makes the jsonb.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/info_jsonb.h"

#include "fmgr.h"

PG_FUNCTION_INFO_V1(hdaq_info);

static void
free_info(void *info)
{
	mcap_info_free(info);
}

Datum
hdaq_info(PG_FUNCTION_ARGS)
{
	bytea	   *value = PG_GETARG_BYTEA_PP(0);
	McapReaderOptions opts;
	McapReader *reader;
	McapInfo   *info;
	McapError	err;

	hdaq_reader_options(&opts);
	reader = hdaq_reader_open_memory((const uint8_t *) VARDATA_ANY(value),
									 VARSIZE_ANY_EXHDR(value), &opts, NULL);
	info = mcap_info_read(reader, &err);
	if (info == NULL)
		hdaq_report_mcap_error(&err, NULL);
	hdaq_free_with_context(info, free_info);
	PG_RETURN_JSONB_P(info_to_jsonb(info));
}
