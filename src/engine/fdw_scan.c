/*-------------------------------------------------------------------------
 *
 * fdw_scan.c
 *	  Engine: the scan of a message relation (fdw.h) and its EXPLAIN.
 *
 * The scan starts at its first row: the values of its conditions are
 * computed (parameters have theirs by then), and what they select is read
 * through the message scan (scan.h), which finds the channels and the
 * segments that can match and merges their messages in log-time order.
 * Each call returns the next message as a row, formed in place: nothing
 * is gathered, so a LIMIT stops the reading, and memory holds the segments
 * being merged.  Only the columns the plan reads are formed; data points
 * at the message's bytes in its segment (bytes_view.h).  A rescan (a new
 * outer row of a nested loop, new parameter values) starts over.
 *
 * The executor does not keep the scan connected to SPI between rows: the
 * scan connects while it starts, and the message scan connects for each
 * segment it fetches (scan_connect_per_fetch).
 *
 * A condition that selects nothing (a file that is not stored, a topic no
 * file has, an empty time range) gives no rows, as a WHERE clause does;
 * the functions (hdaq.messages...) are the ones that call it an error.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/bytes_view.h"
#include "engine/fdw.h"
#include "engine/scan.h"
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
	/* for EXPLAIN ANALYZE, over every (re)scan */
	bool		count_segments; /* also the channels' other segments */
	int64		scans;
	int64		segments_total; /* every segment of the channels scanned */
	int64		segments_read;
} MessageScanState;

/* ---- starting ------------------------------------------------------------------- */

void
message_fdw_begin(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	TupleDesc	desc = RelationGetDescr(node->ss.ss_currentRelation);
	MessageScanState *st = palloc0(sizeof(MessageScanState));
	List	   *attnos = list_nth(plan->fdw_private, FDW_PRIVATE_ATTNOS);
	ListCell   *lc;

	node->fdw_state = st;
	st->codes = list_nth(plan->fdw_private, FDW_PRIVATE_CODES);
	st->values = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	st->natts = desc->natts;
	st->columns = palloc(sizeof(int) * Max(desc->natts, 1));
	message_columns_of(desc, st->columns);
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

static void
start_scan(ForeignScanState *node, MessageScanState *st)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(st->scan_cxt);
	MessageSelection sel;

	compute_selection(node, st, &sel);
	st->started = true;
	st->scans++;
	if (!selection_is_empty(&sel))
	{
		ScanRequest req;

		selection_request(&sel, &req);
		SPI_connect();
		/* SPI made its own context current: the scan lives in scan_cxt */
		MemoryContextSwitchTo(st->scan_cxt);
		st->scan = scan_begin(&req);
		if (st->count_segments)
			st->segments_total += count_channel_segments(st->scan);
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
		st->scan = NULL;
	}
	st->started = false;
	if (st->scan_cxt != NULL)
		MemoryContextReset(st->scan_cxt);
}

/* ---- rows ------------------------------------------------------------------------- */

static Datum
column_value(MessageScanState *st, MessageColumn column,
			 const ScanChannel *ch, const McapMessage *msg)
{
	switch (column)
	{
		case MSG_FILE_ID:
			return Int64GetDatum(ch->file_id);
		case MSG_TOPIC:
			return st->topics[scan_channel_index(st->scan, ch)];
		case MSG_LOG_TIME:
			return TimestampTzGetDatum(hdaq_ns_to_timestamptz((int64) msg->log_time));
		case MSG_LOG_TIME_NS:
			return Int64GetDatum((int64) msg->log_time);
		case MSG_PUBLISH_TIME_NS:
			return Int64GetDatum((int64) msg->publish_time);
		case MSG_SEQUENCE:
			return Int64GetDatum((int64) msg->sequence);
		case MSG_DATA:
			return bytes_view_datum(st->view, msg->data);
		default:
			return (Datum) 0;
	}
}

TupleTableSlot *
message_fdw_iterate(ForeignScanState *node)
{
	MessageScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	const ScanChannel *ch;
	McapMessage msg;
	MemoryContext oldcxt;
	bool		found;

	ExecClearTuple(slot);
	CHECK_FOR_INTERRUPTS();
	if (!st->started)
		start_scan(node, st);
	if (st->scan == NULL)
		return slot;
	/* what the scan allocates as it goes (its readers) lives with it */
	oldcxt = MemoryContextSwitchTo(st->scan_cxt);
	found = scan_next(st->scan, &ch, &msg);
	MemoryContextSwitchTo(oldcxt);
	if (!found)
		return slot;
	for (int i = 0; i < st->natts; i++)
	{
		int			column = st->columns[i];

		slot->tts_isnull[i] = column < 0 || !st->read[column];
		slot->tts_values[i] = slot->tts_isnull[i] ? (Datum) 0 :
			column_value(st, column, ch, &msg);
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
conditions_text(ForeignScan *plan, List *context, MessageColumn first,
				MessageColumn last)
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
						 message_column_names[column], op_text(COND_OP(code)),
						 COND_OP(code) == COND_ANY ? "(" : "", value,
						 COND_OP(code) == COND_ANY ? ")" : "");
	}
	return buf.len > 0 ? buf.data : NULL;
}

void
message_fdw_explain(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	MessageScanState *st = node->fdw_state;
	List	   *context = set_deparse_context_plan(es->deparse_cxt,
												   (Plan *) plan, NIL);
	char	   *files = conditions_text(plan, context, MSG_FILE_ID, MSG_FILE_ID);
	char	   *topics = conditions_text(plan, context, MSG_TOPIC, MSG_TOPIC);
	char	   *times = conditions_text(plan, context, MSG_LOG_TIME,
										MSG_LOG_TIME_NS);

	if (files != NULL)
		ExplainPropertyText("Files", files, es);
	if (topics != NULL)
		ExplainPropertyText("Topics", topics, es);
	if (times != NULL)
		ExplainPropertyText("Time Range", times, es);
	if (es->analyze && st != NULL && st->scan_cxt != NULL)
	{
		int64		read = st->segments_read;

		if (st->scan != NULL)
		{
			int64		selected;
			int64		now_read;

			scan_segment_counts(st->scan, &selected, &now_read);
			read += now_read;
		}
		ExplainPropertyInteger("Segments Read", NULL, read, es);
		ExplainPropertyInteger("Segments Skipped", NULL,
							   st->segments_total - read, es);
	}
}
