/*-------------------------------------------------------------------------
 *
 * column.h
 *	  Leaf blocks: a run of (time, value) pairs of one numeric leaf,
 *	  encoded for time series and compressed, with its summary.
 *
 * A block holds up to HD_COLUMN_MAX_COUNT pairs in time order.  Times
 * (int64 nanoseconds) are stored as deltas of deltas; values (doubles, a
 * float32 leaf widened exactly) by the encoding that stores the block
 * smallest once compressed, each tried: Gorilla XOR of consecutive bit
 * patterns; scaled, deltas of the integers k = round(v * 10^e) (e 0 to 9,
 * as a double or as a float32 widened) for the values k / 10^e gives back
 * to the bit, the few others (-0.0, NaN, a stray value) kept whole as
 * exceptions at their positions; float32 bits in byte planes when every
 * value is a float32 widened; or the plain bit patterns.  The encoded body is compressed with zstd when that makes it
 * smaller.  Every value round-trips to the bit: NaN payloads, infinities
 * and -0.0 included.
 *
 * Layout (little-endian):
 *	  "HC", version (1), flags (bits 0-2 value encoding, bit 3 zstd, bit 4
 *	  no times, bit 5 no values), count (uint32), body length before
 *	  compression (uint32), body.
 * Body: count zigzag varints of time deltas of deltas (the first is the
 * first time itself, the second the first delta), then the values.  A
 * block may hold only times or only values: the leaves of one channel
 * share one block of times and each keeps a block of values.
 *
 * Plain C11 without PostgreSQL: errors are returned, never raised; decoding
 * checks every length against the bytes present and the caller's capacity.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_COLUMN_H
#define HDAQ_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HD_COLUMN_HEADER_SIZE 12
/* at most this many pairs in one block (bounds what decoding allocates) */
#define HD_COLUMN_MAX_COUNT (1u << 20)

typedef enum HdColumnStatus
{
	HD_COLUMN_OK = 0,
	HD_COLUMN_TRUNCATED,		/* fewer bytes than the block says it holds */
	HD_COLUMN_CORRUPT,			/* bytes that no encoder writes */
	HD_COLUMN_TOO_LARGE,		/* more pairs than the caller's capacity */
	HD_COLUMN_UNSORTED,			/* encode: times not in ascending order */
	HD_COLUMN_NO_MEMORY,
	HD_COLUMN_ZSTD_ERROR
} HdColumnStatus;

/*
 * How a block's values are encoded (flags bits 0-2).  The encoder writes
 * Gorilla, raw, float32 planes and scaled; integer deltas and decimal are
 * what earlier builds wrote (scaled holds the same values, and more), and
 * still decode.
 */
typedef enum HdColumnValues
{
	HD_COLUMN_VALUES_GORILLA = 0,
	HD_COLUMN_VALUES_INT_DELTA = 1,
	HD_COLUMN_VALUES_RAW = 2,
	HD_COLUMN_VALUES_DECIMAL = 3,
	HD_COLUMN_VALUES_FLOAT32 = 4,
	HD_COLUMN_VALUES_SCALED = 5
} HdColumnValues;
#define HD_COLUMN_NUM_VALUES 6

/* what a block's header says */
typedef struct HdColumnInfo
{
	uint32_t	count;
	HdColumnValues values;
	bool		zstd;
	bool		has_times;
	bool		has_values;
	uint32_t	body_len;		/* encoded body before compression */
} HdColumnInfo;

/*
 * A block's summary.  min and max follow PostgreSQL's float8 ordering (NaN
 * above every number, -0.0 equal to 0.0); their times are those of the
 * first occurrence.  sum is the plain sum in time order.
 */
typedef struct HdColumnSummary
{
	uint64_t	count;
	int64_t		first_time;
	int64_t		last_time;
	double		first;
	double		last;
	double		min;
	int64_t		min_time;
	double		max;
	int64_t		max_time;
	double		sum;
} HdColumnSummary;

/* Reusable compression contexts and scratch space (one per caller). */
typedef struct HdColumnCodec HdColumnCodec;

extern HdColumnCodec *hd_column_codec_new(void);
extern void hd_column_codec_free(HdColumnCodec *codec);

/* The most bytes hd_column_encode writes for count pairs. */
extern size_t hd_column_encode_bound(size_t count);

/*
 * Encode count pairs (times ascending) into out (out_cap bytes, at least
 * hd_column_encode_bound(count)); zstd_level 0 leaves the body uncompressed.
 * times NULL: a block of values only; values NULL: of times only.
 */
extern HdColumnStatus hd_column_encode(HdColumnCodec *codec,
									   const int64_t *times, const double *values,
									   size_t count, int zstd_level,
									   uint8_t *out, size_t out_cap, size_t *out_len);

/* Read and check a block's header. */
extern HdColumnStatus hd_column_peek(const uint8_t *data, size_t len,
									 HdColumnInfo *info);

/*
 * Decode a block into times and values (cap pairs each); *count is set to
 * the number of pairs.  What the block does not hold is left as it is
 * (the array may then be NULL); what it holds needs an array.
 */
extern HdColumnStatus hd_column_decode(HdColumnCodec *codec,
									   const uint8_t *data, size_t len,
									   int64_t *times, double *values,
									   size_t cap, size_t *count);

/* The summary of count pairs (count 0 gives a zero count). */
extern void hd_column_summarize(const int64_t *times, const double *values,
								size_t count, HdColumnSummary *summary);

/*
 * Fold next into into: first and last by time (a tie for last goes to
 * next, as if it came later), min and max with the earlier time on a tie.
 */
extern void hd_column_summary_merge(HdColumnSummary *into,
									const HdColumnSummary *next);

/* PostgreSQL's float8 comparison: -1, 0, 1, NaN above every number. */
extern int	hd_column_float8_cmp(double a, double b);

extern const char *hd_column_status_text(HdColumnStatus status);

#endif							/* HDAQ_COLUMN_H */
