/*-------------------------------------------------------------------------
 *
 * segment.h
 *	  Engine: segments, runs of consecutive messages of one channel, sorted
 *	  by log time (ties keep file order), stored as compressed MCAP Message
 *	  records.  The writing side (segment_write.c) buffers, sorts, cuts and
 *	  compresses at ingest; the reading side (segment_read.c) decompresses
 *	  and walks them for the scan.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_SEGMENT_H
#define HDAQ_SEGMENT_H

#include "hdaq.h"

/* ---- writing ---- */

/* One message waiting in a channel's buffer. */
typedef struct SegmentEntry
{
	uint64		log_time;
	size_t		offset;			/* of its record in the buffer */
	size_t		length;
	uint32		pos;			/* arrival order, for stable sorting */
} SegmentEntry;

/* The messages of one channel not yet written. */
typedef struct SegmentBuffer
{
	McapBuffer	records;
	SegmentEntry *entries;
	uint32		count;
	uint32		capacity;
	bool		sorted;			/* arrived in log-time order so far */
} SegmentBuffer;

/* What segments a channel has written, for hdaq.channel. */
typedef struct SegmentStats
{
	int32		next_seq;
	int64		max_span_ns;
	/* the last segment written, and its uncompressed size */
	int64		last_start_ns;
	int32		last_seq;
	int32		last_size;
} SegmentStats;

/* Shared by every channel of an ingest: they are of one file. */
typedef struct SegmentWriter
{
	int64		file_id;		/* stored in each segment row */
	McapCompressor *compressor;
	McapBuffer	sorted;			/* scratch: records in log-time order */
	McapBuffer	compressed;		/* scratch: compressed segment */
	int			level;
	size_t		target_bytes;
} SegmentWriter;

/* hdaq.segment_size and hdaq.compression_level, registered from _PG_init. */
extern void segment_define_gucs(void);

extern SegmentWriter *segment_writer_create(int64 file_id);
extern void segment_buffer_init(SegmentBuffer *buf);
extern void segment_buffer_add(SegmentBuffer *buf, const McapMessage *msg);
extern void segment_buffer_flush(SegmentWriter *writer, SegmentBuffer *buf,
								 int64 channel_key, SegmentStats *stats);

/* ---- reading ---- */

/* A decompressed segment being walked. */
typedef struct SegmentCursor
{
	const uint8 *data;
	size_t		len;
	size_t		pos;
} SegmentCursor;

/*
 * Decompress a segment's stored bytes into out (reused between calls) and
 * set up a cursor over them.  "what" names the segment in errors.
 */
extern void segment_open(McapDecompressor *dec, const char *compression,
						 const bytea *data, int32 uncompressed_size,
						 McapBuffer *out, SegmentCursor *cursor,
						 const char *what);

/* The next message, or false at the end.  ereports on a corrupt record. */
extern bool segment_next(SegmentCursor *cursor, McapMessage *msg,
						 const char *what);

#endif							/* HDAQ_SEGMENT_H */
