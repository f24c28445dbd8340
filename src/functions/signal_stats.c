/*-------------------------------------------------------------------------
 *
 * signal_stats.c
 *	  Entry point of hdaq.signal_stats(topic, path, start_time, end_time,
 *	  file_id): count, min and max with the first time each occurs, mean,
 *	  first and last of one numeric leaf over a time range, as one row.
 *	  From leaf blocks when every selected channel has them (whole blocks
 *	  from their summaries, the blocks at the ends of the range decoded),
 *	  otherwise from the messages, decoded as hdaq.signal reads them.
 *	  NULL values (messages without the leaf) are not counted; with no
 *	  value, count is 0 and the rest NULL.  min and max order NaN above
 *	  every number, as SQL's min() and max() do.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/leaf_blocks.h"
#include "engine/request.h"
#include "engine/scan.h"
#include "engine/signals.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_signal_stats);

#define STATS_COLUMNS 10

/* Each value hdaq.signal would return, folded in. */
static void
fold_value(void *arg, int64 time_ns, int spec, double value, bool found)
{
	HdColumnSummary one;

	if (!found)
		return;
	hd_column_summarize(&time_ns, &value, 1, &one);
	hd_column_summary_merge((HdColumnSummary *) arg, &one);
}

static Datum
time_datum(int64 ns)
{
	return TimestampTzGetDatum(hdaq_ns_to_timestamptz(ns));
}

static void
put_stats(ReturnSetInfo *rsinfo, const HdColumnSummary *s)
{
	Datum		values[STATS_COLUMNS];
	bool		nulls[STATS_COLUMNS];

	memset(nulls, s->count == 0, sizeof(nulls));
	nulls[0] = false;
	values[0] = Int64GetDatum((int64) s->count);
	if (s->count > 0)
	{
		values[1] = Float8GetDatum(s->min);
		values[2] = time_datum(s->min_time);
		values[3] = Float8GetDatum(s->max);
		values[4] = time_datum(s->max_time);
		values[5] = Float8GetDatum(s->sum / (double) s->count);
		values[6] = Float8GetDatum(s->first);
		values[7] = time_datum(s->first_time);
		values[8] = Float8GetDatum(s->last);
		values[9] = time_datum(s->last_time);
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
hdaq_signal_stats(PG_FUNCTION_ARGS)
{
	SignalSpec	spec;
	ScanRequest req;
	HdColumnSummary stats = {0};
	StoredChannel *channels;
	const char *path;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	signal_spec_from_args(fcinfo, &spec);
	scan_request_from_args(fcinfo, -1, 2, &req);
	req.topics = &spec.topic;
	req.ntopics = 1;
	path = spec.path;
	SPI_connect();

	/*
	 * Channels found name a stored file that has the topic: the checks of
	 * the names (two statements, a third of a call over one run's blocks)
	 * are needed only when none is found.
	 */
	channels = leaf_blocks_channels(&req, &path, 1, &n);
	if (channels != NULL && n > 0)
	{
		for (int i = 0; i < n; i++)
			leaf_blocks_summarize(&channels[i], spec.path, req.start_ns,
								  req.end_ns, &stats);
	}
	else
	{
		request_check(&req);
		scan_signals(&spec, 1, &req, false, fold_value, &stats);
	}
	SPI_finish();
	put_stats((ReturnSetInfo *) fcinfo->resultinfo, &stats);
	return (Datum) 0;
}
