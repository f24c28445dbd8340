/*-------------------------------------------------------------------------
 *
 * segment_write.c
 *	  Engine: the writing side of the segment store.  Each channel's
 *	  messages are buffered as MCAP Message records, sorted by log time
 *	  (ties keep file order) when the buffer is cut, compressed with zstd
 *	  and inserted as one hdaq.segment row.  The settings hdaq.segment_size
 *	  and hdaq.compression_level are defined here.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/segment.h"
#include "store/store.h"

#include "utils/guc.h"
#include "utils/memutils.h"

static int	segment_kb = 256;
static int	compression_level = 1;

void
segment_define_gucs(void)
{
	DefineCustomIntVariable("hdaq.segment_size",
							"Target uncompressed size of a stored segment.",
							"Ingest cuts each channel's messages into segments of about this size.",
							&segment_kb,
							256, 4, 64 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hdaq.compression_level",
							"zstd compression level of stored segments.",
							"Level 1 ingests about 40% faster than level 3 for about 3% more storage (bench/ANALYSIS.md).",
							&compression_level,
							1, -5, 19,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

static void
free_compressor(void *comp)
{
	mcap_compressor_free(comp);
}

/*
 * A writer of file_id's segments, whose buffers live as long as
 * CurrentMemoryContext.
 */
SegmentWriter *
segment_writer_create(int64 file_id)
{
	SegmentWriter *writer = palloc0(sizeof(SegmentWriter));

	writer->file_id = file_id;
	writer->compressor = mcap_compressor_new();
	if (writer->compressor == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory creating a compressor")));
	hdaq_free_with_context(writer->compressor, free_compressor);
	hdaq_buffer_init(&writer->sorted);
	hdaq_buffer_init(&writer->compressed);
	writer->level = compression_level;
	writer->target_bytes = (size_t) segment_kb * 1024;
	return writer;
}

void
segment_buffer_init(SegmentBuffer *buf)
{
	hdaq_buffer_init(&buf->records);
	buf->capacity = 256;
	buf->entries = palloc(sizeof(SegmentEntry) * buf->capacity);
	buf->count = 0;
	buf->sorted = true;
}

void
segment_buffer_add(SegmentBuffer *buf, const McapMessage *msg)
{
	SegmentEntry *e;
	size_t		before = buf->records.len;

	if (buf->count == buf->capacity)
	{
		if (buf->capacity >= MaxAllocSize / sizeof(SegmentEntry) / 2)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("too many messages buffered for one segment")));
		buf->capacity *= 2;
		buf->entries = repalloc(buf->entries,
								sizeof(SegmentEntry) * buf->capacity);
	}
	mcap_buffer_append_message(&buf->records, msg);
	hdaq_check_buffer(&buf->records);
	if (buf->count > 0 && msg->log_time < buf->entries[buf->count - 1].log_time)
		buf->sorted = false;
	e = &buf->entries[buf->count];
	e->log_time = msg->log_time;
	e->offset = before;
	e->length = buf->records.len - before;
	e->pos = buf->count;
	buf->count++;
}

static int
compare_entries(const void *a, const void *b)
{
	const SegmentEntry *x = a;
	const SegmentEntry *y = b;

	if (x->log_time != y->log_time)
		return x->log_time < y->log_time ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos ? 1 : 0);
}

/* The buffer's records in log-time order: itself, or the sorted copy. */
static const McapBuffer *
sorted_records(SegmentWriter *writer, SegmentBuffer *buf)
{
	if (buf->sorted)
		return &buf->records;
	qsort(buf->entries, buf->count, sizeof(SegmentEntry), compare_entries);
	mcap_buffer_reset(&writer->sorted);
	for (uint32 i = 0; i < buf->count; i++)
		mcap_buffer_append(&writer->sorted,
						   buf->records.data + buf->entries[i].offset,
						   buf->entries[i].length);
	hdaq_check_buffer(&writer->sorted);
	return &writer->sorted;
}

/* Compress records; store them as they are when that does not pay. */
static bytea *
segment_bytes(SegmentWriter *writer, const McapBuffer *records,
			  const char **compression)
{
	static const McapString zstd = {"zstd", 4};
	McapError	err;
	const uint8 *src = records->data;
	size_t		len = records->len;
	bytea	   *data;

	mcap_buffer_reset(&writer->compressed);
	if (mcap_compress(writer->compressor, zstd, writer->level, records->data,
					  records->len, &writer->compressed, &err) != MCAP_OK)
		hdaq_report_mcap_error(&err, "compressing a segment");
	*compression = "";
	if (writer->compressed.len < records->len)
	{
		*compression = "zstd";
		src = writer->compressed.data;
		len = writer->compressed.len;
	}
	data = palloc(VARHDRSZ + len);
	SET_VARSIZE(data, VARHDRSZ + len);
	memcpy(VARDATA(data), src, len);
	return data;
}

/* Write the buffered messages as one segment and empty the buffer. */
void
segment_buffer_flush(SegmentWriter *writer, SegmentBuffer *buf,
					 int64 channel_key, SegmentStats *stats)
{
	const McapBuffer *records;
	SegmentRow	row;
	int64		span;

	if (buf->count == 0)
		return;
	records = sorted_records(writer, buf);
	row.file_id = writer->file_id;
	row.channel_key = channel_key;
	row.start_ns = (int64) buf->entries[0].log_time;
	row.end_ns = (int64) buf->entries[buf->count - 1].log_time;
	row.seq = stats->next_seq++;
	row.message_count = (int32) buf->count;
	row.uncompressed_size = (int32) records->len;
	row.data = segment_bytes(writer, records, &row.compression);
	store_insert_segment(&row);
	pfree(row.data);
	stats->last_start_ns = row.start_ns;
	stats->last_seq = row.seq;
	stats->last_size = row.uncompressed_size;

	span = row.end_ns - row.start_ns;
	if (span > stats->max_span_ns)
		stats->max_span_ns = span;
	mcap_buffer_reset(&buf->records);
	buf->count = 0;
	buf->sorted = true;
}
