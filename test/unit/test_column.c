/*-------------------------------------------------------------------------
 *
 * test_column.c
 *	  Unit tests of the leaf block codec (src/column): every series
 *	  round-trips to the bit (float32 widened, NaN payloads, infinities,
 *	  -0.0, extreme times), each block picks its smaller value encoding
 *	  (scaled with its exceptions), blocks of earlier encodings decode,
 *	  summaries agree with a plain walk and fold in time order, and hostile
 *	  blocks (cut short, bytes changed, more values than allowed) give an
 *	  error, never a read out of bounds.
 *
 * Prints "ok N - name" or "not ok N - name" per test, then one line
 * "N passed, M failed"; exits non-zero if any test failed.
 *
 *-------------------------------------------------------------------------
 */
#include "column.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define N 5000

static int64_t times[N];
static double values[N];
static int64_t back_times[N];
static double back_values[N];
static HdColumnCodec *codec;

/* a reproducible pseudo-random sequence */
static uint64_t rng = 88172645463325252ull;

static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Encode n pairs, decode them, compare to the bit; the block in *out. */
static bool
round_trip(size_t n, int level, uint8_t **out, size_t *out_len)
{
	size_t		cap = hd_column_encode_bound(n);
	uint8_t    *buf = malloc(cap);
	size_t		len = 0;
	size_t		got = 0;
	HdColumnStatus st;

	CHECK(buf != NULL, "out of memory");
	st = hd_column_encode(codec, times, values, n, level, buf, cap, &len);
	CHECK(st == HD_COLUMN_OK, "encode: %s", hd_column_status_text(st));
	CHECK(len <= cap, "wrote %zu bytes past a bound of %zu", len, cap);
	st = hd_column_decode(codec, buf, len, back_times, back_values, N, &got);
	CHECK(st == HD_COLUMN_OK, "decode: %s", hd_column_status_text(st));
	CHECK(got == n, "decoded %zu pairs of %zu", got, n);
	for (size_t i = 0; i < n; i++)
	{
		CHECK(back_times[i] == times[i], "time %zu: %lld, not %lld", i,
			  (long long) back_times[i], (long long) times[i]);
		CHECK(same_bits(back_values[i], values[i]), "value %zu: %.17g, not %.17g",
			  i, back_values[i], values[i]);
	}
	if (out)
	{
		*out = buf;
		*out_len = len;
	}
	else
		free(buf);
	return true;
}

static HdColumnValues
encoding_of(const uint8_t *block, size_t len)
{
	HdColumnInfo info;

	if (hd_column_peek(block, len, &info) != HD_COLUMN_OK)
		return (HdColumnValues) -1;
	return info.values;
}

/* 100 Hz with a little jitter, a float32 sensor drifting slowly */
static void
fill_float32_sensor(size_t n)
{
	float		v = 12.5f;

	for (size_t i = 0; i < n; i++)
	{
		times[i] = 1700000000000000000ll + (int64_t) i * 10000000 +
			(int64_t) (next_random() % 2000);
		v += (float) ((int) (next_random() % 21) - 10) * 0.01f;
		values[i] = (double) v;
	}
}

static bool
float32_widened_round_trips(void)
{
	uint8_t    *block;
	size_t		len;

	fill_float32_sensor(N);
	if (!round_trip(N, 1, &block, &len))
		return false;
	CHECK(encoding_of(block, len) != HD_COLUMN_VALUES_RAW &&
		  encoding_of(block, len) != HD_COLUMN_VALUES_INT_DELTA,
		  "a float32 series is encoded as %d", encoding_of(block, len));
	CHECK(len < (size_t) N * 6, "%zu bytes for %d pairs: no smaller than 6 bytes a pair", len, N);
	free(block);
	return true;
}

