/*-------------------------------------------------------------------------
 *
 * signals.c
 *	  Numeric leaves of stored messages: hdaq.signal(topic, path, ...) and
 *	  hdaq.signals(paths, ...), and the walk they share with
 *	  hdaq.downsample: scan_signals() reads only the leaves asked for (no
 *	  jsonb is built) and hands each value to a sink.
 *
 * Paths are compiled against every selected channel's schema before any
 * segment is read; an unknown topic or field is an error with a hint.
 *
 *-------------------------------------------------------------------------
 */
#include "signals.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(hdaq_signal);
PG_FUNCTION_INFO_V1(hdaq_signals);

/* The paths of one channel, compiled against its decoder. */
typedef struct ChannelPaths
{
	int			npaths;
	const HdPath **paths;
	int		   *spec;			/* index into the specs of each path */
} ChannelPaths;

static void
free_path(void *path)
{
	hd_path_free(path);
}

/* The topics nearest a name that does not exist, for a hint. */
static char *
nearest_topics(const char *topic)
{
	StringInfoData hint;
	int			rc;
	int			shown = 0;

	initStringInfo(&hint);
	rc = SPI_execute("SELECT DISTINCT topic FROM hdaq.channel", true, 0);
	if (rc != SPI_OK_SELECT)
		return NULL;
	for (int pass = 0; pass <= 3 && shown < 5; pass++)
	{
		for (uint64 i = 0; i < SPI_processed && shown < 5; i++)
		{
			char	   *t = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			int			d = varstr_levenshtein(topic, strlen(topic), t, strlen(t),
											   1, 1, 1, false);

			if (d == pass || (pass == 3 && d > 3 && strstr(t, topic) != NULL))
				appendStringInfo(&hint, "%s\"%s\"", shown++ ? ", " : "", t);
		}
	}
	return shown ? hint.data : NULL;
}

static bool
scan_has_topic(MessageScan *scan, const char *topic)
{
	for (int i = 0; i < scan_channel_count(scan); i++)
		if (strcmp(scan_channel(scan, i)->topic, topic) == 0)
			return true;
	return false;
}

/* Error out if no file has the topic at all (a typo, not an empty range). */
static void
check_topic_exists(const char *topic)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(topic)};
	char	   *hint;

	if (SPI_execute_with_args("SELECT 1 FROM hdaq.channel WHERE topic = $1 LIMIT 1",
							  1, types, values, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed > 0)
		return;
	hint = nearest_topics(topic);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("no stored file has the topic \"%s\"", topic),
			 hint ? errhint("Topics with similar names: %s.", hint) : 0));
}

/* Compile each spec's path for the channels of its topic. */
static ChannelPaths *
compile_paths(MessageScan *scan, ChannelDecoder *decoders,
			  const SignalSpec *specs, int nspecs, bool skip_errors)
{
	int			n = scan_channel_count(scan);
	ChannelPaths *cp = palloc0(sizeof(ChannelPaths) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		const ScanChannel *ch = scan_channel(scan, i);

		cp[i].paths = palloc(sizeof(HdPath *) * nspecs);
		cp[i].spec = palloc(sizeof(int) * nspecs);
		for (int s = 0; s < nspecs; s++)
		{
			HdError		err;
			HdPath	   *path;

			if (strcmp(specs[s].topic, ch->topic) != 0)
				continue;
			if (decoders[i].decoder == NULL && skip_errors)
				continue;		/* its messages are counted as skipped */
			if (decoders[i].decoder == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot decode topic \"%s\" of file %lld: %s",
								ch->topic, (long long) ch->file_id, decoders[i].error)));
			path = hd_path_compile(decoders[i].decoder, specs[s].path, &err);
			if (path == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid path \"%s\" for topic \"%s\"",
								specs[s].path, ch->topic),
						 errdetail("%s", err.message)));
			hdaq_free_with_context(path, free_path);
			if (cp[i].npaths == HD_MAX_PATHS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("at most %d paths per topic", HD_MAX_PATHS)));
			cp[i].paths[cp[i].npaths] = path;
			cp[i].spec[cp[i].npaths] = s;
			cp[i].npaths++;
		}
	}
	return cp;
}

/*
 * Read the specs' leaves from every selected message, in log-time order,
 * and hand each value found to the sink.  The caller is connected to SPI.
 */
