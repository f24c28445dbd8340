/*-------------------------------------------------------------------------
 *
 * writer.c
 *	  Writes indexed MCAP files: header, schemas and channels, chunked
 *	  messages with their message indexes, metadata, attachments, and a
 *	  summary section with statistics and indexes, then the footer.
 *
 * Layout of the output:
 *
 *	magic, Header
 *	data section: Schema and Channel records (written as they are added,
 *	outside chunks), Chunk records each followed by one MessageIndex per
 *	channel in it, Metadata and Attachment records, then DataEnd
 *	summary: Schema, Channel, Statistics, ChunkIndex, AttachmentIndex and
 *	MetadataIndex groups, then one SummaryOffset per group
 *	Footer, magic
 *
 * Schema and Channel records go into the data section outside chunks, as
 * soon as they are added, and again in the summary.  That way a streaming
 * reader knows every channel (including ones without messages) before any
 * chunk that uses it, a chunk skipped for damage takes no channel with it,
 * and an indexed reader finds them all in the summary.
 *
 * Memory: the open chunk (uncompressed and compressed), its per-channel
 * message index entries, the encoded Schema and Channel records and the
 * index records of the summary.  Messages are not kept once their chunk is
 * written.
 *
 * Encoding the records is writer_records.c's; writing the summary and the
 * footer, writer_summary.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "writer_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK_SIZE		((uint64_t) 1024 * 1024)

/* ----------------------------------------------------------------
 * Errors
 * ----------------------------------------------------------------
 */

/* Out of memory while building a record: the output cannot be completed. */
McapStatus
mcap_writer_nomem(McapWriter *w, McapError *err, const char *what)
{
	w->failed = MCAP_ERR_NOMEM;
	return mcap_error_set(err, MCAP_ERR_NOMEM, w->offset, "out of memory %s",
						  what);
}

McapStatus
mcap_writer_check_usable(McapWriter *w, const void *arg, const char *what,
						 McapError *err)
{
	if (w == NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "%s: writer is NULL", what);
	if (w->failed != MCAP_OK)
		return mcap_error_set(err, w->failed, w->offset,
							  "%s: the writer failed earlier; its output is incomplete",
							  what);
	if (w->finished)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "%s: the writer is already finished", what);
	if (arg == NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "%s: record is NULL", what);
	return MCAP_OK;
}

/* ----------------------------------------------------------------
 * Output
 * ----------------------------------------------------------------
 */

/* Send bytes to the sink, keeping the offset and the running CRC. */
McapStatus
mcap_writer_emit(McapWriter *w, const void *data, size_t len, McapError *err)
{
	if (len == 0)
		return MCAP_OK;
	if (!w->write(w->ctx, data, len))
	{
		w->failed = MCAP_ERR_IO;
		return mcap_error_set(err, MCAP_ERR_IO, w->offset,
							  "the output failed writing %zu bytes at offset %" PRIu64,
							  len, w->offset);
	}
	if (w->crcs)
		w->crc = mcap_crc32_update(w->crc, data, len);
	w->offset += len;
	return MCAP_OK;
}

/* Send a whole buffer of records, unless building it ran out of memory. */
McapStatus
mcap_writer_emit_buffer(McapWriter *w, const McapBuffer *buf, McapError *err)
{
	if (buf->failed)
		return mcap_writer_nomem(w, err, "building a record");
	return mcap_writer_emit(w, buf->data, buf->len, err);
}

/* ----------------------------------------------------------------
 * Input validation
 * ----------------------------------------------------------------
 */

/* A string map the caller built: entries of two length-prefixed strings. */
static bool
string_map_valid(McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	key;
	McapString	value;
	int			rc;

	if (map.len > UINT32_MAX || (map.data == NULL && map.len > 0))
		return false;
	while ((rc = mcap_string_map_next(map, &pos, &key, &value, NULL)) == 1)
		;
	return rc == 0;
}

static bool
string_valid(McapString s)
{
	return s.data != NULL || s.len == 0;
}

static bool
bytes_valid(McapBytes b)
{
	return b.data != NULL || b.len == 0;
}

/* ----------------------------------------------------------------
 * Channels
 * ----------------------------------------------------------------
 */