static bool
integers_take_scaled(void)
{
	uint8_t    *block;
	size_t		len;

	for (size_t i = 0; i < N; i++)
	{
		times[i] = (int64_t) i * 1000;
		values[i] = (double) (int64_t) (3000 + (next_random() % 50)) - 1000;
	}
	if (!round_trip(N, 1, &block, &len))
		return false;
	CHECK(encoding_of(block, len) == HD_COLUMN_VALUES_SCALED,
		  "an integer series is encoded as %d", encoding_of(block, len));
	free(block);
	/* -0.0 is not an integer: it survives as itself, an exception */
	values[17] = -0.0;
	if (!round_trip(N, 1, &block, &len))
		return false;
	CHECK(encoding_of(block, len) == HD_COLUMN_VALUES_SCALED,
		  "integers with one -0.0 encoded as %d", encoding_of(block, len));
	free(block);
	return true;
}

/* Values of two decimals, as doubles or as float32 widened. */
static void
fill_decimals(size_t n, bool f32)
{
	int64_t		k = 1234;

	for (size_t i = 0; i < n; i++)
	{
		times[i] = (int64_t) i * 5000000;
		k += (int64_t) (next_random() % 7) - 3;
		values[i] = f32 ? (double) (float) ((double) k / 100) : (double) k / 100;
	}
}

/* Values of a fixed number of decimals, as doubles and as float32 widened. */
static bool
decimals_take_scaled(void)
{
	uint8_t    *block;
	size_t		len;

	for (int f32 = 0; f32 <= 1; f32++)
	{
		fill_decimals(N, f32);
		if (!round_trip(N, 1, &block, &len))
			return false;
		CHECK(encoding_of(block, len) == HD_COLUMN_VALUES_SCALED,
			  "values of two decimals (float32 %d) encoded as %d", f32, encoding_of(block, len));
		free(block);
	}
	return true;
}

/*
 * Values that k / 10^e does not give back (-0.0, NaN payloads, infinities,
 * a stray value), at the first and last positions and side by side, are
 * exceptions of a scaled block; too many of them and the block is not
 * scaled.
 */
static bool
scaled_exceptions_round_trip(void)
{
	static const size_t at[] = {0, 1, 2, 999, 2500, N - 2, N - 1};
	uint64_t	payload_nan = 0x7ff4000000000123ull;
	uint8_t    *block;
	size_t		len;
	size_t		small;

	fill_decimals(N, false);
	if (!round_trip(N, 1, &block, &small))
		return false;
	free(block);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
	{
		switch (i % 4)
		{
			case 0:
				values[at[i]] = -0.0;
				break;
			case 1:
				memcpy(&values[at[i]], &payload_nan, 8);
				break;
			case 2:
				values[at[i]] = -INFINITY;
				break;
			default:
				values[at[i]] = 12.345678901234567;
				break;
		}
	}
	for (int level = 0; level <= 1; level++)
	{
		if (!round_trip(N, level, &block, &len))
			return false;
		CHECK(encoding_of(block, len) == HD_COLUMN_VALUES_SCALED,
			  "decimals with %zu exceptions (level %d) encoded as %d",
			  sizeof(at) / sizeof(at[0]), level, encoding_of(block, len));
		if (level == 1)
			CHECK(len < small + 20 * sizeof(at) / sizeof(at[0]),
				  "%zu bytes with the exceptions, %zu without", len, small);
		free(block);
	}
	/* one value in four not a decimal: not scaled, still exact */
	for (size_t i = 0; i < N; i += 4)
		values[i] = (double) (next_random() >> 11) / 9007199254740992.0;
	if (!round_trip(N, 1, &block, &len))
		return false;
	CHECK(encoding_of(block, len) != HD_COLUMN_VALUES_SCALED,
		  "a quarter of the values exceptions, yet scaled");
	free(block);
	return true;
}

/* A block as earlier builds wrote it: header, then the uncompressed body. */
static size_t
old_block(uint8_t *out, HdColumnValues kind, const uint8_t *body, size_t body_len,
		  uint32_t count)
{
	out[0] = 'H';
	out[1] = 'C';
	out[2] = 1;
	out[3] = (uint8_t) (kind | (1u << 4));	/* values only */
	for (int b = 0; b < 4; b++)
	{
		out[4 + b] = (uint8_t) (count >> (8 * b));
		out[8 + b] = (uint8_t) (body_len >> (8 * b));
	}
	memcpy(out + 12, body, body_len);
	return 12 + body_len;
}

