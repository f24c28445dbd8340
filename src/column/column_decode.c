/*-------------------------------------------------------------------------
 *
 * column_decode.c
 *	  Decoding a leaf block, every length checked against the bytes
 *	  present: a hostile block gives an error, never a read out of bounds
 *	  or an allocation larger than the caller's capacity.
 *
 *-------------------------------------------------------------------------
 */
#include "column_int.h"

#include <stdlib.h>

#include <zstd.h>

HdColumnStatus
hd_column_peek(const uint8_t *data, size_t len, HdColumnInfo *info)
{
	uint8_t		flags;

	if (len < HD_COLUMN_HEADER_SIZE)
		return HD_COLUMN_TRUNCATED;
	if (data[0] != 'H' || data[1] != 'C' || data[2] != HD_COLUMN_VERSION)
		return HD_COLUMN_CORRUPT;
	flags = data[3];
	if ((flags & ~HD_COLUMN_FLAGS_KNOWN) != 0 ||
		(flags & HD_COLUMN_VALUES_MASK) >= HD_COLUMN_NUM_VALUES)
		return HD_COLUMN_CORRUPT;
	/* a block without values says Gorilla, the encoding of none */
	if ((flags & HD_COLUMN_FLAG_NO_VALUES) &&
		(flags & HD_COLUMN_VALUES_MASK) != HD_COLUMN_VALUES_GORILLA)
		return HD_COLUMN_CORRUPT;
	info->has_times = (flags & HD_COLUMN_FLAG_NO_TIMES) == 0;
	info->has_values = (flags & HD_COLUMN_FLAG_NO_VALUES) == 0;
	info->values = (HdColumnValues) (flags & HD_COLUMN_VALUES_MASK);
	info->zstd = (flags & HD_COLUMN_FLAG_ZSTD) != 0;
	info->count = hd_get_u32(data + 4);
	info->body_len = hd_get_u32(data + 8);
	if (info->count > HD_COLUMN_MAX_COUNT ||
		info->body_len > hd_column_body_bound(info->count))
		return HD_COLUMN_CORRUPT;
	if (!info->zstd && info->body_len != len - HD_COLUMN_HEADER_SIZE)
		return info->body_len > len - HD_COLUMN_HEADER_SIZE ?
			HD_COLUMN_TRUNCATED : HD_COLUMN_CORRUPT;
	return HD_COLUMN_OK;
}

/* The uncompressed body: in place, or decompressed into scratch space. */
static HdColumnStatus
body_bytes(HdColumnCodec *codec, const uint8_t *data, size_t len,
		   const HdColumnInfo *info, const uint8_t **body)
{
	const uint8_t *src = data + HD_COLUMN_HEADER_SIZE;
	size_t		src_len = len - HD_COLUMN_HEADER_SIZE;
	unsigned long long declared;
	size_t		n;

	if (!info->zstd)
	{
		*body = src;
		return HD_COLUMN_OK;
	}
	declared = ZSTD_getFrameContentSize(src, src_len);
	if (declared == ZSTD_CONTENTSIZE_ERROR)
		return HD_COLUMN_CORRUPT;
	if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != info->body_len)
		return HD_COLUMN_CORRUPT;
	if (hd_column_scratch(codec, 0, (size_t) info->body_len + 1) == NULL)
		return HD_COLUMN_NO_MEMORY;
	if (codec->dctx == NULL && (codec->dctx = ZSTD_createDCtx()) == NULL)
		return HD_COLUMN_NO_MEMORY;
	n = ZSTD_decompressDCtx(codec->dctx, codec->scratch[0], info->body_len,
							src, src_len);
	if (ZSTD_isError(n))
		return HD_COLUMN_CORRUPT;
	if (n != info->body_len)
		return HD_COLUMN_CORRUPT;
	*body = codec->scratch[0];
	return HD_COLUMN_OK;
}

static bool
get_times(HdColumnReader *r, int64_t *times, size_t count)
{
	uint64_t	prev = 0;
	uint64_t	prev_delta = 0;

	for (size_t i = 0; i < count; i++)
	{
		uint64_t	dod;

		if (!hd_get_varint(r, &dod))
			return false;
		prev_delta += hd_unzigzag(dod);
		prev += prev_delta;
		times[i] = (int64_t) prev;
		/* an encoder never writes times out of order */
		if (i > 0 && times[i] < times[i - 1])
			return false;
	}
	return true;
}

static bool
get_gorilla(HdColumnReader *r, double *values, size_t count)
{
	uint64_t	prev = 0;
	int			lead = -1;
	int			trail = 0;

	r->bitpos = r->pos * 8;
	for (size_t i = 0; i < count; i++)
	{
		uint64_t	bit;
		uint64_t	x;

		if (i == 0)
		{
			if (!hd_get_bits(r, 64, &prev))
				return false;
			values[0] = hd_bits_double(prev);
			continue;
		}
		if (!hd_get_bits(r, 1, &bit))
			return false;
		if (bit == 0)
		{
			values[i] = hd_bits_double(prev);
			continue;
		}
		if (!hd_get_bits(r, 1, &bit))
			return false;
		if (bit == 1)
		{
			uint64_t	l;
			uint64_t	len;

			if (!hd_get_bits(r, 6, &l) || !hd_get_bits(r, 6, &len))
				return false;
			len += 1;
			if (l + len > 64)
				return false;
			lead = (int) l;
			trail = (int) (64 - l - len);
		}
		else if (lead < 0)
			return false;		/* the previous window before any window */
		if (!hd_get_bits(r, 64 - lead - trail, &x))
			return false;
		prev ^= x << trail;
		values[i] = hd_bits_double(prev);
	}
	/* what is left is the padding of the last byte: fewer than 8 zero bits */
	if (r->len * 8 - r->bitpos >= 8)
		return false;
	if (r->bitpos < r->len * 8)
	{
		uint64_t	pad;

		if (!hd_get_bits(r, (int) (r->len * 8 - r->bitpos), &pad) || pad != 0)
			return false;
	}
	r->pos = r->len;
	return true;
}

