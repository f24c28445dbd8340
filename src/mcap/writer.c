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
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK_SIZE		((uint64_t) 1024 * 1024)
#define MAX_SCHEMA_ID			65535
#define MESSAGE_INDEX_ENTRY_SIZE 16 /* uint64 log_time, uint64 offset */

/* A channel, and the message index entries of its messages in the open chunk */
typedef struct WriterChannel
{
	uint16_t	id;
	uint64_t	message_count;
	McapBuffer	index;
} WriterChannel;

struct McapWriter
{
	McapWriteFn write;
	void	   *ctx;
	char		compression[8];
	int			level;
	uint64_t	chunk_size;
	bool		crcs;

	uint64_t	offset;			/* bytes written so far */
	uint32_t	crc;			/* running CRC of the data section, then of
								 * the summary */
	bool		finished;
	McapStatus	failed;			/* MCAP_OK, or why the output is unusable */

	McapCompressor *compressor;
	McapBuffer	record;			/* scratch: records being built */
	McapBuffer	compressed;		/* scratch: the open chunk, compressed */
	McapBuffer	chunk_head;		/* scratch: a Chunk record's fields */
	McapBuffer	mi_offsets;		/* scratch: a ChunkIndex's (channel, offset)
								 * pairs */

	/* the open chunk */
	McapBuffer	chunk;
	uint64_t	chunk_messages;
	uint64_t	chunk_start_time;
	uint64_t	chunk_end_time;

	/* schemas and channels, kept encoded for the summary */
	uint8_t		schema_known[(MAX_SCHEMA_ID + 1) / 8];
	McapBuffer	schemas;
	McapBuffer	channels;
	WriterChannel *chans;		/* sorted by id */
	size_t		chan_count;
	size_t		chan_cap;

	/* summary index records, encoded as they are made */
	McapBuffer	chunk_indexes;
	McapBuffer	attachment_indexes;
	McapBuffer	metadata_indexes;

	/* statistics */
	uint64_t	message_count;
	uint64_t	message_start_time;
	uint64_t	message_end_time;
	uint32_t	schema_count;
	uint32_t	attachment_count;
	uint32_t	metadata_count;
	uint32_t	chunk_count;
};

/* ----------------------------------------------------------------
 * Errors
 * ----------------------------------------------------------------
 */

/* Out of memory while building a record: the output cannot be completed. */
static McapStatus
out_of_memory(McapWriter *w, McapError *err, const char *what)
{
	w->failed = MCAP_ERR_NOMEM;
	return mcap_error_set(err, MCAP_ERR_NOMEM, w->offset, "out of memory %s",
						  what);
}