/* Integer deltas and decimal blocks, no longer written, still decode. */
static bool
old_encodings_decode(void)
{
	/* zigzag deltas: 5, -3, +10 then 1.25 (e 2: 125), -0.5 (-50) */
	static const uint8_t ints[] = {0x0a, 0x05, 0x14};
	static const uint8_t decimals[] = {0x02, 0xfa, 0x01, 0xdd, 0x02};
	static const uint8_t decimals_f32[] = {0x11, 0x0e};
	uint8_t		block[64];
	size_t		got;
	size_t		len;
	HdColumnStatus st;

	len = old_block(block, HD_COLUMN_VALUES_INT_DELTA, ints, sizeof(ints), 3);
	st = hd_column_decode(codec, block, len, NULL, back_values, N, &got);
	CHECK(st == HD_COLUMN_OK && got == 3, "integer deltas: %s", hd_column_status_text(st));
	CHECK(same_bits(back_values[0], 5) && same_bits(back_values[1], 2) &&
		  same_bits(back_values[2], 12), "integer deltas gave %g %g %g",
		  back_values[0], back_values[1], back_values[2]);
	len = old_block(block, HD_COLUMN_VALUES_DECIMAL, decimals, sizeof(decimals), 2);
	st = hd_column_decode(codec, block, len, NULL, back_values, N, &got);
	CHECK(st == HD_COLUMN_OK && got == 2, "decimal: %s", hd_column_status_text(st));
	CHECK(same_bits(back_values[0], 1.25) && same_bits(back_values[1], -0.5),
		  "decimal gave %.17g %.17g", back_values[0], back_values[1]);
	/* e 1, float32: 0.7 as a float32 widened */
	len = old_block(block, HD_COLUMN_VALUES_DECIMAL, decimals_f32, sizeof(decimals_f32), 1);
	st = hd_column_decode(codec, block, len, NULL, back_values, N, &got);
	CHECK(st == HD_COLUMN_OK && got == 1 && same_bits(back_values[0], (double) 0.7f),
		  "decimal float32 gave %.17g (%s)", back_values[0], hd_column_status_text(st));
	/* a delta cut short is refused */
	len = old_block(block, HD_COLUMN_VALUES_DECIMAL, decimals, 2, 2);
	st = hd_column_decode(codec, block, len, NULL, back_values, N, &got);
	CHECK(st == HD_COLUMN_CORRUPT, "a cut decimal body gave %s", hd_column_status_text(st));
	return true;
}

static bool
special_values_round_trip(void)
{
	uint64_t	payload_nan = 0x7ff4000000000123ull;
	uint64_t	neg_nan = 0xfff8000000000000ull;
	double		specials[8];

	specials[0] = NAN;
	memcpy(&specials[1], &payload_nan, 8);
	memcpy(&specials[2], &neg_nan, 8);
	specials[3] = INFINITY;
	specials[4] = -INFINITY;
	specials[5] = -0.0;
	specials[6] = 5e-324;		/* the smallest subnormal */
	specials[7] = 1.7976931348623157e308;
	for (size_t i = 0; i < 64; i++)
	{
		times[i] = (int64_t) i;
		values[i] = specials[next_random() % 8];
	}
	for (int level = 0; level <= 3; level += 3)
		if (!round_trip(64, level, NULL, NULL))
			return false;
	/* random bit patterns: the raw encoding is the smallest */
	for (size_t i = 0; i < N; i++)
	{
		uint64_t	r = next_random();

		memcpy(&values[i], &r, 8);
	}
	return round_trip(N, 1, NULL, NULL);
}

static bool
extreme_times_round_trip(void)
{
	static const int64_t edge[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};

	for (size_t i = 0; i < 7; i++)
	{
		times[i] = edge[i];
		values[i] = (double) i;
	}
	if (!round_trip(7, 1, NULL, NULL))
		return false;
	/* equal times (messages at one instant) and one pair and none */
	for (size_t i = 0; i < 100; i++)
	{
		times[i] = 42 + (int64_t) (i / 10);
		values[i] = (double) i * 0.5;
	}
	return round_trip(100, 1, NULL, NULL) && round_trip(1, 1, NULL, NULL) &&
		round_trip(0, 1, NULL, NULL);
}

