/*-------------------------------------------------------------------------
 *
 * column_int.h
 *	  Internals of the leaf block codec: growing byte buffers, zigzag
 *	  varints and bit streams, each read with its bounds checked.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_COLUMN_INT_H
#define HDAQ_COLUMN_INT_H

#include "column.h"

#include <string.h>

#define HD_COLUMN_VERSION 1
#define HD_COLUMN_VALUES_MASK 7u
#define HD_COLUMN_FLAG_ZSTD (1u << 3)
#define HD_COLUMN_FLAG_NO_TIMES (1u << 4)
#define HD_COLUMN_FLAG_NO_VALUES (1u << 5)
#define HD_COLUMN_FLAGS_KNOWN (HD_COLUMN_VALUES_MASK | HD_COLUMN_FLAG_ZSTD | \
							   HD_COLUMN_FLAG_NO_TIMES | HD_COLUMN_FLAG_NO_VALUES)
/* decimal values: the exponent byte's float32 bit, and the largest exponent */
#define HD_COLUMN_DECIMAL_F32 0x10u
#define HD_COLUMN_MAX_DECIMALS 9
/* a varint is at most 10 bytes; a Gorilla value at most 2 + 12 + 64 bits */
#define HD_COLUMN_VARINT_MAX 10
#define HD_COLUMN_GORILLA_MAX_BITS 78

/*
 * Scaled values: at most one value in HD_COLUMN_SCALED_EXCEPTIONS kept
 * whole (with a sample of HD_COLUMN_SCALED_SAMPLE values to pick e), so
 * the body stays within hd_column_body_bound: a scaled delta is at most 8
 * varint bytes (|k| < 2^53), an exception 1 + 3 + 8.
 */
#define HD_COLUMN_SCALED_EXCEPTIONS 8
#define HD_COLUMN_SCALED_SAMPLE 64

/* encoded bodies (one per value encoding), one packed trial, exception positions */
#define HD_COLUMN_SCRATCH_TRIAL HD_COLUMN_NUM_VALUES
#define HD_COLUMN_SCRATCH_EXCEPTIONS (HD_COLUMN_NUM_VALUES + 1)
#define HD_COLUMN_SCRATCH (HD_COLUMN_NUM_VALUES + 2)

struct HdColumnCodec
{
	void	   *cctx;			/* ZSTD_CCtx, created on first use */
	void	   *dctx;			/* ZSTD_DCtx, created on first use */
	uint8_t    *scratch[HD_COLUMN_SCRATCH];
	size_t		scratch_cap[HD_COLUMN_SCRATCH];
};

static const double hd_column_pow10[HD_COLUMN_MAX_DECIMALS + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9
};

/*
 * A decimal (or scaled) value back from its integer: the one formula of
 * both sides.
 */
static inline double
hd_column_from_decimal(int64_t k, int e, bool f32)
{
	double		v = (double) k / hd_column_pow10[e];

	return f32 ? (double) (float) v : v;
}

/* scratch buffer i of the codec, grown to at least cap bytes; NULL if out of memory */
extern uint8_t *hd_column_scratch(HdColumnCodec *codec, int i, size_t cap);

/* ---- writing ------------------------------------------------------------ */

/* A byte buffer of fixed capacity (sized by the caller from the bound). */
typedef struct HdColumnWriter
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	uint64_t	bits;			/* bits not yet flushed, most significant first */
	int			nbits;
} HdColumnWriter;

static inline uint64_t
hd_zigzag(uint64_t v)
{
	return (v << 1) ^ (uint64_t) (-(int64_t) (v >> 63));
}

static inline uint64_t
hd_unzigzag(uint64_t v)
{
	return (v >> 1) ^ (uint64_t) (-(int64_t) (v & 1));
}

static inline void
hd_put_varint(HdColumnWriter *w, uint64_t v)
{
	while (v >= 0x80)
	{
		w->data[w->len++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	w->data[w->len++] = (uint8_t) v;
}

/* Append the low n bits of v (n 1..64). */
static inline void
hd_put_bits(HdColumnWriter *w, uint64_t v, int n)
{
	while (n > 0)
	{
		int			take = n > 8 ? 8 : n;
		int			shift = n - take;
		uint64_t	chunk = (v >> shift) & ((1u << take) - 1);

		w->bits = (w->bits << take) | chunk;
		w->nbits += take;
		n -= take;
		if (w->nbits >= 8)
		{
			w->data[w->len++] = (uint8_t) (w->bits >> (w->nbits - 8));
			w->nbits -= 8;
			w->bits &= (((uint64_t) 1) << w->nbits) - 1;
		}
	}
}

/* Flush the last partial byte, padded with zero bits. */
static inline void
hd_flush_bits(HdColumnWriter *w)
{
	if (w->nbits > 0)
		w->data[w->len++] = (uint8_t) (w->bits << (8 - w->nbits));
	w->bits = 0;
	w->nbits = 0;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct HdColumnReader
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;			/* bytes */
	size_t		bitpos;			/* bits, for bit streams */
} HdColumnReader;

static inline bool
hd_get_varint(HdColumnReader *r, uint64_t *out)
{
	uint64_t	v = 0;

	for (int i = 0; i < HD_COLUMN_VARINT_MAX; i++)
	{
		uint8_t		b;

		if (r->pos >= r->len)
			return false;
		b = r->data[r->pos++];
		/* the tenth byte holds one bit */
		if (i == HD_COLUMN_VARINT_MAX - 1 && b > 1)
			return false;
		v |= ((uint64_t) (b & 0x7f)) << (7 * i);
		if ((b & 0x80) == 0)
		{
			*out = v;
			return true;
		}
	}
	return false;
}

/* Read n bits (1..64) from the bit stream; false past the end. */
static inline bool
hd_get_bits(HdColumnReader *r, int n, uint64_t *out)
{
	uint64_t	v = 0;

	if (r->bitpos > r->len * 8 || (size_t) n > r->len * 8 - r->bitpos)
		return false;
	while (n > 0)
	{
		size_t		byte = r->bitpos >> 3;
		int			off = (int) (r->bitpos & 7);
		int			avail = 8 - off;
		int			take = n < avail ? n : avail;
		uint64_t	chunk = (r->data[byte] >> (avail - take)) & ((1u << take) - 1);

		v = (v << take) | chunk;
		r->bitpos += take;
		n -= take;
	}
	*out = v;
	return true;
}

static inline uint64_t
hd_double_bits(double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static inline double
hd_bits_double(uint64_t u)
{
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static inline void
hd_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

static inline uint32_t
hd_get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* the longest encoded body of count pairs, any value encoding */
static inline size_t
hd_column_body_bound(size_t count)
{
	/* times, then values: a Gorilla value (78 bits) fits in a varint's 10 bytes */
	return 2 * count * HD_COLUMN_VARINT_MAX + 8;
}

#endif							/* HDAQ_COLUMN_INT_H */
