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

/*
 * Receives each spec's value of each message of its topic: log time,
 * which spec, value; found is false when the message does not hold the
 * leaf (an index past the end of its array, an absent sub-message, a
 * missing map key or JSON member).
 */
typedef void (*SignalSink) (void *arg, int64 time_ns, int spec, double value,
							bool found);

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
