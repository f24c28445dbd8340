/*-------------------------------------------------------------------------
 *
 * math_channels.c
 *	  Engine: math channels and units.
 *
 * A math channel (hdaq.math_channel) is an expression (src/common/hd_expr.c)
 * over signals: paths of its home topic, and paths of other topics.  It
 * has a value per message of its home topic, at that message's log time:
 * a home path's value is the message's own; another topic's path is taken
 * at that time by linear interpolation between its samples before and
 * after (the value before, for integer, enum and bool leaves).  There is
 * no value (NULL) where an input has none: a home message without the
 * leaf, another topic's leaf before its first sample; after its last
 * sample the last value is held.  A result that is not a finite number
 * (a division by zero, sqrt of a negative) is no value either.
 *
 * The inputs are read in one scan_signal_leaves over every topic
 * involved, in log-time order.  A home message whose other-topic inputs
 * are not yet known waits in a queue until a sample at or after its time
 * arrives; rows leave the queue in order, so the sink sees them in time
 * order as from any scan.  Other topics are read from MATH_EDGE_NS
 * before the range to as long after it, so that values at the range's
 * edges are interpolated too; home messages outside the range give no
 * row.  The queue holds at most MATH_MAX_WAITING rows: beyond that, the
 * oldest takes the last values held (as at the end of the scan).
 *
 *-------------------------------------------------------------------------
 */
#include "engine/math_channels.h"

#include <math.h>

#include "hd_expr.h"

#include "engine/decoders.h"
#include "engine/leaf_paths.h"
#include "engine/request.h"
#include "store/store.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#define MATH_EDGE_NS INT64CONST(1000000000)
#define MATH_MAX_WAITING 1048576

/* The state of one operand of a row waiting in the queue. */
#define INPUT_WAITING 0
#define INPUT_VALUE 1
#define INPUT_NONE 2

/* One signal read: a caller's spec, an input of math channels, or both. */
typedef struct Leaf
{
	char	   *topic;
	char	   *path;
	int			out_spec;		/* the caller's spec it is, or -1 */
	bool		stepped;		/* integer, enum or bool: the value before */
	/* the current message's value */
	double		value;
	bool		found;
	/* the latest sample, for channels of other topics */
	bool		has_last;
	int64		last_ns;
	double		last_value;
	int64		cursor;			/* the first queued row not yet looked at */
} Leaf;

typedef struct MathChannel
{
	int			out_spec;
	const char *topic;
	const char *name;
	HdExpr	   *expr;
	int			noperands;
	int		   *leaf;			/* by operand */
	bool	   *home;			/* by operand: a path of the home topic */
} MathChannel;

/* A row for the sink: a leaf's value as is, or a math channel's. */
typedef struct Row
{
	int64		time_ns;
	int			spec;
	MathChannel *mc;			/* NULL: value and found are the row's */
	double		value;
	bool		found;
	int			waiting;		/* operands not yet known */
	double	   *values;			/* by operand */
	char	   *state;			/* by operand: INPUT_* */
} Row;

typedef struct MathScan
{
	Leaf	   *leaves;
	int			nleaves;
	MathChannel *channels;
	int			nchannels;
	/* the queue: rows[head .. tail - 1]; rows[i] is row number base + i */
	Row		  **rows;
	int			head;
	int			tail;
	int			cap;
	int64		base;
	int64		start_ns;		/* the caller's range */
	int64		end_ns;
	/* the message being received */
	bool		in_message;
	const char *topic;
	int64		time_ns;
	int			last_leaf;
	SignalSink	sink;
	void	   *arg;
} MathScan;

/* ---- the tables -------------------------------------------------------- */

/*
 * Whether hdaq's table exists (a 0.1.0 store has none of these until
 * ALTER EXTENSION hdaq UPDATE) and, with check_select, whether the user
 * may read it: a role granted SELECT table by table before the update (a
 * Grafana role) reads paths as before, without math channels or units.
 */
static bool
table_usable(const char *name, bool check_select)
{
	Oid			ns = get_namespace_oid("hdaq", true);
	Oid			rel = OidIsValid(ns) ? get_relname_relid(name, ns) : InvalidOid;

	return OidIsValid(rel) &&
		(!check_select ||
		 pg_class_aclcheck(rel, GetUserId(), ACL_SELECT) == ACLCHECK_OK);
}

