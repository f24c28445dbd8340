/*-------------------------------------------------------------------------
 *
 * decode_sql.c
 *	  The SQL functions that decode stored messages:
 *	    hdaq.messages_json(...)  every message as jsonb
 *	    hdaq.signal(topic, path, ...)  one numeric leaf per message
 *	    hdaq.signals(paths, ...)  several leaves, long format
 *
 * Decoders come from the per-backend cache; signal paths are checked
 * against every selected channel's schema before any segment is read.
 * A message that cannot be decoded is an error naming the file, topic, log
 * time and cause, unless skip_errors is true: then it is counted and
 * reported once in a NOTICE.
 *
 *-------------------------------------------------------------------------
 */
#include "decoders.h"
#include "scan.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(hdaq_messages_json);
PG_FUNCTION_INFO_V1(hdaq_signal);
PG_FUNCTION_INFO_V1(hdaq_signals);

/* ---- decoding errors ------------------------------------------------------ */

typedef struct SkipCounter
{
	bool		skip_errors;
	int64		skipped;
	char	   *first;			/* the first skipped message's error */
} SkipCounter;

static char *
describe_failure(const ScanChannel *ch, uint64 log_time, const char *cause)
{
	return psprintf("cannot decode the message of topic \"%s\" logged at %s (file %lld): %s",
					ch->topic,
					timestamptz_to_str(hdaq_ns_to_timestamptz((int64) log_time)),
					(long long) ch->file_id, cause);
}

/* Report or count a message that could not be decoded. */
static void
decode_failed(SkipCounter *skip, const ScanChannel *ch, uint64 log_time,
			  const char *cause)
{
	if (!skip->skip_errors)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s", describe_failure(ch, log_time, cause)),
				 errhint("hdaq.messages() returns its raw bytes; pass skip_errors => true to skip such messages.")));
	if (skip->skipped++ == 0)
		skip->first = MemoryContextStrdup(TopTransactionContext,
										  describe_failure(ch, log_time, cause));
}

static void
report_skipped(const SkipCounter *skip)
{
	if (skip->skipped > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld messages that could not be decoded",
						(long long) skip->skipped),
				 errdetail("The first: %s", skip->first)));
}

/* ---- decoders of a scan's channels ------------------------------------------ */

typedef struct ChannelDecoder
{
	const HdDecoder *decoder;	/* NULL: cannot be compiled */
	const char *error;
} ChannelDecoder;

static ChannelDecoder *
channel_decoders(MessageScan *scan)
{
	int			n = scan_channel_count(scan);
	ChannelDecoder *decoders = palloc0(sizeof(ChannelDecoder) * Max(n, 1));

	hdaq_decoder_cache_trim();
	for (int i = 0; i < n; i++)
	{
		const ScanChannel *ch = scan_channel(scan, i);

		decoders[i].decoder = hdaq_get_decoder(ch->has_schema, ch->schema_key,
											   ch->message_encoding,
											   &decoders[i].error);
	}
	return decoders;
}

static int
channel_index(MessageScan *scan, const ScanChannel *ch)
{
	return (int) (ch - scan_channel(scan, 0));
}

/* ---- hdaq.messages_json -------------------------------------------------------- */

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

/* ---- signals ---------------------------------------------------------------- */

/* One requested leaf: the metric name, its topic, its path. */
typedef struct SignalSpec
{
	char	   *metric;
	char	   *topic;
	char	   *path;
} SignalSpec;

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
 * Read the specs' leaves from every selected message and emit rows:
 * (time, value), or (time, metric, value) when with_metric.
 */
static void
emit_signals(FunctionCallInfo fcinfo, const SignalSpec *specs, int nspecs,
			 ScanRequest *req, bool skip_errors, bool with_metric)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MessageScan *scan;
	ChannelDecoder *decoders;
	ChannelPaths *cp;
	SkipCounter skip = {0};
	const ScanChannel *ch;
	McapMessage msg;
	Datum	   *metrics = palloc(sizeof(Datum) * nspecs);
	double	   *out = palloc(sizeof(double) * nspecs);
	bool	   *found = palloc(sizeof(bool) * nspecs);

	skip.skip_errors = skip_errors;
	for (int s = 0; s < nspecs; s++)
		metrics[s] = CStringGetTextDatum(specs[s].metric);
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
		if (hd_extract_numbers(decoders[c].decoder, cp[c].paths, cp[c].npaths,
							   msg.data.data, msg.data.len, out, found,
							   &err) != HD_OK)
		{
			decode_failed(&skip, ch, msg.log_time, err.message);
			continue;
		}
		for (int p = 0; p < cp[c].npaths; p++)
		{
			Datum		values[3];
			bool		nulls[3] = {0};
			int			v = 0;

			if (!found[p])
				continue;
			values[v++] = TimestampTzGetDatum(hdaq_ns_to_timestamptz((int64) msg.log_time));
			if (with_metric)
				values[v++] = metrics[cp[c].spec[p]];
			values[v++] = Float8GetDatum(out[p]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	report_skipped(&skip);
}

Datum
hdaq_signal(PG_FUNCTION_ARGS)
{
	SignalSpec	spec;
	ScanRequest req;
	char	   *topics[1];

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("topic and path must not be null")));
	spec.topic = text_to_cstring(PG_GETARG_TEXT_PP(0));
	spec.path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	spec.metric = spec.path;
	scan_request_from_args(fcinfo, -1, 2, &req);
	topics[0] = spec.topic;
	req.topics = topics;
	req.ntopics = 1;
	SPI_connect();
	emit_signals(fcinfo, &spec, 1, &req,
				 PG_NARGS() > 5 && !PG_ARGISNULL(5) && PG_GETARG_BOOL(5), false);
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
	SPI_connect();
	emit_signals(fcinfo, specs, nspecs, &req,
				 PG_NARGS() > 4 && !PG_ARGISNULL(4) && PG_GETARG_BOOL(4), true);
	SPI_finish();
	return (Datum) 0;
}
