/*-------------------------------------------------------------------------
 *
 * time.c
 *	  Support (top level, shared by every tier): conversion between MCAP
 *	  times (nanoseconds since the Unix epoch) and timestamptz
 *	  (microseconds since 2000-01-01).  The SQL functions over these are in
 *	  functions/ns_to_timestamptz.c.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "common/int.h"
#include "utils/timestamp.h"

#define UNIX_TO_PG_EPOCH_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

/* Nanoseconds to timestamptz, truncating toward minus infinity. */
TimestampTz
hdaq_ns_to_timestamptz(int64 ns)
{
	int64		us = ns / 1000;

	if (ns % 1000 < 0)
		us--;
	return us - UNIX_TO_PG_EPOCH_USECS;
}

/*
 * timestamptz to nanoseconds, false when it has none: an infinity, or a
 * time outside 1677-09-21 .. 2262-04-11 (what int64 nanoseconds hold).
 */
bool
hdaq_timestamptz_to_ns_exact(TimestampTz t, int64 *ns)
{
	if (TIMESTAMP_NOT_FINITE(t))
		return false;
	return !pg_add_s64_overflow(t, UNIX_TO_PG_EPOCH_USECS, ns) &&
		!pg_mul_s64_overflow(*ns, 1000, ns);
}

/*
 * timestamptz to nanoseconds for a bound of a selection: infinities and
 * times beyond the range clamp to the ends, which select the same.
 */
int64
hdaq_timestamptz_to_ns(TimestampTz t)
{
	int64		ns;

	if (hdaq_timestamptz_to_ns_exact(t, &ns))
		return ns;
	if (TIMESTAMP_IS_NOBEGIN(t) || (!TIMESTAMP_IS_NOEND(t) && t < 0))
		return PG_INT64_MIN;
	return PG_INT64_MAX;
}
