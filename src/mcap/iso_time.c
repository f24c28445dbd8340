/*-------------------------------------------------------------------------
 *
 * iso_time.c
 *	  MCAP times (nanoseconds since the Unix epoch) as ISO-8601 UTC text,
 *	  for the info JSON and the hdaq command.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <stdio.h>

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void
civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t		z = days + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

void
mcap_format_iso_time(uint64_t ns, char *buf, size_t buflen)
{
	uint64_t	secs = ns / 1000000000u;
	int64_t		year;
	int			month;
	int			day;

	civil_from_days((int64_t) (secs / 86400), &year, &month, &day);
	snprintf(buf, buflen, "%04lld-%02d-%02dT%02d:%02d:%02d.%09uZ",
			 (long long) year, month, day, (int) (secs % 86400 / 3600),
			 (int) (secs % 3600 / 60), (int) (secs % 60),
			 (unsigned) (ns % 1000000000u));
}
