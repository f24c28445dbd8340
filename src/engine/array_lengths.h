/*-------------------------------------------------------------------------
 *
 * array_lengths.h
 *	  Engine: the longest length of each array of some messages, by the
 *	  path hd_fields writes for it (hd_array_lengths fills the table).
 *	  hdaq.fields reports them; leaf blocks expand arrays into elements.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_ARRAY_LENGTHS_H
#define HDAQ_ARRAY_LENGTHS_H

#include "hdaq.h"

#include "decode.h"
#include "utils/hsearch.h"

/* An empty table in CurrentMemoryContext. */
extern HTAB *array_lengths_create(void);

/* Add the arrays of one message; the result of hd_array_lengths. */
extern int	array_lengths_add(HTAB *lengths, const HdDecoder *decoder,
							  const uint8 *msg, size_t len, HdError *err);

/*
 * The longest length of the array whose path is path[0 .. pathlen); false
 * when none was seen (or the path is too long to be kept).
 */
extern bool array_lengths_find(HTAB *lengths, const char *path, size_t pathlen,
							   int64 *length);

#endif							/* HDAQ_ARRAY_LENGTHS_H */
