/*-------------------------------------------------------------------------
 *
 * signals.c
 *	  Entry points of hdaq.signal(topic, path, start_time, end_time,
 *	  file_id, skip_errors, unit), one numeric leaf or math channel as
 *	  (time, value) (converted to unit when given), and
 *	  hdaq.signals(paths, start_time, end_time, file_id, skip_errors),
 *	  several leaves 'Topic/field.path' as (time, metric, value).  The walk
 *	  is engine/signals.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/decoded_scan.h"
#include "engine/math_channels.h"
#include "engine/scan.h"
#include "engine/signals.h"
#include "functions/args.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_signal);
PG_FUNCTION_INFO_V1(hdaq_signals);

/* Rows straight into the function's result: (time, value) or (time, metric, value). */
typedef struct RowSink
{
	ReturnSetInfo *rsinfo;
	Datum	   *metrics;		/* NULL: no metric column */
	double		scale;			/* values converted: value * scale + offset */
	double		offset;
} RowSink;

/* A message without the leaf gives a row with a NULL value. */
static void
put_row(void *arg, int64 time_ns, int spec, double value, bool found)
{
	RowSink    *rs = arg;
	Datum		values[3];
	bool		nulls[3] = {0};
	int			v = 0;

	values[v++] = TimestampTzGetDatum(hdaq_ns_to_timestamptz(time_ns));
	if (rs->metrics)
		values[v++] = rs->metrics[spec];
	values[v] = Float8GetDatum(value * rs->scale + rs->offset);
	nulls[v] = !found;
	tuplestore_putvalues(rs->rsinfo->setResult, rs->rsinfo->setDesc, values, nulls);
}

Datum
hdaq_signal(PG_FUNCTION_ARGS)
{
	SignalSpec	spec;
	ScanRequest req;
	RowSink		rs;

	InitMaterializedSRF(fcinfo, 0);
	signal_spec_from_args(fcinfo, &spec);
	scan_request_from_args(fcinfo, -1, 2, &req);
	req.topics = &spec.topic;
	req.ntopics = 1;
	rs.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	rs.metrics = NULL;
	SPI_connect();
	unit_conversion_from_args(fcinfo, 6, &spec, &req, &rs.scale, &rs.offset);
	scan_signals(&spec, 1, &req, skip_errors_from_args(fcinfo, 5), put_row, &rs);
	SPI_finish();
	return (Datum) 0;
}

static int
compare_specs_by_topic(const void *a, const void *b)
{
	return strcmp(((const SignalSpec *) a)->topic, ((const SignalSpec *) b)->topic);
}

Datum
hdaq_signals(PG_FUNCTION_ARGS)
{
	ScanRequest req;
	SignalSpec *specs;
	int			nspecs;
	RowSink		rs;

	InitMaterializedSRF(fcinfo, 0);
	specs = args_signal_specs(fcinfo, 0, &nspecs, NULL);
	qsort(specs, nspecs, sizeof(SignalSpec), compare_specs_by_topic);
	scan_request_from_args(fcinfo, -1, 1, &req);
	req.topics = palloc(sizeof(char *) * nspecs);
	for (int s = 0; s < nspecs; s++)
		req.topics[req.ntopics++] = specs[s].topic;
	rs.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	rs.scale = 1;
	rs.offset = 0;
	rs.metrics = palloc(sizeof(Datum) * nspecs);
	for (int s = 0; s < nspecs; s++)
		rs.metrics[s] = CStringGetTextDatum(specs[s].metric);
	SPI_connect();
	scan_signals(specs, nspecs, &req, skip_errors_from_args(fcinfo, 4), put_row, &rs);
	SPI_finish();
	return (Datum) 0;
}
