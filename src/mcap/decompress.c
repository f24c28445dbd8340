/*-------------------------------------------------------------------------
 *
 * decompress.c
 *	  Decompressing chunk records: none, zstd and lz4 (frame format).
 *
 * A McapDecompressor holds one zstd and one lz4 context, created on first
 * use and reused for every chunk after that.  mcap_decompress() insists on
 * the exact decompressed size the chunk declares; mcap_decompress_prefix()
 * recovers what it can of a stream that was cut short.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <zstd.h>

struct McapDecompressor
{
	ZSTD_DCtx  *zstd;
	LZ4F_dctx  *lz4;
};

typedef enum Codec
{
	CODEC_NONE,
	CODEC_ZSTD,
	CODEC_LZ4,
	CODEC_UNKNOWN
} Codec;

static Codec
codec_of(McapString compression)
{
	if (compression.len == 0)
		return CODEC_NONE;
	if (mcap_string_eq(compression, "zstd"))
		return CODEC_ZSTD;
	if (mcap_string_eq(compression, "lz4"))
		return CODEC_LZ4;
	return CODEC_UNKNOWN;
}

bool
mcap_compression_supported(McapString compression)
{
	return codec_of(compression) != CODEC_UNKNOWN;
}

McapDecompressor *
mcap_decompressor_new(void)
{
	return calloc(1, sizeof(McapDecompressor));
}

void
mcap_decompressor_free(McapDecompressor *dec)
{
	if (dec == NULL)
		return;
	ZSTD_freeDCtx(dec->zstd);
	if (dec->lz4 != NULL)
		LZ4F_freeDecompressionContext(dec->lz4);
	free(dec);
}

static bool
ensure_zstd(McapDecompressor *dec)
{
	if (dec->zstd == NULL)
		dec->zstd = ZSTD_createDCtx();
	return dec->zstd != NULL;
}

static bool
ensure_lz4(McapDecompressor *dec)
{
	if (dec->lz4 == NULL &&
		LZ4F_isError(LZ4F_createDecompressionContext(&dec->lz4, LZ4F_VERSION)))
		dec->lz4 = NULL;
	return dec->lz4 != NULL;
}

static McapStatus
unsupported(McapString compression, McapError *err)
{
	return mcap_error_set(err, MCAP_ERR_UNSUPPORTED, 0,
						  "unsupported chunk compression \"%.*s\"",
						  (int) (compression.len > 32 ? 32 : compression.len),
						  compression.data);
}

static McapStatus
decompress_zstd(McapDecompressor *dec, const uint8_t *src, size_t src_len,
				uint8_t *dst, size_t dst_len, McapError *err)
{
	unsigned long long declared;
	size_t		n;

	declared = ZSTD_getFrameContentSize(src, src_len);
	if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
		declared != ZSTD_CONTENTSIZE_ERROR && declared != dst_len)
		return mcap_error_set(err, MCAP_ERR_DECOMPRESS, 0,
							  "zstd frame holds %llu bytes, chunk declares %zu",
							  declared, dst_len);
	n = ZSTD_decompressDCtx(dec->zstd, dst, dst_len, src, src_len);
	if (ZSTD_isError(n))
		return mcap_error_set(err, MCAP_ERR_DECOMPRESS, 0,
							  "zstd: %s", ZSTD_getErrorName(n));
	if (n != dst_len)
		return mcap_error_set(err, MCAP_ERR_DECOMPRESS, 0,
							  "zstd data holds %zu bytes, chunk declares %zu",
							  n, dst_len);
	return MCAP_OK;
}

/*
 * Run LZ4F over src into dst until the input is used up, the output is
 * full, or decoding stops making progress.  *produced and *consumed say how
 * far it got; *finished is set when the input ended exactly at a frame end.
 */
static McapStatus
run_lz4(LZ4F_dctx *ctx, const uint8_t *src, size_t src_len,
		uint8_t *dst, size_t dst_cap, size_t *produced, size_t *consumed,
		bool *finished)
{
	size_t		in_pos = 0;
	size_t		out_pos = 0;
	size_t		hint = 1;

	LZ4F_resetDecompressionContext(ctx);
	while (in_pos < src_len)
	{
		size_t		in_n = src_len - in_pos;
		size_t		out_n = dst_cap - out_pos;

		hint = LZ4F_decompress(ctx, dst + out_pos, &out_n, src + in_pos,
							   &in_n, NULL);
		if (LZ4F_isError(hint))
		{
			*produced = out_pos;
			*consumed = in_pos;
			*finished = false;
			return MCAP_ERR_DECOMPRESS;
		}
		in_pos += in_n;
		out_pos += out_n;
		if (in_n == 0 && out_n == 0)
			break;
	}
	*produced = out_pos;
	*consumed = in_pos;
	*finished = (hint == 0 && in_pos == src_len);
	return MCAP_OK;
}

