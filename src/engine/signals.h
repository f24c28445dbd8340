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

#include "engine/scan.h"

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
 * The pull side: one message's values of the specs of its topic at a
 * time, for a caller that hands them out one by one (the sample relation).
 */
typedef struct SignalScan SignalScan;

/* One message's values: values[i] (found[i]) is spec[i]'s. */
typedef struct SignalSamples
{
	const ScanChannel *channel;
	int			channel_index;	/* in the message scan's channels */
	int64		time_ns;
	int			n;
	const int  *spec;
	const double *values;
	const bool *found;
} SignalSamples;

/*
 * Read the specs' leaves from the messages of scan.  Each spec's path is
 * compiled now against every channel of its topic in the scan (an error
 * if the schema rules it out), and, for a topic the scan has no channel
 * of, against a stored channel of that topic, so that a path that cannot
 * exist is an error even where the selection holds no message.  The
 * caller is connected to SPI and has checked the request's names
 * (request.h); lives in CurrentMemoryContext.
 */
extern SignalScan *signal_scan_begin(const SignalSpec *specs, int nspecs,
									 MessageScan *scan, bool skip_errors);

/* The next message's values, in log-time order; false at the end. */
extern bool signal_scan_next(SignalScan *ss, SignalSamples *out);

/*
 * How many leaf block sets (one block of times and one of each leaf's
 * values) the scan has read: 0 when it decodes the messages.
 */
extern int64 signal_scan_blocks_read(const SignalScan *ss);

/* The end: one NOTICE for the messages skipped, if any. */
extern void signal_scan_end(SignalScan *ss);

/*
 * Read the specs' leaves from every message the request selects, in
 * log-time order, and hand each value found to the sink; a spec that
 * names a math channel gets its values (engine/math_channels.h).  The
 * request is checked first.  The caller is connected to SPI.
 */
extern void scan_signals(const SignalSpec *specs, int nspecs,
						 const ScanRequest *req, bool skip_errors,
						 SignalSink sink, void *arg);

/*
 * The same for specs that are all leaves (no math channel), of a request
 * already checked: math_channels.c reads a channel's inputs so.
 */
extern void scan_signal_leaves(const SignalSpec *specs, int nspecs,
							   const ScanRequest *req, bool skip_errors,
							   SignalSink sink, void *arg);

/* The (topic, path) of arguments 0 and 1, not null. */
extern void signal_spec_from_args(FunctionCallInfo fcinfo, SignalSpec *spec);

#endif							/* HDAQ_SIGNALS_H */