bool
math_channels_available(void)
{
	return table_usable("math_channel", true);
}

bool
units_available(void)
{
	return table_usable("unit", true);
}

/* ---- schemas ----------------------------------------------------------- */

/* The decoder of a stored channel of the topic; NULL if it has none. */
static const HdDecoder *
topic_decoder(const char *topic)
{
	StoredChannel channel;

	return hdaq_stored_topic_decoder(topic, &channel);
}

/* ---- definitions --------------------------------------------------------- */

/* A parse error with the expression and a caret under the position. */
static void
report_expression_error(const char *topic, const char *name,
						const char *expression, const HdExprError *err)
{
	StringInfoData caret;

	initStringInfo(&caret);
	if (err->position > 0 && strlen(expression) < 200 &&
		strchr(expression, '\n') == NULL)
	{
		appendStringInfo(&caret, "%s\n", expression);
		for (int i = 1; i < err->position; i++)
			appendStringInfoChar(&caret, ' ');
		appendStringInfoChar(&caret, '^');
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 err->position > 0 ?
			 errmsg("invalid expression of math channel \"%s\" of topic \"%s\": %s at character %d",
					name, topic, err->message, err->position) :
			 errmsg("invalid expression of math channel \"%s\" of topic \"%s\": %s",
					name, topic, err->message),
			 caret.len > 0 ? errdetail("%s", caret.data) : 0));
}

static void
free_expr(void *expr)
{
	hd_expr_free(expr);
}

static HdExpr *
parse_expression(const char *topic, const char *name, const char *expression)
{
	HdExprError err;
	HdExpr	   *expr = hd_expr_parse(expression, strlen(expression), &err);

	if (expr == NULL)
		report_expression_error(topic, name, expression, &err);
	hdaq_free_with_context(expr, free_expr);
	return expr;
}

/* The topic of an operand: its own, or the home topic. */
static const char *
operand_topic(const HdExprOperand *o, const char *home)
{
	return o->topic ? o->topic : home;
}

static void
check_operand(const char *topic, const char *name, const HdExprOperand *o)
{
	const char *t = operand_topic(o, topic);
	const HdDecoder *decoder;
	HdPath	   *path;
	HdError		err;

	if (!store_topic_exists(t))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("math channel \"%s\" of topic \"%s\" reads topic \"%s\", which no stored file has",
						name, topic, t),
				 errhint("Define math channels over topics that are stored; SELECT DISTINCT topic FROM hdaq.topics lists them.")));
	decoder = topic_decoder(t);
	if (decoder == NULL)
		return;
	path = hd_path_compile(decoder, o->path, &err);
	if (path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("math channel \"%s\" of topic \"%s\": invalid path \"%s\" for topic \"%s\"",
						name, topic, o->path, t),
				 errdetail("%s", err.message),
				 errhint("SELECT path FROM hdaq.fields('%s') lists the topic's paths.", t)));
	hd_path_free(path);
}

/*
 * A channel has a row per message of its topic: it must read a path of
 * that topic, or the scan would read none of its messages.
 */
static void
check_reads_home(const char *topic, const char *name, const HdExpr *expr)
{
	for (int i = 0; i < hd_expr_operand_count(expr); i++)
		if (strcmp(operand_topic(hd_expr_operand(expr, i), topic), topic) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("math channel \"%s\" of topic \"%s\" reads no path of its topic", name, topic),
			 errdetail("A math channel has a row per message of its topic; it is computed from at least one of its paths."),
			 errhint("Define it on the topic of one of its paths, or use one of the topic's paths in it.")));
}

void
math_channel_check(const char *topic, const char *name, const char *expression)
{
	HdExpr	   *expr;
	bool		stepped;

	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a math channel's name must not be empty")));
	expr = parse_expression(topic, name, expression);
	if (!store_topic_exists(topic))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no stored file has the topic \"%s\"", topic),
				 errhint("Define math channels over topics that are stored; SELECT DISTINCT topic FROM hdaq.topics lists them.")));
	if (leaf_path_type(topic_decoder(topic), name, &stepped))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is a path of topic \"%s\"", name, topic),
				 errdetail("A math channel is read as (topic, name) like a path, so its name must not be one."),
				 errhint("Choose another name.")));
	for (int i = 0; i < hd_expr_operand_count(expr); i++)
		check_operand(topic, name, hd_expr_operand(expr, i));
	check_reads_home(topic, name, expr);
}