/* Index of the first channel with id >= the given one. */
static size_t
channel_position(const McapWriter *w, uint16_t id)
{
	size_t		lo = 0;
	size_t		hi = w->chan_count;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (w->chans[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static WriterChannel *
find_channel(McapWriter *w, uint16_t id)
{
	size_t		pos = channel_position(w, id);

	if (pos < w->chan_count && w->chans[pos].id == id)
		return &w->chans[pos];
	return NULL;
}

/* Insert a channel into the sorted table; false if out of memory. */
static bool
insert_channel(McapWriter *w, uint16_t id)
{
	size_t		pos = channel_position(w, id);
	WriterChannel *ch;

	if (w->chan_count == w->chan_cap)
	{
		size_t		cap = w->chan_cap == 0 ? 16 : w->chan_cap * 2;
		WriterChannel *grown = realloc(w->chans, cap * sizeof(WriterChannel));

		if (grown == NULL)
			return false;
		w->chans = grown;
		w->chan_cap = cap;
	}
	memmove(&w->chans[pos + 1], &w->chans[pos],
			(w->chan_count - pos) * sizeof(WriterChannel));
	ch = &w->chans[pos];
	ch->id = id;
	ch->message_count = 0;
	mcap_buffer_init(&ch->index);
	w->chan_count++;
	return true;
}

static bool
schema_is_known(const McapWriter *w, uint16_t id)
{
	return (w->schema_known[id / 8] >> (id % 8)) & 1;
}

/* ----------------------------------------------------------------
 * Statistics
 * ----------------------------------------------------------------
 */

/* Count n messages of a channel whose log times span [start, end]. */
static void
count_messages(McapWriter *w, WriterChannel *ch, uint64_t n,
			   uint64_t start, uint64_t end)
{
	if (n == 0)
		return;
	if (w->message_count == 0 || start < w->message_start_time)
		w->message_start_time = start;
	if (w->message_count == 0 || end > w->message_end_time)
		w->message_end_time = end;
	w->message_count += n;
	ch->message_count += n;
}

/* ----------------------------------------------------------------
 * Chunks
 * ----------------------------------------------------------------
 */

/* Size of a Chunk record, prefix included. */
static uint64_t
chunk_record_size(const McapChunk *c)
{
	return MCAP_RECORD_PREFIX_SIZE + 8 + 8 + 8 + 4 + 4 +
		(uint64_t) c->compression.len + 8 + c->records.len;
}

/*
 * Start the MessageIndex records of a chunk about to be written: they go
 * to w->record, their (channel, file offset) pairs to w->mi_offsets.
 */
static void
begin_message_indexes(McapWriter *w)
{
	mcap_buffer_reset(&w->record);
	mcap_buffer_reset(&w->mi_offsets);
}

/* Add one MessageIndex record; base is where w->record will be written. */
static void
add_message_index(McapWriter *w, uint64_t base, uint16_t channel_id,
				  const uint8_t *entries, uint64_t len)
{
	mcap_buffer_append_u16(&w->mi_offsets, channel_id);
	mcap_buffer_append_u64(&w->mi_offsets, base + w->record.len);
	mcap_encode_message_index(&w->record, channel_id, entries, len);
}

/*
 * Write a Chunk record, then the MessageIndex records built since
 * begin_message_indexes(), and remember the chunk's ChunkIndex for the
 * summary.
 */
static McapStatus
write_chunk(McapWriter *w, const McapChunk *chunk, McapError *err)
{
	McapChunkIndex ci;
	McapStatus	rc;

	mcap_buffer_reset(&w->chunk_head);
	mcap_encode_chunk_head(&w->chunk_head, chunk);
	ci.chunk_start_offset = w->offset;
	if ((rc = mcap_writer_emit_buffer(w, &w->chunk_head, err)) != MCAP_OK ||
		(rc = mcap_writer_emit(w, chunk->records.data, chunk->records.len, err)) != MCAP_OK)
		return rc;
	ci.chunk_length = w->offset - ci.chunk_start_offset;
	ci.message_index_length = w->record.len;
	if (w->mi_offsets.failed)
		return mcap_writer_nomem(w, err, "building MessageIndex records");
	if ((rc = mcap_writer_emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;

	ci.message_start_time = chunk->message_start_time;
	ci.message_end_time = chunk->message_end_time;
	ci.message_index_offsets.data = w->mi_offsets.data;
	ci.message_index_offsets.len = w->mi_offsets.len;
	ci.compression = chunk->compression;
	ci.compressed_size = chunk->records.len;
	ci.uncompressed_size = chunk->uncompressed_size;
	mcap_encode_chunk_index(&w->chunk_indexes, &ci);
	if (w->chunk_indexes.failed)
		return mcap_writer_nomem(w, err, "recording a ChunkIndex");
	w->chunk_count++;
	return MCAP_OK;
}

/* Compress and write the open chunk, if it holds any message. */
McapStatus
mcap_writer_close_chunk(McapWriter *w, McapError *err)
{
	McapChunk	chunk;
	uint64_t	base;
	McapStatus	rc;

	if (w->chunk_messages == 0)
		return MCAP_OK;

	chunk.message_start_time = w->chunk_start_time;
	chunk.message_end_time = w->chunk_end_time;
	chunk.uncompressed_size = w->chunk.len;
	chunk.uncompressed_crc = w->crcs ?
		mcap_crc32(w->chunk.data, w->chunk.len) : 0;
	chunk.compression = mcap_cstring(w->compression);
	if (w->compression[0] == '\0')
	{
		chunk.records.data = w->chunk.data;
		chunk.records.len = w->chunk.len;
	}
	else
	{
		mcap_buffer_reset(&w->compressed);
		rc = mcap_compress(w->compressor, chunk.compression, w->level,
						   w->chunk.data, w->chunk.len, &w->compressed, err);
		if (rc != MCAP_OK)
		{
			w->failed = rc;
			mcap_error_shift(err, w->offset);
			return rc;
		}
		chunk.records.data = w->compressed.data;
		chunk.records.len = w->compressed.len;
	}

	/* one MessageIndex per channel with messages here, in channel order */
	base = w->offset + chunk_record_size(&chunk);
	begin_message_indexes(w);
	for (size_t i = 0; i < w->chan_count; i++)
	{
		WriterChannel *ch = &w->chans[i];

		if (ch->index.len == 0)
			continue;
		add_message_index(w, base, ch->id, ch->index.data, ch->index.len);
		mcap_buffer_reset(&ch->index);
	}

	rc = write_chunk(w, &chunk, err);
	mcap_buffer_reset(&w->chunk);
	w->chunk_messages = 0;
	return rc;
}

/* ----------------------------------------------------------------
 * Public API
 * ----------------------------------------------------------------
 */

void
mcap_writer_options_init(McapWriterOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->profile = "";
	opts->library = "hdaq";
	opts->compression = "zstd";
	opts->chunk_size = DEFAULT_CHUNK_SIZE;
}

static void
writer_free(McapWriter *w)
{
	for (size_t i = 0; i < w->chan_count; i++)
		mcap_buffer_free(&w->chans[i].index);
	free(w->chans);
	mcap_compressor_free(w->compressor);
	mcap_buffer_free(&w->record);
	mcap_buffer_free(&w->compressed);
	mcap_buffer_free(&w->chunk_head);
	mcap_buffer_free(&w->mi_offsets);
	mcap_buffer_free(&w->chunk);
	mcap_buffer_free(&w->schemas);
	mcap_buffer_free(&w->channels);
	mcap_buffer_free(&w->chunk_indexes);
	mcap_buffer_free(&w->attachment_indexes);
	mcap_buffer_free(&w->metadata_indexes);
	free(w);
}

/* Copy the options into a new writer; NULL (with err) if they are unusable. */
static McapWriter *
writer_new(McapWriteFn write, void *ctx, const McapWriterOptions *opts,
		   McapError *err)
{
	const char *compression = opts->compression ? opts->compression : "zstd";
	McapWriter *w;

	if (write == NULL)
	{
		mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
					   "mcap_writer_open: no write function");
		return NULL;
	}
	if (!mcap_compression_supported(mcap_cstring(compression)))
	{
		mcap_error_set(err, MCAP_ERR_UNSUPPORTED, 0,
					   "unsupported chunk compression \"%.32s\" (use \"zstd\", \"lz4\" or \"\")",
					   compression);
		return NULL;
	}
	w = calloc(1, sizeof(McapWriter));
	if (w == NULL || (w->compressor = mcap_compressor_new()) == NULL)
	{
		free(w);
		mcap_error_set(err, MCAP_ERR_NOMEM, 0,
					   "cannot allocate an MCAP writer");
		return NULL;
	}
	w->write = write;
	w->ctx = ctx;
	strcpy(w->compression, compression);
	w->level = opts->compression_level;
	w->chunk_size = opts->chunk_size ? opts->chunk_size : DEFAULT_CHUNK_SIZE;
	w->crcs = !opts->no_crcs;
	return w;
}

McapWriter *
mcap_writer_open(McapWriteFn write, void *ctx, const McapWriterOptions *opts,
				 McapError *err)
{
	McapWriterOptions defaults;
	McapWriter *w;

	if (opts == NULL)
	{
		mcap_writer_options_init(&defaults);
		opts = &defaults;
	}
	w = writer_new(write, ctx, opts, err);
	if (w == NULL)
		return NULL;

	mcap_encode_header(&w->record, opts->profile ? opts->profile : "",
					   opts->library ? opts->library : "hdaq");
	if (mcap_writer_emit(w, MCAP_MAGIC, MCAP_MAGIC_SIZE, err) != MCAP_OK ||
		mcap_writer_emit_buffer(w, &w->record, err) != MCAP_OK)
	{
		writer_free(w);
		return NULL;
	}
	return w;
}

McapStatus
mcap_writer_add_schema(McapWriter *w, const McapSchema *s, McapError *err)
{
	size_t		start;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, s, "Schema", err)) != MCAP_OK)
		return rc;
	if (s->id == 0)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Schema id 0 is reserved for channels without a schema");
	if (schema_is_known(w, s->id))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Schema id %u was already added", s->id);
	if (!string_valid(s->name) || !string_valid(s->encoding) ||
		!bytes_valid(s->data) || s->data.len > UINT32_MAX)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Schema %u: missing name, encoding or data, or data over 4 GiB",
							  s->id);

	start = w->schemas.len;
	mcap_encode_schema(&w->schemas, s);
	if (w->schemas.failed)
		return mcap_writer_nomem(w, err, "adding a Schema");
	if ((rc = mcap_writer_emit(w, w->schemas.data + start, w->schemas.len - start,
							   err)) != MCAP_OK)
		return rc;
	w->schema_known[s->id / 8] |= (uint8_t) (1 << (s->id % 8));
	w->schema_count++;
	return MCAP_OK;
}

