/*-------------------------------------------------------------------------
 *
 * mat_math.c
 *	  Engine: the math channels of an exported topic as leaves of its
 *	  variable.  A math channel has one value per message of its home
 *	  topic (math_channels.h), so it is one more leaf of the topic, read
 *	  after the topic's messages with the export's request and added
 *	  whole (mb_topic_add_leaf).  Its name cannot be a path of the topic
 *	  (hdaq.define_math_channel refuses it).  Only the one pass (v5, v7)
 *	  takes added leaves; otherwise a NOTICE says they are not written.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_math.h"

#include "engine/mat_export.h"
#include "engine/math_channels.h"

#include "miscadmin.h"

#include <math.h>

MatMathChannels *
mat_math_channels_read(void)
{
	MatMathChannels *mc = palloc0(sizeof(MatMathChannels));

	if (math_channels_available())
		mc->channels = store_math_channels(&mc->n);
	return mc;
}

/* How many math channels the topic has. */
static int
topic_math_channels(const MatMathChannels *mc, const char *topic)
{
	int			n = 0;

	for (int i = 0; i < mc->n; i++)
		n += strcmp(mc->channels[i].topic, topic) == 0;
	return n;
}

/* A math channel's values, one per message of the topic. */
typedef struct MathValues
{
	double	   *values;
	uint64		n;
	uint64		cap;
} MathValues;

static void
math_value(void *arg, int64 time_ns, int spec, double value, bool found)
{
	MathValues *mv = arg;

	if (mv->n < mv->cap)
		mv->values[mv->n] = found ? value : NAN;
	mv->n++;
}

/* Read one math channel of the topic and add it as a leaf. */
static void
add_math_channel(MbTopic *t, const ScanRequest *req,
				 const StoredMathChannel *ch, uint64 held)
{
	uint64		messages = mb_topic_messages(t);
	SignalSpec	spec = {ch->name, ch->topic, ch->name};
	MathValues	mv = {NULL, 0, messages};

	mat_check_export_memory(held + mb_topic_held_bytes(t) +
							(uint64) sizeof(double) * messages * 2,
							"Math channel \"%s\" of topic \"%s\" (%.0f messages)",
							ch->name, ch->topic, (double) messages);
	mv.values = palloc_extended(sizeof(double) * Max(messages, 1),
								MCXT_ALLOC_HUGE);
	if (!math_channels_scan(&spec, 1, req, false, math_value, &mv))
		return;					/* dropped since the export began */
	if (mv.n != messages)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("math channel \"%s\" of topic \"%s\" has %.0f values for %.0f messages",
						ch->name, ch->topic, (double) mv.n, (double) messages)));
	if (!mb_topic_add_leaf(t, ch->name, ch->unit, mv.values))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("cannot build topic \"%s\" of the MAT file: %s",
						ch->topic, mb_topic_error(t))));
	pfree(mv.values);
}

void
mat_topic_math_channels(MbTopic *t, const ScanRequest *req,
						const MatMathChannels *mc, const char *topic,
						uint64 held)
{
	for (int i = 0; i < mc->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strcmp(mc->channels[i].topic, topic) == 0)
			add_math_channel(t, req, &mc->channels[i], held);
	}
}

void
mat_notice_math_channels_not_written(const MatMathChannels *mc,
									 const char *topic)
{
	int			n = topic_math_channels(mc, topic);

	if (n > 0)
		ereport(NOTICE,
				(errmsg("%d math channel(s) of topic \"%s\" not written", n, topic),
				 errdetail("Math channels are written in files of format v5 or v7, for a topic read in one pass."),
				 errhint("Use format => 'v7', or read them with hdaq.signal.")));
}
