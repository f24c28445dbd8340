/*-------------------------------------------------------------------------
 *
 * mcap.h
 *	  Public API of hdaq's MCAP core: record parsing, streaming and indexed
 *	  reading, recovery of damaged files, and writing.
 *
 * This library is plain C11 with no PostgreSQL headers.  It never longjmps,
 * never aborts and never prints: every function that can fail returns a
 * status and fills an McapError that says what went wrong and where.
 *
 * Views returned by the reader (McapString, McapBytes and the record structs
 * that hold them) point either into the caller's input buffer (zero copy) or
 * into a buffer owned by the reader; the latter stay valid until the next
 * call on the same reader.
 *
 * All integers in an MCAP file are little endian.  Times are nanoseconds
 * since an epoch chosen by the writer (Unix epoch in practice).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MCAP_H
#define HDAQ_MCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCAP_MAGIC				"\x89MCAP0\r\n"
#define MCAP_MAGIC_SIZE			8
#define MCAP_RECORD_PREFIX_SIZE 9	/* opcode (1) + length (8) */

/* Default cap on a chunk's decompressed size and on any single record. */
#define MCAP_DEFAULT_MAX_CHUNK_BYTES	((uint64_t) 256 * 1024 * 1024)
#define MCAP_DEFAULT_MAX_RECORD_BYTES	((uint64_t) 1024 * 1024 * 1024)

/* ----------------------------------------------------------------
 * Errors
 * ----------------------------------------------------------------
 */
typedef enum McapStatus
{
	MCAP_OK = 0,
	MCAP_ERR_BAD_MAGIC,			/* not an MCAP stream */
	MCAP_ERR_TRUNCATED,			/* input ends inside a record or field */
	MCAP_ERR_CORRUPT,			/* a length or field contradicts the bytes */
	MCAP_ERR_CRC,				/* a non-zero CRC does not match */
	MCAP_ERR_DECOMPRESS,		/* compressed data fails to decompress */
	MCAP_ERR_UNSUPPORTED,		/* unknown compression, version, ... */
	MCAP_ERR_TOO_LARGE,			/* exceeds a configured cap */
	MCAP_ERR_NOMEM,				/* allocation failed */
	MCAP_ERR_IO,				/* the byte source reported an error */
	MCAP_ERR_INVALID_ARGUMENT	/* the caller passed something unusable */
} McapStatus;

typedef struct McapError
{
	McapStatus	code;
	uint64_t	offset;			/* file offset the problem refers to */
	char		message[256];	/* human-readable; names record and field */
} McapError;

/* Name of a status, e.g. "truncated".  Never NULL. */
extern const char *mcap_status_name(McapStatus code);

/* ----------------------------------------------------------------
 * Views
 * ----------------------------------------------------------------
 */
typedef struct McapString
{
	const char *data;			/* not NUL-terminated */
	uint32_t	len;
} McapString;

typedef struct McapBytes
{
	const uint8_t *data;
	uint64_t	len;
} McapBytes;

/*
 * A map<string,string> as it is stored: the entries' bytes without the
 * leading uint32 byte length.  Iterate with mcap_string_map_next().
 */
typedef McapBytes McapStringMap;

/*
 * Iterate a string map.  *pos starts at 0.  Returns 1 and sets key/value
 * for each entry, 0 at the end, -1 (with err) if the map is malformed.
 */
extern int	mcap_string_map_next(McapStringMap map, uint64_t *pos,
								 McapString *key, McapString *value,
								 McapError *err);

/* ----------------------------------------------------------------
 * Records (field names follow the MCAP specification)
 * ----------------------------------------------------------------
 */
typedef enum McapOpcode
{
	MCAP_OP_HEADER = 0x01,
	MCAP_OP_FOOTER = 0x02,
	MCAP_OP_SCHEMA = 0x03,
	MCAP_OP_CHANNEL = 0x04,
	MCAP_OP_MESSAGE = 0x05,
	MCAP_OP_CHUNK = 0x06,
	MCAP_OP_MESSAGE_INDEX = 0x07,
	MCAP_OP_CHUNK_INDEX = 0x08,
	MCAP_OP_ATTACHMENT = 0x09,
	MCAP_OP_ATTACHMENT_INDEX = 0x0A,
	MCAP_OP_STATISTICS = 0x0B,
	MCAP_OP_METADATA = 0x0C,
	MCAP_OP_METADATA_INDEX = 0x0D,
	MCAP_OP_SUMMARY_OFFSET = 0x0E,
	MCAP_OP_DATA_END = 0x0F
} McapOpcode;

