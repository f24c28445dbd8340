/*-------------------------------------------------------------------------
 *
 * column_encode.c
 *	  Encoding a leaf block: times as deltas of deltas, values by the
 *	  smallest of Gorilla XOR, integer deltas and plain bit patterns, the
 *	  body then compressed with zstd when that makes it smaller.
 *
 *-------------------------------------------------------------------------
 */
#include "column_int.h"

#include <math.h>
#include <stdlib.h>

#include <zstd.h>

HdColumnCodec *
hd_column_codec_new(void)
{
	return calloc(1, sizeof(HdColumnCodec));
}

void
hd_column_codec_free(HdColumnCodec *codec)
{
	if (codec == NULL)
		return;
	ZSTD_freeCCtx(codec->cctx);
	ZSTD_freeDCtx(codec->dctx);
	for (int i = 0; i < HD_COLUMN_SCRATCH; i++)
		free(codec->scratch[i]);
	free(codec);
}

size_t
hd_column_encode_bound(size_t count)
{
	size_t		body = hd_column_body_bound(count);
	size_t		z = ZSTD_compressBound(body);

	return HD_COLUMN_HEADER_SIZE + (z > body ? z : body);
}

/* Scratch buffer i of at least cap bytes, or NULL. */
uint8_t *
hd_column_scratch(HdColumnCodec *codec, int i, size_t cap)
{
	if (codec->scratch_cap[i] < cap)
	{
		uint8_t    *p = realloc(codec->scratch[i], cap);

		if (p == NULL)
			return NULL;
		codec->scratch[i] = p;
		codec->scratch_cap[i] = cap;
	}
	return codec->scratch[i];
}

/* Deltas of deltas as zigzag varints, in wrapping arithmetic (exact). */
static void
put_times(HdColumnWriter *w, const int64_t *times, size_t count)
{
	uint64_t	prev = 0;
	uint64_t	prev_delta = 0;

	for (size_t i = 0; i < count; i++)
	{
		uint64_t	t = (uint64_t) times[i];
		uint64_t	delta = t - prev;

		hd_put_varint(w, hd_zigzag(delta - prev_delta));
		prev_delta = delta;
		prev = t;
	}
}

/* Gorilla: XOR with the previous value's bits, reusing the previous window. */
static void
put_gorilla(HdColumnWriter *w, const double *values, size_t count)
{
	uint64_t	prev = 0;
	int			lead = -1;		/* no window yet */
	int			trail = 0;

	for (size_t i = 0; i < count; i++)
	{
		uint64_t	v = hd_double_bits(values[i]);
		uint64_t	x = v ^ prev;

		prev = v;
		if (i == 0)
		{
			hd_put_bits(w, v, 64);
			continue;
		}
		if (x == 0)
		{
			hd_put_bits(w, 0, 1);
			continue;
		}
		{
			int			l = __builtin_clzll(x);
			int			t = __builtin_ctzll(x);

			if (lead >= 0 && l >= lead && t >= trail)
			{
				hd_put_bits(w, 2, 2);	/* '10': the previous window */
				hd_put_bits(w, x >> trail, 64 - lead - trail);
			}
			else
			{
				int			len = 64 - l - t;

				hd_put_bits(w, 3, 2);	/* '11': a new window */
				hd_put_bits(w, (uint64_t) l, 6);
				hd_put_bits(w, (uint64_t) (len - 1), 6);
				hd_put_bits(w, x >> t, len);
				lead = l;
				trail = t;
			}
		}
	}
	hd_flush_bits(w);
}

/* Every value an integer of magnitude below 2^53, none -0.0. */
static bool
values_are_integers(const double *values, size_t count)
{
	for (size_t i = 0; i < count; i++)
	{
		double		v = values[i];

		if (!(fabs(v) < 9007199254740992.0) || v != trunc(v) ||
			(v == 0 && signbit(v)))
			return false;
	}
	return true;
}

static void
put_int_deltas(HdColumnWriter *w, const double *values, size_t count)
{
	uint64_t	prev = 0;

	for (size_t i = 0; i < count; i++)
	{
		uint64_t	v = (uint64_t) (int64_t) values[i];

		hd_put_varint(w, hd_zigzag(v - prev));
		prev = v;
	}
}

