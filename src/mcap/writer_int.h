/*-------------------------------------------------------------------------
 *
 * writer_int.h
 *	  The MCAP writer's state and the pieces its files share: emitting
 *	  bytes (writer.c), encoding records (writer_records.c), the summary
 *	  (writer_summary.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MCAP_WRITER_INT_H
#define HDAQ_MCAP_WRITER_INT_H

#include "mcap_internal.h"

#include <string.h>

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

static inline McapString
mcap_cstring(const char *s)
{
	McapString	str;

	str.data = s;
	str.len = (uint32_t) strlen(s);
	return str;
}

/* ----------------------------------------------------------------
 * writer.c
 * ----------------------------------------------------------------
 */

/* Out of memory while building a record: the output cannot be completed. */
extern McapStatus mcap_writer_nomem(McapWriter *w, McapError *err,
									const char *what);

/* The writer is open, has not failed, and arg (a record) is not NULL. */
extern McapStatus mcap_writer_check_usable(McapWriter *w, const void *arg,
										   const char *what, McapError *err);

/* Send bytes to the sink, keeping the offset and the running CRC. */
extern McapStatus mcap_writer_emit(McapWriter *w, const void *data, size_t len,
								   McapError *err);

/* Send a whole buffer of records, unless building it ran out of memory. */
extern McapStatus mcap_writer_emit_buffer(McapWriter *w, const McapBuffer *buf,
										  McapError *err);

/* Compress and write the open chunk, if it holds any message. */
extern McapStatus mcap_writer_close_chunk(McapWriter *w, McapError *err);

/* ----------------------------------------------------------------
 * writer_records.c
 * ----------------------------------------------------------------
 */

/* Append an opcode and a length to patch in mcap_record_end(); returns start. */
extern size_t mcap_record_start(McapBuffer *buf, McapOpcode opcode);

/* Patch the length of the record that starts at start. */
extern void mcap_record_end(McapBuffer *buf, size_t start);

/* A record prefix whose length is known up front. */
extern void mcap_record_prefix(McapBuffer *buf, McapOpcode opcode,
							   uint64_t body_len);

extern void mcap_encode_header(McapBuffer *buf, const char *profile,
							   const char *library);
extern void mcap_encode_schema(McapBuffer *buf, const McapSchema *s);
extern void mcap_encode_channel(McapBuffer *buf, const McapChannel *c);
extern void mcap_encode_metadata(McapBuffer *buf, const McapMetadata *md);
extern void mcap_encode_metadata_index(McapBuffer *buf, uint64_t offset,
									   uint64_t length, McapString name);

/* The fields of an Attachment before its data; the data and CRC follow. */
extern void mcap_encode_attachment_head(McapBuffer *buf,
										const McapAttachment *a);
extern void mcap_encode_attachment_index(McapBuffer *buf, uint64_t offset,
										 uint64_t length,
										 const McapAttachment *a);

/* The fields of a Chunk before its records; the records follow. */
extern void mcap_encode_chunk_head(McapBuffer *buf, const McapChunk *c);
extern void mcap_encode_message_index(McapBuffer *buf, uint16_t channel_id,
									  const uint8_t *entries, uint64_t len);
extern void mcap_encode_chunk_index(McapBuffer *buf, const McapChunkIndex *ci);
extern void mcap_encode_summary_offset(McapBuffer *buf, McapOpcode group,
									   uint64_t start, uint64_t length);

#endif							/* HDAQ_MCAP_WRITER_INT_H */