/* Name of an opcode ("Message", "Chunk", ...), or "Unknown". */
extern const char *mcap_opcode_name(uint8_t opcode);

typedef struct McapHeader
{
	McapString	profile;
	McapString	library;
} McapHeader;

typedef struct McapFooter
{
	uint64_t	summary_start;
	uint64_t	summary_offset_start;
	uint32_t	summary_crc;
} McapFooter;

typedef struct McapSchema
{
	uint16_t	id;
	McapString	name;
	McapString	encoding;
	McapBytes	data;
} McapSchema;

typedef struct McapChannel
{
	uint16_t	id;
	uint16_t	schema_id;
	McapString	topic;
	McapString	message_encoding;
	McapStringMap metadata;
} McapChannel;

typedef struct McapMessage
{
	uint16_t	channel_id;
	uint32_t	sequence;
	uint64_t	log_time;
	uint64_t	publish_time;
	McapBytes	data;
} McapMessage;

typedef struct McapChunk
{
	uint64_t	message_start_time;
	uint64_t	message_end_time;
	uint64_t	uncompressed_size;
	uint32_t	uncompressed_crc;
	McapString	compression;	/* "", "zstd" or "lz4" */
	McapBytes	records;		/* compressed records */
} McapChunk;

typedef struct McapMessageIndex
{
	uint16_t	channel_id;
	McapBytes	records;		/* (uint64 log_time, uint64 offset) pairs */
} McapMessageIndex;

typedef struct McapChunkIndex
{
	uint64_t	message_start_time;
	uint64_t	message_end_time;
	uint64_t	chunk_start_offset;
	uint64_t	chunk_length;
	McapBytes	message_index_offsets;	/* (uint16 channel, uint64 offset)
										 * pairs, without length prefix */
	uint64_t	message_index_length;
	McapString	compression;
	uint64_t	compressed_size;
	uint64_t	uncompressed_size;
} McapChunkIndex;

typedef struct McapAttachment
{
	uint64_t	log_time;
	uint64_t	create_time;
	McapString	name;
	McapString	media_type;
	McapBytes	data;
	uint32_t	crc;
} McapAttachment;

typedef struct McapAttachmentIndex
{
	uint64_t	offset;
	uint64_t	length;
	uint64_t	log_time;
	uint64_t	create_time;
	uint64_t	data_size;
	McapString	name;
	McapString	media_type;
} McapAttachmentIndex;

typedef struct McapStatistics
{
	uint64_t	message_count;
	uint16_t	schema_count;
	uint32_t	channel_count;
	uint32_t	attachment_count;
	uint32_t	metadata_count;
	uint32_t	chunk_count;
	uint64_t	message_start_time;
	uint64_t	message_end_time;
	McapBytes	channel_message_counts; /* (uint16 channel, uint64 count)
										 * pairs, without length prefix */
} McapStatistics;

typedef struct McapMetadata
{
	McapString	name;
	McapStringMap metadata;
} McapMetadata;

typedef struct McapMetadataIndex
{
	uint64_t	offset;
	uint64_t	length;
	McapString	name;
} McapMetadataIndex;

typedef struct McapSummaryOffset
{
	uint8_t		group_opcode;
	uint64_t	group_start;
	uint64_t	group_length;
} McapSummaryOffset;

typedef struct McapDataEnd
{
	uint32_t	data_section_crc;
} McapDataEnd;

/*
 * One record.  "offset" is the file offset of the record's opcode byte; for
 * a record read from inside a chunk, "chunk_offset" is the file offset of
 * that chunk and "offset" is the offset inside the decompressed records.
 */
