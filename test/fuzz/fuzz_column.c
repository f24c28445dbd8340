/*-------------------------------------------------------------------------
 *
 * fuzz_column.c
 *	  libFuzzer target: the leaf block codec (src/column).
 *
 * The first input byte picks what the rest is.  Even: a leaf block as
 * stored, decoded with a capacity of 4096 pairs; one that decodes is
 * encoded again (with what it held: times, values or both) and must
 * decode to the same pairs to the bit.  Odd: pairs of (time, value) as 16
 * raw bytes each, times sorted, encoded at the level bits 1-2 pick,
 * without times when bit 3 is set and without values when bit 4 is, and
 * decoded back to the bit.  With bit 5 set, most values are made scaled:
 * a value's 8 bytes are an int32 k, an exponent byte e (k / 10^(e % 10),
 * a float32 widened when e >= 128) and three spare bytes; the bytes are
 * kept as they are (an exception) when the first byte is 0xEE.
 *
 *-------------------------------------------------------------------------
 */
#include "column.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP 4096

static HdColumnCodec *codec;
static int64_t times[CAP];
static double values[CAP];
static int64_t back_times[CAP];
static double back_values[CAP];

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_time(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * Encode count pairs (with times, values or both), decode them, and stop
 * the run on any difference.
 */
static void
round_trip(size_t count, int level, bool with_times, bool with_values)
{
	size_t		cap = hd_column_encode_bound(count);
	uint8_t    *buf = malloc(cap);
	size_t		len;
	size_t		got;

	if (buf == NULL)
		return;
	if (hd_column_encode(codec, with_times ? times : NULL, with_values ? values : NULL,
						 count, level, buf, cap, &len) != HD_COLUMN_OK ||
		hd_column_decode(codec, buf, len, back_times, back_values, CAP, &got) != HD_COLUMN_OK ||
		got != count ||
		(with_times && memcmp(times, back_times, count * sizeof(int64_t)) != 0) ||
		(with_values && memcmp(values, back_values, count * sizeof(double)) != 0))
	{
		fprintf(stderr, "%zu pairs do not round-trip\n", count);
		abort();
	}
	free(buf);
}

/* A value of a few decimals from 8 input bytes, or the bytes themselves. */
static double
scaled_value(const uint8_t *p)
{
	static const double pow10[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	int32_t		k;
	double		v;

	if (p[0] == 0xEE)
	{
		memcpy(&v, p, 8);
		return v;
	}
	memcpy(&k, p, 4);
	v = (double) k / pow10[p[4] % 10];
	return p[4] >= 128 ? (double) (float) v : v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		count;

	if (codec == NULL && (codec = hd_column_codec_new()) == NULL)
		return 0;
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0)
	{
		HdColumnInfo info;

		if (hd_column_decode(codec, data + 1, size - 1, times, values, CAP, &count) == HD_COLUMN_OK &&
			hd_column_peek(data + 1, size - 1, &info) == HD_COLUMN_OK)
			round_trip(count, 1, info.has_times, info.has_values);
		return 0;
	}
	count = (size - 1) / 16;
	if (count > CAP)
		count = CAP;
	for (size_t i = 0; i < count; i++)
	{
		memcpy(&times[i], data + 1 + 16 * i, 8);
		if (data[0] & 32)
			values[i] = scaled_value(data + 1 + 16 * i + 8);
		else
			memcpy(&values[i], data + 1 + 16 * i + 8, 8);
	}
	qsort(times, count, sizeof(int64_t), cmp_time);
	round_trip(count, (data[0] >> 1) & 3, (data[0] & 8) == 0, (data[0] & 16) == 0);
	return 0;
}