/* ---- units ---------------------------------------------------------------- */

/* to = from * scale + offset: 1 and 0 for one unit; 22023 naming both when none. */
static void
units_conversion(const char *from, const char *to, double *scale, double *offset)
{
	bool		from_known;
	bool		to_known;

	*scale = 1;
	*offset = 0;
	if (strcmp(from, to) == 0 || store_unit_conversion(from, to, scale, offset))
		return;
	from_known = store_unit_known(from);
	to_known = store_unit_known(to);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot convert \"%s\" to \"%s\"", from, to),
			 !from_known && !to_known ?
			 errdetail("Neither \"%s\" nor \"%s\" is a unit of hdaq.unit_conversion.", from, to) :
			 !from_known || !to_known ?
			 errdetail("\"%s\" is not a unit of hdaq.unit_conversion.", from_known ? to : from) :
			 errdetail("hdaq.unit_conversion has no conversion between \"%s\" and \"%s\".", from, to),
			 errhint("INSERT INTO hdaq.unit_conversion (from_unit, to_unit, scale, \"offset\") adds one (to = from * scale + offset).")));
}

void
signal_unit_conversion(const SignalSpec *spec, const ScanRequest *req,
					   const char *unit, double *scale, double *offset)
{
	char	   *from;

	if (!table_usable("unit", false))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("units need hdaq 0.2.0"),
				 errhint("ALTER EXTENSION hdaq UPDATE")));
	from = store_signal_unit(spec->topic, spec->path,
							 req->has_file_id ? &req->file_id : NULL);
	if (from == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot convert \"%s\" of topic \"%s\" to \"%s\": its unit is not known",
						spec->path, spec->topic, unit),
				 errhint("INSERT INTO hdaq.unit (schema_name, path, unit) gives a path its unit (hdaq.topics names the topic's schema).")));
	units_conversion(from, unit, scale, offset);
}

void
unit_conversion_from_args(FunctionCallInfo fcinfo, int argno,
						  const SignalSpec *spec, const ScanRequest *req,
						  double *scale, double *offset)
{
	*scale = 1;
	*offset = 0;
	if (PG_NARGS() > argno && !PG_ARGISNULL(argno))
		signal_unit_conversion(spec, req,
							   text_to_cstring(PG_GETARG_TEXT_PP(argno)),
							   scale, offset);
}

/* ---- reading math channels --------------------------------------------------- */

/* The index of the leaf (topic, path), added if new. */
static int
leaf_index(MathScan *ms, const char *topic, const char *path, int *cap)
{
	for (int i = 0; i < ms->nleaves; i++)
		if (strcmp(ms->leaves[i].topic, topic) == 0 &&
			strcmp(ms->leaves[i].path, path) == 0)
			return i;
	if (ms->nleaves == *cap)
	{
		*cap *= 2;
		ms->leaves = repalloc(ms->leaves, sizeof(Leaf) * *cap);
	}
	memset(&ms->leaves[ms->nleaves], 0, sizeof(Leaf));
	ms->leaves[ms->nleaves].topic = pstrdup(topic);
	ms->leaves[ms->nleaves].path = pstrdup(path);
	ms->leaves[ms->nleaves].out_spec = -1;
	return ms->nleaves++;
}

/* The math channel a spec names, filled in mc; false when it names none. */
static bool
find_channel(const SignalSpec *spec, MathChannel *mc)
{
	char	   *expression;
	char	   *unit;

	if (!store_find_math_channel(spec->topic, spec->path, &expression, &unit))
		return false;
	mc->topic = spec->topic;
	mc->name = spec->path;
	mc->expr = parse_expression(spec->topic, spec->path, expression);
	mc->noperands = hd_expr_operand_count(mc->expr);
	mc->leaf = palloc(sizeof(int) * Max(mc->noperands, 1));
	mc->home = palloc(sizeof(bool) * Max(mc->noperands, 1));
	check_reads_home(spec->topic, spec->path, mc->expr);
	return true;
}