static bool
unsorted_refused(void)
{
	size_t		cap = hd_column_encode_bound(3);
	uint8_t    *buf = malloc(cap);
	size_t		len;
	HdColumnStatus st;

	times[0] = 5;
	times[1] = 4;
	times[2] = 6;
	st = hd_column_encode(codec, times, values, 3, 1, buf, cap, &len);
	free(buf);
	CHECK(st == HD_COLUMN_UNSORTED, "unsorted times gave %s", hd_column_status_text(st));
	return true;
}

static bool
summary_matches_walk(void)
{
	HdColumnSummary whole;
	HdColumnSummary a;
	HdColumnSummary b;
	double		sum = 0;

	fill_float32_sensor(N);
	values[100] = NAN;
	values[200] = -1e9;
	values[300] = -1e9;			/* a tie: the first keeps its time */
	hd_column_summarize(times, values, N, &whole);
	for (size_t i = 0; i < N; i++)
		sum += values[i];
	CHECK(whole.count == N, "count %llu", (unsigned long long) whole.count);
	CHECK(isnan(whole.max) && whole.max_time == times[100], "max %g at %lld: NaN is the largest",
		  whole.max, (long long) whole.max_time);
	CHECK(whole.min == -1e9 && whole.min_time == times[200], "min %g at %lld", whole.min,
		  (long long) whole.min_time);
	CHECK(isnan(whole.sum) && isnan(sum), "sum %g with a NaN", whole.sum);
	CHECK(whole.first_time == times[0] && same_bits(whole.first, values[0]) &&
		  whole.last_time == times[N - 1] && same_bits(whole.last, values[N - 1]),
		  "first or last wrong");
	/* two halves folded give the whole */
	hd_column_summarize(times, values, 2500, &a);
	hd_column_summarize(times + 2500, values + 2500, N - 2500, &b);
	hd_column_summary_merge(&a, &b);
	CHECK(a.count == whole.count && a.min_time == whole.min_time &&
		  a.max_time == whole.max_time && a.first_time == whole.first_time &&
		  a.last_time == whole.last_time, "folded halves differ from the whole");
	/* without the NaN, a fold of halves sums within rounding */
	values[100] = 1;
	hd_column_summarize(times, values, N, &whole);
	hd_column_summarize(times, values, 2500, &a);
	hd_column_summarize(times + 2500, values + 2500, N - 2500, &b);
	hd_column_summary_merge(&a, &b);
	CHECK(fabs(a.sum - whole.sum) <= 1e-9 * fabs(whole.sum) + 1e-6, "sum %.17g, not %.17g",
		  a.sum, whole.sum);
	CHECK(!isnan(whole.max) && whole.max_time != times[100], "max still the old NaN");
	return true;
}

