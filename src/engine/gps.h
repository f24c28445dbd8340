/*-------------------------------------------------------------------------
 *
 * gps.h
 *	  Engine: the GPS fixes of a run, for laps (hdaq.gate_laps) and
 *	  distance (hdaq.distance).  A fix is the latitude and longitude leaves
 *	  of one message of the GPS topic, read through engine/signals.c (the
 *	  decoded scan, no jsonb).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_GPS_H
#define HDAQ_GPS_H

#include "hdaq.h"

#include "fmgr.h"

/* Where a run's fixes are: its file, the GPS topic and the two leaves. */
typedef struct GpsSource
{
	int64		file_id;
	char	   *topic;
	char	   *lat_path;
	char	   *lon_path;
} GpsSource;

/* Receives each fix: a message holding both leaves, in log-time order. */
typedef void (*GpsFixSink) (void *arg, int64 time_ns, double lat, double lon);

/*
 * The source of arguments file_arg (file_id) and topic_arg, topic_arg + 1,
 * topic_arg + 2 (GPS topic, latitude path, longitude path); none may be
 * null.
 */
extern void gps_source_from_args(FunctionCallInfo fcinfo, int file_arg,
								 int topic_arg, GpsSource *src);

/*
 * Hand every fix of the source to the sink.  An unknown file, topic or
 * path is an error (as in hdaq.signal).  The caller is connected to SPI.
 */
extern void scan_gps_fixes(const GpsSource *src, GpsFixSink sink, void *arg);

#endif							/* HDAQ_GPS_H */
