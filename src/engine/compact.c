/*-------------------------------------------------------------------------
 *
 * compact.c
 *	  Engine: compaction.  A file stored piece by piece (live.c), or whole
 *	  but with messages far out of order, can end with channels whose
 *	  segments are small or overlap in time.  Compaction reads such a
 *	  channel's messages back in log-time order (through the scan, in
 *	  bounded memory) and writes them again as segments of
 *	  hdaq.segment_size, as a whole-file ingest of a sorted file writes
 *	  them, then deletes the old ones.  It runs in the caller's
 *	  transaction: readers see the old segments or the new, never both.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/compact.h"

#include "engine/scan.h"
#include "engine/segment.h"
#include "store/store.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/snapmgr.h"

/*
 * Whether a channel's segments differ from those a whole-file ingest of
 * its messages in order writes: two overlap, or one before the last is
 * smaller than half the target size.
 */
static bool
needs_compaction(const SegmentSize *segs, int n, size_t target, bool overlaps)
{
	int64		end = PG_INT64_MIN;

	for (int i = 0; i < n; i++)
	{
		if (overlaps && segs[i].start_ns < end)
			return true;
		if (i < n - 1 && (size_t) segs[i].uncompressed_size < target / 2)
			return true;
		end = Max(end, segs[i].end_ns);
	}
	return false;
}

/* Write the channel's messages again, in order, as new segments. */
static void
rewrite_channel(const StoredChannel *channel, const SegmentSize *old, int n,
				SegmentWriter *writer)
{
	ScanRequest req = {0};
	MessageScan *scan;
	const ScanChannel *ch;
	McapMessage msg;
	/* its memory is freed with the memory context: not on the stack */
	SegmentBuffer *buf = palloc(sizeof(SegmentBuffer));
	SegmentStats stats = {0};

	for (int i = 0; i < n; i++)
		stats.next_seq = Max(stats.next_seq, old[i].seq + 1);
	req.has_file_id = true;
	req.file_id = channel->file_id;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;
	segment_buffer_init(buf);
	scan = scan_begin_channels(&req, channel, 1);
	while (scan_next(scan, &ch, &msg))
	{
		segment_buffer_add(buf, &msg);
		if (buf->records.len >= writer->target_bytes)
			segment_buffer_flush(writer, buf, channel->channel_key, &stats);
	}
	segment_buffer_flush(writer, buf, channel->channel_key, &stats);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		store_delete_segment(channel->channel_key, old[i].start_ns,
							 old[i].seq);
	}
	store_set_channel_segments(channel->channel_key, stats.max_span_ns,
							   stats.next_seq);
}

int
compact_file(int64 file_id, bool overlaps)
{
	ScanRequest req = {0};
	SegmentWriter *writer = segment_writer_create(file_id);
	StoredChannel *channels;
	int			nchannels;
	int			rewritten = 0;

	req.has_file_id = true;
	req.file_id = file_id;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;

	/*
	 * The scan reads with the active snapshot, taken when the caller's query
	 * began: it would not see the segments this transaction wrote since
	 * (the last append's, when compaction ends a live upload), and those
	 * would be deleted unread.  Read with a snapshot that sees them, but
	 * not the segments compaction itself writes.
	 */
	CommandCounterIncrement();
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	channels = store_find_channels(&req, &nchannels);
	for (int i = 0; i < nchannels; i++)
	{
		int			n;
		SegmentSize *segs = store_segment_sizes(channels[i].channel_key,
												channels[i].start_ns,
												channels[i].end_ns, &n);

		CHECK_FOR_INTERRUPTS();
		if (!needs_compaction(segs, n, writer->target_bytes, overlaps))
			continue;
		rewrite_channel(&channels[i], segs, n, writer);
		rewritten++;
	}
	PopActiveSnapshot();
	return rewritten;
}
