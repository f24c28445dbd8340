/*-------------------------------------------------------------------------
 *
 * info.c
 *	  Entry point of hdaq.info(hdaq.mcap): what `mcap info` shows, as
 *	  jsonb.  The JSON is built by the core (shared with the hdaq
 *	  command's `info`).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/fmgrprotos.h"

PG_FUNCTION_INFO_V1(hdaq_info);

static void
free_buffer(void *buf)
{
	mcap_buffer_free(buf);
}

Datum
hdaq_info(PG_FUNCTION_ARGS)
{
	bytea	   *value = PG_GETARG_BYTEA_PP(0);
	McapReaderOptions opts;
	McapReader *reader;
	McapBuffer *json = palloc(sizeof(McapBuffer));
	McapError	err;

	hdaq_reader_options(&opts);
	reader = hdaq_reader_open_memory((const uint8_t *) VARDATA_ANY(value),
									 VARSIZE_ANY_EXHDR(value), &opts, NULL);
	mcap_buffer_init(json);
	hdaq_free_with_context(json, free_buffer);
	if (mcap_info_json(reader, json, &err) != MCAP_OK)
		hdaq_report_mcap_error(&err, NULL);
	mcap_buffer_append_u8(json, 0);
	hdaq_check_buffer(json);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum((char *) json->data)));
}