/* Leaves for the specs (the caller's, then the channels' inputs). */
static void
collect_leaves(MathScan *ms, const SignalSpec *specs, int nspecs)
{
	int			cap = 16;

	ms->leaves = palloc(sizeof(Leaf) * cap);
	ms->channels = palloc0(sizeof(MathChannel) * nspecs);
	for (int s = 0; s < nspecs; s++)
	{
		MathChannel *mc = &ms->channels[ms->nchannels];

		if (!find_channel(&specs[s], mc))
		{
			ms->leaves[leaf_index(ms, specs[s].topic, specs[s].path, &cap)].out_spec = s;
			continue;
		}
		mc->out_spec = s;
		ms->nchannels++;
		for (int i = 0; i < mc->noperands; i++)
		{
			const HdExprOperand *o = hd_expr_operand(mc->expr, i);
			const char *t = operand_topic(o, mc->topic);

			mc->home[i] = strcmp(t, mc->topic) == 0;
			mc->leaf[i] = leaf_index(ms, t, o->path, &cap);
		}
	}
}

static int
compare_leaves(const void *a, const void *b)
{
	const Leaf *x = *(Leaf *const *) a;
	const Leaf *y = *(Leaf *const *) b;
	int			c = strcmp(x->topic, y->topic);

	return c != 0 ? c : (x < y ? -1 : (x > y ? 1 : 0));
}

/*
 * Order the leaves by topic (as scan_signal_leaves wants its specs) and
 * renumber the channels' operands.
 */
static void
sort_leaves(MathScan *ms)
{
	Leaf	  **order = palloc(sizeof(Leaf *) * ms->nleaves);
	Leaf	   *sorted = palloc(sizeof(Leaf) * ms->nleaves);
	int		   *renumber = palloc(sizeof(int) * ms->nleaves);

	for (int i = 0; i < ms->nleaves; i++)
		order[i] = &ms->leaves[i];
	qsort(order, ms->nleaves, sizeof(Leaf *), compare_leaves);
	for (int i = 0; i < ms->nleaves; i++)
	{
		sorted[i] = *order[i];
		renumber[order[i] - ms->leaves] = i;
	}
	for (int c = 0; c < ms->nchannels; c++)
		for (int i = 0; i < ms->channels[c].noperands; i++)
			ms->channels[c].leaf[i] = renumber[ms->channels[c].leaf[i]];
	ms->leaves = sorted;
}

/* Which leaves step rather than interpolate (read from other topics only). */
static void
mark_stepped_leaves(MathScan *ms)
{
	for (int c = 0; c < ms->nchannels; c++)
		for (int i = 0; i < ms->channels[c].noperands; i++)
		{
			Leaf	   *leaf = &ms->leaves[ms->channels[c].leaf[i]];

			if (!ms->channels[c].home[i])
				leaf_path_type(topic_decoder(leaf->topic), leaf->path, &leaf->stepped);
		}
}

/* ---- the queue ---------------------------------------------------------- */

static void
emit_row(MathScan *ms, Row *row)
{
	MathChannel *mc = row->mc;
	double		v;

	if (mc == NULL)
	{
		ms->sink(ms->arg, row->time_ns, row->spec, row->value, row->found);
		return;
	}
	for (int i = 0; i < mc->noperands; i++)
		if (row->state[i] != INPUT_VALUE)
		{
			ms->sink(ms->arg, row->time_ns, row->spec, 0, false);
			return;
		}
	v = hd_expr_eval(mc->expr, row->values);
	ms->sink(ms->arg, row->time_ns, row->spec, isfinite(v) ? v : 0, isfinite(v));
}

/* An operand not yet known takes its leaf's last value (none: no value). */
static void
hold_last_values(MathScan *ms, Row *row)
{
	for (int i = 0; row->mc && i < row->mc->noperands; i++)
	{
		Leaf	   *leaf = &ms->leaves[row->mc->leaf[i]];

		if (row->state[i] != INPUT_WAITING)
			continue;
		row->state[i] = leaf->has_last ? INPUT_VALUE : INPUT_NONE;
		row->values[i] = leaf->last_value;
	}
	row->waiting = 0;
}

