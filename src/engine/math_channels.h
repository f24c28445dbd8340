/*-------------------------------------------------------------------------
 *
 * math_channels.h
 *	  Engine: math channels (hdaq.math_channel), computed from their input
 *	  signals wherever a (topic, path) is read through scan_signals, and
 *	  the units of signals (hdaq.unit, hdaq.unit_conversion).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MATH_CHANNELS_H
#define HDAQ_MATH_CHANNELS_H

#include "engine/signals.h"

/*
 * Whether the store has hdaq.math_channel (hdaq.unit) and the user may
 * read it: a 0.1.0 store has neither until ALTER EXTENSION hdaq UPDATE,
 * and a role granted SELECT table by table before it lacks them.
 */
extern bool math_channels_available(void);
extern bool units_available(void);

/*
 * When some spec names a math channel (its topic and name), read every
 * spec's values into the sink as scan_signals does (a math channel's
 * value per message of its topic, found false where it has none) and
 * return true; return false having read nothing when none does.  The
 * request has been checked; the caller is connected to SPI.
 */
extern bool math_channels_scan(const SignalSpec *specs, int nspecs,
							   const ScanRequest *req, bool skip_errors,
							   SignalSink sink, void *arg);

/*
 * Check a definition: the expression parses (22023 with the position),
 * the topics it names are stored and its paths exist in their schemas,
 * and the name is not a path of the topic.  Connected to SPI.
 */
extern void math_channel_check(const char *topic, const char *name,
							   const char *expression);

/*
 * The conversion of a signal's values to unit: value * scale + offset.
 * An error (22023) when the signal's unit is not known or cannot be
 * converted.  Connected to SPI.
 */
extern void signal_unit_conversion(const SignalSpec *spec,
								   const ScanRequest *req, const char *unit,
								   double *scale, double *offset);

/*
 * The same for a unit given as argument argno (absent or NULL: no
 * conversion, scale 1 and offset 0).
 */
extern void unit_conversion_from_args(FunctionCallInfo fcinfo, int argno,
									  const SignalSpec *spec,
									  const ScanRequest *req,
									  double *scale, double *offset);

#endif							/* HDAQ_MATH_CHANNELS_H */