typedef struct McapRecord
{
	uint8_t		opcode;
	bool		in_chunk;
	uint64_t	offset;
	uint64_t	chunk_offset;
	McapBytes	body;			/* the record's content, after the prefix */
	union
	{
		McapHeader	header;
		McapFooter	footer;
		McapSchema	schema;
		McapChannel channel;
		McapMessage message;
		McapChunk	chunk;
		McapMessageIndex message_index;
		McapChunkIndex chunk_index;
		McapAttachment attachment;
		McapAttachmentIndex attachment_index;
		McapStatistics statistics;
		McapMetadata metadata;
		McapMetadataIndex metadata_index;
		McapSummaryOffset summary_offset;
		McapDataEnd data_end;
	}			u;
} McapRecord;

/*
 * Parse the body of a record whose opcode is known (0x01-0x0F).  Trailing
 * bytes after the fields the specification defines are ignored.  Views in
 * *out point into body.  Returns MCAP_OK or an error (truncated field...).
 */
extern McapStatus mcap_parse_record(uint8_t opcode, const uint8_t *body,
									uint64_t len, McapRecord *out,
									McapError *err);

/*
 * Check the leading magic and the record framing of a stream in memory,
 * without decompressing chunks.  A stream cut short passes; a wrong magic,
 * a known record whose fields overrun it, or a footer not followed by the
 * closing magic fail with the offset of the problem.
 */
extern McapStatus mcap_validate(const uint8_t *data, size_t len,
								McapError *err);

/* ----------------------------------------------------------------
 * Streaming reader
 *
 * Reads a file front to back, record by record, in bounded memory: the
 * largest buffer it holds is one record (capped by max_record_bytes) or one
 * decompressed chunk (capped by max_chunk_bytes).  It works over a byte
 * source (for large objects and files) or over a buffer in memory (zero
 * copy).
 *
 * With expand_chunks, the records inside a chunk are returned in its place
 * (in_chunk set) and the Chunk record itself is not; MessageIndex records
 * are returned unless skip_message_indexes is set.  Only Schema, Channel
 * and Message records are taken from inside a chunk (the specification
 * allows no others); anything else there is skipped and counted.
 *
 * A damaged file is read as far as it can be: a chunk that fails its CRC or
 * fails to decompress is skipped and counted, and a file cut short ends the
 * stream after its last complete record.  mcap_reader_recovery() then says
 * what was dropped.  Only a stream that does not start with the magic, or an
 * I/O error, is fatal.
 * ----------------------------------------------------------------
 */

/* Read up to len bytes into buf.  Returns bytes read, 0 at end, -1 on error. */
typedef int64_t (*McapReadFn) (void *ctx, uint8_t *buf, size_t len);

typedef struct McapReaderOptions
{
	uint64_t	max_chunk_bytes;	/* 0 = MCAP_DEFAULT_MAX_CHUNK_BYTES */
	uint64_t	max_record_bytes;	/* 0 = MCAP_DEFAULT_MAX_RECORD_BYTES */
	bool		expand_chunks;
	bool		skip_message_indexes;
	bool		skip_crc_checks;

	/*
	 * End before a record the stream ends inside, returning nothing of it
	 * (not even the complete records of a cut chunk's prefix): a live
	 * ingest reads the stream again from there once more bytes arrived.
	 */
	bool		stop_before_incomplete;
} McapReaderOptions;

/* Fill with defaults: caps as above, expand_chunks, CRCs checked. */
extern void mcap_reader_options_init(McapReaderOptions *opts);

/*
 * What a reader found wrong, filled as it goes; final after
 * mcap_reader_next() returned 0.
 */
#define MCAP_MAX_PROBLEMS 16

typedef struct McapRecovery
{
	bool		complete;		/* footer and closing magic were read */
	bool		truncated;		/* the stream ended inside a record */
	uint64_t	bytes_read;		/* bytes consumed from the source */
	uint64_t	valid_end;		/* offset just past the last good record */
	uint64_t	bytes_dropped;	/* bytes after valid_end, and skipped chunks */
	uint64_t	chunks_skipped; /* bad CRC, bad compression, too large */
	uint64_t	records_skipped;	/* malformed records skipped */
	bool		trailing_data;	/* bytes after the closing magic */
	uint64_t	trailing_offset;
	uint32_t	problem_count;	/* may exceed MCAP_MAX_PROBLEMS */
	McapError	problems[MCAP_MAX_PROBLEMS];	/* the first ones */
} McapRecovery;