McapStatus
mcap_writer_add_channel(McapWriter *w, const McapChannel *c, McapError *err)
{
	size_t		start;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, c, "Channel", err)) != MCAP_OK)
		return rc;
	if (find_channel(w, c->id) != NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Channel id %u was already added", c->id);
	if (c->schema_id != 0 && !schema_is_known(w, c->schema_id))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Channel %u (topic \"%.*s\") refers to unknown schema id %u; add the schema first",
							  c->id, (int) (c->topic.len > 64 ? 64 : c->topic.len),
							  c->topic.data ? c->topic.data : "", c->schema_id);
	if (!string_valid(c->topic) || !string_valid(c->message_encoding))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Channel %u: missing topic or message encoding",
							  c->id);
	if (!string_map_valid(c->metadata))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Channel %u: metadata is not a valid string map",
							  c->id);

	start = w->channels.len;
	mcap_encode_channel(&w->channels, c);
	if (w->channels.failed || !insert_channel(w, c->id))
		return mcap_writer_nomem(w, err, "adding a Channel");
	return mcap_writer_emit(w, w->channels.data + start, w->channels.len - start, err);
}

McapStatus
mcap_writer_add_message(McapWriter *w, const McapMessage *m, McapError *err)
{
	WriterChannel *ch;
	uint64_t	offset;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, m, "Message", err)) != MCAP_OK)
		return rc;
	if ((ch = find_channel(w, m->channel_id)) == NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Message on unknown channel id %u; add the channel first",
							  m->channel_id);
	if (!bytes_valid(m->data))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Message on channel %u: data is NULL",
							  m->channel_id);

	offset = w->chunk.len;
	mcap_buffer_append_message(&w->chunk, m);
	mcap_buffer_append_u64(&ch->index, m->log_time);
	mcap_buffer_append_u64(&ch->index, offset);
	if (w->chunk.failed || ch->index.failed)
		return mcap_writer_nomem(w, err, "adding a Message to a chunk");

	if (w->chunk_messages == 0 || m->log_time < w->chunk_start_time)
		w->chunk_start_time = m->log_time;
	if (w->chunk_messages == 0 || m->log_time > w->chunk_end_time)
		w->chunk_end_time = m->log_time;
	w->chunk_messages++;
	count_messages(w, ch, 1, m->log_time, m->log_time);

	if (w->chunk.len >= w->chunk_size)
		return mcap_writer_close_chunk(w, err);
	return MCAP_OK;
}

