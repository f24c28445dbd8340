/*-------------------------------------------------------------------------
 *
 * leaf_paths.h
 *	  Engine: the leaves of a channel that get leaf blocks, as signal
 *	  paths (outside arrays, and each element of the arrays of the
 *	  channel's first message, bounded by hdaq.leaf_blocks_max_index).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_LEAF_PATHS_H
#define HDAQ_LEAF_PATHS_H

#include "hdaq.h"

#include "decode.h"
#include "nodes/pg_list.h"

/* hdaq.leaf_blocks_max_index: leaves of one repeated field (default 256) */
extern int	leaf_blocks_max_index;
extern void leaf_paths_define_gucs(void);

/*
 * The numeric leaves of a decoder's messages that may get blocks, as
 * palloc'd signal paths: those outside arrays and maps, then the elements
 * of the arrays msg holds.  NIL when the schema lists no fields.
 */
extern List *leaf_paths_find(const HdDecoder *decoder, const uint8 *msg,
							 size_t len);

/*
 * Whether the decoder's schema lists a signal path as a leaf (indexes and
 * map keys matched as hdaq.fields writes them), and whether that leaf
 * steps: numeric and not floating-point (integers, enums, bools), taken
 * at its last sample rather than interpolated.  False (and not stepped)
 * when decoder is NULL or the schema lists no such leaf.
 */
extern bool leaf_path_type(const HdDecoder *decoder, const char *path,
						   bool *stepped);

#endif							/* HDAQ_LEAF_PATHS_H */