/* Blocks of times only and of values only, as a channel's leaves share times. */
static bool
split_blocks_round_trip(void)
{
	size_t		cap = hd_column_encode_bound(N);
	uint8_t    *tb = malloc(cap);
	uint8_t    *vb = malloc(cap);
	size_t		tlen;
	size_t		vlen;
	size_t		whole;
	uint8_t    *block;
	size_t		got;
	HdColumnInfo info;
	HdColumnStatus st;

	CHECK(tb && vb, "out of memory");
	fill_float32_sensor(N);
	st = hd_column_encode(codec, times, NULL, N, 1, tb, cap, &tlen);
	CHECK(st == HD_COLUMN_OK, "times only: %s", hd_column_status_text(st));
	st = hd_column_encode(codec, NULL, values, N, 1, vb, cap, &vlen);
	CHECK(st == HD_COLUMN_OK, "values only: %s", hd_column_status_text(st));
	CHECK(hd_column_peek(tb, tlen, &info) == HD_COLUMN_OK && info.has_times && !info.has_values,
		  "a times block says it holds values");
	CHECK(hd_column_peek(vb, vlen, &info) == HD_COLUMN_OK && !info.has_times && info.has_values,
		  "a values block says it holds times");
	memset(back_values, 0, sizeof(back_values));
	st = hd_column_decode(codec, tb, tlen, back_times, NULL, N, &got);
	CHECK(st == HD_COLUMN_OK && got == N, "times only decode: %s", hd_column_status_text(st));
	st = hd_column_decode(codec, vb, vlen, NULL, back_values, N, &got);
	CHECK(st == HD_COLUMN_OK && got == N, "values only decode: %s", hd_column_status_text(st));
	for (size_t i = 0; i < N; i++)
		CHECK(back_times[i] == times[i] && same_bits(back_values[i], values[i]),
			  "pair %zu differs", i);
	/* a block that holds values refuses to decode them into nothing */
	st = hd_column_decode(codec, vb, vlen, back_times, NULL, N, &got);
	CHECK(st != HD_COLUMN_OK, "values decoded into a NULL array");
	if (!round_trip(N, 1, &block, &whole))
		return false;
	free(block);
	CHECK(vlen < whole, "values alone (%zu bytes) no smaller than with times (%zu)", vlen, whole);
	free(tb);
	free(vb);
	return true;
}

/* Every prefix of a block, and every single changed byte, is refused or decoded within bounds. */
static bool
hostile_block_refused(void)
{
	uint8_t    *block;
	size_t		len;
	size_t		got;

	for (int level = 0; level <= 1; level++)
	{
		if (!round_trip(300, level, &block, &len))
			return false;
		for (size_t cut = 0; cut < len; cut++)
		{
			HdColumnStatus st = hd_column_decode(codec, block, cut, back_times,
												 back_values, N, &got);

			CHECK(st != HD_COLUMN_OK, "a block cut to %zu of %zu bytes decoded", cut, len);
		}
		for (size_t at = 0; at < len; at++)
			for (int bit = 0; bit < 8; bit++)
			{
				HdColumnStatus st;

				block[at] ^= (uint8_t) (1 << bit);
				st = hd_column_decode(codec, block, len, back_times, back_values, N, &got);
				CHECK(st != HD_COLUMN_OK || got <= N, "a changed block claims %zu pairs", got);
				block[at] ^= (uint8_t) (1 << bit);
			}
		/* fewer pairs allowed than the block holds */
		{
			HdColumnStatus st = hd_column_decode(codec, block, len, back_times,
												 back_values, 299, &got);

			CHECK(st == HD_COLUMN_TOO_LARGE, "a capacity of 299 for 300 pairs gave %s",
				  hd_column_status_text(st));
		}
		free(block);
	}
	return true;
}

/* float32 planes, and scaled with exceptions */
static bool
hostile_blocks_refused(void)
{
	fill_float32_sensor(300);
	if (!hostile_block_refused())
		return false;
	fill_decimals(300, true);
	values[0] = -0.0;
	values[150] = NAN;
	values[299] = 1e300;
	return hostile_block_refused();
}

int
main(void)
{
	codec = hd_column_codec_new();
	if (codec == NULL)
		return 1;
	report("float32 leaves widened round-trip, smaller than 6 bytes a pair", float32_widened_round_trips());
	report("integer leaves are scaled; -0.0 survives", integers_take_scaled());
	report("values of a few decimals are scaled", decimals_take_scaled());
	report("scaled blocks keep -0.0, NaN, infinities, stray values as exceptions", scaled_exceptions_round_trip());
	report("integer-delta and decimal blocks of earlier builds decode", old_encodings_decode());
	report("NaN payloads, infinities, -0.0, subnormals, random bits round-trip", special_values_round_trip());
	report("extreme and equal times round-trip; one pair and none", extreme_times_round_trip());
	report("times out of order are refused", unsorted_refused());
	report("summaries match a plain walk and fold in time order", summary_matches_walk());
	report("blocks of times only and of values only round-trip", split_blocks_round_trip());
	report("blocks cut short or changed are refused or stay in bounds", hostile_blocks_refused());
	hd_column_codec_free(codec);
	return unit_summary();
}
