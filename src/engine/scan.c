/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  Engine: reading stored messages back in log-time order.
 *
 * Channels are found by topic and file through hdaq.channel's indexes.
 * Segments of a channel that overlap [start, end] are found through the
 * segment primary key (channel_key, start_ns, seq): a segment that ends at
 * or after start began no earlier than start minus the channel's longest
 * segment span, which bounds the index range; and every segment starts
 * within its channel's time range, which bounds it again, so that a
 * lookup reads only the partitions (years) of hdaq.segment the channel
 * spans, even for a scan without a time range.  Only those segments are
 * read and decompressed, one at a time as the merge reaches their start,
 * so memory holds the segments that overlap the current time, not the
 * result.  Messages before start are skipped inside the first segment.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/scan.h"
#include "engine/segment.h"
#include "store/store.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "lib/binaryheap.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* A segment to read: which channel, and where it sits in time. */
typedef struct ScanSegment
{
	int32		channel;		/* index into MessageScan.channels */
	int32		seq;
	int64		start_ns;
	int64		end_ns;
} ScanSegment;

/* A segment being read, with its current message. */
typedef struct SegmentReader
{
	const ScanSegment *segment;
	SegmentCursor cursor;
	McapBuffer	buffer;			/* decompressed bytes */
	McapMessage msg;			/* current message */
	char		what[96];		/* names the segment in errors */
} SegmentReader;

struct MessageScan
{
	int64		start_ns;
	int64		end_ns;
	ScanChannel *channels;
	int			nchannels;
	ScanSegment *segments;		/* by start_ns */
	int			nsegments;
	int			next_segment;
	binaryheap *open;			/* SegmentReaders by current message */
	SegmentReader *advance;		/* its message was returned last */
	SegmentReader **spare;		/* finished readers, to reuse */
	int			nspare;
	McapDecompressor *decompressor;
	MemoryContext fetch_context;
	bool		connect_per_fetch;	/* the caller is not connected to SPI */
	int64		segments_read;
};

/* ---- arguments and result columns ----------------------------------------------------------- */

static void
report_reversed_times(TimestampTz start, TimestampTz end)
{
	/* timestamptz_to_str returns a static buffer */
	char	   *start_text = pstrdup(timestamptz_to_str(start));
	char	   *end_text = pstrdup(timestamptz_to_str(end));

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("start_time is later than end_time"),
			 errdetail("start_time is %s and end_time is %s: no time lies between them.",
					   start_text, end_text),
			 errhint("Swap them, or give NULL for a range without that end.")));
}

/*
 * start_time and end_time at positions start_arg and end_arg (absent or
 * NULL: unbounded).  log_time is the nanosecond time truncated to the
 * microsecond, so an end_time covers its whole microsecond: [t, t] holds
 * every message whose log_time is t.
 */
void
scan_request_times(FunctionCallInfo fcinfo, int start_arg, int end_arg,
				   ScanRequest *req)
{
	bool		has_start = PG_NARGS() > start_arg && !PG_ARGISNULL(start_arg);
	bool		has_end = PG_NARGS() > end_arg && !PG_ARGISNULL(end_arg);
	TimestampTz start = has_start ? PG_GETARG_TIMESTAMPTZ(start_arg) : 0;
	TimestampTz end = has_end ? PG_GETARG_TIMESTAMPTZ(end_arg) : 0;

	req->start_ns = PG_INT64_MIN;
	req->end_ns = PG_INT64_MAX;
	if (has_start && has_end && start > end)
		report_reversed_times(start, end);
	if (has_start)
		req->start_ns = hdaq_timestamptz_to_ns(start);
	if (has_end)
	{
		req->end_ns = hdaq_timestamptz_to_ns(end);
		if (pg_add_s64_overflow(req->end_ns, 999, &req->end_ns))
			req->end_ns = PG_INT64_MAX;
	}
}

void
scan_request_from_args(FunctionCallInfo fcinfo, int topics_arg, int first,
					   ScanRequest *req)
{
	memset(req, 0, sizeof(ScanRequest));
	req->start_ns = PG_INT64_MIN;
	req->end_ns = PG_INT64_MAX;
	if (topics_arg >= 0 && PG_NARGS() > topics_arg && !PG_ARGISNULL(topics_arg))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(topics_arg);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		req->topics = palloc(sizeof(char *) * Max(n, 1));
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				req->topics[req->ntopics++] = TextDatumGetCString(elems[i]);
	}
	scan_request_times(fcinfo, first, first + 1, req);
	if (PG_NARGS() > first + 2 && !PG_ARGISNULL(first + 2))
	{
		req->has_file_id = true;
		req->file_id = PG_GETARG_INT64(first + 2);
	}
}

