/*-------------------------------------------------------------------------
 *
 * gps.c
 *	  Engine: the GPS fixes of a run (see gps.h).  The latitude and
 *	  longitude leaves are two signals of one topic read in one scan;
 *	  scan_signals() reports a message's leaves one after the other, so a
 *	  fix is a latitude followed by a longitude of the same message.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/gps.h"

#include "engine/signals.h"

#include "utils/builtins.h"

/* A latitude waiting for its longitude. */
typedef struct FixPairing
{
	GpsFixSink	sink;
	void	   *arg;
	bool		have_lat;
	int64		lat_time_ns;
	double		lat;
} FixPairing;

enum
{
	SPEC_LAT,
	SPEC_LON
};

static void
pair_leaves(void *arg, int64 time_ns, int spec, double value, bool found)
{
	FixPairing *p = arg;

	if (spec == SPEC_LAT)
	{
		p->have_lat = found;
		p->lat_time_ns = time_ns;
		p->lat = value;
		return;
	}
	if (found && p->have_lat && p->lat_time_ns == time_ns)
		p->sink(p->arg, time_ns, p->lat, value);
	p->have_lat = false;
}

static char *
text_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

void
gps_source_from_args(FunctionCallInfo fcinfo, int file_arg, int topic_arg,
					 GpsSource *src)
{
	if (PG_ARGISNULL(file_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("file_id must not be null")));
	src->file_id = PG_GETARG_INT64(file_arg);
	src->topic = text_arg(fcinfo, topic_arg, "gps_topic");
	src->lat_path = text_arg(fcinfo, topic_arg + 1, "lat_path");
	src->lon_path = text_arg(fcinfo, topic_arg + 2, "lon_path");
}

void
scan_gps_fixes(const GpsSource *src, GpsFixSink sink, void *arg)
{
	SignalSpec	specs[2];
	ScanRequest req;
	FixPairing	pairing = {sink, arg, false, 0, 0};
	char	   *topics[1];

	specs[SPEC_LAT].metric = specs[SPEC_LAT].path = src->lat_path;
	specs[SPEC_LON].metric = specs[SPEC_LON].path = src->lon_path;
	specs[SPEC_LAT].topic = specs[SPEC_LON].topic = src->topic;
	memset(&req, 0, sizeof(req));
	topics[0] = src->topic;
	req.topics = topics;
	req.ntopics = 1;
	req.has_file_id = true;
	req.file_id = src->file_id;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;
	scan_signals(specs, 2, &req, false, pair_leaves, &pairing);
}
