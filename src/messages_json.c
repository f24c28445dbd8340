/*-------------------------------------------------------------------------
 *
 * messages_json.c
 *	  hdaq.messages_json(...): stored messages decoded to jsonb, by topic,
 *	  time range and file, in log-time order.
 *
 *-------------------------------------------------------------------------
 */
#include "decode_scan.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_messages_json);

Datum
hdaq_messages_json(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ScanRequest req;
	MessageScan *scan;
	ChannelDecoder *decoders;
	SkipCounter skip = {0};
	MemoryContext row_cxt;
	MemoryContext oldcxt;
	const ScanChannel *ch;
	McapMessage msg;

	InitMaterializedSRF(fcinfo, 0);
	scan_request_from_args(fcinfo, 0, 1, &req);
	skip.skip_errors = PG_NARGS() > 4 && !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	SPI_connect();
	scan = scan_begin(&req);
	decoders = channel_decoders(scan);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq messages_json row",
									ALLOCSET_DEFAULT_SIZES);
	while (scan_next(scan, &ch, &msg))
	{
		ChannelDecoder *d = &decoders[channel_index(scan, ch)];
		Datum		values[7];
		bool		nulls[7] = {0};
		HdError		err;
		Jsonb	   *json;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(row_cxt);
		if (d->decoder == NULL)
			decode_failed(&skip, ch, msg.log_time, d->error);
		else if ((json = hdaq_decode_jsonb(d->decoder, msg.data.data,
										   msg.data.len, &err)) == NULL)
			decode_failed(&skip, ch, msg.log_time, err.message);
		else
		{
			values[0] = Int64GetDatum(ch->file_id);
			values[1] = CStringGetTextDatum(ch->topic);
			values[2] = TimestampTzGetDatum(hdaq_ns_to_timestamptz((int64) msg.log_time));
			values[3] = Int64GetDatum((int64) msg.log_time);
			values[4] = Int64GetDatum((int64) msg.publish_time);
			values[5] = Int64GetDatum((int64) msg.sequence);
			values[6] = JsonbPGetDatum(json);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(row_cxt);
	}
	SPI_finish();
	report_skipped(&skip);
	return (Datum) 0;
}