void
scan_message_columns(Datum *values, bool *nulls, bool has_file, int64 file_id,
					 Datum topic, const McapMessage *msg)
{
	memset(nulls, 0, sizeof(bool) * SCAN_MESSAGE_COLUMNS);
	values[0] = Int64GetDatum(file_id);
	nulls[0] = !has_file;
	values[1] = topic;
	values[2] = TimestampTzGetDatum(hdaq_ns_to_timestamptz((int64) msg->log_time));
	values[3] = Int64GetDatum((int64) msg->log_time);
	values[4] = Int64GetDatum((int64) msg->publish_time);
	values[5] = Int64GetDatum((int64) msg->sequence);
}

/* ---- finding channels and segments ---------------------------------------- */

static int
compare_segments(const void *a, const void *b)
{
	const ScanSegment *x = a;
	const ScanSegment *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->channel != y->channel)
		return x->channel < y->channel ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

/* Append a channel's segments that overlap the scan's range. */
static void
add_channel_segments(MessageScan *scan, int c, int *capacity)
{
	const ScanChannel *ch = &scan->channels[c];
	StoredSegment *found;
	int			n;
	int64		lowest;
	int64		highest;

	/* a segment ending at or after start began at start - span or later */
	if (scan->start_ns < PG_INT64_MIN + ch->max_segment_span_ns)
		lowest = PG_INT64_MIN;
	else
		lowest = scan->start_ns - ch->max_segment_span_ns;
	/* and within the channel's own time range: only its years' partitions */
	lowest = Max(lowest, ch->start_ns);
	highest = Min(scan->end_ns, ch->end_ns);
	found = store_find_segments(ch->channel_key, lowest, highest,
								scan->start_ns, &n);
	for (int i = 0; i < n; i++)
	{
		ScanSegment *s;

		if (scan->nsegments == *capacity)
		{
			*capacity *= 2;
			scan->segments = repalloc_huge(scan->segments,
										   sizeof(ScanSegment) * *capacity);
		}
		s = &scan->segments[scan->nsegments++];
		s->channel = c;
		s->seq = found[i].seq;
		s->start_ns = found[i].start_ns;
		s->end_ns = found[i].end_ns;
	}
	pfree(found);
}

/* Every segment of the scan's channels in its range, by start. */
static void
find_segments(MessageScan *scan)
{
	int			capacity = 64;

	scan->segments = palloc(sizeof(ScanSegment) * capacity);
	for (int c = 0; c < scan->nchannels; c++)
	{
		CHECK_FOR_INTERRUPTS();
		add_channel_segments(scan, c, &capacity);
	}
	qsort(scan->segments, scan->nsegments, sizeof(ScanSegment),
		  compare_segments);
}

/* ---- reading segments ------------------------------------------------------- */

static SegmentReader *
new_reader(MessageScan *scan)
{
	SegmentReader *r;

	if (scan->nspare > 0)
		return scan->spare[--scan->nspare];
	r = palloc0(sizeof(SegmentReader));
	hdaq_buffer_init(&r->buffer);
	return r;
}

/* Fetch and decompress a segment into a reader, positioned at its start. */
static void
load_segment(MessageScan *scan, SegmentReader *r, const ScanSegment *seg)
{
	const ScanChannel *ch = &scan->channels[seg->channel];
	MemoryContext oldcxt;
	StoredSegmentData stored;

	if (scan->connect_per_fetch)
		SPI_connect();
	oldcxt = MemoryContextSwitchTo(scan->fetch_context);

	snprintf(r->what, sizeof(r->what), "segment %d of topic \"%.40s\" (channel %lld)",
			 seg->seq, ch->topic, (long long) ch->channel_key);
	if (!store_read_segment(ch->channel_key, seg->start_ns, seg->seq, &stored))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s disappeared while it was being read", r->what)));
	if (stored.compression[0] == '\0')
	{
		/* keep a copy: the fetched value goes away with the fetch context */
		mcap_buffer_reset(&r->buffer);
		mcap_buffer_append(&r->buffer, VARDATA_ANY(stored.data),
						   VARSIZE_ANY_EXHDR(stored.data));
		hdaq_check_buffer(&r->buffer);
		r->cursor.data = r->buffer.data;
		r->cursor.len = r->buffer.len;
		r->cursor.pos = 0;
	}
	else
		segment_open(scan->decompressor, stored.compression, stored.data,
					 stored.uncompressed_size, &r->buffer, &r->cursor, r->what);
	r->segment = seg;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(scan->fetch_context);
	if (scan->connect_per_fetch)
		SPI_finish();
	scan->segments_read++;
}

/* Move a reader to its next message in range; false when it has none. */
static bool
reader_step(MessageScan *scan, SegmentReader *r)
{
	while (segment_next(&r->cursor, &r->msg, r->what))
	{
		int64		t = (int64) r->msg.log_time;

		if (t < scan->start_ns)
			continue;
		return t <= scan->end_ns;
	}
	return false;
}

