/*-------------------------------------------------------------------------
 *
 * messages.c
 *	  Entry points of hdaq.messages(topics, start_time, end_time, file_id):
 *	  stored messages (raw bytes) by topic, time range and file, in
 *	  log-time order, through the scan; and of hdaq.messages(data hdaq.mcap,
 *	  topics, start_time, end_time): the same over a value, read through
 *	  the file's own indexes by the MCAP core without ingesting it.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/bytes_view.h"
#include "engine/request.h"
#include "engine/scan.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_messages);
PG_FUNCTION_INFO_V1(hdaq_messages_mcap);

#define MESSAGES_COLUMNS (SCAN_MESSAGE_COLUMNS + 1)

/* One output row: file_id, topic, log_time, log_time_ns, publish_time_ns, sequence, data */
static void
put_message(ReturnSetInfo *rsinfo, BytesView *view, bool has_file,
			int64 file_id, Datum topic, const McapMessage *msg)
{
	Datum		values[MESSAGES_COLUMNS];
	bool		nulls[MESSAGES_COLUMNS] = {0};

	scan_message_columns(values, nulls, has_file, file_id, topic, msg);
	values[6] = bytes_view_datum(view, msg->data);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
hdaq_messages(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ScanRequest req;
	MessageScan *scan;
	MemoryContext row_cxt;
	MemoryContext oldcxt;
	Datum	   *topics;
	const ScanChannel *ch;
	McapMessage msg;
	BytesView  *view = bytes_view_create();

	InitMaterializedSRF(fcinfo, 0);
	scan_request_from_args(fcinfo, 0, 1, &req);
	SPI_connect();
	request_check(&req);
	scan = scan_begin(&req);
	topics = palloc(sizeof(Datum) * Max(scan_channel_count(scan), 1));
	for (int i = 0; i < scan_channel_count(scan); i++)
		topics[i] = CStringGetTextDatum(scan_channel(scan, i)->topic);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq messages row",
									ALLOCSET_DEFAULT_SIZES);
	while (scan_next(scan, &ch, &msg))
	{
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(row_cxt);
		put_message(rsinfo, view, true, ch->file_id,
					topics[scan_channel_index(scan, ch)], &msg);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(row_cxt);
	}
	SPI_finish();
	return (Datum) 0;
}

/* ---- over an hdaq.mcap value ------------------------------------------------ */

static void
free_summary(void *summary)
{
	mcap_summary_free(summary);
}

static void
free_iter(void *iter)
{
	mcap_messages_close(iter);
}

/* The ids of the channels whose topic is one of req's, or all (NULL). */
static uint16 *
channel_ids_for(const McapSummary *summary, const ScanRequest *req,
				size_t *count)
{
	uint16	   *ids;

	*count = 0;
	if (req->topics == NULL)
		return NULL;
	ids = palloc(sizeof(uint16) * Max(summary->channel_count, 1));
	for (size_t i = 0; i < summary->channel_count; i++)
	{
		const McapChannel *c = &summary->channels[i];

		for (int t = 0; t < req->ntopics; t++)
		{
			if (strlen(req->topics[t]) == c->topic.len &&
				memcmp(req->topics[t], c->topic.data, c->topic.len) == 0)
			{
				ids[(*count)++] = c->id;
				break;
			}
		}
	}
	return ids;
}

/*
 * An iterator over the messages of an MCAP value that a request selects,
 * through the file's own indexes; NULL when it selects none.  The value's
 * summary into *summary.
 */
static McapMessageIter *
open_value_messages(const uint8 *data, size_t len, const ScanRequest *req,
					McapSummary **summary)
{
	McapReaderOptions opts;
	McapMessageIter *iter;
	McapError	err;
	uint16	   *ids;
	size_t		nids;

	hdaq_reader_options(&opts);
	*summary = mcap_summary_read(data, len, &opts, &err);
	if (*summary == NULL)
		hdaq_report_mcap_error(&err, "the MCAP value");
	hdaq_free_with_context(*summary, free_summary);
	ids = channel_ids_for(*summary, req, &nids);
	if (req->topics != NULL && nids == 0)
		return NULL;
	if (req->start_ns > req->end_ns || req->end_ns < 0)
		return NULL;
	iter = mcap_messages_open(data, len, *summary, ids, nids,
							  (uint64) Max(req->start_ns, 0),
							  (uint64) req->end_ns, &opts, &err);
	if (iter == NULL)
		hdaq_report_mcap_error(&err, "the MCAP value");
	hdaq_free_with_context(iter, free_iter);
	return iter;
}

Datum
hdaq_messages_mcap(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *value = PG_GETARG_BYTEA_PP(0);
	McapSummary *summary;
	McapMessageIter *iter;
	ScanRequest req;
	McapError	err;
	McapMessage msg;
	MemoryContext row_cxt;
	MemoryContext oldcxt;
	int			rc;
	BytesView  *view = bytes_view_create();
	MemoryContext value_cxt;

	InitMaterializedSRF(fcinfo, 0);
	scan_request_from_args(fcinfo, 1, 2, &req);

	/*
	 * The summary and the iterator (with the chunks it holds) live in a
	 * context of their own, deleted as soon as the rows are made: reading
	 * the rows back does not hold them too.
	 */
	value_cxt = AllocSetContextCreate(CurrentMemoryContext,
									  "hdaq messages of a value",
									  ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(value_cxt);
	iter = open_value_messages((const uint8 *) VARDATA_ANY(value),
							   VARSIZE_ANY_EXHDR(value), &req, &summary);
	MemoryContextSwitchTo(oldcxt);
	if (iter == NULL)
	{
		MemoryContextDelete(value_cxt);
		return (Datum) 0;
	}

	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq messages row",
									ALLOCSET_DEFAULT_SIZES);
	while ((rc = mcap_messages_next(iter, &msg, &err)) == 1)
	{
		const McapChannel *c = mcap_summary_channel(summary, msg.channel_id);

		CHECK_FOR_INTERRUPTS();
		if (msg.log_time > PG_INT64_MAX || c == NULL)
			continue;
		oldcxt = MemoryContextSwitchTo(row_cxt);
		put_message(rsinfo, view, false, 0,
					PointerGetDatum(hdaq_text_from_bytes(c->topic.data, c->topic.len)),
					&msg);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(row_cxt);
	}
	if (rc < 0)
		hdaq_report_mcap_error(&err, "the MCAP value");
	MemoryContextDelete(value_cxt);
	return (Datum) 0;
}