void
scan_signals(const SignalSpec *specs, int nspecs, ScanRequest *req,
			 bool skip_errors, SignalSink sink, void *arg)
{
	MessageScan *scan;
	ChannelDecoder *decoders;
	ChannelPaths *cp;
	SkipCounter skip = {0};
	const ScanChannel *ch;
	McapMessage msg;
	double	   *out = palloc(sizeof(double) * nspecs);
	bool	   *found = palloc(sizeof(bool) * nspecs);

	skip.skip_errors = skip_errors;
	scan = scan_begin(req);
	for (int s = 0; s < nspecs; s++)
		if (!scan_has_topic(scan, specs[s].topic))
			check_topic_exists(specs[s].topic);
	decoders = channel_decoders(scan);
	cp = compile_paths(scan, decoders, specs, nspecs, skip_errors);

	while (scan_next(scan, &ch, &msg))
	{
		int			c = channel_index(scan, ch);
		HdError		err;

		CHECK_FOR_INTERRUPTS();
		if (decoders[c].decoder == NULL)
		{
			decode_failed(&skip, ch, msg.log_time, decoders[c].error);
			continue;
		}
		if (cp[c].npaths == 0)
			continue;
		if (hd_extract_numbers(decoders[c].decoder, cp[c].paths, cp[c].npaths,
							   msg.data.data, msg.data.len, out, found,
							   &err) != HD_OK)
		{
			decode_failed(&skip, ch, msg.log_time, err.message);
			continue;
		}
		for (int p = 0; p < cp[c].npaths; p++)
			if (found[p])
				sink(arg, (int64) msg.log_time, cp[c].spec[p], out[p]);
	}
	report_skipped(&skip);
}

/* Rows straight into the function's result: (time, value) or (time, metric, value). */
typedef struct RowSink
{
	ReturnSetInfo *rsinfo;
	Datum	   *metrics;		/* NULL: no metric column */
} RowSink;

static void
put_row(void *arg, int64 time_ns, int spec, double value)
{
	RowSink    *rs = arg;
	Datum		values[3];
	bool		nulls[3] = {0};
	int			v = 0;

	values[v++] = TimestampTzGetDatum(hdaq_ns_to_timestamptz(time_ns));
	if (rs->metrics)
		values[v++] = rs->metrics[spec];
	values[v++] = Float8GetDatum(value);
	tuplestore_putvalues(rs->rsinfo->setResult, rs->rsinfo->setDesc, values, nulls);
}

static bool
skip_errors_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_NARGS() > argno && !PG_ARGISNULL(argno) && PG_GETARG_BOOL(argno);
}

/* The one spec of hdaq.signal(topic, path, ...) and friends. */
void
signal_spec_from_args(FunctionCallInfo fcinfo, SignalSpec *spec)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("topic and path must not be null")));
	spec->topic = text_to_cstring(PG_GETARG_TEXT_PP(0));
	spec->path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	spec->metric = spec->path;
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
	scan_signals(&spec, 1, &req, skip_errors_arg(fcinfo, 5), put_row, &rs);
	SPI_finish();
	return (Datum) 0;
}

/*
 * Split 'Topic/field.path' at the last '/' outside brackets (topics may
 * hold slashes, as ROS topics do; field paths do not, outside map keys).
 */
static void
parse_metric(const char *metric, SignalSpec *spec)
{
	int			depth = 0;
	const char *split = NULL;

	for (const char *p = metric; *p; p++)
	{
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if (*p == '/' && depth == 0)
			split = p;
	}
	if (split == NULL || split == metric || split[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not of the form 'Topic/field.path'", metric)));
	spec->metric = pstrdup(metric);
	spec->topic = pnstrdup(metric, split - metric);
	spec->path = pstrdup(split + 1);
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
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;
	int			nspecs = 0;
	RowSink		rs;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("paths must not be null")));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &elem_nulls, &n);
	specs = palloc(sizeof(SignalSpec) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (!elem_nulls[i])
			parse_metric(TextDatumGetCString(elems[i]), &specs[nspecs++]);
	if (nspecs == 0)
		return (Datum) 0;
	qsort(specs, nspecs, sizeof(SignalSpec), compare_specs_by_topic);

	scan_request_from_args(fcinfo, -1, 1, &req);
	req.topics = palloc(sizeof(char *) * nspecs);
	for (int s = 0; s < nspecs; s++)
		req.topics[req.ntopics++] = specs[s].topic;
	rs.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	rs.metrics = palloc(sizeof(Datum) * nspecs);
	for (int s = 0; s < nspecs; s++)
		rs.metrics[s] = CStringGetTextDatum(specs[s].metric);
	SPI_connect();
	scan_signals(specs, nspecs, &req, skip_errors_arg(fcinfo, 4), put_row, &rs);
	SPI_finish();
	return (Datum) 0;
}