/* Heap order: smallest log time first; ties by channel, then segment. */
static int
compare_readers(Datum a, Datum b, void *arg)
{
	const SegmentReader *x = (const SegmentReader *) DatumGetPointer(a);
	const SegmentReader *y = (const SegmentReader *) DatumGetPointer(b);

	/* binaryheap keeps the largest first: invert */
	if (x->msg.log_time != y->msg.log_time)
		return x->msg.log_time < y->msg.log_time ? 1 : -1;
	if (x->segment->channel != y->segment->channel)
		return x->segment->channel < y->segment->channel ? 1 : -1;
	if (x->segment->seq != y->segment->seq)
		return x->segment->seq < y->segment->seq ? 1 : -1;
	return 0;
}

static void
retire_reader(MessageScan *scan, SegmentReader *r)
{
	scan->spare[scan->nspare++] = r;
}

/* Open every segment that starts no later than the earliest open message. */
static void
open_due_segments(MessageScan *scan)
{
	while (scan->next_segment < scan->nsegments)
	{
		const ScanSegment *seg = &scan->segments[scan->next_segment];
		SegmentReader *r;

		if (!binaryheap_empty(scan->open))
		{
			const SegmentReader *first = (const SegmentReader *)
			DatumGetPointer(binaryheap_first(scan->open));

			if ((int64) first->msg.log_time < seg->start_ns)
				break;
		}
		CHECK_FOR_INTERRUPTS();
		scan->next_segment++;
		r = new_reader(scan);
		load_segment(scan, r, seg);
		if (reader_step(scan, r))
			binaryheap_add(scan->open, PointerGetDatum(r));
		else
			retire_reader(scan, r);
	}
}

/* ---- the scan ------------------------------------------------------------ */

/* Begin a scan of the given channels (NULL: those the request selects). */
static MessageScan *
begin_scan(const ScanRequest *req, const ScanChannel *channels, int nchannels)
{
	MessageScan *scan = palloc0(sizeof(MessageScan));

	scan->start_ns = req->start_ns;
	scan->end_ns = req->end_ns;
	if (req->start_ns > req->end_ns)
		return scan;			/* an empty range */
	if (channels == NULL)
		scan->channels = store_find_channels(req, &scan->nchannels);
	else
	{
		scan->channels = palloc(sizeof(ScanChannel) * Max(nchannels, 1));
		memcpy(scan->channels, channels, sizeof(ScanChannel) * nchannels);
		scan->nchannels = nchannels;
	}
	find_segments(scan);
	scan->open = binaryheap_allocate(Max(scan->nsegments, 1), compare_readers, NULL);
	scan->spare = palloc(sizeof(SegmentReader *) * Max(scan->nsegments, 1));
	scan->decompressor = hdaq_decompressor_new();
	scan->fetch_context = AllocSetContextCreate(CurrentMemoryContext,
												"hdaq segment fetch",
												ALLOCSET_DEFAULT_SIZES);
	return scan;
}

MessageScan *
scan_begin(const ScanRequest *req)
{
	return begin_scan(req, NULL, 0);
}

MessageScan *
scan_begin_channels(const ScanRequest *req, const ScanChannel *channels,
					int nchannels)
{
	return begin_scan(req, channels, nchannels);
}

void
scan_connect_per_fetch(MessageScan *scan)
{
	scan->connect_per_fetch = true;
}

void
scan_segment_counts(const MessageScan *scan, int64 *selected, int64 *read)
{
	*selected = scan->nsegments;
	*read = scan->segments_read;
}

int
scan_channel_count(const MessageScan *scan)
{
	return scan->nchannels;
}

const ScanChannel *
scan_channel(const MessageScan *scan, int index)
{
	return &scan->channels[index];
}

void
scan_time_range(const MessageScan *scan, int64 *start_ns, int64 *end_ns)
{
	*start_ns = scan->start_ns;
	*end_ns = scan->end_ns;
}

int
scan_channel_index(const MessageScan *scan, const ScanChannel *ch)
{
	return (int) (ch - scan->channels);
}

bool
scan_next(MessageScan *scan, const ScanChannel **channel, McapMessage *msg)
{
	SegmentReader *r;

	if (scan->open == NULL)
		return false;
	if (scan->advance != NULL)
	{
		r = scan->advance;
		scan->advance = NULL;
		if (reader_step(scan, r))
			binaryheap_replace_first(scan->open, PointerGetDatum(r));
		else
		{
			binaryheap_remove_first(scan->open);
			retire_reader(scan, r);
		}
	}
	open_due_segments(scan);
	if (binaryheap_empty(scan->open))
		return false;
	r = (SegmentReader *) DatumGetPointer(binaryheap_first(scan->open));
	scan->advance = r;
	*channel = &scan->channels[r->segment->channel];
	*msg = r->msg;
	return true;
}
