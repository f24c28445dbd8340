/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  Reading stored messages back in log-time order.
 *
 * Channels are found by topic and file through hdaq.channel's indexes.
 * Segments of a channel that overlap [start, end] are found through the
 * segment primary key (channel_key, start_ns, seq): a segment that ends at
 * or after start began no earlier than start minus the channel's longest
 * segment span, which bounds the index range.  Only those segments are
 * read and decompressed, one at a time as the merge reaches their start,
 * so memory holds the segments that overlap the current time, not the
 * result.  Messages before start are skipped inside the first segment.
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include "catalog.h"
#include "segment.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/binaryheap.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

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
};

static void
free_buffer(void *buf)
{
	mcap_buffer_free(buf);
}

static void
free_decompressor(void *dec)
{
	mcap_decompressor_free(dec);
}

/* ---- arguments ----------------------------------------------------------- */

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
	if (PG_NARGS() > first && !PG_ARGISNULL(first))
		req->start_ns = hdaq_timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(first));
	if (PG_NARGS() > first + 1 && !PG_ARGISNULL(first + 1))
		req->end_ns = hdaq_timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(first + 1));
	if (PG_NARGS() > first + 2 && !PG_ARGISNULL(first + 2))
	{
		req->has_file_id = true;
		req->file_id = PG_GETARG_INT64(first + 2);
	}
}

/* ---- finding channels and segments ---------------------------------------- */

/*
 * One prepared statement for each combination of "topics given" and "file
 * given", so that each can use its index.
 */
static SPIPlanPtr
channel_plan(bool by_topic, bool by_file)
{
	static SPIPlanPtr plans[2][2];
	Oid			types[4] = {INT8OID, INT8OID, TEXTARRAYOID, INT8OID};

	if (plans[by_topic][by_file] == NULL)
		(void) hdaq_kept_plan(&plans[by_topic][by_file],
							  psprintf("SELECT channel_key, file_id, channel_id, topic, message_encoding,"
									   " schema_key, max_segment_span_ns FROM hdaq.channel"
									   " WHERE message_count > 0 AND end_ns >= $1 AND start_ns <= $2"
									   " %s %s ORDER BY file_id, channel_key",
									   by_topic ? "AND topic = ANY ($3)" : "AND $3 IS NULL",
									   by_file ? "AND file_id = $4" : "AND $4 IS NULL"),
							  4, types);
	return plans[by_topic][by_file];
}

Datum
scan_topics_array(const ScanRequest *req)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(req->ntopics, 1));

	for (int i = 0; i < req->ntopics; i++)
		elems[i] = CStringGetTextDatum(req->topics[i]);
	return PointerGetDatum(construct_array(elems, req->ntopics, TEXTOID, -1,
										   false, TYPALIGN_INT));
}

static int64
get_int8(HeapTuple tuple, TupleDesc desc, int col, bool *isnull)
{
	return DatumGetInt64(SPI_getbinval(tuple, desc, col, isnull));
}

/* The channels of the request; their max segment spans into *spans. */
static void
find_channels(MessageScan *scan, const ScanRequest *req, int64 **spans)
{
	Datum		values[4];
	char		nulls[5] = "    ";
	bool		by_topic = req->topics != NULL;
	int			rc;

	values[0] = Int64GetDatum(req->start_ns);
	values[1] = Int64GetDatum(req->end_ns);
	values[2] = by_topic ? scan_topics_array(req) : (Datum) 0;
	nulls[2] = by_topic ? ' ' : 'n';
	values[3] = Int64GetDatum(req->file_id);
	nulls[3] = req->has_file_id ? ' ' : 'n';
	rc = SPI_execute_plan(channel_plan(by_topic, req->has_file_id), values,
						  nulls, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "channel lookup failed: %s", SPI_result_code_string(rc));

	scan->nchannels = (int) SPI_processed;
	scan->channels = palloc0(sizeof(ScanChannel) * Max(scan->nchannels, 1));
	*spans = palloc0(sizeof(int64) * Max(scan->nchannels, 1));
	for (int i = 0; i < scan->nchannels; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		ScanChannel *ch = &scan->channels[i];
		bool		isnull;

		ch->channel_key = get_int8(t, d, 1, &isnull);
		ch->file_id = get_int8(t, d, 2, &isnull);
		ch->channel_id = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
		ch->topic = SPI_getvalue(t, d, 4);
		ch->message_encoding = SPI_getvalue(t, d, 5);
		ch->schema_key = get_int8(t, d, 6, &isnull);
		ch->has_schema = !isnull;
		(*spans)[i] = get_int8(t, d, 7, &isnull);
	}
	SPI_freetuptable(SPI_tuptable);
}

static SPIPlanPtr
segment_list_plan(void)
{
	static SPIPlanPtr plan;
	Oid			types[4] = {INT8OID, INT8OID, INT8OID, INT8OID};

	return hdaq_kept_plan(&plan,
						  "SELECT seq, start_ns, end_ns FROM hdaq.segment"
						  " WHERE channel_key = $1 AND start_ns >= $2"
						  " AND start_ns <= $3 AND end_ns >= $4"
						  " ORDER BY start_ns, seq", 4, types);
}

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

