/*-------------------------------------------------------------------------
 *
 * fdw_scan.c
 *	  Engine: the scan of a relation of hdaq_fdw (fdw.h) and its EXPLAIN.
 *
 * The scan starts at its first row: the values of its conditions are
 * computed (parameters have theirs by then), and what they select is read
 * through the message scan (scan.h), which finds the channels and the
 * segments that can match and merges their messages in log-time order.
 * Each call returns the next message as a row, formed in place: nothing
 * is gathered, so a LIMIT stops the reading, and memory holds the segments
 * being merged.  Only the columns the plan reads are formed; data points
 * at the message's bytes in its segment (bytes_view.h); data_json is the
 * message decoded by the jsonb builder, as hdaq.messages_json gives it,
 * and a message that cannot be decoded is an error naming it.  The
 * channels' decoders are looked up when the scan starts, and again when
 * the decoder cache has freed any since (another scan of the query may
 * trim it between two rows).  A rescan (a new
 * outer row of a nested loop, new parameter values) starts over.
 *
 * A sample relation's scan reads the same messages through the signal
 * scan (signals.h), which decodes the leaves its paths name (or reads them
 * from leaf blocks, one block set at a time, when every channel has them),
 * and returns one row per message and path (its value NULL where the
 * message does not hold the leaf), as hdaq.signal does.  A plan without a
 * relation (scanrelid 0) is a sample relation's aggregates pushed into the
 * scan (fdw_upper.c): its one or few rows are the groups fdw_agg_scan.c
 * computes when the scan starts.  Its names are checked when it
 * starts: a file that is not stored, a topic no stored file has and a
 * path the topic's schema rules out are errors (request.h, signals.h).
 *
 * The executor does not keep the scan connected to SPI between rows: the
 * scan connects while it starts, and the message scan connects for each
 * segment it fetches (scan_connect_per_fetch).
 *
 * On hdaq.message, a condition that selects nothing (a file that is not
 * stored, a topic no file has, an empty time range) gives no rows, as a
 * WHERE clause does; the functions (hdaq.messages...) are the ones that
 * call it an error.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/bytes_view.h"
#include "engine/decoders.h"
#include "engine/decoded_scan.h"
#include "engine/fdw.h"
#include "engine/request.h"
#include "engine/scan.h"
#include "engine/signals.h"
#include "store/store.h"

#include "access/stratnum.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/ruleutils.h"

typedef struct MessageScanState
{
	RelationKind kind;
	List	   *codes;			/* of the conditions, as values */
	List	   *values;			/* ExprStates */
	int		   *columns;		/* per attribute: MessageColumn or -1 */
	int			natts;
	bool		read[MSG_NCOLUMNS]; /* the columns the plan reads */
	MemoryContext scan_cxt;		/* one scan's memory, reset by a rescan */
	bool		started;
	MessageScan *scan;			/* NULL when the conditions select nothing */
	Datum	   *topics;			/* per channel of the scan, as text */
	BytesView  *view;
	/* a sample relation's */
	SignalScan *signals;
	Datum	   *paths;			/* per spec of the signal scan, as text */
	SignalSamples samples;		/* the current message's values */
	int			next_sample;	/* the next of them to return */
	/* an aggregate scan's (fdw_upper.c) */
	List	   *pushed;			/* PushedColumn of each column; NIL: rows */
	PushedGroups *groups;
	/* data_json */
	const HdDecoder **decoders; /* per channel; NULL: see decoder_errors */
	const char **decoder_errors;
	uint64		decoders_evictions; /* the cache's count when looked up */
	JsonbBuilder *builder;
	MemoryContext row_cxt;		/* the current row's jsonb */
	/* for EXPLAIN ANALYZE, over every (re)scan */
	bool		count_segments; /* also the channels' other segments */
	int64		scans;
	int64		segments_total; /* every segment of the channels scanned */
	int64		segments_read;
	int64		blocks_read;	/* leaf block sets of a sample relation */
} MessageScanState;

/* ---- starting ------------------------------------------------------------------- */