typedef struct McapReader McapReader;

/* Open over a buffer.  data must outlive the reader.  NULL on error. */
extern McapReader *mcap_reader_open_memory(const uint8_t *data, size_t len,
										   const McapReaderOptions *opts,
										   McapError *err);

/* Open over a byte source.  NULL on error. */
extern McapReader *mcap_reader_open_source(McapReadFn read, void *ctx,
										   const McapReaderOptions *opts,
										   McapError *err);

/*
 * Next record.  Returns 1 with *rec filled, 0 at the end of the stream
 * (including a damaged end: see mcap_reader_recovery), -1 on a fatal error.
 */
extern int	mcap_reader_next(McapReader *reader, McapRecord *rec,
							 McapError *err);

extern const McapRecovery *mcap_reader_recovery(const McapReader *reader);

/*
 * Where a stream read in pieces continues (reader_resume.c).  A reader
 * opened with stop_before_incomplete that reached the end of what it was
 * given says where the next record starts and the state of its running
 * checksums there; a reader opened at that point over the bytes from it on
 * (without the opening magic) goes on as if the stream had been read
 * whole.  When the stream ended inside a record too large to keep, the
 * point is past that record: the bytes up to it are to be dropped.
 */
typedef struct McapResumePoint
{
	uint64_t	offset;			/* where the next record starts */
	bool		after_footer;	/* the closing magic comes next */
	bool		data_crc_active;
	bool		summary_crc_active;
	uint32_t	data_crc;
	uint32_t	summary_crc;
	uint64_t	summary_crc_start;
} McapResumePoint;

#define MCAP_RESUME_POINT_SIZE 32

extern void mcap_reader_resume_point(const McapReader *reader,
									 McapResumePoint *at);
extern McapReader *mcap_reader_open_resumed(const uint8_t *data, size_t len,
											const McapResumePoint *at,
											const McapReaderOptions *opts,
											McapError *err);
/* A resume point as bytes, to be kept between pieces, and back. */
extern void mcap_resume_point_encode(const McapResumePoint *at,
									 uint8_t out[MCAP_RESUME_POINT_SIZE]);
extern bool mcap_resume_point_decode(const uint8_t *in, size_t len,
									 McapResumePoint *at);

extern void mcap_reader_close(McapReader *reader);

/*
 * Describe a recovery as a short sentence ("complete", "truncated at offset
 * 644968 inside a Chunk record; 1 chunk skipped: ..."), into buf.
 */
extern void mcap_recovery_describe(const McapRecovery *rec, char *buf,
								   size_t buflen);

/* ----------------------------------------------------------------
 * Summary and indexed reading (over a buffer in memory)
 * ----------------------------------------------------------------
 */
typedef struct McapSummary
{
	bool		from_summary;	/* read from a valid summary section;
								 * otherwise built by a linear scan */
	McapError	summary_error;	/* why the summary section was not used:
								 * code MCAP_OK when it was, or when the file
								 * simply has none */
	McapHeader	header;
	McapFooter	footer;
	bool		has_statistics;
	McapStatistics statistics;
	/* schemas and channels sorted by id, each id once */
	McapSchema *schemas;
	size_t		schema_count;
	McapChannel *channels;
	size_t		channel_count;
	McapChunkIndex *chunk_indexes;	/* in file order */
	size_t		chunk_index_count;
	McapAttachmentIndex *attachment_indexes;
	size_t		attachment_index_count;
	McapMetadataIndex *metadata_indexes;
	size_t		metadata_index_count;
	void	   *owned;			/* private: copies of records found inside
								 * compressed chunks, freed with the summary */
} McapSummary;

/*
 * Read the summary of a file held in memory: footer, then the summary
 * section.  When the summary is missing or invalid, falls back to a linear
 * scan to find schemas, channels, chunks, attachments and metadata.  Views
 * point into data, or into copies the summary owns (for schemas and
 * channels found inside compressed chunks).  Free with mcap_summary_free().
 */
