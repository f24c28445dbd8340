/*-------------------------------------------------------------------------
 *
 * column_summary.c
 *	  The summary of a leaf block (count, first, last, min and max with
 *	  their times, sum), and summaries folded together in time order, so
 *	  that a question over whole blocks is answered without decoding them.
 *
 * min and max order values as PostgreSQL's float8 does (NaN above every
 * number, -0.0 equal to 0.0), so that they agree with SQL's min() and
 * max() over the decoded values; ties keep the first occurrence.
 *
 *-------------------------------------------------------------------------
 */
#include "column_int.h"

#include <math.h>

int
hd_column_float8_cmp(double a, double b)
{
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return a > b ? 1 : (a < b ? -1 : 0);
}

const char *
hd_column_status_text(HdColumnStatus status)
{
	switch (status)
	{
		case HD_COLUMN_OK:
			return "no error";
		case HD_COLUMN_TRUNCATED:
			return "leaf block cut short";
		case HD_COLUMN_CORRUPT:
			return "leaf block corrupt";
		case HD_COLUMN_TOO_LARGE:
			return "leaf block holds more values than allowed";
		case HD_COLUMN_UNSORTED:
			return "leaf block times not in ascending order";
		case HD_COLUMN_NO_MEMORY:
			return "out of memory";
		case HD_COLUMN_ZSTD_ERROR:
			return "zstd compression failed";
	}
	return "unknown leaf block error";
}

void
hd_column_summarize(const int64_t *times, const double *values, size_t count,
					HdColumnSummary *s)
{
	memset(s, 0, sizeof(*s));
	if (count == 0)
		return;
	s->count = count;
	s->first_time = times[0];
	s->first = values[0];
	s->last_time = times[count - 1];
	s->last = values[count - 1];
	s->min = s->max = values[0];
	s->min_time = s->max_time = times[0];
	for (size_t i = 0; i < count; i++)
	{
		double		v = values[i];

		s->sum += v;
		if (hd_column_float8_cmp(v, s->min) < 0)
		{
			s->min = v;
			s->min_time = times[i];
		}
		if (hd_column_float8_cmp(v, s->max) > 0)
		{
			s->max = v;
			s->max_time = times[i];
		}
	}
}

void
hd_column_summary_merge(HdColumnSummary *into, const HdColumnSummary *next)
{
	int			cmp;

	if (next->count == 0)
		return;
	if (into->count == 0)
	{
		*into = *next;
		return;
	}
	into->count += next->count;
	into->sum += next->sum;
	if (next->first_time < into->first_time)
	{
		into->first_time = next->first_time;
		into->first = next->first;
	}
	if (next->last_time >= into->last_time)
	{
		into->last_time = next->last_time;
		into->last = next->last;
	}
	cmp = hd_column_float8_cmp(next->min, into->min);
	if (cmp < 0 || (cmp == 0 && next->min_time < into->min_time))
	{
		into->min = next->min;
		into->min_time = next->min_time;
	}
	cmp = hd_column_float8_cmp(next->max, into->max);
	if (cmp > 0 || (cmp == 0 && next->max_time < into->max_time))
	{
		into->max = next->max;
		into->max_time = next->max_time;
	}
}