static McapStatus
check_usable(McapWriter *w, const void *arg, const char *what,
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
static McapStatus
emit(McapWriter *w, const void *data, size_t len, McapError *err)
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
static McapStatus
emit_buffer(McapWriter *w, const McapBuffer *buf, McapError *err)
{
	if (buf->failed)
		return out_of_memory(w, err, "building a record");
	return emit(w, buf->data, buf->len, err);
}

/* ----------------------------------------------------------------
 * Record encoding
 * ----------------------------------------------------------------
 */

/* Append an opcode and a length to patch in end_record(); returns start. */
static size_t
start_record(McapBuffer *buf, McapOpcode opcode)
{
	size_t		start = buf->len;

	mcap_buffer_append_u8(buf, (uint8_t) opcode);
	mcap_buffer_append_u64(buf, 0);
	return start;
}

/* Patch the length of the record that starts at start. */
static void
end_record(McapBuffer *buf, size_t start)
{
	size_t		end = buf->len;

	if (buf->failed)
		return;
	/* the bytes exist already, so this rewrite cannot reallocate */
	buf->len = start + 1;
	mcap_buffer_append_u64(buf, end - start - MCAP_RECORD_PREFIX_SIZE);
	buf->len = end;
}

/* A record prefix whose length is known up front. */
static void
append_prefix(McapBuffer *buf, McapOpcode opcode, uint64_t body_len)
{
	mcap_buffer_append_u8(buf, (uint8_t) opcode);
	mcap_buffer_append_u64(buf, body_len);
}

static McapString
cstring(const char *s)
{
	McapString	str;

	str.data = s;
	str.len = (uint32_t) strlen(s);
	return str;
}

static void
append_bytes32(McapBuffer *buf, McapBytes bytes)
{
	mcap_buffer_append_u32(buf, (uint32_t) bytes.len);
	mcap_buffer_append(buf, bytes.data, bytes.len);
}

static void
encode_header(McapBuffer *buf, const char *profile, const char *library)
{
	size_t		start = start_record(buf, MCAP_OP_HEADER);

	mcap_buffer_append_string(buf, cstring(profile));
	mcap_buffer_append_string(buf, cstring(library));
	end_record(buf, start);
}

static void
encode_schema(McapBuffer *buf, const McapSchema *s)
{
	size_t		start = start_record(buf, MCAP_OP_SCHEMA);

	mcap_buffer_append_u16(buf, s->id);
	mcap_buffer_append_string(buf, s->name);
	mcap_buffer_append_string(buf, s->encoding);
	append_bytes32(buf, s->data);
	end_record(buf, start);
}

static void
encode_channel(McapBuffer *buf, const McapChannel *c)
{
	size_t		start = start_record(buf, MCAP_OP_CHANNEL);

	mcap_buffer_append_u16(buf, c->id);
	mcap_buffer_append_u16(buf, c->schema_id);
	mcap_buffer_append_string(buf, c->topic);
	mcap_buffer_append_string(buf, c->message_encoding);
	append_bytes32(buf, c->metadata);
	end_record(buf, start);
}

static void
encode_metadata(McapBuffer *buf, const McapMetadata *md)
{
	size_t		start = start_record(buf, MCAP_OP_METADATA);

	mcap_buffer_append_string(buf, md->name);
	append_bytes32(buf, md->metadata);
	end_record(buf, start);
}

static void
encode_metadata_index(McapBuffer *buf, uint64_t offset, uint64_t length,
					  McapString name)
{
	size_t		start = start_record(buf, MCAP_OP_METADATA_INDEX);

	mcap_buffer_append_u64(buf, offset);
	mcap_buffer_append_u64(buf, length);
	mcap_buffer_append_string(buf, name);
	end_record(buf, start);
}

/* The fields of an Attachment before its data; the data and CRC follow. */
static void
encode_attachment_head(McapBuffer *buf, const McapAttachment *a)
{
	uint64_t	body_len = 8 + 8 + 4 + (uint64_t) a->name.len +
		4 + (uint64_t) a->media_type.len + 8 + a->data.len + 4;

	append_prefix(buf, MCAP_OP_ATTACHMENT, body_len);
	mcap_buffer_append_u64(buf, a->log_time);
	mcap_buffer_append_u64(buf, a->create_time);
	mcap_buffer_append_string(buf, a->name);
	mcap_buffer_append_string(buf, a->media_type);
	mcap_buffer_append_u64(buf, a->data.len);
}

static void
encode_attachment_index(McapBuffer *buf, uint64_t offset, uint64_t length,
						const McapAttachment *a)
{
	size_t		start = start_record(buf, MCAP_OP_ATTACHMENT_INDEX);

	mcap_buffer_append_u64(buf, offset);
	mcap_buffer_append_u64(buf, length);
	mcap_buffer_append_u64(buf, a->log_time);
	mcap_buffer_append_u64(buf, a->create_time);
	mcap_buffer_append_u64(buf, a->data.len);
	mcap_buffer_append_string(buf, a->name);
	mcap_buffer_append_string(buf, a->media_type);
	end_record(buf, start);
}

/* The fields of a Chunk before its records; the records follow. */
static void
encode_chunk_head(McapBuffer *buf, const McapChunk *c)
{
	uint64_t	body_len = 8 + 8 + 8 + 4 + 4 + (uint64_t) c->compression.len +
		8 + c->records.len;

	append_prefix(buf, MCAP_OP_CHUNK, body_len);
	mcap_buffer_append_u64(buf, c->message_start_time);
	mcap_buffer_append_u64(buf, c->message_end_time);
	mcap_buffer_append_u64(buf, c->uncompressed_size);
	mcap_buffer_append_u32(buf, c->uncompressed_crc);
	mcap_buffer_append_string(buf, c->compression);
	mcap_buffer_append_u64(buf, c->records.len);
}

static void
encode_message_index(McapBuffer *buf, uint16_t channel_id,
					 const uint8_t *entries, uint64_t len)
{
	append_prefix(buf, MCAP_OP_MESSAGE_INDEX, 2 + 4 + len);
	mcap_buffer_append_u16(buf, channel_id);
	mcap_buffer_append_u32(buf, (uint32_t) len);
	mcap_buffer_append(buf, entries, len);
}

static void
encode_chunk_index(McapBuffer *buf, const McapChunkIndex *ci)
{
	size_t		start = start_record(buf, MCAP_OP_CHUNK_INDEX);

	mcap_buffer_append_u64(buf, ci->message_start_time);
	mcap_buffer_append_u64(buf, ci->message_end_time);
	mcap_buffer_append_u64(buf, ci->chunk_start_offset);
	mcap_buffer_append_u64(buf, ci->chunk_length);
	append_bytes32(buf, ci->message_index_offsets);
	mcap_buffer_append_u64(buf, ci->message_index_length);
	mcap_buffer_append_string(buf, ci->compression);
	mcap_buffer_append_u64(buf, ci->compressed_size);
	mcap_buffer_append_u64(buf, ci->uncompressed_size);
	end_record(buf, start);
}

static void
encode_summary_offset(McapBuffer *buf, McapOpcode group, uint64_t start,
					  uint64_t length)
{
	append_prefix(buf, MCAP_OP_SUMMARY_OFFSET, 1 + 8 + 8);
	mcap_buffer_append_u8(buf, (uint8_t) group);
	mcap_buffer_append_u64(buf, start);
	mcap_buffer_append_u64(buf, length);
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

static void
encode_statistics(const McapWriter *w, McapBuffer *buf)
{
	size_t		start = start_record(buf, MCAP_OP_STATISTICS);
	uint32_t	with_messages = 0;

	for (size_t i = 0; i < w->chan_count; i++)
		if (w->chans[i].message_count > 0)
			with_messages++;

	mcap_buffer_append_u64(buf, w->message_count);
	mcap_buffer_append_u16(buf, (uint16_t) w->schema_count);
	mcap_buffer_append_u32(buf, (uint32_t) w->chan_count);
	mcap_buffer_append_u32(buf, w->attachment_count);
	mcap_buffer_append_u32(buf, w->metadata_count);
	mcap_buffer_append_u32(buf, w->chunk_count);
	mcap_buffer_append_u64(buf, w->message_start_time);
	mcap_buffer_append_u64(buf, w->message_end_time);
	mcap_buffer_append_u32(buf, with_messages * (2 + 8));
	for (size_t i = 0; i < w->chan_count; i++)
	{
		if (w->chans[i].message_count == 0)
			continue;
		mcap_buffer_append_u16(buf, w->chans[i].id);
		mcap_buffer_append_u64(buf, w->chans[i].message_count);
	}
	end_record(buf, start);
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
	encode_message_index(&w->record, channel_id, entries, len);
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
	encode_chunk_head(&w->chunk_head, chunk);
	ci.chunk_start_offset = w->offset;
	if ((rc = emit_buffer(w, &w->chunk_head, err)) != MCAP_OK ||
		(rc = emit(w, chunk->records.data, chunk->records.len, err)) != MCAP_OK)
		return rc;
	ci.chunk_length = w->offset - ci.chunk_start_offset;
	ci.message_index_length = w->record.len;
	if (w->mi_offsets.failed)
		return out_of_memory(w, err, "building MessageIndex records");
	if ((rc = emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;

	ci.message_start_time = chunk->message_start_time;
	ci.message_end_time = chunk->message_end_time;
	ci.message_index_offsets.data = w->mi_offsets.data;
	ci.message_index_offsets.len = w->mi_offsets.len;
	ci.compression = chunk->compression;
	ci.compressed_size = chunk->records.len;
	ci.uncompressed_size = chunk->uncompressed_size;
	encode_chunk_index(&w->chunk_indexes, &ci);
	if (w->chunk_indexes.failed)
		return out_of_memory(w, err, "recording a ChunkIndex");
	w->chunk_count++;
	return MCAP_OK;
}

/* Compress and write the open chunk, if it holds any message. */
static McapStatus
flush_chunk(McapWriter *w, McapError *err)
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
	chunk.compression = cstring(w->compression);
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
	if (!mcap_compression_supported(cstring(compression)))
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

	encode_header(&w->record, opts->profile ? opts->profile : "",
				  opts->library ? opts->library : "hdaq");
	if (emit(w, MCAP_MAGIC, MCAP_MAGIC_SIZE, err) != MCAP_OK ||
		emit_buffer(w, &w->record, err) != MCAP_OK)
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

	if ((rc = check_usable(w, s, "Schema", err)) != MCAP_OK)
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
	encode_schema(&w->schemas, s);
	if (w->schemas.failed)
		return out_of_memory(w, err, "adding a Schema");
	if ((rc = emit(w, w->schemas.data + start, w->schemas.len - start,
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

	if ((rc = check_usable(w, c, "Channel", err)) != MCAP_OK)
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
	encode_channel(&w->channels, c);
	if (w->channels.failed || !insert_channel(w, c->id))
		return out_of_memory(w, err, "adding a Channel");
	return emit(w, w->channels.data + start, w->channels.len - start, err);
}

McapStatus
mcap_writer_add_message(McapWriter *w, const McapMessage *m, McapError *err)
{
	WriterChannel *ch;
	uint64_t	offset;
	McapStatus	rc;

	if ((rc = check_usable(w, m, "Message", err)) != MCAP_OK)
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
		return out_of_memory(w, err, "adding a Message to a chunk");

	if (w->chunk_messages == 0 || m->log_time < w->chunk_start_time)
		w->chunk_start_time = m->log_time;
	if (w->chunk_messages == 0 || m->log_time > w->chunk_end_time)
		w->chunk_end_time = m->log_time;
	w->chunk_messages++;
	count_messages(w, ch, 1, m->log_time, m->log_time);

	if (w->chunk.len >= w->chunk_size)
		return flush_chunk(w, err);
	return MCAP_OK;
}

McapStatus
mcap_writer_flush_chunk(McapWriter *w, McapError *err)
{
	McapStatus	rc;

	if ((rc = check_usable(w, w, "flush", err)) != MCAP_OK)
		return rc;
	return flush_chunk(w, err);
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

	if ((rc = check_usable(w, chunk, "Chunk", err)) != MCAP_OK)
		return rc;
	if (!mcap_compression_supported(chunk->compression) ||
		!bytes_valid(chunk->records) || (indexes == NULL && index_count > 0))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "raw Chunk: unsupported compression or missing records");
	if ((rc = check_raw_indexes(w, indexes, index_count, err)) != MCAP_OK)
		return rc;
	if ((rc = flush_chunk(w, err)) != MCAP_OK)
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

	if ((rc = check_usable(w, md, "Metadata", err)) != MCAP_OK)
		return rc;
	if (!string_valid(md->name) || !string_map_valid(md->metadata))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Metadata: missing name, or metadata is not a valid string map");

	mcap_buffer_reset(&w->record);
	encode_metadata(&w->record, md);
	offset = w->offset;
	if ((rc = emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;
	encode_metadata_index(&w->metadata_indexes, offset, w->record.len,
						  md->name);
	if (w->metadata_indexes.failed)
		return out_of_memory(w, err, "recording a MetadataIndex");
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

	if ((rc = check_usable(w, a, "Attachment", err)) != MCAP_OK)
		return rc;
	if (!string_valid(a->name) || !string_valid(a->media_type) ||
		!bytes_valid(a->data))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, w->offset,
							  "Attachment: missing name, media type or data");

	/* the CRC covers every field before it: head, then data */
	offset = w->offset;
	mcap_buffer_reset(&w->record);
	encode_attachment_head(&w->record, a);
	if (w->crcs && !w->record.failed)
	{
		crc = mcap_crc32(w->record.data + MCAP_RECORD_PREFIX_SIZE,
						 w->record.len - MCAP_RECORD_PREFIX_SIZE);
		crc = mcap_crc32_update(crc, a->data.data, a->data.len);
	}
	if ((rc = emit_buffer(w, &w->record, err)) != MCAP_OK ||
		(rc = emit(w, a->data.data, a->data.len, err)) != MCAP_OK)
		return rc;
	mcap_buffer_reset(&w->record);
	mcap_buffer_append_u32(&w->record, crc);
	if ((rc = emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;

	encode_attachment_index(&w->attachment_indexes, offset,
							w->offset - offset, a);
	if (w->attachment_indexes.failed)
		return out_of_memory(w, err, "recording an AttachmentIndex");
	w->attachment_count++;
	return MCAP_OK;
}

/* Write one summary group, and its SummaryOffset into offsets. */
static McapStatus
write_group(McapWriter *w, McapOpcode opcode, const McapBuffer *records,
			McapBuffer *offsets, McapError *err)
{
	uint64_t	start = w->offset;
	McapStatus	rc;

	if (records->len == 0 && !records->failed)
		return MCAP_OK;
	if ((rc = emit_buffer(w, records, err)) != MCAP_OK)
		return rc;
	encode_summary_offset(offsets, opcode, start, w->offset - start);
	return MCAP_OK;
}

static McapStatus
write_data_end(McapWriter *w, McapError *err)
{
	mcap_buffer_reset(&w->record);
	append_prefix(&w->record, MCAP_OP_DATA_END, 4);
	mcap_buffer_append_u32(&w->record, w->crcs ? w->crc : 0);
	return emit_buffer(w, &w->record, err);
}

/* Summary groups, then their SummaryOffsets; returns where those start. */
static McapStatus
write_summary(McapWriter *w, McapBuffer *offsets, uint64_t *offsets_start,
			  McapError *err)
{
	McapStatus	rc;

	mcap_buffer_reset(&w->record);
	encode_statistics(w, &w->record);
	if ((rc = write_group(w, MCAP_OP_SCHEMA, &w->schemas, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_CHANNEL, &w->channels, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_STATISTICS, &w->record, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_CHUNK_INDEX, &w->chunk_indexes, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_ATTACHMENT_INDEX, &w->attachment_indexes,
						  offsets, err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_METADATA_INDEX, &w->metadata_indexes,
						  offsets, err)) != MCAP_OK)
		return rc;
	*offsets_start = w->offset;
	return emit_buffer(w, offsets, err);
}

/* The footer's CRC covers the summary and the footer up to the CRC. */
static McapStatus
write_footer(McapWriter *w, uint64_t summary_start, uint64_t offsets_start,
			 McapError *err)
{
	McapStatus	rc;

	mcap_buffer_reset(&w->record);
	append_prefix(&w->record, MCAP_OP_FOOTER, 8 + 8 + 4);
	mcap_buffer_append_u64(&w->record, summary_start);
	mcap_buffer_append_u64(&w->record, offsets_start);
	if (w->record.failed)
		return out_of_memory(w, err, "building the Footer");
	mcap_buffer_append_u32(&w->record,
						   w->crcs ? mcap_crc32_update(w->crc, w->record.data,
													   w->record.len) : 0);
	if ((rc = emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;
	return emit(w, MCAP_MAGIC, MCAP_MAGIC_SIZE, err);
}

McapStatus
mcap_writer_finish(McapWriter *w, McapError *err)
{
	McapBuffer	offsets;
	uint64_t	summary_start;
	uint64_t	offsets_start = 0;
	McapStatus	rc;

	if ((rc = check_usable(w, w, "finish", err)) != MCAP_OK)
		return rc;
	if ((rc = flush_chunk(w, err)) != MCAP_OK ||
		(rc = write_data_end(w, err)) != MCAP_OK)
		return rc;

	summary_start = w->offset;
	w->crc = 0;
	mcap_buffer_init(&offsets);
	rc = write_summary(w, &offsets, &offsets_start, err);
	mcap_buffer_free(&offsets);
	if (rc == MCAP_OK)
		rc = write_footer(w, summary_start, offsets_start, err);
	if (rc == MCAP_OK)
		w->finished = true;
	return rc;
}

void
mcap_writer_close(McapWriter *w)
{
	if (w != NULL)
		writer_free(w);
}
