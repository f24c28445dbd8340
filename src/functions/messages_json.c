/*-------------------------------------------------------------------------
 *
 * messages_json.c
 *	  Entry point of hdaq.messages_json(topics, start_time, end_time,
 *	  file_id, skip_errors): stored messages decoded to jsonb, by topic,
 *	  time range and file, in log-time order, through the decoded scan.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/decoded_scan.h"
#include "engine/request.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_messages_json);

#define MESSAGES_JSON_COLUMNS (SCAN_MESSAGE_COLUMNS + 1)

/* One output row: file_id, topic, log_time, log_time_ns, publish_time_ns, sequence, message */
static void
put_message(ReturnSetInfo *rsinfo, const DecodedMessage *m, Jsonb *json)
{
	Datum		values[MESSAGES_JSON_COLUMNS];
	bool		nulls[MESSAGES_JSON_COLUMNS] = {0};

	scan_message_columns(values, nulls, true, m->channel->file_id,
						 CStringGetTextDatum(m->channel->topic), &m->msg);
	values[6] = JsonbPGetDatum(json);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
hdaq_messages_json(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ScanRequest req;
	DecodedScan *ds;
	DecodedMessage m;
	MemoryContext row_cxt;
	MemoryContext oldcxt;
	JsonbBuilder *builder;

	InitMaterializedSRF(fcinfo, 0);
	scan_request_from_args(fcinfo, 0, 1, &req);
	SPI_connect();
	request_check(&req);
	ds = decoded_scan_begin(scan_begin(&req), skip_errors_from_args(fcinfo, 4));
	builder = jsonb_builder_create();
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq messages_json row",
									ALLOCSET_DEFAULT_SIZES);
	while (decoded_scan_next(ds, &m))
	{
		HdError		err;
		Jsonb	   *json;

		oldcxt = MemoryContextSwitchTo(row_cxt);
		json = jsonb_builder_decode(builder, m.decoder, m.msg.data.data, m.msg.data.len, &err);
		if (json == NULL)
			decoded_scan_failed(ds, &m, err.message);
		else
			put_message(rsinfo, &m, json);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(row_cxt);
	}
	decoded_scan_end(ds);
	SPI_finish();
	return (Datum) 0;
}