void
message_fdw_begin(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	TupleDesc	desc;
	MessageScanState *st = palloc0(sizeof(MessageScanState));
	List	   *attnos = list_nth(plan->fdw_private, FDW_PRIVATE_ATTNOS);
	ListCell   *lc;

	node->fdw_state = st;
	st->codes = list_nth(plan->fdw_private, FDW_PRIVATE_CODES);
	st->values = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	if (plan->scan.scanrelid == 0)
	{
		/* a sample relation's aggregates: no relation, no rows */
		st->kind = REL_SAMPLE;
		st->pushed = list_nth(plan->fdw_private, FDW_PRIVATE_PUSHED);
		if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
			st->scan_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
												 "hdaq sample aggregate scan",
												 ALLOCSET_DEFAULT_SIZES);
		return;
	}
	desc = RelationGetDescr(node->ss.ss_currentRelation);
	st->natts = desc->natts;
	st->columns = palloc(sizeof(int) * Max(desc->natts, 1));
	st->kind = message_columns_of(desc, st->columns);
	foreach(lc, attnos)
	{
		int			attno = lfirst_int(lc);

		for (int i = 0; i < desc->natts; i++)
			if (st->columns[i] >= 0 && (attno == 0 || attno == i + 1))
				st->read[st->columns[i]] = true;
	}
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	st->scan_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
										 "hdaq message relation scan",
										 ALLOCSET_DEFAULT_SIZES);
	if (st->read[MSG_DATA_JSON])
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);

		st->builder = jsonb_builder_create();
		st->row_cxt = AllocSetContextCreate(CurrentMemoryContext,
											"hdaq message relation row",
											ALLOCSET_DEFAULT_SIZES);
		MemoryContextSwitchTo(oldcxt);
	}
	/* under EXPLAIN ANALYZE (the node's instrumentation comes after this) */
	st->count_segments = node->ss.ps.state->es_instrument != 0;
}

/* What the conditions select, with their values computed now. */
static void
compute_selection(ForeignScanState *node, MessageScanState *st,
				  MessageSelection *sel)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	ListCell   *lc1;
	ListCell   *lc2;

	selection_init(sel);
	forboth(lc1, st->codes, lc2, st->values)
	{
		ExprState  *state = lfirst(lc2);
		bool		isnull;
		Datum		value = ExecEvalExpr(state, econtext, &isnull);

		selection_add(sel, lfirst_int(lc1), value, isnull,
					  exprType((Node *) state->expr));
	}
}

/* Every segment of the scan's channels, selected or not (EXPLAIN ANALYZE). */
static int64
count_channel_segments(MessageScan *scan)
{
	int64		n = 0;

	for (int c = 0; c < scan_channel_count(scan); c++)
	{
		const ScanChannel *ch = scan_channel(scan, c);

		n += store_count_segments(ch->channel_key, ch->start_ns, ch->end_ns);
	}
	return n;
}

/*
 * A sample relation's signal scan: its names checked, each path of each
 * topic a spec (by topic, then path).
 */
static void
begin_samples(MessageScanState *st, const MessageSelection *sel)
{
	int			nspecs;
	SignalSpec *specs = selection_specs(sel, &nspecs);

	st->paths = palloc(sizeof(Datum) * Max(nspecs, 1));
	for (int s = 0; s < nspecs; s++)
		st->paths[s] = CStringGetTextDatum(specs[s].path);
	st->signals = signal_scan_begin(specs, nspecs, st->scan, false);
	st->samples.n = 0;
	st->next_sample = 0;
}

/* Each channel's decoder (connected to SPI, in scan_cxt). */
static void
look_up_decoders(MessageScanState *st)
{
	int			n = scan_channel_count(st->scan);

	if (st->decoders == NULL)
	{
		st->decoders = palloc0(sizeof(HdDecoder *) * Max(n, 1));
		st->decoder_errors = palloc0(sizeof(char *) * Max(n, 1));
	}
	st->decoders_evictions = hdaq_decoder_cache_evictions();
	for (int c = 0; c < n; c++)
	{
		const ScanChannel *ch = scan_channel(st->scan, c);

		st->decoders[c] = hdaq_get_decoder(ch->has_schema, ch->schema_key,
										   ch->message_encoding,
										   &st->decoder_errors[c]);
	}
}

