/*-------------------------------------------------------------------------
 *
 * chunk.c
 *	  Turning a Chunk record into the bytes of the records it holds: size
 *	  cap, decompression into a reusable buffer, CRC check.  Shared by the
 *	  streaming reader, the summary's linear scan and indexed iteration.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdlib.h>

void
mcap_chunk_buffer_free(McapChunkBuffer *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->cap = 0;
}

/* Make buf hold at least size bytes (never less than 1). */
static McapStatus
chunk_buffer_reserve(McapChunkBuffer *buf, uint64_t size, McapError *err)
{
	uint8_t    *grown;

	if (size == 0)
		size = 1;
	if (size <= buf->cap)
		return MCAP_OK;
	if (size > SIZE_MAX)
		return mcap_error_set(err, MCAP_ERR_TOO_LARGE, 0,
							  "chunk of %llu bytes does not fit in memory",
							  (unsigned long long) size);
	/* the old contents are not needed: free first to keep the peak low */
	free(buf->data);
	buf->cap = 0;
	grown = malloc((size_t) size);
	buf->data = grown;
	if (grown == NULL)
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate %llu bytes for a chunk",
							  (unsigned long long) size);
	buf->cap = (size_t) size;
	return MCAP_OK;
}

static McapStatus
check_chunk_size(const McapChunk *chunk, uint64_t max_chunk_bytes,
				 McapError *err)
{
	if (chunk->uncompressed_size > max_chunk_bytes)
		return mcap_error_set(err, MCAP_ERR_TOO_LARGE, 0,
							  "chunk declares %llu uncompressed bytes, more than the limit of %llu",
							  (unsigned long long) chunk->uncompressed_size,
							  (unsigned long long) max_chunk_bytes);
	if (!mcap_compression_supported(chunk->compression))
		return mcap_error_set(err, MCAP_ERR_UNSUPPORTED, 0,
							  "unsupported chunk compression \"%.*s\"",
							  (int) (chunk->compression.len > 32 ?
									 32 : chunk->compression.len),
							  chunk->compression.data);
	return MCAP_OK;
}

McapStatus
mcap_chunk_load(McapDecompressor *dec, const McapChunk *chunk,
				uint64_t max_chunk_bytes, bool check_crc,
				McapChunkBuffer *buf, McapBytes *out, McapError *err)
{
	McapStatus	st;
	uint32_t	crc;

	st = check_chunk_size(chunk, max_chunk_bytes, err);
	if (st != MCAP_OK)
		return st;
	if (chunk->compression.len == 0)
	{
		if (chunk->records.len != chunk->uncompressed_size)
			return mcap_error_set(err, MCAP_ERR_CORRUPT, 0,
								  "uncompressed chunk holds %llu bytes, declares %llu",
								  (unsigned long long) chunk->records.len,
								  (unsigned long long) chunk->uncompressed_size);
		*out = chunk->records;
	}
	else
	{
		st = chunk_buffer_reserve(buf, chunk->uncompressed_size, err);
		if (st != MCAP_OK)
			return st;
		st = mcap_decompress(dec, chunk->compression, chunk->records.data,
							 (size_t) chunk->records.len, buf->data,
							 (size_t) chunk->uncompressed_size, err);
		if (st != MCAP_OK)
			return st;
		out->data = buf->data;
		out->len = chunk->uncompressed_size;
	}
	if (check_crc && chunk->uncompressed_crc != 0)
	{
		crc = mcap_crc32(out->data, (size_t) out->len);
		if (crc != chunk->uncompressed_crc)
			return mcap_error_set(err, MCAP_ERR_CRC, 0,
								  "chunk CRC is %08x, records' CRC is %08x",
								  chunk->uncompressed_crc, crc);
	}
	return MCAP_OK;
}

McapStatus
mcap_chunk_load_prefix(McapDecompressor *dec, McapString compression,
					   const uint8_t *src, size_t src_len,
					   uint64_t uncompressed_size, uint64_t max_chunk_bytes,
					   McapChunkBuffer *buf, McapBytes *out, McapError *err)
{
	McapChunk	chunk = {0};
	McapStatus	st;
	size_t		produced = 0;

	chunk.compression = compression;
	chunk.uncompressed_size = uncompressed_size;
	st = check_chunk_size(&chunk, max_chunk_bytes, err);
	if (st != MCAP_OK)
		return st;
	if (compression.len == 0)
	{
		out->data = src;
		out->len = src_len < uncompressed_size ? src_len : uncompressed_size;
		return MCAP_OK;
	}
	st = chunk_buffer_reserve(buf, uncompressed_size, err);
	if (st != MCAP_OK)
		return st;
	st = mcap_decompress_prefix(dec, compression, src, src_len, buf->data,
								(size_t) uncompressed_size, &produced, err);
	out->data = buf->data;
	out->len = produced;
	return st;
}