McapStatus
mcap_writer_flush_chunk(McapWriter *w, McapError *err)
{
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, w, "flush", err)) != MCAP_OK)
		return rc;
	return mcap_writer_close_chunk(w, err);
}

/* Check the message indexes given with a raw chunk. */
static McapStatus
check_raw_indexes(McapWriter *w, const McapMessageIndex *indexes,
				  size_t count, McapError *err)
{
	for (size_t i = 0; i < count; i++)
	{
		if (find_channel(w, indexes[i].channel_id) == NULL)
			return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
								  "MessageIndex for unknown channel id %u; add the channel first",
								  indexes[i].channel_id);
		if (!bytes_valid(indexes[i].records) ||
			indexes[i].records.len % MESSAGE_INDEX_ENTRY_SIZE != 0 ||
			indexes[i].records.len > UINT32_MAX)
			return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
								  "MessageIndex for channel %u: records are not (log_time, offset) pairs",
								  indexes[i].channel_id);
	}
	return MCAP_OK;
}

McapStatus
mcap_writer_add_raw_chunk(McapWriter *w, const McapChunk *chunk,
						  const McapMessageIndex *indexes, size_t index_count,
						  McapError *err)
{
	uint64_t	base;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, chunk, "Chunk", err)) != MCAP_OK)
		return rc;
	if (!mcap_compression_supported(chunk->compression) ||
		!bytes_valid(chunk->records) || (indexes == NULL && index_count > 0))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "raw Chunk: unsupported compression or missing records");
	if ((rc = check_raw_indexes(w, indexes, index_count, err)) != MCAP_OK)
		return rc;
	if ((rc = mcap_writer_close_chunk(w, err)) != MCAP_OK)
		return rc;

	base = w->offset + chunk_record_size(chunk);
	begin_message_indexes(w);
	for (size_t i = 0; i < index_count; i++)
	{
		const McapMessageIndex *mi = &indexes[i];

		add_message_index(w, base, mi->channel_id, mi->records.data,
						  mi->records.len);
		count_messages(w, find_channel(w, mi->channel_id),
					   mi->records.len / MESSAGE_INDEX_ENTRY_SIZE,
					   chunk->message_start_time, chunk->message_end_time);
	}
	return write_chunk(w, chunk, err);
}