/* An aggregate scan's groups, computed now (in scan_cxt). */
static void
start_aggregate(MessageScanState *st, const MessageSelection *sel)
{
	SPI_connect();
	MemoryContextSwitchTo(st->scan_cxt);
	st->groups = pushed_groups_compute(sel, st->pushed);
	SPI_finish();
}

static void
start_scan(ForeignScanState *node, MessageScanState *st)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(st->scan_cxt);
	MessageSelection sel;

	compute_selection(node, st, &sel);
	st->started = true;
	st->scans++;
	if (st->pushed != NIL)
		start_aggregate(st, &sel);
	else if (!selection_is_empty(&sel))
	{
		ScanRequest req;

		selection_request(&sel, &req);
		SPI_connect();
		/* SPI made its own context current: the scan lives in scan_cxt */
		MemoryContextSwitchTo(st->scan_cxt);
		if (st->kind == REL_SAMPLE)
			request_check_names(&req);
		st->scan = scan_begin(&req);
		if (st->kind == REL_SAMPLE)
			begin_samples(st, &sel);
		if (st->count_segments)
			st->segments_total += count_channel_segments(st->scan);
		if (st->read[MSG_DATA_JSON])
		{
			MemoryContextSwitchTo(st->scan_cxt);
			hdaq_decoder_cache_trim();
			look_up_decoders(st);
		}
		SPI_finish();
		MemoryContextSwitchTo(st->scan_cxt);
		scan_connect_per_fetch(st->scan);
		st->topics = palloc(sizeof(Datum) * Max(scan_channel_count(st->scan), 1));
		for (int c = 0; c < scan_channel_count(st->scan); c++)
			st->topics[c] = CStringGetTextDatum(scan_channel(st->scan, c)->topic);
		st->view = bytes_view_create();
	}
	MemoryContextSwitchTo(oldcxt);
}

/* Count what the current scan read, and forget it. */
static void
close_scan(MessageScanState *st)
{
	if (st->scan != NULL)
	{
		int64		selected;
		int64		read;

		scan_segment_counts(st->scan, &selected, &read);
		st->segments_read += read;
		if (st->signals != NULL)
			st->blocks_read += signal_scan_blocks_read(st->signals);
		st->scan = NULL;
		st->signals = NULL;
	}
	st->decoders = NULL;
	st->decoder_errors = NULL;
	st->groups = NULL;
	st->started = false;
	if (st->scan_cxt != NULL)
		MemoryContextReset(st->scan_cxt);
}

/* ---- rows ------------------------------------------------------------------------- */

/* What a row is formed from: a message, or one value of a message. */
typedef struct RowSource
{
	const ScanChannel *channel;
	int			channel_index;
	int64		time_ns;
	const McapMessage *msg;		/* a message relation's */
	int			spec;			/* a sample relation's: which path */
	double		value;
	bool		found;
} RowSource;

/* The next row of a message relation; false at the end. */
static bool
next_message(MessageScanState *st, RowSource *row, McapMessage *msg)
{
	if (!scan_next(st->scan, &row->channel, msg))
		return false;
	row->channel_index = scan_channel_index(st->scan, row->channel);
	row->time_ns = (int64) msg->log_time;
	row->msg = msg;
	return true;
}

/* The next row of a sample relation; false at the end. */
static bool
next_sample(MessageScanState *st, RowSource *row)
{
	SignalSamples *s = &st->samples;

	while (st->next_sample >= s->n)
	{
		if (!signal_scan_next(st->signals, s))
			return false;
		st->next_sample = 0;
	}
	row->channel = s->channel;
	row->channel_index = s->channel_index;
	row->time_ns = s->time_ns;
	row->msg = NULL;
	row->spec = s->spec[st->next_sample];
	row->value = s->values[st->next_sample];
	row->found = s->found[st->next_sample];
	st->next_sample++;
	return true;
}

#define DATA_JSON_HINT "The column data of hdaq.message holds its raw bytes."

