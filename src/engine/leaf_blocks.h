/*-------------------------------------------------------------------------
 *
 * leaf_blocks.h
 *	  Engine: leaf blocks, the numeric leaves of a channel kept as
 *	  compressed runs of (time, value) with summaries (src/column), built
 *	  from the stored messages and read instead of decoding them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_LEAF_BLOCKS_H
#define HDAQ_LEAF_BLOCKS_H

#include "hdaq.h"

#include "column.h"
#include "store/store.h"

/* hdaq.leaf_blocks: build blocks at ingest and read them (on by default). */
extern bool leaf_blocks_enabled;
extern void leaf_blocks_define_gucs(void);

/*
 * Replace a stored file's leaf blocks with blocks built from its messages;
 * returns how many were written.  The caller is connected to SPI.
 */
extern int64 leaf_blocks_build_file(int64 file_id);

/*
 * At the end of storing a file: build its blocks when hdaq.leaf_blocks is
 * on, seeing the rows this statement wrote.
 */
extern void leaf_blocks_after_ingest(int64 file_id);

/*
 * The channels a request for some leaves of one topic selects, when
 * hdaq.leaf_blocks is on and each of them has blocks of every leaf; NULL
 * otherwise (the caller decodes the messages).  The request must have
 * been checked.
 */
extern StoredChannel *leaf_blocks_channels(const ScanRequest *req,
										   const char *const *paths, int npaths,
										   int *count);

/*
 * Whether a channel's leaves (paths) may be read from blocks: hdaq.leaf_blocks
 * on, the table readable, and every one of them has blocks.
 */
extern bool leaf_blocks_available(const StoredChannel *ch,
								  const char *const *paths, int npaths);

/*
 * A cursor over the blocks of several leaves of one channel in [start_ns,
 * end_ns]: one block set (the times and each leaf's values of the same
 * messages) read and decoded at a time, so memory holds one block per
 * leaf whatever the range.  NULL when the channel's leaves are not all
 * available as blocks or their blocks are not cut alike (the caller then
 * decodes the messages).  Lives in CurrentMemoryContext; paths must
 * outlive it.
 */
typedef struct LeafCursor LeafCursor;
extern LeafCursor *leaf_cursor_open(const StoredChannel *ch,
									const char *const *paths, int npaths,
									int64 start_ns, int64 end_ns);

/*
 * The next block's messages in range, in time order: *count times and,
 * for each path p, (*values)[p][0 .. *count - 1]; valid until the next
 * call.  False at the end.  The caller is connected to SPI.
 */
extern bool leaf_cursor_next(LeafCursor *c, const int64 **times,
							 const double *const **values, int *count);

/* How many block sets the cursor has read so far. */
extern int64 leaf_cursor_blocks_read(const LeafCursor *c);

/*
 * Which leaves of a file's channels have blocks, read from the store once
 * (for an export of many topics); NULL when hdaq.leaf_blocks is off or the
 * user may not read the blocks.
 */
typedef struct LeafBlockIndex
{
	StoredLeafPath *paths;		/* by channel key, then path (strcmp) */
	int			npaths;
	uint64		bytes;			/* memory it holds */
} LeafBlockIndex;

extern LeafBlockIndex *leaf_blocks_index(int64 file_id);
/* The values in the first block of a channel's leaf; 0 when it has none. */
extern int	leaf_blocks_index_first_count(const LeafBlockIndex *ix,
										  int64 channel_key, const char *path);

/*
 * Each message's values of several leaves of one channel in [start_ns,
 * end_ns], in time order: values[i] is paths[i]'s.  False, before any
 * call of fn, when the paths' blocks are not cut alike (the caller then
 * decodes the messages).
 */
typedef void (*LeafRowFn) (void *arg, int64 time_ns, const double *values);
extern bool leaf_blocks_read(const StoredChannel *ch, const char *const *paths,
							 int npaths, int64 start_ns, int64 end_ns,
							 LeafRowFn fn, void *arg);

/*
 * Fold the summary of a channel's leaf in [start_ns, end_ns] into *into:
 * whole blocks from their summaries, the blocks at the ends decoded.
 */
extern void leaf_blocks_summarize(const StoredChannel *ch, const char *path,
								  int64 start_ns, int64 end_ns,
								  HdColumnSummary *into);

#endif							/* HDAQ_LEAF_BLOCKS_H */
