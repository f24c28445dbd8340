/*-------------------------------------------------------------------------
 *
 * writer_records.c
 *	  Encoding MCAP records into a buffer, for the writer: a record whose
 *	  length is patched once its body is appended, or one whose length is
 *	  known up front; and each record kind the writer emits.
 *
 *-------------------------------------------------------------------------
 */
#include "writer_int.h"

/* Append an opcode and a length to patch in mcap_record_end(); returns start. */
size_t
mcap_record_start(McapBuffer *buf, McapOpcode opcode)
{
	size_t		start = buf->len;

	mcap_buffer_append_u8(buf, (uint8_t) opcode);
	mcap_buffer_append_u64(buf, 0);
	return start;
}

/* Patch the length of the record that starts at start. */
void
mcap_record_end(McapBuffer *buf, size_t start)
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
void
mcap_record_prefix(McapBuffer *buf, McapOpcode opcode, uint64_t body_len)
{
	mcap_buffer_append_u8(buf, (uint8_t) opcode);
	mcap_buffer_append_u64(buf, body_len);
}

static void
append_bytes32(McapBuffer *buf, McapBytes bytes)
{
	mcap_buffer_append_u32(buf, (uint32_t) bytes.len);
	mcap_buffer_append(buf, bytes.data, bytes.len);
}

void
mcap_encode_header(McapBuffer *buf, const char *profile, const char *library)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_HEADER);

	mcap_buffer_append_string(buf, mcap_cstring(profile));
	mcap_buffer_append_string(buf, mcap_cstring(library));
	mcap_record_end(buf, start);
}

void
mcap_encode_schema(McapBuffer *buf, const McapSchema *s)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_SCHEMA);

	mcap_buffer_append_u16(buf, s->id);
	mcap_buffer_append_string(buf, s->name);
	mcap_buffer_append_string(buf, s->encoding);
	append_bytes32(buf, s->data);
	mcap_record_end(buf, start);
}

void
mcap_encode_channel(McapBuffer *buf, const McapChannel *c)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_CHANNEL);

	mcap_buffer_append_u16(buf, c->id);
	mcap_buffer_append_u16(buf, c->schema_id);
	mcap_buffer_append_string(buf, c->topic);
	mcap_buffer_append_string(buf, c->message_encoding);
	append_bytes32(buf, c->metadata);
	mcap_record_end(buf, start);
}

void
mcap_encode_metadata(McapBuffer *buf, const McapMetadata *md)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_METADATA);

	mcap_buffer_append_string(buf, md->name);
	append_bytes32(buf, md->metadata);
	mcap_record_end(buf, start);
}

void
mcap_encode_metadata_index(McapBuffer *buf, uint64_t offset, uint64_t length,
						   McapString name)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_METADATA_INDEX);

	mcap_buffer_append_u64(buf, offset);
	mcap_buffer_append_u64(buf, length);
	mcap_buffer_append_string(buf, name);
	mcap_record_end(buf, start);
}

/* The fields of an Attachment before its data; the data and CRC follow. */
void
mcap_encode_attachment_head(McapBuffer *buf, const McapAttachment *a)
{
	uint64_t	body_len = 8 + 8 + 4 + (uint64_t) a->name.len +
		4 + (uint64_t) a->media_type.len + 8 + a->data.len + 4;

	mcap_record_prefix(buf, MCAP_OP_ATTACHMENT, body_len);
	mcap_buffer_append_u64(buf, a->log_time);
	mcap_buffer_append_u64(buf, a->create_time);
	mcap_buffer_append_string(buf, a->name);
	mcap_buffer_append_string(buf, a->media_type);
	mcap_buffer_append_u64(buf, a->data.len);
}

void
mcap_encode_attachment_index(McapBuffer *buf, uint64_t offset, uint64_t length,
							 const McapAttachment *a)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_ATTACHMENT_INDEX);

	mcap_buffer_append_u64(buf, offset);
	mcap_buffer_append_u64(buf, length);
	mcap_buffer_append_u64(buf, a->log_time);
	mcap_buffer_append_u64(buf, a->create_time);
	mcap_buffer_append_u64(buf, a->data.len);
	mcap_buffer_append_string(buf, a->name);
	mcap_buffer_append_string(buf, a->media_type);
	mcap_record_end(buf, start);
}

/* The fields of a Chunk before its records; the records follow. */
void
mcap_encode_chunk_head(McapBuffer *buf, const McapChunk *c)
{
	uint64_t	body_len = 8 + 8 + 8 + 4 + 4 + (uint64_t) c->compression.len +
		8 + c->records.len;

	mcap_record_prefix(buf, MCAP_OP_CHUNK, body_len);
	mcap_buffer_append_u64(buf, c->message_start_time);
	mcap_buffer_append_u64(buf, c->message_end_time);
	mcap_buffer_append_u64(buf, c->uncompressed_size);
	mcap_buffer_append_u32(buf, c->uncompressed_crc);
	mcap_buffer_append_string(buf, c->compression);
	mcap_buffer_append_u64(buf, c->records.len);
}

void
mcap_encode_message_index(McapBuffer *buf, uint16_t channel_id,
						  const uint8_t *entries, uint64_t len)
{
	mcap_record_prefix(buf, MCAP_OP_MESSAGE_INDEX, 2 + 4 + len);
	mcap_buffer_append_u16(buf, channel_id);
	mcap_buffer_append_u32(buf, (uint32_t) len);
	mcap_buffer_append(buf, entries, len);
}

void
mcap_encode_chunk_index(McapBuffer *buf, const McapChunkIndex *ci)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_CHUNK_INDEX);

	mcap_buffer_append_u64(buf, ci->message_start_time);
	mcap_buffer_append_u64(buf, ci->message_end_time);
	mcap_buffer_append_u64(buf, ci->chunk_start_offset);
	mcap_buffer_append_u64(buf, ci->chunk_length);
	append_bytes32(buf, ci->message_index_offsets);
	mcap_buffer_append_u64(buf, ci->message_index_length);
	mcap_buffer_append_string(buf, ci->compression);
	mcap_buffer_append_u64(buf, ci->compressed_size);
	mcap_buffer_append_u64(buf, ci->uncompressed_size);
	mcap_record_end(buf, start);
}

void
mcap_encode_summary_offset(McapBuffer *buf, McapOpcode group, uint64_t start,
						   uint64_t length)
{
	mcap_record_prefix(buf, MCAP_OP_SUMMARY_OFFSET, 1 + 8 + 8);
	mcap_buffer_append_u8(buf, (uint8_t) group);
	mcap_buffer_append_u64(buf, start);
	mcap_buffer_append_u64(buf, length);
}
