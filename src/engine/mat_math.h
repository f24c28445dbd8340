/*-------------------------------------------------------------------------
 *
 * mat_math.h
 *	  Engine: the math channels of a topic that hdaq.export_mat exports,
 *	  written as leaves of the topic's variable.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_MATH_H
#define HDAQ_MAT_MATH_H

#include "hdaq.h"

#include "engine/scan.h"
#include "mattopic.h"
#include "store/store.h"

/* The math channels defined, read once per export. */
typedef struct MatMathChannels
{
	StoredMathChannel *channels;
	int			n;
} MatMathChannels;

/* Every math channel; none on a store without hdaq.math_channel. */
extern MatMathChannels *mat_math_channels_read(void);

/*
 * Add each math channel of the topic as a leaf of it: its value in each
 * of the topic's messages the request selects (NaN where it has none),
 * with its unit.  held: what the export holds besides the topic.  After
 * the topic's messages were read by the one pass, before it is prepared.
 */
extern void mat_topic_math_channels(MbTopic *t, const ScanRequest *req,
									const MatMathChannels *mc,
									const char *topic, uint64 held);

/*
 * A NOTICE when the topic has math channels that the export does not
 * write (v7.3, or a topic read in two passes).
 */
extern void mat_notice_math_channels_not_written(const MatMathChannels *mc,
												 const char *topic);

#endif							/* HDAQ_MAT_MATH_H */