/*
 * The loops writing bytes go through a local pointer, and add to w->len
 * once: the compiler then stores whole words instead of a byte at a time.
 */
static void
put_raw(HdColumnWriter *w, const double *values, size_t count)
{
	uint8_t    *d = w->data + w->len;

	for (size_t i = 0; i < count; i++)
	{
		uint64_t	v = hd_double_bits(values[i]);

		for (int b = 0; b < 8; b++)
			d[8 * i + b] = (uint8_t) (v >> (8 * b));
	}
	w->len += 8 * count;
}

/* The decimal exponent e (and float32 or not) that gives back every value, or -1. */
static int
decimal_exponent(const double *values, size_t count, bool *f32)
{
	for (int k = 0; k < 2; k++)
	{
		*f32 = (k == 0);
		for (int e = 0; e <= HD_COLUMN_MAX_DECIMALS; e++)
		{
			size_t		i;

			for (i = 0; i < count; i++)
			{
				double		scaled = values[i] * hd_column_pow10[e];
				double		back;

				if (!(fabs(scaled) < 9007199254740992.0))
					break;
				back = hd_column_from_decimal((int64_t) llround(scaled), e, *f32);
				if (hd_double_bits(back) != hd_double_bits(values[i]))
					break;
			}
			if (i == count)
				return e;
		}
	}
	return -1;
}

/* Decimal: one byte (exponent, float32 bit), then deltas of the scaled integers. */
static bool
put_decimal(HdColumnWriter *w, const double *values, size_t count)
{
	bool		f32;
	int			e = decimal_exponent(values, count, &f32);
	uint64_t	prev = 0;

	if (e < 0)
		return false;
	w->data[w->len++] = (uint8_t) (e | (f32 ? HD_COLUMN_DECIMAL_F32 : 0));
	for (size_t i = 0; i < count; i++)
	{
		uint64_t	k = (uint64_t) (int64_t) llround(values[i] * hd_column_pow10[e]);

		hd_put_varint(w, hd_zigzag(k - prev));
		prev = k;
	}
	return true;
}

/* Float32 planes: the float32 bits of every value, byte plane by byte plane. */
static bool
put_float32_planes(HdColumnWriter *w, const double *values, size_t count)
{
	for (size_t i = 0; i < count; i++)
	{
		double		back = (double) (float) values[i];

		if (hd_double_bits(back) != hd_double_bits(values[i]))
			return false;
	}
	for (int b = 0; b < 4; b++)
	{
		uint8_t    *d = w->data + w->len;

		for (size_t i = 0; i < count; i++)
		{
			float		f = (float) values[i];
			uint32_t	u;

			memcpy(&u, &f, sizeof(u));
			d[i] = (uint8_t) (u >> (8 * b));
		}
		w->len += count;
	}
	return true;
}

/*
 * Write the times and each value encoding that can hold the values into
 * the candidates (w[kind].data NULL: not a candidate).
 */
static HdColumnStatus
encode_bodies(HdColumnCodec *codec, const int64_t *times, const double *values,
			  size_t count, HdColumnWriter *w)
{
	size_t		cap = hd_column_body_bound(count);

	for (int i = 0; i < HD_COLUMN_NUM_VALUES; i++)
	{
		memset(&w[i], 0, sizeof(w[i]));
		if (i > 0 && values == NULL)
			continue;			/* times only: one candidate */
		w[i].data = hd_column_scratch(codec, i, cap);
		if (w[i].data == NULL)
			return HD_COLUMN_NO_MEMORY;
		w[i].cap = cap;
		if (i == 0 && times != NULL)
			put_times(&w[0], times, count);
		else if (i > 0)
		{
			memcpy(w[i].data, w[0].data, w[0].len);
			w[i].len = w[0].len;
		}
	}
	if (values == NULL)
		return HD_COLUMN_OK;
	put_gorilla(&w[HD_COLUMN_VALUES_GORILLA], values, count);
	if (values_are_integers(values, count))
		put_int_deltas(&w[HD_COLUMN_VALUES_INT_DELTA], values, count);
	else
		w[HD_COLUMN_VALUES_INT_DELTA].data = NULL;
	put_raw(&w[HD_COLUMN_VALUES_RAW], values, count);
	if (!put_decimal(&w[HD_COLUMN_VALUES_DECIMAL], values, count))
		w[HD_COLUMN_VALUES_DECIMAL].data = NULL;
	if (!put_float32_planes(&w[HD_COLUMN_VALUES_FLOAT32], values, count))
		w[HD_COLUMN_VALUES_FLOAT32].data = NULL;
	return HD_COLUMN_OK;
}