extern McapSummary *mcap_summary_read(const uint8_t *data, size_t len,
									  const McapReaderOptions *opts,
									  McapError *err);
extern void mcap_summary_free(McapSummary *summary);

/* Lookups in a summary; NULL when absent. */
extern const McapSchema *mcap_summary_schema(const McapSummary *summary,
											 uint16_t id);
extern const McapChannel *mcap_summary_channel(const McapSummary *summary,
											   uint16_t id);

/*
 * Messages of a set of channels (NULL/0 = all) with start <= log_time <=
 * end, in log-time order, ties in file order.  Uses chunk indexes to skip
 * chunks that cannot match; an empty message-index map in a chunk index
 * means "unknown", not "no messages".
 */
typedef struct McapMessageIter McapMessageIter;

extern McapMessageIter *mcap_messages_open(const uint8_t *data, size_t len,
										   const McapSummary *summary,
										   const uint16_t *channel_ids,
										   size_t channel_count,
										   uint64_t start, uint64_t end,
										   const McapReaderOptions *opts,
										   McapError *err);

/*
 * 1 with *msg (valid until the next call), 0 at the end, -1 on error.
 * Chunks that overlap in time are held in memory together, each with 24
 * bytes per matching message (less than its records); if that would take
 * more than twice max_chunk_bytes, the iteration fails with
 * MCAP_ERR_TOO_LARGE.  One chunk of the largest size always fits.
 * Top-level messages take 24 bytes each too (less than their records).
 */
extern int	mcap_messages_next(McapMessageIter *iter, McapMessage *msg,
							   McapError *err);
extern void mcap_messages_close(McapMessageIter *iter);

/*
 * What the iteration skipped so far (chunks that fail to decompress or
 * fail their CRC, index entries that point nowhere); final after
 * mcap_messages_next() returned 0.  Only the problem and skip counters are
 * used.
 */
extern const McapRecovery *mcap_messages_recovery(const McapMessageIter *iter);

/* ----------------------------------------------------------------
 * Decompression (one reusable context per reader or caller)
 * ----------------------------------------------------------------
 */
typedef struct McapDecompressor McapDecompressor;

extern McapDecompressor *mcap_decompressor_new(void);
extern void mcap_decompressor_free(McapDecompressor *dec);

/*
 * Decompress src with the named compression ("" = none, "zstd", "lz4"
 * frame) into dst, which must hold exactly dst_len bytes: the decompressed
 * size must equal dst_len.
 */
extern McapStatus mcap_decompress(McapDecompressor *dec, McapString compression,
								  const uint8_t *src, size_t src_len,
								  uint8_t *dst, size_t dst_len,
								  McapError *err);

/* ----------------------------------------------------------------
 * Checksums
 * ----------------------------------------------------------------
 */
extern uint32_t mcap_crc32_update(uint32_t crc, const void *data, size_t len);

/* crc32 (IEEE, as MCAP uses) of a whole buffer */
static inline uint32_t
mcap_crc32(const void *data, size_t len)
{
	return mcap_crc32_update(0, data, len);
}

/* ----------------------------------------------------------------
 * Growable byte buffer, used by the writer and by callers building records
 * ----------------------------------------------------------------
 */
typedef struct McapBuffer
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	bool		failed;			/* an allocation failed; contents invalid */
} McapBuffer;

extern void mcap_buffer_init(McapBuffer *buf);
extern void mcap_buffer_free(McapBuffer *buf);
extern void mcap_buffer_reset(McapBuffer *buf);
extern bool mcap_buffer_reserve(McapBuffer *buf, size_t extra);
extern void mcap_buffer_append(McapBuffer *buf, const void *data, size_t len);
extern void mcap_buffer_append_u8(McapBuffer *buf, uint8_t v);
extern void mcap_buffer_append_u16(McapBuffer *buf, uint16_t v);
extern void mcap_buffer_append_u32(McapBuffer *buf, uint32_t v);
extern void mcap_buffer_append_u64(McapBuffer *buf, uint64_t v);
extern void mcap_buffer_append_string(McapBuffer *buf, McapString s);

