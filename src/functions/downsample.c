/*-------------------------------------------------------------------------
 *
 * downsample.c
 *	  Entry point of hdaq.downsample(topic, path, start_time, end_time,
 *	  bucket, file_id, skip_errors, unit): the M4 aggregation of one signal for
 *	  plotting.  Per time bucket it returns the first, minimum, maximum and
 *	  last samples at their own times, in time order (each sample once), so
 *	  that a line chart drawn from it is pixel-identical to one drawn from
 *	  every sample when a bucket is one pixel wide.  The samples come from
 *	  engine/signals.c.
 *
 * Buckets are aligned to multiples of the bucket width since the Unix
 * epoch, as date_bin(bucket, time, 'epoch') and Grafana's $__timeGroup
 * align them.  Samples stream through one bucket's state; only the rows
 * returned are materialised.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/decoded_scan.h"
#include "engine/math_channels.h"
#include "engine/scan.h"
#include "engine/signals.h"

#include "common/int.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_downsample);

typedef struct M4Sample
{
	int64		time_ns;
	double		value;
	int64		ordinal;		/* which sample: equal ordinals are one sample */
} M4Sample;

typedef struct M4State
{
	ReturnSetInfo *rsinfo;
	int64		bucket_ns;
	bool		open;			/* a bucket has samples */
	int64		bucket;			/* its index since the epoch */
	M4Sample	first;
	M4Sample	min;
	M4Sample	max;
	M4Sample	last;
	int64		samples;
	double		scale;			/* values converted: value * scale + offset */
	double		offset;
} M4State;

static int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int
compare_samples(const void *a, const void *b)
{
	const M4Sample *x = a;
	const M4Sample *y = b;

	return x->ordinal < y->ordinal ? -1 : (x->ordinal > y->ordinal ? 1 : 0);
}

/* Emit the open bucket's distinct samples in time (= arrival) order. */
static void
flush_bucket(M4State *s)
{
	M4Sample	points[4] = {s->first, s->min, s->max, s->last};

	if (!s->open)
		return;
	qsort(points, 4, sizeof(M4Sample), compare_samples);
	for (int i = 0; i < 4; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {0};

		if (i > 0 && points[i].ordinal == points[i - 1].ordinal)
			continue;
		values[0] = TimestampTzGetDatum(hdaq_ns_to_timestamptz(points[i].time_ns));
		values[1] = Float8GetDatum(points[i].value);
		tuplestore_putvalues(s->rsinfo->setResult, s->rsinfo->setDesc,
							 values, nulls);
	}
	s->open = false;
}

/*
 * A sample, in time order (the scan merges by log time); messages without
 * the leaf give none.
 */
static void
add_sample(void *arg, int64 time_ns, int spec, double value, bool found)
{
	M4State   *s = arg;
	M4Sample	p;
	int64		bucket;

	if (!found)
		return;
	value = value * s->scale + s->offset;
	p.time_ns = time_ns;
	p.value = value;
	p.ordinal = s->samples++;
	bucket = floor_div(time_ns, s->bucket_ns);

	if (!s->open || bucket != s->bucket)
	{
		flush_bucket(s);
		s->open = true;
		s->bucket = bucket;
		s->first = s->min = s->max = s->last = p;
		return;
	}
	s->last = p;
	if (value < s->min.value)
		s->min = p;
	if (value > s->max.value)
		s->max = p;
}

static int64
bucket_ns_from(const Interval *bucket)
{
	int64		us;
	int64		ns;

	if (bucket->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bucket must not contain months or years"),
				 errhint("Months have no fixed length; give days or less.")));
	if (pg_mul_s64_overflow(bucket->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, bucket->time, &us) ||
		pg_mul_s64_overflow(us, 1000, &ns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bucket is too large")));
	if (ns <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bucket must be positive")));
	return ns;
}

Datum
hdaq_downsample(PG_FUNCTION_ARGS)
{
	SignalSpec	spec;
	ScanRequest req;
	M4State		state = {0};

	InitMaterializedSRF(fcinfo, 0);
	signal_spec_from_args(fcinfo, &spec);
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bucket must not be null")));
	state.bucket_ns = bucket_ns_from(PG_GETARG_INTERVAL_P(4));
	state.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	memset(&req, 0, sizeof(req));
	req.topics = &spec.topic;
	req.ntopics = 1;
	scan_request_times(fcinfo, 2, 3, &req);
	req.has_file_id = PG_NARGS() > 5 && !PG_ARGISNULL(5);
	if (req.has_file_id)
		req.file_id = PG_GETARG_INT64(5);

	SPI_connect();
	unit_conversion_from_args(fcinfo, 7, &spec, &req, &state.scale, &state.offset);
	scan_signals(&spec, 1, &req, skip_errors_from_args(fcinfo, 6),
				 add_sample, &state);
	flush_bucket(&state);
	SPI_finish();
	return (Datum) 0;
}