/* Hand the rows at the head that are complete to the sink. */
static void
flush_rows(MathScan *ms, bool all)
{
	while (ms->head < ms->tail)
	{
		Row		   *row = ms->rows[ms->head];

		if (row->waiting > 0 && (all || ms->tail - ms->head > MATH_MAX_WAITING))
			hold_last_values(ms, row);
		if (row->waiting > 0)
			break;
		emit_row(ms, row);
		if (row->mc)
		{
			pfree(row->values);
			pfree(row->state);
		}
		pfree(row);
		ms->head++;
	}
	if (ms->head == ms->tail || ms->head > ms->cap / 2)
	{
		memmove(ms->rows, ms->rows + ms->head, sizeof(Row *) * (ms->tail - ms->head));
		ms->tail -= ms->head;
		ms->base += ms->head;
		ms->head = 0;
	}
}

static void
enqueue(MathScan *ms, Row *row)
{
	if (ms->tail == ms->cap)
	{
		ms->cap *= 2;
		ms->rows = repalloc_huge(ms->rows, sizeof(Row *) * ms->cap);
	}
	ms->rows[ms->tail++] = row;
}

/* A row of a math channel at the current message. */
static Row *
channel_row(MathScan *ms, MathChannel *mc)
{
	Row		   *row = palloc0(sizeof(Row));

	row->time_ns = ms->time_ns;
	row->spec = mc->out_spec;
	row->mc = mc;
	row->values = palloc0(sizeof(double) * Max(mc->noperands, 1));
	row->state = palloc0(mc->noperands + 1);
	for (int i = 0; i < mc->noperands; i++)
	{
		Leaf	   *leaf = &ms->leaves[mc->leaf[i]];

		if (mc->home[i])
		{
			row->state[i] = leaf->found ? INPUT_VALUE : INPUT_NONE;
			row->values[i] = leaf->value;
		}
		else if (leaf->has_last && leaf->last_ns >= row->time_ns)
		{
			row->state[i] = INPUT_VALUE;
			row->values[i] = leaf->last_value;
		}
		else
			row->waiting++;
	}
	return row;
}

/* The value of a leaf at time_ns, before a sample (at_ns, value) after it. */
static void
interpolate(const Leaf *leaf, int64 time_ns, int64 at_ns, double value,
			double *out, char *state)
{
	if (time_ns == at_ns)
		*out = value;
	else if (!leaf->has_last)
	{
		*state = INPUT_NONE;
		return;
	}
	else if (leaf->stepped)
		*out = leaf->last_value;
	else
		*out = leaf->last_value + (value - leaf->last_value) *
			((double) (time_ns - leaf->last_ns) / (double) (at_ns - leaf->last_ns));
	*state = INPUT_VALUE;
}

/* A sample of a leaf: the queued rows up to its time that wait for it. */
static void
add_sample(MathScan *ms, Leaf *leaf, int64 at_ns, double value)
{
	int			pos = (int) Max(leaf->cursor - ms->base, ms->head);

	for (; pos < ms->tail; pos++)
	{
		Row		   *row = ms->rows[pos];

		if (row->time_ns > at_ns)
			break;
		for (int i = 0; row->mc && i < row->mc->noperands; i++)
			if (&ms->leaves[row->mc->leaf[i]] == leaf &&
				row->state[i] == INPUT_WAITING)
			{
				interpolate(leaf, row->time_ns, at_ns, value, &row->values[i],
							&row->state[i]);
				row->waiting--;
			}
	}
	leaf->cursor = ms->base + pos;
	leaf->has_last = true;
	leaf->last_ns = at_ns;
	leaf->last_value = value;
}

/* The message received is complete: its samples, then its rows. */
static void
end_message(MathScan *ms)
{
	bool		in_range = ms->time_ns >= ms->start_ns && ms->time_ns <= ms->end_ns;

	for (int l = 0; l < ms->nleaves; l++)
	{
		Leaf	   *leaf = &ms->leaves[l];

		if (strcmp(leaf->topic, ms->topic) != 0)
			continue;
		if (leaf->found)
			add_sample(ms, leaf, ms->time_ns, leaf->value);
		if (leaf->out_spec >= 0 && in_range)
		{
			Row		   *row = palloc0(sizeof(Row));

			row->time_ns = ms->time_ns;
			row->spec = leaf->out_spec;
			row->value = leaf->value;
			row->found = leaf->found;
			enqueue(ms, row);
		}
	}
	for (int c = 0; c < ms->nchannels && in_range; c++)
		if (strcmp(ms->channels[c].topic, ms->topic) == 0)
			enqueue(ms, channel_row(ms, &ms->channels[c]));
	ms->in_message = false;
	flush_rows(ms, false);
}

