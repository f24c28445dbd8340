/*-------------------------------------------------------------------------
 *
 * fdw_agg_scan.c
 *	  Engine: the scan of a sample relation's aggregates (fdw_upper.c):
 *	  the groups, computed when the scan starts.
 *
 * Each (channel, path) the selection holds is summarised (count, sum,
 * min, max, first and last times: HdColumnSummary): from the leaf blocks
 * when the channel has blocks of every path (whole blocks from their
 * stored summaries, the blocks a time bound cuts decoded), otherwise by
 * decoding the channel's messages as the sample relation's scan does
 * (rows whose value is NULL are counted by count(*), not by count(value)).
 * The summaries are then folded into the groups (file_id, topic, path, as
 * far as the query groups by them) in channel order.
 *
 * count, min and max are those of the rows.  sum and avg add the values in
 * another order than the executor would (each block's own sum in time
 * order, then the blocks, then the channels), as PostgreSQL's parallel
 * aggregation does: the result may differ from the row-by-row sum in the
 * last bits (relative 1e-12 on real signals); an overflow to infinity is
 * infinity here where the executor's float8 sum raises an error.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/fdw.h"
#include "engine/leaf_blocks.h"
#include "engine/request.h"
#include "engine/scan.h"
#include "engine/signals.h"
#include "store/store.h"

#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* The rows of one (channel, path), or of one group. */
typedef struct LeafRows
{
	int64		file_id;
	const char *topic;
	const char *path;
	int64		rows;			/* count(*) */
	int64		first_ns;		/* of the rows */
	int64		last_ns;
	HdColumnSummary values;		/* of the non-null values */
} LeafRows;

struct PushedGroups
{
	List	   *pushed;
	bool		by_file;
	bool		by_topic;
	bool		by_path;
	LeafRows   *groups;
	int			ngroups;
	int			next;
};

/* Fold one row (value NULL when !found) into lr. */
static void
add_row(LeafRows *lr, int64 time_ns, double value, bool found)
{
	if (lr->rows == 0 || time_ns < lr->first_ns)
		lr->first_ns = time_ns;
	if (lr->rows == 0 || time_ns > lr->last_ns)
		lr->last_ns = time_ns;
	lr->rows++;
	if (found)
	{
		HdColumnSummary one;

		hd_column_summarize(&time_ns, &value, 1, &one);
		hd_column_summary_merge(&lr->values, &one);
	}
}

/* Fold the rows of part into into. */
static void
merge_rows(LeafRows *into, const LeafRows *part)
{
	if (part->rows == 0)
		return;
	if (into->rows == 0 || part->first_ns < into->first_ns)
		into->first_ns = part->first_ns;
	if (into->rows == 0 || part->last_ns > into->last_ns)
		into->last_ns = part->last_ns;
	into->rows += part->rows;
	hd_column_summary_merge(&into->values, &part->values);
}

/* A channel's leaf from its blocks' summaries (every value is there). */
static void
summarize_from_blocks(const StoredChannel *ch, const char *path,
					  const ScanRequest *req, LeafRows *lr)
{
	leaf_blocks_summarize(ch, path, req->start_ns, req->end_ns, &lr->values);
	lr->rows = (int64) lr->values.count;
	lr->first_ns = lr->values.first_time;
	lr->last_ns = lr->values.last_time;
}

/*
 * Decode the messages of the channels without blocks (fallback[i] is the
 * index of the i-th in channels) into their LeafRows; with none, the paths
 * are still checked against each topic's schema (signals.h).
 */
static void
summarize_by_decoding(const ScanRequest *req, const SignalSpec *specs,
					  int nspecs, int npaths, const StoredChannel *fallback,
					  const int *fallback_index, int nfallback, LeafRows *rows)
{
	MessageScan *scan = scan_begin_channels(req, fallback, nfallback);
	SignalScan *ss = signal_scan_begin(specs, nspecs, scan, false);
	SignalSamples s;

	while (signal_scan_next(ss, &s))
	{
		LeafRows   *ch_rows = &rows[fallback_index[s.channel_index] * npaths];

		CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < s.n; k++)
			add_row(&ch_rows[s.spec[k] % npaths], s.time_ns, s.values[k],
					s.found[k]);
	}
	signal_scan_end(ss);
}

/*
 * The rows of every (channel, path) of the request: rows[c * npaths + p];
 * *count channels.
 */
static LeafRows *
summarize_channels(const ScanRequest *req, const MessageSelection *sel,
				   int *count)
{
	int			nspecs;
	SignalSpec *specs = selection_specs(sel, &nspecs);
	int			npaths = sel->npaths;
	int			n;
	StoredChannel *channels = store_find_channels(req, &n);
	LeafRows   *rows = palloc0(sizeof(LeafRows) * Max(n * npaths, 1));
	StoredChannel *fallback = palloc(sizeof(StoredChannel) * Max(n, 1));
	int		   *fallback_index = palloc(sizeof(int) * Max(n, 1));
	int			nfallback = 0;

	for (int c = 0; c < n; c++)
	{
		const StoredChannel *ch = &channels[c];
		bool		blocks = leaf_blocks_available(ch,
												   (const char *const *) sel->paths,
												   npaths);

		for (int p = 0; p < npaths; p++)
		{
			LeafRows   *lr = &rows[c * npaths + p];

			lr->file_id = ch->file_id;
			lr->topic = ch->topic;
			lr->path = sel->paths[p];
			if (blocks)
				summarize_from_blocks(ch, sel->paths[p], req, lr);
		}
		if (!blocks)
		{
			fallback[nfallback] = *ch;
			fallback_index[nfallback++] = c;
		}
	}
	summarize_by_decoding(req, specs, nspecs, npaths, fallback, fallback_index,
						  nfallback, rows);
	*count = n * npaths;
	return rows;
}

