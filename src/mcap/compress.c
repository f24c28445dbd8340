/*-------------------------------------------------------------------------
 *
 * compress.c
 *	  Compression of MCAP chunk records: zstd and lz4, as every MCAP reader
 *	  expects them.
 *
 * zstd output is one frame with its content size in the frame header.  lz4
 * output is one LZ4 frame (not a raw block) with its content size, which is
 * what the official readers decode.  A compressor keeps one zstd and one
 * lz4 context and reuses them, so compressing many chunks or segments does
 * not allocate beyond growing the output buffer.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <zstd.h>

struct McapCompressor
{
	ZSTD_CCtx  *zstd;			/* created on first zstd use */
	LZ4F_cctx  *lz4;			/* created on first lz4 use */
};

McapCompressor *
mcap_compressor_new(void)
{
	return calloc(1, sizeof(McapCompressor));
}

void
mcap_compressor_free(McapCompressor *comp)
{
	if (comp == NULL)
		return;
	ZSTD_freeCCtx(comp->zstd);
	LZ4F_freeCompressionContext(comp->lz4);
	free(comp);
}

static McapStatus
compress_zstd(McapCompressor *comp, int level, const uint8_t *src,
			  size_t len, McapBuffer *out, McapError *err)
{
	size_t		bound = ZSTD_compressBound(len);
	size_t		n;

	if (comp->zstd == NULL && (comp->zstd = ZSTD_createCCtx()) == NULL)
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate a zstd context");
	if (!mcap_buffer_reserve(out, bound))
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate %zu bytes for zstd output",
							  bound);

	/* ZSTD_compress2 starts a new frame; parameters stay between calls */
	n = ZSTD_CCtx_setParameter(comp->zstd, ZSTD_c_compressionLevel,
							   level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
	if (!ZSTD_isError(n))
		n = ZSTD_CCtx_setParameter(comp->zstd, ZSTD_c_contentSizeFlag, 1);
	if (!ZSTD_isError(n))
		n = ZSTD_compress2(comp->zstd, out->data + out->len, bound, src, len);
	if (ZSTD_isError(n))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "zstd compression failed: %s",
							  ZSTD_getErrorName(n));
	out->len += n;
	return MCAP_OK;
}

static McapStatus
compress_lz4(McapCompressor *comp, int level, const uint8_t *src,
			 size_t len, McapBuffer *out, McapError *err)
{
	LZ4F_preferences_t prefs;
	size_t		bound;
	size_t		pos = 0;
	size_t		n;
	uint8_t    *dst;

	if (comp->lz4 == NULL &&
		LZ4F_isError(LZ4F_createCompressionContext(&comp->lz4, LZ4F_VERSION)))
	{
		comp->lz4 = NULL;
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate an lz4 context");
	}

	memset(&prefs, 0, sizeof(prefs));
	prefs.frameInfo.contentSize = len;
	prefs.compressionLevel = level;
	prefs.autoFlush = 1;

	bound = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(len, &prefs);
	if (!mcap_buffer_reserve(out, bound))
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate %zu bytes for lz4 output",
							  bound);
	dst = out->data + out->len;

	n = LZ4F_compressBegin(comp->lz4, dst, bound, &prefs);
	if (!LZ4F_isError(n))
	{
		pos += n;
		n = LZ4F_compressUpdate(comp->lz4, dst + pos, bound - pos,
								src, len, NULL);
	}
	if (!LZ4F_isError(n))
	{
		pos += n;
		n = LZ4F_compressEnd(comp->lz4, dst + pos, bound - pos, NULL);
	}
	if (LZ4F_isError(n))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "lz4 compression failed: %s",
							  LZ4F_getErrorName(n));
	out->len += pos + n;
	return MCAP_OK;
}

McapStatus
mcap_compress(McapCompressor *comp, McapString compression, int level,
			  const uint8_t *src, size_t len, McapBuffer *out,
			  McapError *err)
{
	if (comp == NULL || out == NULL || (src == NULL && len > 0))
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "mcap_compress: missing compressor, input or output");
	if (out->failed)
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "output buffer is in a failed state");

	if (mcap_string_eq(compression, "zstd"))
		return compress_zstd(comp, level, src, len, out, err);
	if (mcap_string_eq(compression, "lz4"))
		return compress_lz4(comp, level, src, len, out, err);
	if (mcap_string_eq(compression, ""))
	{
		mcap_buffer_append(out, src, len);
		if (out->failed)
			return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
								  "cannot allocate %zu bytes", len);
		return MCAP_OK;
	}
	return mcap_error_set(err, MCAP_ERR_UNSUPPORTED, 0,
						  "unsupported compression \"%.*s\"",
						  (int) (compression.len > 32 ? 32 : compression.len),
						  compression.data);
}