static McapStatus
decompress_lz4(McapDecompressor *dec, const uint8_t *src, size_t src_len,
			   uint8_t *dst, size_t dst_len, McapError *err)
{
	size_t		produced;
	size_t		consumed;
	bool		finished;

	if (run_lz4(dec->lz4, src, src_len, dst, dst_len, &produced, &consumed,
				&finished) != MCAP_OK)
		return mcap_error_set(err, MCAP_ERR_DECOMPRESS, consumed,
							  "lz4 data is corrupt");
	if (!finished)
		return mcap_error_set(err, MCAP_ERR_DECOMPRESS, consumed,
							  "lz4 data is cut short or larger than the %zu bytes the chunk declares",
							  dst_len);
	if (produced != dst_len)
		return mcap_error_set(err, MCAP_ERR_DECOMPRESS, 0,
							  "lz4 data holds %zu bytes, chunk declares %zu",
							  produced, dst_len);
	return MCAP_OK;
}

McapStatus
mcap_decompress(McapDecompressor *dec, McapString compression,
				const uint8_t *src, size_t src_len,
				uint8_t *dst, size_t dst_len, McapError *err)
{
	switch (codec_of(compression))
	{
		case CODEC_NONE:
			if (src_len != dst_len)
				return mcap_error_set(err, MCAP_ERR_CORRUPT, 0,
									  "uncompressed chunk holds %zu bytes, declares %zu",
									  src_len, dst_len);
			if (dst_len > 0 && dst != src)
				memmove(dst, src, dst_len);
			return MCAP_OK;
		case CODEC_ZSTD:
			if (!ensure_zstd(dec))
				return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
									  "cannot create a zstd context");
			return decompress_zstd(dec, src, src_len, dst, dst_len, err);
		case CODEC_LZ4:
			if (!ensure_lz4(dec))
				return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
									  "cannot create an lz4 context");
			return decompress_lz4(dec, src, src_len, dst, dst_len, err);
		case CODEC_UNKNOWN:
			break;
	}
	return unsupported(compression, err);
}

/* Stream a possibly cut-short zstd input into dst; stop at the first error. */
static size_t
zstd_prefix(ZSTD_DCtx *ctx, const uint8_t *src, size_t src_len,
			uint8_t *dst, size_t dst_cap)
{
	ZSTD_inBuffer in = {src, src_len, 0};
	ZSTD_outBuffer out = {dst, dst_cap, 0};

	ZSTD_DCtx_reset(ctx, ZSTD_reset_session_only);
	while (in.pos < in.size && out.pos < out.size)
	{
		size_t		before_in = in.pos;
		size_t		before_out = out.pos;
		size_t		r = ZSTD_decompressStream(ctx, &out, &in);

		if (ZSTD_isError(r))
			break;
		if (in.pos == before_in && out.pos == before_out)
			break;
	}
	/* flush what the context still holds for the bytes it has consumed */
	while (out.pos < out.size)
	{
		size_t		before_out = out.pos;
		size_t		r = ZSTD_decompressStream(ctx, &out, &in);

		if (ZSTD_isError(r) || out.pos == before_out)
			break;
	}
	return out.pos;
}

McapStatus
mcap_decompress_prefix(McapDecompressor *dec, McapString compression,
					   const uint8_t *src, size_t src_len,
					   uint8_t *dst, size_t dst_cap, size_t *produced,
					   McapError *err)
{
	size_t		consumed;
	bool		finished;

	*produced = 0;
	switch (codec_of(compression))
	{
		case CODEC_NONE:
			*produced = src_len < dst_cap ? src_len : dst_cap;
			if (*produced > 0 && dst != src)
				memmove(dst, src, *produced);
			return MCAP_OK;
		case CODEC_ZSTD:
			if (!ensure_zstd(dec))
				return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
									  "cannot create a zstd context");
			*produced = zstd_prefix(dec->zstd, src, src_len, dst, dst_cap);
			return MCAP_OK;
		case CODEC_LZ4:
			if (!ensure_lz4(dec))
				return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
									  "cannot create an lz4 context");
			run_lz4(dec->lz4, src, src_len, dst, dst_cap, produced,
					&consumed, &finished);
			return MCAP_OK;
		case CODEC_UNKNOWN:
			break;
	}
	return unsupported(compression, err);
}