/* The message decoded, in row_cxt. */
static Datum
data_json_value(MessageScanState *st, const ScanChannel *ch, int index,
				const McapMessage *msg)
{
	MemoryContext oldcxt;
	HdError		err;
	Jsonb	   *json;

	if (st->decoders_evictions != hdaq_decoder_cache_evictions())
	{
		oldcxt = MemoryContextSwitchTo(st->scan_cxt);
		SPI_connect();
		MemoryContextSwitchTo(st->scan_cxt);
		look_up_decoders(st);
		SPI_finish();
		MemoryContextSwitchTo(oldcxt);
	}
	if (st->decoders[index] == NULL)
		report_undecodable(ch, msg->log_time, st->decoder_errors[index],
						   DATA_JSON_HINT);
	oldcxt = MemoryContextSwitchTo(st->row_cxt);
	json = jsonb_builder_decode(st->builder, st->decoders[index],
								msg->data.data, msg->data.len, &err);
	MemoryContextSwitchTo(oldcxt);
	if (json == NULL)
		report_undecodable(ch, msg->log_time, err.message, DATA_JSON_HINT);
	return JsonbPGetDatum(json);
}

static Datum
column_value(MessageScanState *st, MessageColumn column, const RowSource *row,
			 bool *isnull)
{
	*isnull = false;
	switch (column)
	{
		case MSG_FILE_ID:
			return Int64GetDatum(row->channel->file_id);
		case MSG_TOPIC:
			return st->topics[row->channel_index];
		case MSG_LOG_TIME:
			return TimestampTzGetDatum(hdaq_ns_to_timestamptz(row->time_ns));
		case MSG_LOG_TIME_NS:
			return Int64GetDatum(row->time_ns);
		case MSG_PUBLISH_TIME_NS:
			return Int64GetDatum((int64) row->msg->publish_time);
		case MSG_SEQUENCE:
			return Int64GetDatum((int64) row->msg->sequence);
		case MSG_DATA:
			return bytes_view_datum(st->view, row->msg->data);
		case MSG_PATH:
			return st->paths[row->spec];
		case MSG_VALUE:
			*isnull = !row->found;
			return Float8GetDatum(row->value);
		case MSG_DATA_JSON:
			return data_json_value(st, row->channel, row->channel_index, row->msg);
		default:
			*isnull = true;
			return (Datum) 0;
	}
}

TupleTableSlot *
message_fdw_iterate(ForeignScanState *node)
{
	MessageScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	RowSource	row;
	McapMessage msg;
	MemoryContext oldcxt;
	bool		found;

	ExecClearTuple(slot);
	CHECK_FOR_INTERRUPTS();
	if (st->row_cxt != NULL)
		MemoryContextReset(st->row_cxt);
	if (!st->started)
		start_scan(node, st);
	if (st->pushed != NIL)
	{
		pushed_groups_next(st->groups, slot);
		return slot;
	}
	if (st->scan == NULL)
		return slot;
	/* what the scan allocates as it goes (its readers) lives with it */
	oldcxt = MemoryContextSwitchTo(st->scan_cxt);
	found = st->kind == REL_SAMPLE ? next_sample(st, &row) :
		next_message(st, &row, &msg);
	MemoryContextSwitchTo(oldcxt);
	if (!found)
		return slot;
	for (int i = 0; i < st->natts; i++)
	{
		int			column = st->columns[i];

		if (column < 0 || !st->read[column])
		{
			slot->tts_isnull[i] = true;
			slot->tts_values[i] = (Datum) 0;
		}
		else
			slot->tts_values[i] = column_value(st, column, &row,
											   &slot->tts_isnull[i]);
	}
	return ExecStoreVirtualTuple(slot);
}

void
message_fdw_rescan(ForeignScanState *node)
{
	close_scan(node->fdw_state);
}

void
message_fdw_end(ForeignScanState *node)
{
	MessageScanState *st = node->fdw_state;

	if (st != NULL && st->scan_cxt != NULL)
	{
		close_scan(st);
		MemoryContextDelete(st->scan_cxt);
		st->scan_cxt = NULL;
	}
}

/* ---- EXPLAIN ------------------------------------------------------------------------ */

static const char *
op_text(int op)
{
	switch (op)
	{
		case BTLessStrategyNumber:
			return "<";
		case BTLessEqualStrategyNumber:
			return "<=";
		case BTEqualStrategyNumber:
			return "=";
		case BTGreaterEqualStrategyNumber:
			return ">=";
		case BTGreaterStrategyNumber:
			return ">";
		default:
			return "= ANY";
	}
}

