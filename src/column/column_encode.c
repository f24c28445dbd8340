/*-------------------------------------------------------------------------
 *
 * column_encode.c
 *	  Encoding a leaf block: times as deltas of deltas, values by the
 *	  smallest of Gorilla XOR, scaled integers with exceptions, float32
 *	  byte planes and plain bit patterns, the body then compressed with
 *	  zstd when that makes it smaller.
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

/* k = round(v * 10^e) when v fits, and whether k / 10^e gives v back to the bit. */
static inline bool
scaled_integer(double v, int e, bool f32, int64_t *k)
{
	double		scaled = v * hd_column_pow10[e];

	if (!(fabs(scaled) < 9007199254740992.0))
		return false;
	*k = (int64_t) llround(scaled);
	return hd_double_bits(hd_column_from_decimal(*k, e, f32)) == hd_double_bits(v);
}

/*
 * The exponent e and float32 flag that give back the most of a sample of
 * the values (the smallest e among equals), as e | HD_COLUMN_DECIMAL_F32;
 * -1 when even the best misses more than one value in
 * HD_COLUMN_SCALED_EXCEPTIONS.
 */
static int
scaled_exponent(const double *values, size_t count)
{
	size_t		n = count < HD_COLUMN_SCALED_SAMPLE ? count : HD_COLUMN_SCALED_SAMPLE;
	size_t		best_misses = n / HD_COLUMN_SCALED_EXCEPTIONS + 1;
	int			best = -1;

	for (int f = 0; f < 2 && best_misses > 0; f++)
	{
		bool		f32 = (f == 0);

		for (int e = 0; e <= HD_COLUMN_MAX_DECIMALS && best_misses > 0; e++)
		{
			size_t		misses = 0;
			int64_t		k;

			for (size_t s = 0; s < n && misses < best_misses; s++)
				if (!scaled_integer(values[s * count / n], e, f32, &k))
					misses++;
			if (misses < best_misses)
			{
				best_misses = misses;
				best = e | (f32 ? HD_COLUMN_DECIMAL_F32 : 0);
			}
		}
	}
	return best;
}

/*
 * Scaled: one byte (exponent, float32 bit), count zigzag deltas of the
 * integers k (an exception repeats the previous k), then the number of
 * exceptions and each as the gap from the previous one's position and
 * its 8 bytes.  *written is false when too many values are exceptions.
 */
static HdColumnStatus
put_scaled(HdColumnCodec *codec, HdColumnWriter *w, const double *values,
		   size_t count, bool *written)
{
	int			head = scaled_exponent(values, count);
	size_t		limit = count / HD_COLUMN_SCALED_EXCEPTIONS;
	uint32_t   *exceptions;
	size_t		nexc = 0;
	uint64_t	prev = 0;
	int			e;
	bool		f32;

	*written = false;
	if (head < 0)
		return HD_COLUMN_OK;
	e = head & 0x0f;
	f32 = (head & HD_COLUMN_DECIMAL_F32) != 0;
	exceptions = (uint32_t *) hd_column_scratch(codec, HD_COLUMN_SCRATCH_EXCEPTIONS,
												sizeof(uint32_t) * (limit + 1));
	if (exceptions == NULL)
		return HD_COLUMN_NO_MEMORY;
	w->data[w->len++] = (uint8_t) head;
	for (size_t i = 0; i < count; i++)
	{
		int64_t		k;

		if (!scaled_integer(values[i], e, f32, &k))
		{
			if (nexc == limit)
				return HD_COLUMN_OK;
			exceptions[nexc++] = (uint32_t) i;
			k = (int64_t) prev;
		}
		hd_put_varint(w, hd_zigzag((uint64_t) k - prev));
		prev = (uint64_t) k;
	}
	hd_put_varint(w, nexc);
	for (size_t x = 0; x < nexc; x++)
	{
		uint64_t	bits = hd_double_bits(values[exceptions[x]]);

		hd_put_varint(w, x == 0 ? exceptions[0] : exceptions[x] - exceptions[x - 1] - 1);
		for (int b = 0; b < 8; b++)
			w->data[w->len++] = (uint8_t) (bits >> (8 * b));
	}
	*written = true;
	return HD_COLUMN_OK;
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

	bool		written;
	HdColumnStatus st;

	for (int i = 0; i < HD_COLUMN_NUM_VALUES; i++)
	{
		memset(&w[i], 0, sizeof(w[i]));
		if (i > 0 && values == NULL)
			continue;			/* times only: one candidate */
		if (i == HD_COLUMN_VALUES_INT_DELTA || i == HD_COLUMN_VALUES_DECIMAL)
			continue;			/* read, no longer written */
		w[i].data = hd_column_scratch(codec, i, cap);
		if (w[i].data == NULL)
			return HD_COLUMN_NO_MEMORY;
		w[i].cap = cap;
		if (i == 0 && times != NULL)
			put_times(&w[0], times, count);
		else if (i > 0)
		{
			/* the times are in w[0] (Gorilla is never skipped) */
			memcpy(w[i].data, w[0].data, w[0].len);
			w[i].len = w[0].len;
		}
	}
	if (values == NULL)
		return HD_COLUMN_OK;
	put_gorilla(&w[HD_COLUMN_VALUES_GORILLA], values, count);
	st = put_scaled(codec, &w[HD_COLUMN_VALUES_SCALED], values, count, &written);
	if (st != HD_COLUMN_OK)
		return st;
	if (written)
	{
		w[HD_COLUMN_VALUES_RAW].data = NULL;
		w[HD_COLUMN_VALUES_FLOAT32].data = NULL;
		return HD_COLUMN_OK;
	}
	w[HD_COLUMN_VALUES_SCALED].data = NULL;
	put_raw(&w[HD_COLUMN_VALUES_RAW], values, count);
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
	trial = hd_column_scratch(codec, HD_COLUMN_SCRATCH_TRIAL, out_cap);
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