/* Append one complete Message record (prefix and body) to buf. */
extern void mcap_buffer_append_message(McapBuffer *buf, const McapMessage *msg);

/* ----------------------------------------------------------------
 * Compression (one reusable context per writer or caller)
 *
 * zstd output is one frame with the content size in its header; lz4 output
 * is one LZ4 frame with its content size.  These are what every MCAP reader
 * decodes.  The contexts are kept between calls, so compressing many chunks
 * or segments allocates only when the output buffer grows.
 * ----------------------------------------------------------------
 */
typedef struct McapCompressor McapCompressor;

/* NULL if out of memory. */
extern McapCompressor *mcap_compressor_new(void);
extern void mcap_compressor_free(McapCompressor *comp);

/*
 * Compress src with the named compression ("" = copy, "zstd", "lz4") and
 * append the result to out.  level 0 means the library's default (zstd 3,
 * lz4 fast); zstd takes negative levels too, lz4 levels from 3 use lz4hc.
 */
extern McapStatus mcap_compress(McapCompressor *comp, McapString compression,
								int level, const uint8_t *src, size_t len,
								McapBuffer *out, McapError *err);

/* ----------------------------------------------------------------
 * Writer
 *
 * Writes an indexed MCAP file: header, schemas and channels, chunked
 * messages with message indexes, metadata and attachments, then a summary
 * (schemas, channels, statistics, chunk, attachment and metadata indexes,
 * summary offsets) and the footer.  Output goes to a sink callback.
 * ----------------------------------------------------------------
 */

/* Write len bytes; return false on failure. */
typedef bool (*McapWriteFn) (void *ctx, const uint8_t *data, size_t len);

typedef struct McapWriterOptions
{
	const char *profile;		/* "" if NULL */
	const char *library;		/* "hdaq" if NULL */
	const char *compression;	/* "zstd" (default), "lz4" or "" */
	int			compression_level;	/* 0 = library default */
	uint64_t	chunk_size;		/* target uncompressed chunk size; 0 = 1 MiB */
	bool		no_crcs;		/* write zero CRCs */
} McapWriterOptions;

extern void mcap_writer_options_init(McapWriterOptions *opts);

typedef struct McapWriter McapWriter;

extern McapWriter *mcap_writer_open(McapWriteFn write, void *ctx,
									const McapWriterOptions *opts,
									McapError *err);

/* Schemas and channels must be added before messages that use them. */
extern McapStatus mcap_writer_add_schema(McapWriter *w, const McapSchema *s,
										 McapError *err);
extern McapStatus mcap_writer_add_channel(McapWriter *w, const McapChannel *c,
										  McapError *err);
extern McapStatus mcap_writer_add_message(McapWriter *w, const McapMessage *m,
										  McapError *err);
extern McapStatus mcap_writer_add_metadata(McapWriter *w,
										   const McapMetadata *md,
										   McapError *err);
extern McapStatus mcap_writer_add_attachment(McapWriter *w,
											 const McapAttachment *a,
											 McapError *err);

/*
 * Close the open chunk now (it is written even if smaller than chunk_size),
 * so that the next message starts a new one.  No-op without messages.
 */
extern McapStatus mcap_writer_flush_chunk(McapWriter *w, McapError *err);

/*
 * Copy an already-compressed chunk into the output as is, after closing the
 * open chunk.  chunk->records are the compressed records; the other fields
 * are written as given.  indexes are the chunk's MessageIndex records (one
 * per channel, entries as (log_time, offset-in-uncompressed-records)); the
 * statistics count one message per entry and take the chunk's start and
 * end times.  Every channel must have been added.
 */
extern McapStatus mcap_writer_add_raw_chunk(McapWriter *w,
											const McapChunk *chunk,
											const McapMessageIndex *indexes,
											size_t index_count,
											McapError *err);

/* Flush the last chunk, write the summary, footer and magic. */
extern McapStatus mcap_writer_finish(McapWriter *w, McapError *err);
extern void mcap_writer_close(McapWriter *w);