/* Whether lr belongs to group g. */
static bool
same_group(const PushedGroups *pg, const LeafRows *g, const LeafRows *lr)
{
	return (!pg->by_file || g->file_id == lr->file_id) &&
		(!pg->by_topic || strcmp(g->topic, lr->topic) == 0) &&
		(!pg->by_path || strcmp(g->path, lr->path) == 0);
}

/* Fold the leaves' rows into the groups, in order of first appearance. */
static void
form_groups(PushedGroups *pg, const LeafRows *rows, int nrows)
{
	bool		grouped = pg->by_file || pg->by_topic || pg->by_path;

	pg->groups = palloc0(sizeof(LeafRows) * Max(nrows, 1));
	/* without GROUP BY, one row even over no rows */
	pg->ngroups = grouped ? 0 : 1;
	for (int i = 0; i < nrows; i++)
	{
		const LeafRows *lr = &rows[i];
		int			g = 0;

		if (lr->rows == 0)
			continue;
		while (grouped && g < pg->ngroups && !same_group(pg, &pg->groups[g], lr))
			g++;
		if (g == pg->ngroups)
		{
			pg->groups[g].file_id = lr->file_id;
			pg->groups[g].topic = lr->topic;
			pg->groups[g].path = lr->path;
			pg->ngroups++;
		}
		merge_rows(&pg->groups[g], lr);
	}
}

PushedGroups *
pushed_groups_compute(const MessageSelection *sel, List *pushed)
{
	PushedGroups *pg = palloc0(sizeof(PushedGroups));
	LeafRows   *rows = NULL;
	int			nrows = 0;
	ListCell   *lc;

	pg->pushed = pushed;
	foreach(lc, pushed)
	{
		pg->by_file |= lfirst_int(lc) == PUSH_FILE_ID;
		pg->by_topic |= lfirst_int(lc) == PUSH_TOPIC;
		pg->by_path |= lfirst_int(lc) == PUSH_PATH;
	}
	if (!selection_is_empty(sel))
	{
		ScanRequest req;

		selection_request(sel, &req);
		request_check_names(&req);
		rows = summarize_channels(&req, sel, &nrows);
	}
	form_groups(pg, rows, nrows);
	return pg;
}

/* A pushed column's value for group g. */
static Datum
pushed_value(PushedColumn column, const LeafRows *g, bool *isnull)
{
	const HdColumnSummary *v = &g->values;

	*isnull = false;
	switch (column)
	{
		case PUSH_FILE_ID:
			return Int64GetDatum(g->file_id);
		case PUSH_TOPIC:
			return CStringGetTextDatum(g->topic);
		case PUSH_PATH:
			return CStringGetTextDatum(g->path);
		case PUSH_COUNT_ROWS:
			return Int64GetDatum(g->rows);
		case PUSH_COUNT_VALUES:
			return Int64GetDatum((int64) v->count);
		default:
			break;
	}
	/* the others are NULL over no value (no row) */
	*isnull = column <= PUSH_MAX ? v->count == 0 : g->rows == 0;
	if (*isnull)
		return (Datum) 0;
	switch (column)
	{
		case PUSH_SUM:
			return Float8GetDatum(v->sum);
		case PUSH_AVG:
			return Float8GetDatum(v->sum / (double) v->count);
		case PUSH_MIN:
			return Float8GetDatum(v->min);
		case PUSH_MAX:
			return Float8GetDatum(v->max);
		case PUSH_MIN_TIME:
			return TimestampTzGetDatum(hdaq_ns_to_timestamptz(g->first_ns));
		case PUSH_MAX_TIME:
			return TimestampTzGetDatum(hdaq_ns_to_timestamptz(g->last_ns));
		case PUSH_MIN_TIME_NS:
			return Int64GetDatum(g->first_ns);
		case PUSH_MAX_TIME_NS:
			return Int64GetDatum(g->last_ns);
		default:
			elog(ERROR, "hdaq_fdw: unknown pushed column %d", column);
	}
	return (Datum) 0;
}

bool
pushed_groups_next(PushedGroups *pg, TupleTableSlot *slot)
{
	const LeafRows *g;
	int			i = 0;
	ListCell   *lc;

	if (pg->next >= pg->ngroups)
		return false;
	g = &pg->groups[pg->next++];
	foreach(lc, pg->pushed)
	{
		slot->tts_values[i] = pushed_value(lfirst_int(lc), g,
										   &slot->tts_isnull[i]);
		i++;
	}
	ExecStoreVirtualTuple(slot);
	return true;
}