/*
 * The conditions on the given columns, as "column op value AND ...", or
 * NULL when there are none.
 */
static char *
conditions_text(ForeignScan *plan, List *context, const char *const *names,
				MessageColumn first, MessageColumn last)
{
	List	   *codes = list_nth(plan->fdw_private, FDW_PRIVATE_CODES);
	StringInfoData buf;
	ListCell   *lc1;
	ListCell   *lc2;

	initStringInfo(&buf);
	forboth(lc1, codes, lc2, plan->fdw_exprs)
	{
		int			code = lfirst_int(lc1);
		MessageColumn column = COND_COLUMN(code);
		char	   *value;

		if (column < first || column > last)
			continue;
		value = deparse_expression(lfirst(lc2), context, false, false);
		appendStringInfo(&buf, "%s%s %s %s%s%s", buf.len > 0 ? " AND " : "",
						 names[column], op_text(COND_OP(code)),
						 COND_OP(code) == COND_ANY ? "(" : "", value,
						 COND_OP(code) == COND_ANY ? ")" : "");
	}
	return buf.len > 0 ? buf.data : NULL;
}

/*
 * An aggregate scan's grouping columns and aggregates, as the query wrote
 * them (they are the scan's columns).
 */
static void
explain_pushed(ForeignScan *plan, List *context, ExplainState *es)
{
	StringInfoData keys;
	StringInfoData aggregates;
	ListCell   *lc1;
	ListCell   *lc2;

	initStringInfo(&keys);
	initStringInfo(&aggregates);
	forboth(lc1, plan->fdw_scan_tlist, lc2,
			list_nth(plan->fdw_private, FDW_PRIVATE_PUSHED))
	{
		TargetEntry *te = lfirst(lc1);
		StringInfo	buf = lfirst_int(lc2) <= PUSH_PATH ? &keys : &aggregates;

		appendStringInfo(buf, "%s%s", buf->len > 0 ? ", " : "",
						 deparse_expression((Node *) te->expr, context, false,
											false));
	}
	ExplainPropertyText("Pushed Aggregates", aggregates.data, es);
	if (keys.len > 0)
		ExplainPropertyText("Pushed Group Key", keys.data, es);
}

void
message_fdw_explain(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	MessageScanState *st = node->fdw_state;
	List	   *context = set_deparse_context_plan(es->deparse_cxt,
												   (Plan *) plan, NIL);
	const char *const *names = relation_column_names(st->kind);
	char	   *files = conditions_text(plan, context, names, MSG_FILE_ID,
										MSG_FILE_ID);
	char	   *topics = conditions_text(plan, context, names, MSG_TOPIC,
										 MSG_TOPIC);
	char	   *paths = conditions_text(plan, context, names, MSG_PATH,
										MSG_PATH);
	char	   *times = conditions_text(plan, context, names, MSG_LOG_TIME,
										MSG_LOG_TIME_NS);

	if (st->pushed != NIL)
		explain_pushed(plan, context, es);
	if (files != NULL)
		ExplainPropertyText("Files", files, es);
	if (topics != NULL)
		ExplainPropertyText("Topics", topics, es);
	if (paths != NULL)
		ExplainPropertyText("Paths", paths, es);
	if (times != NULL)
		ExplainPropertyText("Time Range", times, es);
	if (es->analyze && st != NULL && st->scan_cxt != NULL && st->pushed == NIL)
	{
		int64		read = st->segments_read;
		int64		blocks = st->blocks_read;

		if (st->scan != NULL)
		{
			int64		selected;
			int64		now_read;

			scan_segment_counts(st->scan, &selected, &now_read);
			read += now_read;
		}
		if (st->signals != NULL)
			blocks += signal_scan_blocks_read(st->signals);
		ExplainPropertyInteger("Segments Read", NULL, read, es);
		ExplainPropertyInteger("Segments Skipped", NULL,
							   st->segments_total - read, es);
		/* rows read from leaf blocks instead of the segments */
		if (blocks > 0)
			ExplainPropertyInteger("Leaf Block Sets Read", NULL, blocks, es);
	}
}