/* Header and payload of one candidate body into dst; its length in *len. */
static HdColumnStatus
pack(HdColumnCodec *codec, const HdColumnWriter *body, uint8_t flags, size_t count,
	 int zstd_level, uint8_t *dst, size_t dst_cap, size_t *len)
{
	size_t		payload = body->len;

	if (zstd_level != 0 && body->len > 0)
	{
		size_t		n;

		if (codec->cctx == NULL && (codec->cctx = ZSTD_createCCtx()) == NULL)
			return HD_COLUMN_NO_MEMORY;
		n = ZSTD_compressCCtx(codec->cctx, dst + HD_COLUMN_HEADER_SIZE,
							  dst_cap - HD_COLUMN_HEADER_SIZE,
							  body->data, body->len, zstd_level);
		if (ZSTD_isError(n))
			return HD_COLUMN_ZSTD_ERROR;
		if (n < body->len)
		{
			flags |= HD_COLUMN_FLAG_ZSTD;
			payload = n;
		}
	}
	if (!(flags & HD_COLUMN_FLAG_ZSTD))
		memcpy(dst + HD_COLUMN_HEADER_SIZE, body->data, body->len);
	dst[0] = 'H';
	dst[1] = 'C';
	dst[2] = HD_COLUMN_VERSION;
	dst[3] = flags;
	hd_put_u32(dst + 4, (uint32_t) count);
	hd_put_u32(dst + 8, (uint32_t) body->len);
	*len = HD_COLUMN_HEADER_SIZE + payload;
	return HD_COLUMN_OK;
}

static bool
times_ascending(const int64_t *times, size_t count)
{
	for (size_t i = 1; i < count; i++)
		if (times[i] < times[i - 1])
			return false;
	return true;
}

HdColumnStatus
hd_column_encode(HdColumnCodec *codec, const int64_t *times, const double *values,
				 size_t count, int zstd_level,
				 uint8_t *out, size_t out_cap, size_t *out_len)
{
	HdColumnWriter w[HD_COLUMN_NUM_VALUES];
	HdColumnStatus st;
	uint8_t		base = 0;
	uint8_t    *trial;
	size_t		best = SIZE_MAX;

	if (count > HD_COLUMN_MAX_COUNT || out_cap < hd_column_encode_bound(count))
		return HD_COLUMN_TOO_LARGE;
	if (times != NULL && !times_ascending(times, count))
		return HD_COLUMN_UNSORTED;
	st = encode_bodies(codec, times, values, count, w);
	if (st != HD_COLUMN_OK)
		return st;
	if (times == NULL)
		base |= HD_COLUMN_FLAG_NO_TIMES;
	if (values == NULL)
		base |= HD_COLUMN_FLAG_NO_VALUES;
	trial = hd_column_scratch(codec, HD_COLUMN_NUM_VALUES, out_cap);
	if (trial == NULL)
		return HD_COLUMN_NO_MEMORY;
	/* each candidate as it would be stored: the smallest is kept */
	for (int i = 0; i < HD_COLUMN_NUM_VALUES; i++)
	{
		size_t		len;

		if (w[i].data == NULL)
			continue;
		st = pack(codec, &w[i], (uint8_t) (base | i), count, zstd_level, trial,
				  out_cap, &len);
		if (st != HD_COLUMN_OK)
			return st;
		if (len < best)
		{
			memcpy(out, trial, len);
			best = len;
		}
	}
	*out_len = best;
	return HD_COLUMN_OK;
}