/* ----------------------------------------------------------------
 * Info: what `mcap info` shows about a file, as a structure (info_read.c),
 * as JSON told to a visitor (info_walk.c) and as JSON text (info_json.c).
 * hdaq.info() and `hdaq info` both show it.  The file is read once, through the streaming reader, counting what
 * is really there (Statistics records are not trusted).
 *
 * Channels and schemas defined more than once with the same id are kept
 * as first defined.  Names and topics longer than 4096 bytes are cut
 * there, maps larger than 64 KiB are kept empty, and past 64 MiB of kept
 * text further strings are not kept (present false): a hostile file
 * cannot make the info large.  A message on a channel that was never
 * defined gets a channel entry with defined false and no topic.
 * ----------------------------------------------------------------
 */

/* Text from the file, as its bytes: not NUL-terminated, maybe not UTF-8. */
typedef struct McapInfoText
{
	const char *data;			/* "" when len is 0 */
	size_t		len;
	bool		present;		/* false: not in the file, or not kept */
} McapInfoText;

typedef struct McapInfoSchema
{
	uint16_t	id;
	McapInfoText name;
	McapInfoText encoding;
	uint64_t	size;			/* bytes of schema data */
} McapInfoSchema;

typedef struct McapInfoChannel
{
	uint16_t	id;
	bool		defined;		/* false: messages on a channel never defined */
	uint16_t	schema_id;
	const McapInfoSchema *schema;	/* NULL: no schema with schema_id */
	McapInfoText topic;
	McapInfoText message_encoding;
	McapStringMap metadata;		/* empty when not kept */
	uint64_t	message_count;
	uint64_t	start_time;		/* log times, when message_count > 0 */
	uint64_t	end_time;
	bool		has_rate;		/* two messages or more, over a nonzero span */
	double		rate_hz;		/* (message_count - 1) / (end - start) */
} McapInfoChannel;

/* The chunks of one compression ("" for uncompressed chunks). */
typedef struct McapInfoCompression
{
	McapInfoText compression;
	uint64_t	count;
	uint64_t	compressed_bytes;
	uint64_t	uncompressed_bytes;
} McapInfoCompression;

typedef struct McapInfoMetadata
{
	McapInfoText name;
	McapStringMap map;			/* empty when not kept */
} McapInfoMetadata;

typedef struct McapInfoAttachment
{
	McapInfoText name;
	McapInfoText media_type;
	uint64_t	size;			/* bytes of attachment data */
	uint64_t	log_time;
	uint64_t	create_time;
} McapInfoAttachment;

typedef struct McapInfo
{
	bool		has_header;
	McapInfoText profile;		/* not present without a header */
	McapInfoText library;
	uint64_t	message_count;
	uint64_t	start_time;		/* log times, when message_count > 0 */
	uint64_t	end_time;
	uint64_t	duration_ns;	/* end - start, 0 without messages */
	size_t		channel_count;
	const McapInfoChannel *channels;	/* by id */
	size_t		schema_count;
	const McapInfoSchema *schemas;	/* by id */
	uint64_t	chunk_count;
	uint64_t	chunk_compressed_bytes;
	uint64_t	chunk_uncompressed_bytes;
	size_t		compression_count;	/* distinct compressions, at most 16 */
	const McapInfoCompression *compressions;	/* in the order first seen */
	size_t		metadata_count;
	const McapInfoMetadata *metadata;	/* in file order */
	size_t		attachment_count;
	const McapInfoAttachment *attachments;	/* in file order */
	McapRecovery recovery;		/* complete, or what was recovered */
} McapInfo;

/*
 * Read the whole stream of reader (a source or memory) and describe it.
 * NULL (with err) on a fatal read error or when memory runs out.  Free
 * with mcap_info_free().
 */
extern McapInfo *mcap_info_read(McapReader *reader, McapError *err);
extern void mcap_info_free(McapInfo *info);

