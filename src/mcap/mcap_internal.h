/*-------------------------------------------------------------------------
 *
 * mcap_internal.h
 *	  Declarations shared by the files of the MCAP core but not part of its
 *	  public API: the bounds-checked little-endian cursor every parser uses,
 *	  error formatting, chunk loading and record splitting.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MCAP_INTERNAL_H
#define HDAQ_MCAP_INTERNAL_H

#include "mcap.h"

#if defined(__GNUC__) || defined(__clang__)
#define MCAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MCAP_PRINTF(f, a)
#endif

/* ----------------------------------------------------------------
 * Errors (status.c)
 * ----------------------------------------------------------------
 */

/* Fill *err (which may be NULL) and return code. */
extern McapStatus mcap_error_set(McapError *err, McapStatus code,
								 uint64_t offset, const char *fmt,...)
			MCAP_PRINTF(4, 5);

/* Add offset to err->offset: turn a record-relative offset into a file one. */
extern void mcap_error_shift(McapError *err, uint64_t base);

/* Record a problem in a recovery report (keeps the first ones). */
extern void mcap_recovery_add_problem(McapRecovery *rec, const McapError *e);

/* ----------------------------------------------------------------
 * Little-endian decoding and the bounds-checked cursor (record.c)
 * ----------------------------------------------------------------
 */
static inline uint16_t
mcap_load_u16(const uint8_t *p)
{
	return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t
mcap_load_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline uint64_t
mcap_load_u64(const uint8_t *p)
{
	return (uint64_t) mcap_load_u32(p) | ((uint64_t) mcap_load_u32(p + 4) << 32);
}

/*
 * A read position inside a bounded byte range.  Every read checks that the
 * bytes are there; a failed read leaves the cursor where it was and returns
 * false.
 */
typedef struct McapCursor
{
	const uint8_t *data;
	uint64_t	len;
	uint64_t	pos;
} McapCursor;

static inline void
mcap_cursor_init(McapCursor *c, const uint8_t *data, uint64_t len)
{
	c->data = data;
	c->len = len;
	c->pos = 0;
}

static inline uint64_t
mcap_cursor_left(const McapCursor *c)
{
	return c->len - c->pos;
}

extern bool mcap_cursor_u8(McapCursor *c, uint8_t *v);
extern bool mcap_cursor_u16(McapCursor *c, uint16_t *v);
extern bool mcap_cursor_u32(McapCursor *c, uint32_t *v);
extern bool mcap_cursor_u64(McapCursor *c, uint64_t *v);
extern bool mcap_cursor_bytes(McapCursor *c, uint64_t n, McapBytes *v);
extern bool mcap_cursor_string(McapCursor *c, McapString *v);
extern bool mcap_cursor_bytes32(McapCursor *c, McapBytes *v);
extern bool mcap_cursor_bytes64(McapCursor *c, McapBytes *v);

/*
 * Split the record that starts at pos in data[0..len): 1 with its opcode and
 * body, 0 when pos == len, -1 when the record does not fit (its prefix or
 * body goes past len).
 */
extern int	mcap_split_record(const uint8_t *data, uint64_t len, uint64_t pos,
							  uint8_t *opcode, McapBytes *body);

/* Opcodes 0x01-0x0F are defined; everything else is skipped. */
static inline bool
mcap_opcode_known(uint8_t opcode)
{
	return opcode >= MCAP_OP_HEADER && opcode <= MCAP_OP_DATA_END;
}

/* ----------------------------------------------------------------
 * Chunks (chunk.c)
 * ----------------------------------------------------------------
 */

/* A reusable buffer for decompressed chunk records. */
typedef struct McapChunkBuffer
{
	uint8_t    *data;
	size_t		cap;
} McapChunkBuffer;

/*
 * Make a chunk's records available in *out: zero copy for an uncompressed
 * chunk, else decompressed into buf (grown as needed).  Checks the size cap
 * and, when check_crc and the CRC is non-zero, the uncompressed CRC.  Error
 * offsets are relative to the chunk body.
 */
extern McapStatus mcap_chunk_load(McapDecompressor *dec, const McapChunk *chunk,
								  uint64_t max_chunk_bytes, bool check_crc,
								  McapChunkBuffer *buf, McapBytes *out,
								  McapError *err);

/*
 * Decompress as much of a cut-short chunk as its bytes allow, into buf;
 * *out gets the decompressed prefix (possibly empty).
 */
extern McapStatus mcap_chunk_load_prefix(McapDecompressor *dec,
										 McapString compression,
										 const uint8_t *src, size_t src_len,
										 uint64_t uncompressed_size,
										 uint64_t max_chunk_bytes,
										 McapChunkBuffer *buf, McapBytes *out,
										 McapError *err);

extern void mcap_chunk_buffer_free(McapChunkBuffer *buf);

/* ----------------------------------------------------------------
 * Decompression internals (decompress.c)
 * ----------------------------------------------------------------
 */

/* Decompress up to dst_cap bytes of a possibly cut-short stream. */
extern McapStatus mcap_decompress_prefix(McapDecompressor *dec,
										 McapString compression,
										 const uint8_t *src, size_t src_len,
										 uint8_t *dst, size_t dst_cap,
										 size_t *produced, McapError *err);

/* Is this a compression mcap_decompress understands? */
extern bool mcap_compression_supported(McapString compression);

/* ----------------------------------------------------------------
 * JSON text (json.c)
 * ----------------------------------------------------------------
 */

/*
 * Append a JSON string literal.  Invalid UTF-8 becomes U+FFFD, so the
 * output is valid JSON whatever the bytes.
 */
extern void mcap_json_string(McapBuffer *out, const char *s, size_t len);
extern void mcap_json_cstring(McapBuffer *out, const char *s);
extern void mcap_json_u64(McapBuffer *out, uint64_t v);

/*
 * A number's JSON text in buf (MCAP_NUMBER_TEXT_SIZE bytes), returning its
 * length: an integer exactly; a finite double with the fewest of 15, 16 or
 * 17 significant digits that read back as it, "null" for the others.
 */
#define MCAP_NUMBER_TEXT_SIZE 40
extern size_t mcap_number_text_u64(uint64_t v, char *buf);
extern size_t mcap_number_text_double(double v, char *buf);

/* A uint64 as a JSON string of its decimal digits. */
extern void mcap_json_u64_string(McapBuffer *out, uint64_t v);
extern void mcap_json_double(McapBuffer *out, double v);
extern void mcap_json_raw(McapBuffer *out, const char *text);

/* ----------------------------------------------------------------
 * Reader internals (reader.c)
 * ----------------------------------------------------------------
 */

/*
 * Make the reader return each Chunk record before the records inside it
 * (with expand_chunks).  Must be called before the first record is read.
 */
extern void mcap_reader_report_chunks(McapReader *reader);

/* Does a string view equal a C string? */
extern bool mcap_string_eq(McapString s, const char *cstr);

#endif							/* HDAQ_MCAP_INTERNAL_H */