/*
 * The leaves' sink: a message's values come one leaf at a time, in leaf
 * order; a leaf of another topic, at another time or not after the last
 * one starts the next message.
 */
static void
receive_value(void *arg, int64 time_ns, int spec, double value, bool found)
{
	MathScan   *ms = arg;
	Leaf	   *leaf = &ms->leaves[spec];

	if (ms->in_message &&
		(spec <= ms->last_leaf || time_ns != ms->time_ns ||
		 strcmp(leaf->topic, ms->topic) != 0))
		end_message(ms);
	if (!ms->in_message)
	{
		CHECK_FOR_INTERRUPTS();
		ms->in_message = true;
		ms->topic = leaf->topic;
		ms->time_ns = time_ns;
		for (int l = 0; l < ms->nleaves; l++)
			ms->leaves[l].found = false;
	}
	ms->last_leaf = spec;
	leaf->value = value;
	leaf->found = found;
}

/* The request for the leaves: every topic, other topics' edges too. */
static ScanRequest
leaves_request(const MathScan *ms, const ScanRequest *req)
{
	ScanRequest lr = *req;
	bool		other_topics = false;

	lr.topics = palloc(sizeof(char *) * ms->nleaves);
	lr.ntopics = 0;
	for (int l = 0; l < ms->nleaves; l++)
		if (l == 0 || strcmp(ms->leaves[l].topic, ms->leaves[l - 1].topic) != 0)
			lr.topics[lr.ntopics++] = ms->leaves[l].topic;
	for (int c = 0; c < ms->nchannels; c++)
		for (int i = 0; i < ms->channels[c].noperands; i++)
			other_topics |= !ms->channels[c].home[i];
	if (other_topics)
	{
		lr.start_ns = lr.start_ns < PG_INT64_MIN + MATH_EDGE_NS ?
			PG_INT64_MIN : lr.start_ns - MATH_EDGE_NS;
		lr.end_ns = lr.end_ns > PG_INT64_MAX - MATH_EDGE_NS ?
			PG_INT64_MAX : lr.end_ns + MATH_EDGE_NS;
	}
	return lr;
}

/* Errors while reading inputs name the channels read. */
static void
math_error_context(void *arg)
{
	MathScan   *ms = arg;
	StringInfoData names;

	initStringInfo(&names);
	for (int c = 0; c < ms->nchannels; c++)
		appendStringInfo(&names, "%s\"%s\" of topic \"%s\"", c ? ", " : "",
						 ms->channels[c].name, ms->channels[c].topic);
	errcontext("reading the inputs of math channel %s", names.data);
}

bool
math_channels_scan(const SignalSpec *specs, int nspecs, const ScanRequest *req,
				   bool skip_errors, SignalSink sink, void *arg)
{
	MathScan	ms;
	SignalSpec *leaf_specs;
	ScanRequest lr;
	ErrorContextCallback context;

	if (nspecs == 0 || !math_channels_available())
		return false;
	memset(&ms, 0, sizeof(MathScan));
	collect_leaves(&ms, specs, nspecs);
	if (ms.nchannels == 0)
		return false;
	sort_leaves(&ms);
	mark_stepped_leaves(&ms);
	ms.sink = sink;
	ms.arg = arg;
	ms.start_ns = req->start_ns;
	ms.end_ns = req->end_ns;
	ms.cap = 1024;
	ms.rows = palloc(sizeof(Row *) * ms.cap);

	leaf_specs = palloc(sizeof(SignalSpec) * ms.nleaves);
	for (int l = 0; l < ms.nleaves; l++)
	{
		leaf_specs[l].topic = ms.leaves[l].topic;
		leaf_specs[l].path = ms.leaves[l].path;
		leaf_specs[l].metric = ms.leaves[l].path;
	}
	lr = leaves_request(&ms, req);

	context.callback = math_error_context;
	context.arg = &ms;
	context.previous = error_context_stack;
	error_context_stack = &context;
	request_check(&lr);
	scan_signal_leaves(leaf_specs, ms.nleaves, &lr, skip_errors,
					   receive_value, &ms);
	error_context_stack = context.previous;

	if (ms.in_message)
		end_message(&ms);
	flush_rows(&ms, true);
	return true;
}