static bool
get_raw(HdColumnReader *r, double *values, size_t count)
{
	if (r->len - r->pos < count * 8)
		return false;
	for (size_t i = 0; i < count; i++)
	{
		uint64_t	v = 0;

		for (int b = 0; b < 8; b++)
			v |= ((uint64_t) r->data[r->pos + b]) << (8 * b);
		r->pos += 8;
		values[i] = hd_bits_double(v);
	}
	return true;
}

/* The exponent byte of decimal and scaled values: e and the float32 bit, or false. */
static bool
get_exponent(HdColumnReader *r, int *e, bool *f32)
{
	uint8_t		head;

	if (r->pos >= r->len)
		return false;
	head = r->data[r->pos++];
	*e = head & 0x0f;
	*f32 = (head & HD_COLUMN_DECIMAL_F32) != 0;
	return (head & ~(0x0fu | HD_COLUMN_DECIMAL_F32)) == 0 && *e <= HD_COLUMN_MAX_DECIMALS;
}

/* count zigzag deltas of the integers k, each value k / 10^e */
static bool
get_scaled_deltas(HdColumnReader *r, double *values, size_t count, int e, bool f32)
{
	uint64_t	prev = 0;

	for (size_t i = 0; i < count; i++)
	{
		uint64_t	d;

		if (!hd_get_varint(r, &d))
			return false;
		prev += hd_unzigzag(d);
		values[i] = hd_column_from_decimal((int64_t) prev, e, f32);
	}
	return true;
}

static bool
get_decimal(HdColumnReader *r, double *values, size_t count)
{
	int			e;
	bool		f32;

	return get_exponent(r, &e, &f32) && get_scaled_deltas(r, values, count, e, f32);
}

/* Scaled: as decimal, then the exceptions, each at a position after the last. */
static bool
get_scaled(HdColumnReader *r, double *values, size_t count)
{
	int			e;
	bool		f32;
	uint64_t	nexc;
	uint64_t	next = 0;		/* the smallest position the next exception may take */

	if (!get_exponent(r, &e, &f32) || !get_scaled_deltas(r, values, count, e, f32) ||
		!hd_get_varint(r, &nexc) || nexc > count)
		return false;
	for (uint64_t x = 0; x < nexc; x++)
	{
		uint64_t	gap;
		uint64_t	bits = 0;

		if (!hd_get_varint(r, &gap) || gap >= count - next || r->len - r->pos < 8)
			return false;
		next += gap;
		for (int b = 0; b < 8; b++)
			bits |= ((uint64_t) r->data[r->pos + b]) << (8 * b);
		r->pos += 8;
		values[next++] = hd_bits_double(bits);
	}
	return true;
}

static bool
get_float32_planes(HdColumnReader *r, double *values, size_t count)
{
	if (r->len - r->pos < count * 4)
		return false;
	for (size_t i = 0; i < count; i++)
	{
		uint32_t	u = 0;
		float		f;

		for (int b = 0; b < 4; b++)
			u |= ((uint32_t) r->data[r->pos + b * count + i]) << (8 * b);
		memcpy(&f, &u, sizeof(f));
		values[i] = (double) f;
	}
	r->pos += count * 4;
	return true;
}

static bool
get_values(HdColumnReader *r, HdColumnValues kind, double *values, size_t count)
{
	switch (kind)
	{
		case HD_COLUMN_VALUES_GORILLA:
			return count == 0 || get_gorilla(r, values, count);
		case HD_COLUMN_VALUES_INT_DELTA:
			/* integers: k / 10^0 */
			return get_scaled_deltas(r, values, count, 0, false);
		case HD_COLUMN_VALUES_RAW:
			return get_raw(r, values, count);
		case HD_COLUMN_VALUES_DECIMAL:
			return get_decimal(r, values, count);
		case HD_COLUMN_VALUES_FLOAT32:
			return get_float32_planes(r, values, count);
		case HD_COLUMN_VALUES_SCALED:
			return get_scaled(r, values, count);
	}
	return false;
}

HdColumnStatus
hd_column_decode(HdColumnCodec *codec, const uint8_t *data, size_t len,
				 int64_t *times, double *values, size_t cap, size_t *count)
{
	HdColumnInfo info;
	HdColumnStatus st;
	HdColumnReader r;
	const uint8_t *body;

	st = hd_column_peek(data, len, &info);
	if (st != HD_COLUMN_OK)
		return st;
	if (info.count > cap)
		return HD_COLUMN_TOO_LARGE;
	st = body_bytes(codec, data, len, &info, &body);
	if (st != HD_COLUMN_OK)
		return st;
	memset(&r, 0, sizeof(r));
	r.data = body;
	r.len = info.body_len;
	if ((info.has_times && (times == NULL || !get_times(&r, times, info.count))) ||
		(info.has_values && (values == NULL ||
							 !get_values(&r, info.values, values, info.count))) ||
		r.pos != r.len)
		return HD_COLUMN_CORRUPT;
	*count = info.count;
	return HD_COLUMN_OK;
}