static void
find_segments(MessageScan *scan, const int64 *spans)
{
	int			capacity = 64;

	scan->segments = palloc(sizeof(ScanSegment) * capacity);
	for (int c = 0; c < scan->nchannels; c++)
	{
		Datum		values[4];
		int64		lowest;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		/* a segment ending at or after start began at start - span or later */
		if (scan->start_ns < PG_INT64_MIN + spans[c])
			lowest = PG_INT64_MIN;
		else
			lowest = scan->start_ns - spans[c];
		values[0] = Int64GetDatum(scan->channels[c].channel_key);
		values[1] = Int64GetDatum(lowest);
		values[2] = Int64GetDatum(scan->end_ns);
		values[3] = Int64GetDatum(scan->start_ns);
		rc = SPI_execute_plan(segment_list_plan(), values, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "segment lookup failed: %s", SPI_result_code_string(rc));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];
			TupleDesc	d = SPI_tuptable->tupdesc;
			ScanSegment *s;
			bool		isnull;

			if (scan->nsegments == capacity)
			{
				capacity *= 2;
				scan->segments = repalloc_huge(scan->segments,
											   sizeof(ScanSegment) * capacity);
			}
			s = &scan->segments[scan->nsegments++];
			s->channel = c;
			s->seq = DatumGetInt32(SPI_getbinval(t, d, 1, &isnull));
			s->start_ns = get_int8(t, d, 2, &isnull);
			s->end_ns = get_int8(t, d, 3, &isnull);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	qsort(scan->segments, scan->nsegments, sizeof(ScanSegment),
		  compare_segments);
}

/* ---- reading segments ------------------------------------------------------- */

static SPIPlanPtr
segment_data_plan(void)
{
	static SPIPlanPtr plan;
	Oid			types[3] = {INT8OID, INT8OID, INT4OID};

	return hdaq_kept_plan(&plan,
						  "SELECT compression, uncompressed_size, data"
						  " FROM hdaq.segment WHERE channel_key = $1"
						  " AND start_ns = $2 AND seq = $3", 3, types);
}

static SegmentReader *
new_reader(MessageScan *scan)
{
	SegmentReader *r;

	if (scan->nspare > 0)
		return scan->spare[--scan->nspare];
	r = palloc0(sizeof(SegmentReader));
	mcap_buffer_init(&r->buffer);
	hdaq_free_with_context(&r->buffer, free_buffer);
	return r;
}

/* Fetch and decompress a segment into a reader, positioned at its start. */
static void
load_segment(MessageScan *scan, SegmentReader *r, const ScanSegment *seg)
{
	const ScanChannel *ch = &scan->channels[seg->channel];
	MemoryContext oldcxt = MemoryContextSwitchTo(scan->fetch_context);
	Datum		values[3];
	bool		isnull;
	int			rc;
	char	   *compression;
	int32		usize;
	bytea	   *data;

	snprintf(r->what, sizeof(r->what), "segment %d of topic \"%.40s\" (channel %lld)",
			 seg->seq, ch->topic, (long long) ch->channel_key);
	values[0] = Int64GetDatum(ch->channel_key);
	values[1] = Int64GetDatum(seg->start_ns);
	values[2] = Int32GetDatum(seg->seq);
	rc = SPI_execute_plan(segment_data_plan(), values, NULL, true, 1);
	/* SPI leaves its own context current: detoast into ours, reset below */
	MemoryContextSwitchTo(scan->fetch_context);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s disappeared while it was being read", r->what)));
	compression = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	usize = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 2, &isnull));
	data = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 3, &isnull));
	if (compression[0] == '\0')
	{
		/* keep a copy: the tuple goes away with the fetch context */
		mcap_buffer_reset(&r->buffer);
		mcap_buffer_append(&r->buffer, VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
		hdaq_check_buffer(&r->buffer);
		r->cursor.data = r->buffer.data;
		r->cursor.len = r->buffer.len;
		r->cursor.pos = 0;
	}
	else
		segment_open(scan->decompressor, compression, data, usize, &r->buffer,
					 &r->cursor, r->what);
	r->segment = seg;
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(scan->fetch_context);
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

MessageScan *
scan_begin(const ScanRequest *req)
{
	MessageScan	   *scan = palloc0(sizeof(MessageScan));
	int64	   *spans;

	scan->start_ns = req->start_ns;
	scan->end_ns = req->end_ns;
	if (req->start_ns > req->end_ns)
		return scan;			/* an empty range */
	find_channels(scan, req, &spans);
	find_segments(scan, spans);
	scan->open = binaryheap_allocate(Max(scan->nsegments, 1), compare_readers, NULL);
	scan->spare = palloc(sizeof(SegmentReader *) * Max(scan->nsegments, 1));
	scan->decompressor = mcap_decompressor_new();
	if (scan->decompressor == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory creating a decompressor")));
	hdaq_free_with_context(scan->decompressor, free_decompressor);
	scan->fetch_context = AllocSetContextCreate(CurrentMemoryContext,
												"hdaq segment fetch",
												ALLOCSET_DEFAULT_SIZES);
	return scan;
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
