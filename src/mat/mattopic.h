/*-------------------------------------------------------------------------
 *
 * mattopic.h
 *	  One topic of a MAT export: the messages of the topic, walked by a
 *	  decoder, become one MATLAB struct variable whose fields mirror the
 *	  message's field tree.  Two ways over the messages, giving the same
 *	  variable:
 *
 *	  one pass (mb_topic_add), for a file that writes variables whole: each
 *	  message both teaches the tree and fills its columns, which grow as
 *	  leaves, rows and repetitions appear (a leaf first seen at the k-th
 *	  message has its earlier rows absent, as the two passes leave them);
 *
 *	  two passes over the same messages, for a file that streams columns in
 *	  batches (whose shape must be known before the first batch is
 *	  written): the first (mb_topic_learn) learns the tree, the kind of
 *	  each leaf, how many messages hold it and how many values it has at
 *	  most per message; the second (mb_topic_fill) fills column buffers
 *	  sized from that.
 *
 *	  No PostgreSQL here.
 *
 * Layouts:
 *	  leaf	 each leaf is a struct {Data, Timestamp}: Data N x K, one row per
 *			 message that holds the leaf; Timestamp N x 1 seconds since the
 *			 time origin.
 *	  topic	 the topic's struct has one Timestamp (N x 1, every message) and
 *			 plain N x K leaves, NaN (or '') where a message lacks them.
 *
 * A leaf that occurs several times in one message (a repeated field, or a
 * field of the elements of a repeated message) has one column per
 * occurrence, in message order, padded with NaN.  Enums are numbers; the
 * names seen for them are kept in a struct {Values, Names} (field Enum of
 * the leaf's struct, or <leaf>_Enum beside the leaf in the topic layout).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MATTOPIC_H
#define HDAQ_MATTOPIC_H

#include "decode.h"
#include "matbuild.h"

typedef enum MbLayout
{
	MB_LAYOUT_LEAF,
	MB_LAYOUT_TOPIC
} MbLayout;

/* "leaf", "topic"; false for anything else. */
extern bool mb_parse_layout(const char *text, MbLayout *layout);

typedef struct MbTopic MbTopic;

/* A topic written as variable 'name' (a valid, unique MATLAB name). */
extern MbTopic *mb_topic_new(const char *name, MbLayout layout);
extern void mb_topic_free(MbTopic *t);

/*
 * The one pass: learn from one message logged 'time' seconds after the
 * time origin and fill its values into columns that grow, holding at most
 * about mb_topic_set_budget's bytes.  HD_OK or a decoder error, err
 * filled.  A leaf that turns to text after holding numbers cannot be
 * filled this way (the text of the numbers it held would depend on what
 * the walk no longer has): the topic then stops taking messages and
 * mb_topic_needs_two_passes says so.
 */
extern int	mb_topic_add(MbTopic *t, const HdDecoder *decoder, double time,
						 const uint8_t *msg, size_t len, HdError *err);

/*
 * The one pass: most bytes its columns may hold (their capacity grows by
 * steps that stay within it while the values fit).
 */
extern void mb_topic_set_budget(MbTopic *t, uint64_t bytes);

/*
 * What the one pass holds so far: the field tree and the columns with
 * their text.
 */
extern uint64_t mb_topic_held_bytes(const MbTopic *t);

/* True when the one pass stopped: export the topic with two passes. */
extern bool mb_topic_needs_two_passes(const MbTopic *t);

/*
 * The one pass: leaves whose values the caller gives rather than the walk
 * (read from elsewhere, as the messages hold them): numeric leaves that
 * every message holds once, outside arrays, named by their paths (field
 * names joined by '.'); is_bool[i] for a boolean leaf.  Before the first
 * message.  The walk creates each where it meets it, as it would, and
 * steps over its values; mb_topic_put_external gives them, message by
 * message, giving the same variable as the walk.  False when out of
 * memory.
 */
extern bool mb_topic_set_external(MbTopic *t, const char *const *paths,
								  const bool *is_bool, int n);

/*
 * The values of the caller's leaves in the message added row-th (from 0),
 * values[i] for paths[i] of mb_topic_set_external.  False (the topic's
 * error in mb_topic_error) when out of memory or past the messages added.
 */
extern bool mb_topic_put_external(MbTopic *t, uint64_t row, const double *values);

/*
 * Whether the walk met every one of the caller's leaves and the tree has
 * no other: a message then adds only its row (mb_topic_add_row).
 */
extern bool mb_topic_only_external(const MbTopic *t);

/*
 * The one pass: a message whose leaves are all the caller's, logged 'time'
 * seconds after the time origin, added without walking it.
 */
extern int	mb_topic_add_row(MbTopic *t, double time, HdError *err);

/*
 * The one pass, after the last message: a numeric leaf the messages do
 * not hold, named name (not a field of the topic's messages), with unit
 * (NULL: none) and values[i] in the message added i-th (NaN: none), one
 * per message.  False (the topic's error in mb_topic_error) when out of
 * memory, when the name is a field's or when the topic was not read in
 * one pass.
 */
extern bool mb_topic_add_leaf(MbTopic *t, const char *name, const char *unit,
							  const double *values);

/* The message of the topic's first failure. */
extern const char *mb_topic_error(const MbTopic *t);

/* Pass 1: learn from one message.  HD_OK or a decoder error, err filled. */
extern int	mb_topic_learn(MbTopic *t, const HdDecoder *decoder,
						   const uint8_t *msg, size_t len, HdError *err);

/* Messages seen by pass 1. */
extern uint64_t mb_topic_messages(const MbTopic *t);

/* Fields (structs and leaves) in the topic's tree. */
extern uint64_t mb_topic_fields(const MbTopic *t);

/* Memory the topic's field tree holds (grows during pass 1). */
extern uint64_t mb_topic_tree_bytes(const MbTopic *t);

/*
 * Memory the topic will hold at most while pass 2 fills it and the
 * variable is written, its tree included (an estimate from above): whole
 * columns for a file that does not stream, batch_rows rows of each
 * column for one that does.
 */
extern uint64_t mb_topic_memory(const MbTopic *t, bool streams,
								size_t batch_rows);

/* Bytes the topic's variable takes in a MAT 5 file (an estimate from above). */
extern uint64_t mb_topic_bytes(const MbTopic *t);

/*
 * Between the passes: name the fields and allocate the columns, whole or,
 * when the file streams, in batches of batch_rows rows.  After the one
 * pass (for a file that does not stream): name the fields and give the
 * grown columns their final shape.
 */
extern bool mb_topic_prepare(MbTopic *t, MbFile *f, size_t batch_rows,
							 MbError *err);

/*
 * Pass 2: one message (the same messages, in the same order, as pass 1)
 * logged 'time' seconds after the time origin.
 */
extern int	mb_topic_fill(MbTopic *t, const HdDecoder *decoder, double time,
						  const uint8_t *msg, size_t len, HdError *err);

/* Write the topic's variable (v7.3: finish its columns and plan its structs). */
extern bool mb_topic_write(MbTopic *t, MbError *err);

/*
 * The unit of a leaf, by its signal path (fields joined by '.', an index
 * or map key in brackets ignored: "cell_voltages[0]" names the leaf
 * cell_voltages), written in the leaf layout as a char field Units beside
 * Data.  Between the messages (mb_topic_learn or mb_topic_add) and
 * mb_topic_prepare.  Returns 1 when set, 0 when the topic has no such
 * leaf, -1 when memory ran out.
 */
extern int	mb_topic_set_unit(MbTopic *t, const char *path, const char *unit);

#endif							/* HDAQ_MATTOPIC_H */
