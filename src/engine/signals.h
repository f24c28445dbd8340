/*-------------------------------------------------------------------------
 *
 * signals.h
 *	  Engine: the walk over numeric leaves of stored messages that
 *	  hdaq.signal, hdaq.signals and hdaq.downsample share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_SIGNALS_H
#define HDAQ_SIGNALS_H

#include "hdaq.h"

#include "fmgr.h"

/* One requested leaf: the metric name, its topic, its path. */
typedef struct SignalSpec
{
	char	   *metric;
	char	   *topic;
	char	   *path;
} SignalSpec;

/* Receives each value found: log time, which spec, value. */
typedef void (*SignalSink) (void *arg, int64 time_ns, int spec, double value);

/*
 * Read the specs' leaves from every message the request selects, in
 * log-time order, and hand each value found to the sink.  The caller is
 * connected to SPI.
 */
extern void scan_signals(const SignalSpec *specs, int nspecs,
						 const ScanRequest *req, bool skip_errors,
						 SignalSink sink, void *arg);

/* The (topic, path) of arguments 0 and 1, not null. */
extern void signal_spec_from_args(FunctionCallInfo fcinfo, SignalSpec *spec);

#endif							/* HDAQ_SIGNALS_H */