McapStatus
mcap_writer_add_metadata(McapWriter *w, const McapMetadata *md,
						 McapError *err)
{
	uint64_t	offset;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, md, "Metadata", err)) != MCAP_OK)
		return rc;
	if (!string_valid(md->name) || !string_map_valid(md->metadata))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Metadata: missing name, or metadata is not a valid string map");

	mcap_buffer_reset(&w->record);
	mcap_encode_metadata(&w->record, md);
	offset = w->offset;
	if ((rc = mcap_writer_emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;
	mcap_encode_metadata_index(&w->metadata_indexes, offset, w->record.len,
							   md->name);
	if (w->metadata_indexes.failed)
		return mcap_writer_nomem(w, err, "recording a MetadataIndex");
	w->metadata_count++;
	return MCAP_OK;
}

McapStatus
mcap_writer_add_attachment(McapWriter *w, const McapAttachment *a,
						   McapError *err)
{
	uint64_t	offset;
	uint32_t	crc = 0;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, a, "Attachment", err)) != MCAP_OK)
		return rc;
	if (!string_valid(a->name) || !string_valid(a->media_type) ||
		!bytes_valid(a->data))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Attachment: missing name, media type or data");

	/* the CRC covers every field before it: head, then data */
	offset = w->offset;
	mcap_buffer_reset(&w->record);
	mcap_encode_attachment_head(&w->record, a);
	if (w->crcs && !w->record.failed)
	{
		crc = mcap_crc32(w->record.data + MCAP_RECORD_PREFIX_SIZE,
						 w->record.len - MCAP_RECORD_PREFIX_SIZE);
		crc = mcap_crc32_update(crc, a->data.data, a->data.len);
	}
	if ((rc = mcap_writer_emit_buffer(w, &w->record, err)) != MCAP_OK ||
		(rc = mcap_writer_emit(w, a->data.data, a->data.len, err)) != MCAP_OK)
		return rc;
	mcap_buffer_reset(&w->record);
	mcap_buffer_append_u32(&w->record, crc);
	if ((rc = mcap_writer_emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;

	mcap_encode_attachment_index(&w->attachment_indexes, offset,
								 w->offset - offset, a);
	if (w->attachment_indexes.failed)
		return mcap_writer_nomem(w, err, "recording an AttachmentIndex");
	w->attachment_count++;
	return MCAP_OK;
}

void
mcap_writer_close(McapWriter *w)
{
	if (w != NULL)
		writer_free(w);
}