/*
 * An info as JSON text, appended to out (out->failed when memory ran out).
 * The shape, with times as integer nanoseconds, *_iso members the same
 * instants as ISO-8601 UTC text, null where a value does not exist, and
 * U+FFFD (written \ufffd) for each byte of a string that is not UTF-8 and
 * for NUL:
 *
 *	{
 *	  "header": {"profile": "...", "library": "..."},
 *	  "message_count": 25068,
 *	  "start_time": 1709094215389013938, "start_time_iso": "2024-...Z",
 *	  "end_time": 1709094635800132506, "end_time_iso": "2024-...Z",
 *	  "duration_ns": 420411118568, "duration_s": 420.411118568,
 *	  "channels": [				-- by id
 *	    {"id": 1, "topic": "...", "message_encoding": "protobuf",
 *	     "metadata": {"k": "v"}, "schema_id": 1,
 *	     "schema_name": "..." | null, "schema_encoding": "..." | null,
 *	     "message_count": 100, "start_time": ..., "end_time": ...,
 *	     "rate_hz": 10.0 | null}
 *	  ],
 *	  "schemas": [{"id": 1, "name": "...", "encoding": "...", "size": 1234}],
 *	  "chunks": {"count": 3, "compressed_bytes": ..., "uncompressed_bytes": ...,
 *	             "by_compression": [{"compression": "zstd", "count": 3,
 *	                                 "compressed_bytes": ...,
 *	                                 "uncompressed_bytes": ...}]},
 *	  "metadata": [{"name": "...", "metadata": {"k": "v"}}],
 *	  "attachments": [{"name": "...", "media_type": "...", "size": 42,
 *	                   "log_time": ..., "create_time": ...}],
 *	  "recovery": {...}			-- mcap_recovery_json()
 *	}
 */
extern void mcap_info_to_json(const McapInfo *info, McapBuffer *out);

/*
 * The info's JSON, told to a visitor (info_walk.c): the one place that says
 * which members the info has, in which order, and which are null, so that
 * JSON text (mcap_info_to_json) and jsonb built by the caller agree.  Names
 * of members and strings are passed as bytes: the info's own names are
 * ASCII, but metadata keys and every string from the file may be any bytes
 * (a consumer makes them valid, as mcap_info_to_json writes \ufffd for each
 * bad byte and for NUL).  Numbers are passed as their JSON text: integers
 * exactly, doubles by the fewest of 15-17 significant digits that read back.
 */
typedef struct McapInfoVisitor
{
	void		(*begin_object) (void *ctx);
	void		(*end_object) (void *ctx);
	void		(*begin_array) (void *ctx);
	void		(*end_array) (void *ctx);
	void		(*key) (void *ctx, const char *data, size_t len);
	void		(*string) (void *ctx, const char *data, size_t len);
	void		(*number) (void *ctx, const char *text);
	void		(*boolean) (void *ctx, bool value);
	void		(*null) (void *ctx);
} McapInfoVisitor;

extern void mcap_info_walk(const McapInfo *info, const McapInfoVisitor *v,
						   void *ctx);

/* The recovery object alone, as in the info's "recovery" member. */
extern void mcap_recovery_walk(const McapRecovery *rec,
							   const McapInfoVisitor *v, void *ctx);

/* mcap_info_read() and mcap_info_to_json() in one call. */
extern McapStatus mcap_info_json(McapReader *reader, McapBuffer *out,
								 McapError *err);

/*
 * A recovery as a JSON object (the "recovery" member of the info JSON, and
 * what ingest stores): complete, truncated, description, bytes_read,
 * valid_end, bytes_dropped, chunks_skipped, records_skipped, trailing_data,
 * trailing_offset, problem_count, problems [{status, offset, message}].
 */
extern void mcap_recovery_json(const McapRecovery *rec, McapBuffer *out);

/* Length of a problem's message (its NUL, or the whole array if none). */
extern size_t mcap_error_message_length(const McapError *e);

/*
 * Nanoseconds since the Unix epoch as ISO-8601 UTC text to the nanosecond,
 * "2024-02-28T04:23:35.389013938Z".  buf needs MCAP_ISO_TIME_SIZE bytes.
 */
#define MCAP_ISO_TIME_SIZE 64
extern void mcap_format_iso_time(uint64_t ns, char *buf, size_t buflen);

#endif							/* HDAQ_MCAP_H */
